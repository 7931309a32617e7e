"""Benchmark of the two-stage scoring engine (issue 10), each figure against a baseline.

Run through ``make bench`` (``tests.benchmark_pipeline`` calls :func:`engine_benchmarks`) or
alone: ``.venv/bin/python -m tests.benchmark_engine``. The sites are synthetic (seeded) with 10
criteria and 4 hard rules, so the figures do not depend on ../shared/data. The baseline is
the one-stage engine as it was before the rewrite (``tests/_legacy_scoring.py``): every call
re-transforms every criterion, re-aggregates through pandas and rebuilds every reason text.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from criteria.matrix import build_matrix
from criteria.profiles import Profile, profile_from_dict
from criteria.scoring import weigh
from criteria.sensitivity import monte_carlo
from tests._legacy_scoring import legacy_score_candidates

USES = ("kantoor", "school", "zorg", "bedrijf", "grond", "overig", "woning", "kerk")


def _timed(function: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def synthetic_sites(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Return ``n`` synthetic candidate sites with the features :func:`engine_profile` reads.

    Labels are text in shuffled order (the tie-break must sort them); 2 % of floor areas are
    unknown and 30 % of the distances to homes are estimates (``source__`` column).
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "distance_to_bus_tram_stop_m": rng.gamma(2.0, 300.0, n),
            "distance_to_rail_station_m": rng.gamma(2.0, 1500.0, n),
            "distance_to_dagopvang_m": rng.gamma(2.0, 1200.0, n),
            "distance_to_facility_m": rng.gamma(2.0, 600.0, n),
            "distance_to_dwelling_m": rng.gamma(2.0, 80.0, n),
            "buurt_draagkracht": rng.uniform(0.0, 1.0, n),
            "buurt_address_density_per_km2": rng.lognormal(7.0, 0.8, n),
            "buurt_facilities_per_10k": rng.exponential(2.0, n),
            "floor_area_m2": rng.lognormal(6.0, 0.8, n),
            "plot_area_m2": rng.lognormal(6.5, 0.9, n),
            "use": rng.choice(USES, n),
        },
        index=pd.Index([f"S{i:07d}" for i in rng.permutation(n)], name="id"),
    )
    frame.loc[rng.random(n) < 0.02, "floor_area_m2"] = np.nan
    frame["source__distance_to_dwelling_m"] = np.where(rng.random(n) < 0.3, "estimate", "measured")
    return frame


def engine_profile(*, aggregation: str = "weighted_sum") -> Profile:
    """A profile of 10 soft criteria (every transform kind) and 4 hard rules."""

    def criterion(name: str, feature: str, transform: dict, weight: float) -> dict:
        return {
            "name": name,
            "feature": feature,
            "transform": transform,
            "weight": weight,
            "rationale": name,
        }

    cost = {"direction": "cost"}
    return profile_from_dict(
        {
            "name": "bench",
            "aggregation": aggregation,
            "constraint": [
                {"feature": "floor_area_m2", "op": ">=", "value": 100, "rationale": "room"},
                {
                    "name": "space",
                    "any_of": [
                        {"feature": "plot_area_m2", "op": ">=", "value": 300},
                        {"feature": "floor_area_m2", "op": ">=", "value": 500},
                    ],
                    "rationale": "space",
                },
                {"feature": "use", "op": "not in", "value": ["woning"], "rationale": "no home"},
                {"feature": "distance_to_dwelling_m", "op": ">=", "value": 50, "rationale": "50 m"},
            ],
            "criterion": [
                criterion(
                    "ov",
                    "distance_to_bus_tram_stop_m",
                    {"kind": "distance_decay", "half_distance_m": 400},
                    0.15,
                ),
                criterion(
                    "rail",
                    "distance_to_rail_station_m",
                    {"kind": "linear", "lower": 0, "upper": 5000, **cost},
                    0.05,
                ),
                criterion(
                    "dagopvang",
                    "distance_to_dagopvang_m",
                    {"kind": "logistic", "midpoint": 1500, "steepness": 0.004, **cost},
                    0.15,
                ),
                criterion(
                    "spread",
                    "distance_to_facility_m",
                    {"kind": "linear", "lower": 250, "upper": 1500},
                    0.1,
                ),
                criterion(
                    "homes",
                    "distance_to_dwelling_m",
                    {"kind": "linear", "lower": 50, "upper": 300},
                    0.1,
                ),
                criterion(
                    "draagkracht",
                    "buurt_draagkracht",
                    {"kind": "linear", "lower": 0, "upper": 1},
                    0.15,
                ),
                criterion(
                    "density",
                    "buurt_address_density_per_km2",
                    {"kind": "linear", "lower": 250, "upper": 2500, **cost},
                    0.05,
                ),
                criterion(
                    "few_facilities",
                    "buurt_facilities_per_10k",
                    {"kind": "threshold", "at": 3, **cost},
                    0.1,
                ),
                criterion(
                    "size", "floor_area_m2", {"kind": "gaussian", "ideal": 800, "spread": 400}, 0.1
                ),
                criterion(
                    "use",
                    "use",
                    {
                        "kind": "categorical",
                        "mapping": {"kantoor": 1, "school": 0.8},
                        "default": 0.3,
                    },
                    0.05,
                ),
            ],
        }
    )


def engine_benchmarks() -> tuple[list[tuple[str, str, float, float | None]], list[str]]:
    """Run the engine benchmarks.

    Returns
    -------
    rows
        ``(label, what, ours_s, baseline_s or None)`` for the benchmark table.
    bench
        The machine-readable ``BENCH <name> <ours_s> <baseline_s> <ratio>`` lines.
    """
    rows: list[tuple[str, str, float, float | None]] = []
    bench: list[str] = []
    profile = engine_profile()
    change = {"ov": 0.3, "draagkracht": 0.05}

    # The curve: stage 1 (transform, decide rules) and stage 2 (weigh, rank) against size.
    baseline_1m = None
    for n in (10_000, 100_000, 1_000_000):
        features = synthetic_sites(n, seed=n)
        stage1, matrix = _timed(lambda f=features: build_matrix(f, profile), repeat=1)
        stage2, _ = _timed(lambda m=matrix: weigh(m, change), repeat=7)
        old, _ = _timed(
            lambda f=features: legacy_score_candidates(f, profile, weights=change), repeat=1
        )
        label = f"{n:,}".replace(",", ".")
        rows.append(
            (f"scoring stage 1 (transform + rules), {label} sites", "once per data", stage1, None)
        )
        rows.append(
            (f"scoring stage 2 (weigh + rank), {label} sites", "weight change vs old", stage2, old)
        )
        if n == 1_000_000:
            baseline_1m, ours_1m = old, stage2
            geometric = build_matrix(features, engine_profile(aggregation="geometric_mean"))
            seconds, _ = _timed(lambda m=geometric: weigh(m, change), repeat=7)
            rows.append(
                (
                    "scoring stage 2, geometric mean, 1.000.000 sites",
                    "weight change",
                    seconds,
                    None,
                )
            )
            table, _ = _timed(lambda m=matrix: weigh(m, change).table, repeat=1)
            rows.append(
                ("full table with reasons + checks, 1.000.000 sites", "export only", table, None)
            )
        del features, matrix
    bench.append(_bench_line("score_1m", ours_1m, baseline_1m))

    features = synthetic_sites(20_000, seed=20)
    matrix = build_matrix(features, profile)
    ours, table = _timed(lambda: monte_carlo(weigh(matrix), n=1000, top_n=10).table, repeat=3)
    # Baseline: the old way, rescoring everything per draw; 10 draws, scaled to 1,000.
    rng = np.random.default_rng(0)
    w = matrix.weights()
    draws = w.to_numpy() * np.exp(0.2 * rng.standard_normal((10, len(w))) - 0.02)
    start = time.perf_counter()
    for row in draws:
        legacy_score_candidates(features, profile, weights=pd.Series(row, index=w.index))
    baseline = (time.perf_counter() - start) * 100
    rows.append(
        (
            "Monte Carlo 1.000 draws x 20.000 sites",
            "vs per-draw rescore x100",
            ours,
            baseline,
        )
    )
    bench.append(_bench_line("montecarlo", ours, baseline))
    return rows, bench


def _bench_line(name: str, ours: float, baseline: float | None) -> str:
    if baseline is None:
        return f"BENCH {name} {ours:.4f} - -"
    return f"BENCH {name} {ours:.4f} {baseline:.4f} {baseline / ours:.1f}"


def main() -> None:
    """Print the engine benchmarks alone."""
    rows, bench = engine_benchmarks()
    for label, what, ours, baseline in rows:
        base = f"{baseline:11.3f}" if baseline else ""
        ratio = f"{baseline / ours:7.0f}x" if baseline else ""
        print(f"{label:<58} {what:<24} {ours:9.4f} {base:>11} {ratio:>7}")
    print("\n".join(bench))


if __name__ == "__main__":
    main()
