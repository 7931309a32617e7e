"""Peak memory of reading and featurising a very large inventory (issue 12: 1,000,000 rows).

Run as separate steps, each in its own process so that the peak RSS is that step's alone::

    .venv/bin/python -m tests.benchmark_memory make /tmp/big.csv --rows 1000000
    /usr/bin/time -v .venv/bin/python -m tests.benchmark_memory load /tmp/big.csv
    /usr/bin/time -v .venv/bin/python -m tests.benchmark_memory score /tmp/big.csv --out X

``make`` writes a seeded inventory in Twente (the illustrative generator's 2,000 sites,
repeated with points jittered by up to 200 m, so some land outside the region as real
inventories do). ``load`` reads it and builds the feature table as the CLI does; ``score``
also scores it and streams the GeoJSON export (:class:`geo.export.GeoJSONStream`). Both print
the peak RSS after each stage (``ru_maxrss``) and the wall time. ``peak`` runs the real
``plekwijzer score`` in a fresh process and prints its peak RSS (the ``make bench`` figure
``BENCH score_1m_peak_rss_gib``). Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.datadir import resolve_data_dir
from geo.datasets.illustrative import illustrative_candidates
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.regions import resolve_region
from geo.workspace import load_region_data


def make_inventory(path: Path, *, rows: int, seed: int = 12) -> None:
    """Write a ``rows``-row inventory CSV (semicolons, decimal commas) in Twente."""
    source = resolve_data_dir()
    buurten = neighbourhoods_from_cbs(source, gemeenten=resolve_region("twente").gemeenten)
    base = illustrative_candidates(buurten, n=2_000)
    rng = np.random.default_rng(seed)
    frame = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
    frame["id"] = [f"BIG-{i:07d}" for i in range(rows)]
    frame["x"] = (frame["x"] + rng.uniform(-200, 200, rows)).round(1)
    frame["y"] = (frame["y"] + rng.uniform(-200, 200, rows)).round(1)
    frame = frame.drop(columns=["buurtcode"])
    frame.to_csv(path, sep=";", decimal=",", index=False)


#: Runs ``plekwijzer score`` in a child process and prints its own peak RSS in KiB.
_MEASURED_SCORE = """
import contextlib, io, resource, sys
import cli
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def peak_rss_of_score(path: Path, out: Path) -> float:
    """Run ``plekwijzer score`` (skaeve_huse, Twente) on ``path`` in a fresh process.

    Returns
    -------
    float
        The child's peak resident set size in GiB (``ru_maxrss``).
    """
    argv = ["score", "--region", "twente", "--profile", "skaeve_huse"]
    argv += ["--candidates", str(path), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_SCORE, *argv],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1]) / 2**20


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(path: Path) -> None:
    """Read and featurise the inventory as the CLI does; print peak RSS and time."""
    start = time.perf_counter()
    data = load_region_data(
        resolve_region("twente"),
        resolve_data_dir(),
        candidates_path=path,
        use_defaults=True,
    )
    print(
        f"rows {len(data.features):,}  outside region "
        f"{int(data.features['outside_region_reason'].notna().sum()):,}  "
        f"features {data.features.shape[1]} columns  "
        f"{data.features.memory_usage(deep=True).sum() / 2**20:,.0f} MiB in the table"
    )
    print(f"load_region_data: {time.perf_counter() - start:.1f} s, peak RSS {_peak_mib():,.0f} MiB")
    for note in data.notes:
        print("note:", note)


def score_and_export(path: Path, out: Path) -> None:
    """Load, score (skaeve_huse) and stream the GeoJSON + scenario; print peak RSS per stage."""
    from criteria.run import EXPORT_PROPERTIES, ShortlistOptions, run_scenario
    from criteria.scenario import Scenario
    from geo.export import GeoJSONStream, write_export_pair

    start = time.perf_counter()
    data = load_region_data(
        resolve_region("twente"), resolve_data_dir(), candidates_path=path, use_defaults=True
    )
    print(f"load_region_data: {time.perf_counter() - start:.1f} s, peak RSS {_peak_mib():,.0f} MiB")
    start = time.perf_counter()
    scenario = Scenario(
        profile="skaeve_huse", region="twente", shortlist=ShortlistOptions(top_n=10)
    )
    run = run_scenario(scenario, data=data).scoring
    print(f"run_scenario: {time.perf_counter() - start:.1f} s, peak RSS {_peak_mib():,.0f} MiB")
    names = [n for n in run.weights if f"raw__{n}" in run.table.columns]

    def criteria(chunk: pd.DataFrame) -> pd.DataFrame:
        columns = {
            n: (
                chunk[f"raw__{n}"].to_numpy(dtype=object),
                chunk[f"transformed__{n}"].to_numpy(dtype=float),
                chunk[f"contribution__{n}"].to_numpy(dtype=float),
            )
            for n in names
        }
        records = [
            {
                n: {
                    "raw": raw[i],
                    "transformed": transformed[i],
                    "weight": run.weights[n],
                    "contribution": contribution[i],
                }
                for n, (raw, transformed, contribution) in columns.items()
            }
            for i in range(len(chunk))
        ]
        rank = chunk["rank"].astype(object).where(chunk["rank"].notna(), None)
        return chunk.assign(criteria=records, rank=rank)

    start = time.perf_counter()
    stream = GeoJSONStream(run.table, properties=list(EXPORT_PROPERTIES), enrich=criteria)
    write_export_pair({out: stream, out.with_suffix(".scenario.json"): {"rows": len(run.table)}})
    print(
        f"export {out.stat().st_size / 2**20:,.0f} MiB: {time.perf_counter() - start:.1f} s, "
        f"peak RSS {_peak_mib():,.0f} MiB"
    )


def main() -> None:
    """Command line: ``make PATH --rows N``, ``load PATH`` or ``score PATH --out FILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["make", "load", "score", "peak"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/plekwijzer_big.geojson"))
    args = parser.parse_args()
    if args.step == "make":
        make_inventory(args.path, rows=args.rows)
        print(f"wrote {args.path} ({args.path.stat().st_size / 2**20:,.0f} MiB)")
    elif args.step == "load":
        load(args.path)
    elif args.step == "peak":
        print(f"plekwijzer score peak RSS: {peak_rss_of_score(args.path, args.out):.3f} GiB")
    else:
        score_and_export(args.path, args.out)


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
