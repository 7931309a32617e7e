"""Benchmark of the regional plan (issue 17): the MIP against the greedy ranked list.

* ``plan_240``: Drechtsteden, tussenvoorziening, the 240 illustrative candidates, N = 200
  places (a top-10 list), key inwoners, evenness 1, spacing 500 m: the whole plan (both
  ends, the chosen evenness and the frontier of five points).
* ``plan_20k``: 20,000 ILLUSTRATIVE candidates (the seeded generator of
  ``geo.datasets.illustrative``) in 14 gemeenten (Twente and six Drechtsteden gemeenten),
  both illustrative registers, N = 400 places, spacing 500 m, a buurt cap of 2, CBC limited
  to 4 s per solve (the plan states its gap).

The baseline is the greedy ranked list (:func:`criteria.shortlist.pick_sites`) for the same
number of sites with the same spacing: what ``score --top`` gives. Times exclude loading and
scoring, which both share. ``python -m tests.benchmark_pipeline plan``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from tests.benchmark_scale import ROOT, _source, report, timed

TWENTE = ["GM0147", "GM1774", "GM0153", "GM0158", "GM0164", "GM1735", "GM0168", "GM0173"]
DRECHTSTEDEN_6 = ["GM0505", "GM0642", "GM0531", "GM0590", "GM0610", "GM0482"]


def _bench(name: str, result, options, what: str) -> None:
    from criteria.plan import plan_scenario
    from criteria.shortlist import pick_sites

    seconds, plan = timed(lambda: plan_scenario(result, options), repeat=1)
    sites = len(plan.site_ids)
    greedy, _ = timed(
        lambda: pick_sites(result.table, top_n=sites, min_spacing_m=options.min_spacing_m),
        repeat=3,
    )
    report(name, f"{what}, {sites} sites ({plan.status}, gap {plan.gap:.1%})", seconds, greedy)


def bench_plan() -> None:
    """Print ``BENCH plan_240`` and ``BENCH plan_20k``."""
    from criteria.run import run_scenario
    from criteria.scenario import PlanOptions, Scenario
    from geo.datasets.illustrative import illustrative_candidates
    from geo.regions import resolve_region
    from geo.workspace import load_region_data

    source = _source()
    if source.synthetic:
        print("plan benchmarks need ../shared/data (the seed regions); skipped")
        return
    illustrative = ROOT / "data" / "illustrative"
    scenario = Scenario(
        profile="tussenvoorziening",
        region="drechtsteden",
        candidates=str(illustrative / "drechtsteden_candidates.csv"),
        facilities=str(illustrative / "drechtsteden_facilities.csv"),
    )
    options = PlanOptions(places=200, min_spacing_m=500.0)
    _bench("plan_240", run_scenario(scenario), options, "Drechtsteden, 240 candidates, N 200")

    gemeenten = tuple(TWENTE + DRECHTSTEDEN_6)
    region = resolve_region(None, gemeenten=list(gemeenten))
    with tempfile.TemporaryDirectory(prefix="plekwijzer-bench-") as folder:
        inventory = Path(folder) / "illustratief_20000.csv"
        register = Path(folder) / "register.csv"
        pd.concat(
            [
                pd.read_csv(illustrative / f"{name}_facilities.csv").assign(
                    id=lambda f, name=name: name[:2].upper() + "-" + f["id"]
                )
                for name in ("twente", "drechtsteden")
            ]
        ).to_csv(register, index=False)
        buurten = load_region_data(region, source, with_candidates=False).buurten
        illustrative_candidates(buurten, n=20_000).to_csv(inventory, index=False)
        scenario = Scenario(
            profile="tussenvoorziening",
            gemeenten=gemeenten,
            candidates=str(inventory),
            facilities=str(register),
        )
        result = run_scenario(scenario)
        options = PlanOptions(places=400, min_spacing_m=500.0, max_per_buurt=2, time_limit_s=4.0)
        _bench("plan_20k", result, options, "14 gemeenten, 20,000 candidates, N 400")


if __name__ == "__main__":
    bench_plan()
