"""National screening: score a candidate feature table partitioned by gemeente.

One function scores one partition (:func:`screen_partition`); the same function runs on a
whole table in one process (:func:`screen_table`) or on every partition of a national
table with dask-geopandas on a dask.distributed cluster (:func:`screen_dataset`): a local
cluster of this machine's cores by default, or a real cluster given by its scheduler
address. Scores do not depend on which rows share a partition (every transform works row
by row), and ranks are per gemeente, so a table partitioned by gemeente gives exactly the
unpartitioned result.

A partitioned table is a folder of (Geo)Parquet files, one per gemeente, each with a
``gemeentecode`` column (:func:`write_partitioned` writes one). Rows are the candidate
feature table of :func:`geo.features.candidate_features`, with ``id`` and ``gemeentecode``.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria._errors import FeatureTableError
from criteria.profiles import Profile
from criteria.scoring import score

#: Columns of a screening result (plus ``geometry`` when the input has one).
SCREEN_COLUMNS = ("id", "gemeentecode", "score", "excluded", "rank_in_gemeente")
#: ``scheduler`` values that run on dask's local schedulers without dask.distributed.
LOCAL_SCHEDULERS = ("threads", "processes", "synchronous")
#: Rows a partition of a screened dataset holds at least (whole gemeente files are joined).
ROWS_PER_PARTITION = 250_000


def screen_partition(
    features: pd.DataFrame,
    profile: Profile,
    *,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Score one partition: score, exclusion and rank within each gemeente.

    Parameters
    ----------
    features
        Candidate features with unique ``id`` and ``gemeentecode`` columns; every gemeente
        present must be complete in this partition (ranks are per gemeente).
    profile
        The facility profile.
    weights
        Weight overrides by criterion name.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        :data:`SCREEN_COLUMNS` in input order (a GeoDataFrame with the input's geometry when
        it has one). ``rank_in_gemeente`` is 1 for the best eligible site of its gemeente,
        <NA> when excluded; ties go to the smaller id.
    """
    for column in ("id", "gemeentecode"):
        if column not in features.columns:
            msg = (
                f"de kandidatentabel heeft een kolom {column!r} nodig; ze heeft "
                f"{list(features.columns)}."
            )
            raise FeatureTableError(msg)
    ids = features["id"].astype(str).to_numpy()
    indexed = features.set_axis(pd.Index(ids, name=None), axis="index")
    scored = score(indexed, profile, weights=weights)
    out = pd.DataFrame(
        {
            "id": ids,
            "gemeentecode": features["gemeentecode"].astype(str).to_numpy(),
            "score": np.asarray(scored.score, dtype=float),
            "excluded": np.asarray(scored.excluded, dtype=bool),
        },
        index=features.index,
    )
    out["rank_in_gemeente"] = _rank_within(out)
    if isinstance(features, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(out, geometry=features.geometry.to_numpy(), crs=features.crs)
    return out


def _rank_within(frame: pd.DataFrame) -> pd.Series:
    """1 = best eligible site per gemeente; ties by id, so row order never matters.

    Positional (numpy), so partitions joined from several files may repeat index labels.
    """
    eligible = np.flatnonzero(~frame["excluded"].to_numpy(bool))
    codes = frame["gemeentecode"].to_numpy(dtype=str)[eligible]
    ids = frame["id"].to_numpy(dtype=str)[eligible]
    score = np.round(frame["score"].to_numpy(dtype=float)[eligible], 12)
    order = np.lexsort((ids, -score, codes))  # the last key sorts first
    codes = codes[order]
    step = np.arange(len(order))
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(order) else np.array([], bool)
    first = np.maximum.accumulate(np.where(starts, step, 0)) if len(order) else step
    ranks = pd.array(np.full(len(frame), pd.NA), dtype="Int64")
    ranks[eligible[order]] = step - first + 1
    return pd.Series(ranks, index=frame.index, name="rank_in_gemeente")


def screen_table(
    features: pd.DataFrame, profile: Profile, *, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Screen a whole table in this process (the one-machine path; same result)."""
    return screen_partition(features, profile, weights=weights)


def national_top(result: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """Return the ``n`` best eligible sites (score descending, ties by id)."""
    eligible = result.loc[~result["excluded"].to_numpy(bool)]
    ordered = eligible.sort_values(["score", "id"], ascending=[False, True], kind="stable")
    return pd.DataFrame(ordered.head(n)[list(SCREEN_COLUMNS)]).reset_index(drop=True)


def write_partitioned(features: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write a candidate table as one (Geo)Parquet file per gemeente in ``folder``.

    Parameters
    ----------
    features
        Candidate features with a ``gemeentecode`` column (a GeoDataFrame keeps its
        geometry: GeoParquet).
    folder
        Created when absent; files are named ``<gemeentecode>.parquet``.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code, part in features.groupby("gemeentecode", sort=True):
        path = folder / f"{code}.parquet"
        part.reset_index(drop=True).to_parquet(path, index=False)
        written.append(path)
    return written


def _parquet_files(path: Path) -> list[Path]:
    from geo._errors import PlekwijzerInputError

    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        msg = (
            f"{path}: geen Parquet-bestanden gevonden; geef een map met één .parquet-bestand per "
            "gemeente (criteria.screening.write_partitioned schrijft die) of een .parquet-bestand."
        )
        raise PlekwijzerInputError(msg)
    return files


def _is_geoparquet(path: Path) -> bool:
    import pyarrow.parquet as pq

    return b"geo" in (pq.read_schema(path).metadata or {})


def _meta(geo: bool, crs: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": pd.Series(dtype=str),
            "gemeentecode": pd.Series(dtype=str),
            "score": pd.Series(dtype=float),
            "excluded": pd.Series(dtype=bool),
            "rank_in_gemeente": pd.Series(dtype="Int64"),
        }
    )
    if not geo:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs).to_numpy(), crs=crs)


def _partition_top(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    return national_top(frame, n=n)


def _partition_counts(frame: pd.DataFrame) -> pd.DataFrame:
    excluded = frame["excluded"].to_numpy(bool)
    return pd.DataFrame({"candidates": [len(frame)], "excluded": [int(np.sum(excluded))]})


def screen_dataset(
    path: str | Path,
    profile: Profile,
    *,
    out: str | Path,
    weights: Mapping[str, float] | None = None,
    scheduler: str | None = None,
    top_n: int = 10,
) -> dict[str, Any]:
    """Screen a partitioned national table with dask: one task per gemeente file.

    Parameters
    ----------
    path
        A folder of Parquet files, one per gemeente (or a single file, one partition per
        row group: then every gemeente must lie within one row group).
    profile
        The facility profile.
    out
        Output folder: one (Geo)Parquet file per partition (one or more whole gemeenten)
        with :data:`SCREEN_COLUMNS`.
    weights
        Weight overrides by criterion name.
    scheduler
        None for a local dask.distributed cluster of one single-threaded worker process
        per core; a scheduler address (``tcp://host:8786``) for a real cluster, whose
        workers have plekwijzer installed and can read ``path`` and write ``out``; or one
        of :data:`LOCAL_SCHEDULERS` for dask's local schedulers (no dask.distributed).
    top_n
        How many of the best sites nationally to return.

    Returns
    -------
    dict
        ``{"candidates", "excluded", "partitions", "top" (DataFrame), "seconds",
        "scheduler"}``; ``partitions`` counts the tasks after joining small gemeente files
        into partitions of about :data:`ROWS_PER_PARTITION` rows.
    """
    import dask
    import dask.dataframe as dd
    import pyarrow.parquet as pq

    started = time.perf_counter()
    path = Path(path)
    files = _parquet_files(path)
    geo = _is_geoparquet(files[0])
    source = [str(f) for f in files]
    if geo:
        import dask_geopandas

        table = dask_geopandas.read_parquet(source, split_row_groups=path.is_file())
    else:
        table = dd.read_parquet(source, split_row_groups=path.is_file())
    crs = getattr(table, "crs", None)
    if not path.is_file():
        # Small gemeenten cost more in per-task overhead than in scoring: join neighbouring
        # files into partitions of about ROWS_PER_PARTITION rows (never splitting a file).
        rows = sum(pq.read_metadata(f).num_rows for f in files)
        wanted = max(1, min(len(files), math.ceil(rows / ROWS_PER_PARTITION)))
        if wanted < table.npartitions:
            table = table.repartition(npartitions=wanted)
    result = table.map_partitions(
        screen_partition, profile, weights=weights, meta=_meta(geo, crs), align_dataframes=False
    )
    writing = result.to_parquet(str(out), write_index=False, compute=False)
    top = result.map_partitions(_partition_top, top_n, meta=_meta(False, None))
    counts = result.map_partitions(
        _partition_counts,
        meta=pd.DataFrame({"candidates": pd.Series(dtype=int), "excluded": pd.Series(dtype=int)}),
    )
    with _compute_on(scheduler) as (name, options):
        _, top_frame, count_frame = dask.compute(writing, top, counts, **options)
    return {
        "candidates": int(count_frame["candidates"].sum()),
        "excluded": int(count_frame["excluded"].sum()),
        "partitions": table.npartitions,
        "top": national_top(top_frame, n=top_n),
        "seconds": time.perf_counter() - started,
        "scheduler": name,
    }


@contextmanager
def _compute_on(scheduler: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield a description of the dask scheduler and the options for ``dask.compute``."""
    if scheduler in LOCAL_SCHEDULERS:
        yield str(scheduler), {"scheduler": scheduler}
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        name = f"local cluster, {len(cluster.workers)} worker processes"
    else:
        client = Client(scheduler)
        name = f"cluster at {scheduler}"
    try:
        yield name, {"scheduler": client}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
