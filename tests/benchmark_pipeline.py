"""Benchmark of the hot paths, each against a simple baseline in the same run.

Run: ``make bench`` (or ``.venv/bin/python -m tests.benchmark_pipeline``; add ``cover`` for
the coverage planning part only). Prints figures;
asserts nothing about time (speed is reported, not unit-tested). Uses ../shared/data when
present, else the synthetic demo.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria.coverage import CoverageProblem, solve_coverage
from criteria.coverage_plan import plan_coverage
from criteria.profiles import load_profile
from criteria.run import ShortlistOptions, prepare, run_scenario
from criteria.scenario import Scenario
from criteria.scoring import score
from geo.datadir import DataSource, resolve_data_dir
from geo.datasets.illustrative import illustrative_paths
from geo.features import nearest_distance_m
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.regions import resolve_region
from geo.workspace import load_region_data
from tests.benchmark_engine import engine_benchmarks
from tests.benchmark_layers import layer_benchmarks


def timed(function: Callable[[], object], *, repeat: int = 3) -> tuple[float, object]:
    """Return the best wall time in seconds of ``repeat`` runs and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_nearest(points: gpd.GeoSeries, targets: gpd.GeoSeries) -> list[float]:
    """Baseline: one geopandas distance call per point."""
    return [float(targets.distance(point).min()) for point in points]


def naive_score(features: pd.DataFrame, profile_name: str) -> list[float]:
    """Baseline: a per-row Python loop applying linear transforms (no constraints)."""
    profile = load_profile(profile_name)
    weights = profile.weights
    linear = [
        c
        for c in profile.criteria
        if c.transform["kind"] == "linear" and c.feature in features.columns
    ]
    scores = []
    for _, row in features.iterrows():
        total = 0.0
        for criterion in linear:
            lo, hi = criterion.transform["lower"], criterion.transform["upper"]
            value = row[criterion.feature]
            if value != value:  # NaN
                continue
            t = min(max((value - lo) / (hi - lo), 0.0), 1.0)
            if criterion.transform.get("direction") == "cost":
                t = 1.0 - t
            total += weights[criterion.name] * t
        scores.append(total)
    return scores


def core() -> None:
    """Run the pipeline benchmarks and print a table."""
    source = resolve_data_dir()
    print(source.describe())
    rows = []

    seconds, buurten = timed(lambda: neighbourhoods_from_cbs(source), repeat=3)
    rows.append(("load national buurt layer", f"{len(buurten)} buurten", seconds, None))

    region = resolve_region("demo" if source.synthetic else "twente")
    seconds, data = timed(lambda: load_region_data(region, source), repeat=3)
    rows.append((f"load {region.name} + features", f"{len(data.features)} sites", seconds, None))

    # Many sites: points drawn in the national buurten against the region's stops.
    rng = np.random.default_rng(1)
    shaped = buurten[buurten.geometry.notna()]
    n_sites = 20_000 if not source.synthetic else 2_000
    points = shaped.sample(n_sites, replace=True, random_state=1).geometry
    points = points.sample_points(1, rng=rng).get_geometry(0)
    points.index = range(len(points))
    stops = data.stops.geometry
    fast, _ = timed(lambda: nearest_distance_m(points, stops, name="d"), repeat=3)
    subset = points.iloc[:500]
    slow, _ = timed(lambda: naive_nearest(subset, stops), repeat=1)
    slow_scaled = slow * len(points) / len(subset)
    rows.append(
        (
            f"nearest stop, {n_sites} sites x {len(stops)} stops",
            "STRtree vs per-site",
            fast,
            slow_scaled,
        )
    )

    features = pd.concat([data.features] * (20_000 // max(len(data.features), 1) + 1))
    features = features.iloc[:20_000].reset_index(drop=True)
    features.index = features.index.astype(str)
    for name in ("noaberhuuske", "tussenvoorziening", "skaeve_huse"):
        profile = load_profile(name)
        fast, _ = timed(lambda p=profile: score(features, p).table, repeat=3)
        sample = features.iloc[:2_000]
        slow, _ = timed(lambda n=name, s=sample: naive_score(s, n), repeat=1)
        rows.append(
            (
                f"score {name}, {len(features)} sites",
                "vectorised vs row loop",
                fast,
                slow * len(features) / len(sample),
            )
        )

    profile = load_profile("tussenvoorziening")
    weights = profile.weights.to_dict()
    first = next(iter(weights))
    moved = Scenario(
        profile=profile.name,
        region=region.name,
        weights=((first, weights[first] * 1.5),),
        shortlist=ShortlistOptions(top_n=10, min_spacing_m=1000),
    )
    prepared = prepare(moved, data)

    def weight_change() -> object:
        return prepared.score(moved)

    seconds, _ = timed(weight_change, repeat=5)
    rows.append(
        (
            f"weight change -> rescore + shortlist ({region.name})",
            f"{len(data.features)} sites",
            seconds,
            None,
        )
    )

    layer_rows, bench_lines = layer_benchmarks(source)  # issue 9 layers and features_1m
    rows += layer_rows
    engine_rows, engine_lines = engine_benchmarks()
    rows.extend(engine_rows)
    bench_lines += engine_lines

    print(f"{'benchmark':<58} {'what':<24} {'ours s':>9} {'baseline s':>11} {'ratio':>7}")
    for label, what, ours, baseline in rows:
        ratio = f"{baseline / ours:7.2f}x" if baseline else ""
        base = f"{baseline:11.3f}" if baseline else ""
        print(f"{label:<58} {what:<24} {ours:9.4f} {base:>11} {ratio:>7}")
    print("\n".join(bench_lines))
    cover_benchmarks(source)


def synthetic_cover_problem(n_candidates: int, *, n_demand: int = 300) -> CoverageProblem:
    """A Twente-sized synthetic case: buurt points and candidates in a 40 km square, 3 km."""
    rng = np.random.default_rng(n_candidates)
    demand = rng.uniform(0, 40_000, (n_demand, 2))
    sites = rng.uniform(0, 40_000, (n_candidates + 2, 2))
    cost = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    return CoverageProblem.from_cost_matrix(
        cost,
        reach_m=3_000.0,
        demand_ids=[f"BU{i:08d}" for i in range(n_demand)],
        inhabitants=rng.integers(50, 5_000, n_demand),
        site_ids=[f"S{j}" for j in range(n_candidates + 2)],
        existing=np.arange(n_candidates + 2) < 2,
        scores=rng.uniform(0, 1, n_candidates + 2),
    )


def cover_benchmarks(source: DataSource) -> None:
    """Coverage planning: Twente with the illustrative inventory, and synthetic growth.

    Prints ``BENCH <name> <seconds> - -`` lines (no baseline): the wall time of one plan,
    spopt model building and both CBC solves included.
    """
    if not source.synthetic:
        paths = illustrative_paths("twente")
        data = load_region_data(
            resolve_region("twente"),
            source,
            candidates_path=paths["candidates"],
            facilities_path=paths["facilities"],
            use_defaults=False,
        )
        run = run_scenario(Scenario(profile="noaberhuuske", region="twente"), data=data).scoring
        for reach_m in (3_000.0, 5_000.0):
            seconds, plan = timed(
                lambda r=reach_m: plan_coverage(
                    buurten=data.buurten,
                    table=run.table,
                    facilities=data.facilities,
                    facility_type="noaberhuuske",
                    reach_m=r,
                ),
                repeat=3,
            )
            result = plan.result
            print(
                f"cover twente {reach_m:.0f} m: {len(run.table)} candidates, "
                f"{len(plan.demand)} buurten -> {len(result.new_sites)} new sites "
                f"(solve {result.solve_s:.3f} s)"
            )
            if reach_m == 3_000.0:
                print(f"BENCH cover_twente {seconds:.4f} - -")
    else:
        print("cover twente: skipped, ../shared/data is absent")
    for n in (250, 1_000, 2_500, 5_000):
        problem = synthetic_cover_problem(n)
        seconds, result = timed(lambda p=problem: solve_coverage(p), repeat=1 if n > 1_000 else 3)
        seconds_mclp, _ = timed(lambda p=problem: solve_coverage(p, n_sites=10), repeat=1)
        print(
            f"cover synthetic {n} candidates x {len(problem.demand_ids)} buurten: "
            f"LSCP {len(result.new_sites)} sites {seconds:.3f} s, "
            f"MCLP 10 sites {seconds_mclp:.3f} s"
        )
        print(f"BENCH cover_{n} {seconds:.4f} - -")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks: all, or the groups named (``core`` and those of benchmark_scale).

    ``python -m tests.benchmark_pipeline map national`` runs two groups.
    """
    from tests import benchmark_scale

    groups = sys.argv[1:] if argv is None else argv
    unknown = set(groups) - {"core", *benchmark_scale.GROUPS}
    if unknown:
        known = ", ".join(["core", *benchmark_scale.GROUPS])
        msg = f"unknown benchmark group(s) {sorted(unknown)}: choose from {known}"
        raise SystemExit(msg)
    if not groups or "core" in groups:
        core()
    scale = [g for g in groups if g != "core"]
    if scale or not groups:
        benchmark_scale.main(scale or None)


if __name__ == "__main__":
    if sys.argv[1:] == ["cover"]:
        cover_benchmarks(resolve_data_dir())
    else:
        main()
