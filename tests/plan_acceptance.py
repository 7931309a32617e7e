"""Acceptance figures of the regional plan (issue 17) on the four seed regions x three profiles.

Illustrative inventory and register, N = the places of the score command's top-10 list,
evenness 1. Checks per run: no gemeente at or above its fair share receives places while a
gemeente below it that has an eligible site receives none; the headline index after <= before;
mean suitability >= 90 % of the best-sites list (the top-10 list). Prints one line per run.

Run: ``.venv/bin/python -m tests.plan_acceptance`` (about a minute; needs ../shared/data).
"""

from __future__ import annotations

import sys
import time

from criteria.plan import plan_scenario, site_places
from criteria.plan_result import PlanResult
from criteria.run import ScenarioResult, run_scenario
from criteria.scenario import PlanOptions, Scenario

REGIONS = ("twente", "amersfoort", "drechtsteden", "zuid_kennemerland")
PROFILES = ("noaberhuuske", "tussenvoorziening", "skaeve_huse")


def _explain(result: ScenarioResult, plan: PlanResult) -> None:
    """Print per gemeente where the best-sites list and the plan put their sites, and why.

    Columns: target places, planned places (sites), sites of the top-10 list there, mean
    score of the planned sites, and the scores of its three best eligible sites.
    """
    table = result.table
    eligible = table[table["rank"].notna() & ~table["excluded"]]
    top = result.shortlist
    print(
        f"    {'gemeente':<22} {'target':>7} {'planned':>11} {'top10':>5} {'mean plan':>9}  "
        "best eligible"
    )
    for g in plan.gemeenten:
        mine = eligible[eligible["gemeentecode"] == g.gemeentecode]["score"]
        planned = table.loc[[i for i in plan.site_ids if i in mine.index], "score"]
        in_top = int((top["gemeentecode"] == g.gemeentecode).sum())
        if not (g.planned or in_top):
            continue
        best = ", ".join(f"{v:.3f}" for v in mine.nlargest(3))
        mean = f"{planned.mean():.3f}" if len(planned) else "-"
        print(
            f"    {g.naam:<22} {g.target:>7.1f} {g.planned:>5.0f} ({g.sites:>2}) "
            f"{in_top:>5} {mean:>9}  {best}"
        )


def main() -> int:
    failures = 0
    print(
        f"{'region':<18} {'profile':<18} {'N':>4} {'index before':>12} {'top-10 after':>12} "
        f"{'plan after':>10} {'mean top10':>10} {'mean plan':>9} {'ratio':>6} {'fair':>5} "
        f"{'status':>9} {'s':>5}"
    )
    for region in REGIONS:
        for profile in PROFILES:
            scenario = Scenario(profile=profile, region=region, use_defaults=True)
            result = run_scenario(scenario)
            top = result.shortlist
            places = site_places(result.table, result.data.features, facility_type=profile)
            n = int(places.reindex(top.index).sum())
            start = time.perf_counter()
            plan = plan_scenario(result, PlanOptions(places=n, evenness=1.0))
            seconds = time.perf_counter() - start
            mean_top = float(top["score"].mean())
            above_gets = [g for g in plan.gemeenten if g.target <= 0 and g.planned > 0]
            below_none = [
                g for g in plan.gemeenten
                if g.target > 0 and g.planned == 0 and g.eligible_sites > 0
            ]  # fmt: skip
            # Violations: gemeenten at or above their share that get places while one below
            # it with an eligible site gets none.
            violations = len(above_gets) if below_none else 0
            fair = not violations
            ratio = plan.mean_score / mean_top
            ok = fair and plan.index_after <= plan.index_before + 1e-12 and ratio >= 0.9
            failures += not ok
            print(
                f"{region:<18} {profile:<18} {n:>4} {plan.index_before:>12.3f} "
                f"{result.spread.after.indices.gini:>12.3f} {plan.index_after:>10.3f} "
                f"{mean_top:>10.3f} {plan.mean_score:>9.3f} {ratio:>6.1%} "
                f"{'ok' if fair else violations:>5} {plan.status:>9} {seconds:>5.2f}"
                + ("" if ok else "  <- FAILS")
            )
            if ratio < 0.9:
                _explain(result, plan)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
