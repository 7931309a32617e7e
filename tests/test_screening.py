"""National screening: partitioned by gemeente, the same scores as one unpartitioned run."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from cli import main
from criteria import screening
from criteria._errors import FeatureTableError, ProfileError
from criteria.profiles import load_profile
from criteria.scoring import score
from criteria.screening import (
    SCREEN_COLUMNS,
    national_top,
    screen_dataset,
    screen_partition,
    screen_table,
    write_partitioned,
)
from geo._errors import PlekwijzerInputError
from geo.settings import CRS_RD

USES = ["kantoor", "school", "zorg", "grond", "bedrijf"]


@pytest.fixture
def features() -> gpd.GeoDataFrame:
    """60 candidates in three gemeenten, with the tussenvoorziening features; seeded."""
    rng = np.random.default_rng(7)
    n = 60
    frame = gpd.GeoDataFrame(
        {
            "id": [f"S{i:03d}" for i in range(n)],
            "gemeentecode": rng.choice(["GM0153", "GM0164", "GM1774"], n),
            "use": rng.choice(USES, n),
            "floor_area_m2": rng.choice([300.0, 800.0, 1500.0, np.nan], n),
            "buurt_draagkracht": rng.uniform(0, 1, n),
            "facilities_within_1000m": rng.integers(0, 6, n).astype(float),
            "walk_to_bus_tram_stop_m": rng.uniform(0, 2600, n),
            "walk_to_dagopvang_m": rng.uniform(0, 6000, n),
            "buurt_distance_to_supermarket_km": rng.uniform(0, 3, n),
            "buurt_distance_to_gp_km": rng.uniform(0, 3, n),
        },
        geometry=gpd.points_from_xy(rng.uniform(2e5, 3e5, n), rng.uniform(4e5, 5e5, n)),
        crs=CRS_RD,
    )
    # Two equal scores in one gemeente: ties go to the smaller id.
    frame.loc[5, frame.columns.drop(["id", "geometry"])] = frame.loc[4].drop(["id", "geometry"])
    return frame


def test_partitioned_scores_equal_unpartitioned_score_candidates(
    features: gpd.GeoDataFrame,
) -> None:
    profile = load_profile("tussenvoorziening")
    whole = score(features.set_index("id", drop=False), profile).table
    parts = pd.concat(
        [screen_partition(part, profile) for _, part in features.groupby("gemeentecode")]
    ).sort_index()
    assert list(parts.columns) == [*SCREEN_COLUMNS, "geometry"]
    assert parts["id"].tolist() == features["id"].tolist()
    # Equal up to the last bit of summation order (numpy sums blocks of different lengths).
    np.testing.assert_allclose(parts["score"], whole["score"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(parts["excluded"].to_numpy(), whole["excluded"].to_numpy())
    pd.testing.assert_frame_equal(parts, screen_table(features, profile))
    assert parts.geometry.equals(features.geometry)


def test_rank_within_gemeente(features: gpd.GeoDataFrame) -> None:
    result = screen_table(features, load_profile("tussenvoorziening"))
    for code, group in result.groupby("gemeentecode"):
        eligible = group[~group["excluded"]].sort_values(["score", "id"], ascending=[False, True])
        assert eligible["rank_in_gemeente"].tolist() == list(range(1, len(eligible) + 1)), code
        assert group.loc[group["excluded"], "rank_in_gemeente"].isna().all()
    tied = result.loc[[4, 5]]
    if not tied["excluded"].any():
        assert tied["rank_in_gemeente"].iloc[0] < tied["rank_in_gemeente"].iloc[1]


def test_national_top_is_the_best_eligible(features: gpd.GeoDataFrame) -> None:
    result = screen_table(features, load_profile("tussenvoorziening"))
    top = national_top(result, n=5)
    best = result[~result["excluded"]].sort_values(["score", "id"], ascending=[False, True])
    assert top["id"].tolist() == best["id"].head(5).tolist()


def test_weights_change_the_screening(features: gpd.GeoDataFrame) -> None:
    profile = load_profile("tussenvoorziening")
    base = screen_table(features, profile)
    shifted = screen_table(features, profile, weights={"ov_access": 5.0})
    assert not np.allclose(base["score"], shifted["score"])
    with pytest.raises(ProfileError, match="nearest_pub"):
        screen_table(features, profile, weights={"nearest_pub": 1.0})


def test_missing_id_column_is_named(features: gpd.GeoDataFrame) -> None:
    with pytest.raises(FeatureTableError, match="kolom 'id' nodig"):
        screen_table(features.drop(columns="id"), load_profile("tussenvoorziening"))


@pytest.mark.parametrize(
    ("geo", "rows_per_partition", "partitions"),
    [(True, 1_000_000, 1), (False, 1_000_000, 1), (True, 45, 2), (True, 1, 3)],
)
def test_dataset_on_dask_matches_one_process(
    features: gpd.GeoDataFrame,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    geo: bool,
    rows_per_partition: int,
    partitions: int,
) -> None:
    # Small gemeente files are joined into partitions, never split.
    monkeypatch.setattr(screening, "ROWS_PER_PARTITION", rows_per_partition)
    profile = load_profile("tussenvoorziening")
    table = features if geo else pd.DataFrame(features.drop(columns="geometry"))
    files = write_partitioned(table, tmp_path / "national")
    assert [f.name for f in files] == ["GM0153.parquet", "GM0164.parquet", "GM1774.parquet"]
    report = screen_dataset(
        tmp_path / "national", profile, out=tmp_path / "out", scheduler="synchronous", top_n=3
    )
    assert report["partitions"] == partitions
    assert report["candidates"] == len(features)
    expected = screen_table(table, profile)
    assert report["excluded"] == int(expected["excluded"].sum())
    assert report["top"]["id"].tolist() == national_top(expected, n=3)["id"].tolist()
    reader = gpd.read_parquet if geo else pd.read_parquet
    written = pd.concat([reader(p) for p in sorted((tmp_path / "out").glob("*.parquet"))])
    written = written.set_index("id").loc[expected["id"]]
    np.testing.assert_allclose(written["score"], expected["score"], rtol=0, atol=1e-12)
    assert written["rank_in_gemeente"].tolist() == expected["rank_in_gemeente"].tolist()
    assert isinstance(written, gpd.GeoDataFrame) == geo


def test_dataset_without_parquet_files_is_refused(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        PlekwijzerInputError, match=r"geen Parquet-bestanden gevonden.*één \.parquet-bestand"
    ):
        screen_dataset(
            tmp_path / "empty",
            load_profile("tussenvoorziening"),
            out=tmp_path / "out",
            scheduler="synchronous",
        )


def test_cli_screen(features: gpd.GeoDataFrame, tmp_path, capsys) -> None:
    write_partitioned(features, tmp_path / "national")
    args = ["screen", "--candidates", str(tmp_path / "national"), "--profile",
            "tussenvoorziening", "--scheduler", "synchronous", "--top", "2"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert f"{len(features)} kandidaten in 1 partitie(s)" in captured.err
    assert len(captured.out.splitlines()) == 2
    # The output folder now exists: a second run refuses to mix its files in.
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "bestaat al" in capsys.readouterr().err
