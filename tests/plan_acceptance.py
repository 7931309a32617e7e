"""Acceptance figures of the regional plan (issue 17) on the four seed regions x three profiles.

Illustrative inventory and register, N = the places of the score command's top-10 list,
evenness 1. Checks per run: no gemeente at or above its fair share receives places while a
gemeente below it that has an eligible site receives none; the headline index after <= before;
mean suitability >= 90 % of the best-sites list (the top-10 list). Prints one line per run.

Then two tables, one line per run, on whether rules (a) and (c) can hold together (each
plan with its mean suitability as % of the top-10 list, rule (a), ``D`` = distance from the
key that evenness 1 minimises, the index after and (b)):

1. evenness 1, evenness 0 (the plan's best sites) and the most suitable plan keeping rule
   (a) (:func:`tests.plan_rule.best_keeping_rule`, same N, spacing and caps). Its 90 % or
   more means (a) and (c) can both hold there and evenness 1's closeness objective is what
   costs the suitability; below 90 % the two criteria conflict on this data.
2. on the evenness grid 0, 0,05, ..., 1 the highest evenness whose plan still reaches 90 %
   and the highest whose plan keeps (a), (b) and (c); and the plan closest to the key
   keeping (a) and (c) (:func:`tests.plan_rule.closest_keeping_rule`): the least ``D``
   the criteria allow, against evenness 1's.

Run: ``.venv/bin/python -m tests.plan_acceptance`` (about a minute; needs ../shared/data).
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from criteria.plan import _index, plan_scenario, site_places
from criteria.plan_result import PlanResult
from criteria.plan_solver import PlanProblem, solve_ends_large, solve_plan
from criteria.run import ScenarioResult, run_scenario
from criteria.scenario import PlanOptions, Scenario
from tests.plan_rule import best_keeping_rule, closest_keeping_rule, rule_violations

REGIONS = ("twente", "amersfoort", "drechtsteden", "zuid_kennemerland")
PROFILES = ("noaberhuuske", "tussenvoorziening", "skaeve_huse")

#: Criterion (c): the plan's mean suitability against the top-10 list's.
MIN_RATIO = 0.9
#: The evenness grid searched for the most even plan that still meets (c).
GRID = tuple(round(0.05 * k, 2) for k in range(21))


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


@dataclass(frozen=True)
class _Gemeenten:
    """Per gemeente of a plan: what rule (a) and the headline index need."""

    targets: np.ndarray
    existing: np.ndarray
    inhabitants: np.ndarray
    eligible_sites: np.ndarray


@dataclass(frozen=True)
class Measured:
    """One plan against the criteria: ratio to the top-10 mean, rule (a), ``D``, the index."""

    evenness: float
    ratio: float
    violations: int
    deviation: float
    index_after: float


@dataclass(frozen=True)
class Reach:
    """Whether (a) and (c) can hold together in one run (ratios against the top-10 mean).

    ``even`` is the evenness-1 plan, ``best`` the evenness-0 plan; ``rule_best`` the most
    suitable plan keeping rule (a), ``closest`` the plan closest to the key keeping (a) and
    reaching :data:`MIN_RATIO` (None when none can, see the statuses; their evenness is NaN);
    ``highest`` the plan of the highest evenness of :data:`GRID` that reaches
    :data:`MIN_RATIO`, ``highest_all`` the same that also keeps (a) and (b) (None when no
    grid plan does).
    """

    region: str
    profile: str
    index_before: float
    even: Measured
    best: Measured
    rule_best: Measured | None
    rule_status: str
    closest: Measured | None
    closest_status: str
    highest: Measured | None
    highest_all: Measured | None

    def index_ok(self, plan: Measured) -> bool:
        """Whether ``plan`` keeps (b): the index after at most the one before."""
        return plan.index_after <= self.index_before + 1e-12

    def keeps_all(self, plan: Measured) -> bool:
        """Whether ``plan`` keeps (a), (b) and (c)."""
        return not plan.violations and self.index_ok(plan) and plan.ratio >= MIN_RATIO


def _problem(
    result: ScenarioResult, plan: PlanResult, options: PlanOptions
) -> tuple[PlanProblem, _Gemeenten]:
    """Rebuild the plan's problem from its gemeente rows (the targets plan_scenario used).

    Raises AssertionError when the rebuilt problem does not reproduce the plan's places
    and eligible sites per gemeente (plan_scenario changed how it builds the problem).
    """
    codes = [g.gemeentecode for g in plan.gemeenten]
    position = {c: k for k, c in enumerate(codes)}
    table = result.table
    eligible = table[
        table["rank"].notna() & ~table["excluded"] & table["gemeentecode"].isin(position)
    ].sort_values("rank")
    places = site_places(table, result.data.features, facility_type=result.profile.name)
    problem = PlanProblem(
        score=eligible["score"].to_numpy(float),
        places=places.reindex(eligible.index).to_numpy().astype(np.int64),
        gemeente=eligible["gemeentecode"].map(position).to_numpy(np.int64),
        targets=np.array([g.target for g in plan.gemeenten]),
        total=options.places,
        xy=np.column_stack([eligible.geometry.x, eligible.geometry.y]).astype(float),
        buurt=eligible["buurtcode"].astype(object).to_numpy(),
        min_spacing_m=options.min_spacing_m,
        max_per_buurt=options.max_per_buurt,
        time_limit_s=options.time_limit_s,
    )
    rows = _Gemeenten(
        targets=problem.targets,
        existing=np.array([g.existing for g in plan.gemeenten]),
        inhabitants=np.array([g.inwoners for g in plan.gemeenten]),
        eligible_sites=np.bincount(problem.gemeente, minlength=len(codes)),
    )
    chosen = eligible.index.isin(plan.site_ids)
    assert (_planned(problem, chosen) == [g.planned for g in plan.gemeenten]).all()
    assert (rows.eligible_sites == [g.eligible_sites for g in plan.gemeenten]).all()
    return problem, rows


def _planned(problem: PlanProblem, chosen: np.ndarray) -> np.ndarray:
    return np.bincount(
        problem.gemeente, weights=problem.places * chosen, minlength=len(problem.targets)
    )


def _reach(
    region: str, profile: str, result: ScenarioResult, plan: PlanResult, options: PlanOptions
) -> Reach:
    """Measure the best rule-keeping plans and sweep the evenness grid for one run."""
    problem, rows = _problem(result, plan, options)
    mean_top = float(result.shortlist["score"].mean())

    def measure(evenness: float, chosen: np.ndarray) -> Measured:
        planned = _planned(problem, chosen)
        return Measured(
            evenness=evenness,
            ratio=float(problem.score[chosen].mean()) / mean_top,
            violations=rule_violations(planned, rows.targets, rows.eligible_sites),
            deviation=problem.deviation(planned),
            index_after=_index(rows.existing, planned, rows.inhabitants),
        )

    pool, best, even = solve_ends_large(problem)
    sub = problem.subset(pool)
    grid = []
    for evenness in GRID:
        chosen = np.zeros(problem.n_sites, dtype=bool)
        chosen[pool[solve_plan(sub, evenness, ends=(best, even)).chosen]] = True
        grid.append(measure(evenness, chosen))
    required = best.required_places
    rule = best_keeping_rule(problem, required=required)
    closest = closest_keeping_rule(problem, min_mean=MIN_RATIO * mean_top, required=required)
    reach = Reach(
        region=region,
        profile=profile,
        index_before=_index(rows.existing, np.zeros_like(rows.existing), rows.inhabitants),
        even=grid[-1],
        best=grid[0],
        rule_best=None if rule.chosen is None else measure(math.nan, rule.chosen),
        rule_status=rule.status,
        closest=None if closest.chosen is None else measure(math.nan, closest.chosen),
        closest_status=closest.status,
        highest=max((m for m in grid if m.ratio >= MIN_RATIO), key=_evenness, default=None),
        highest_all=None,
    )
    highest_all = max((m for m in grid if reach.keeps_all(m)), key=_evenness, default=None)
    return dataclasses.replace(reach, highest_all=highest_all)


def _evenness(plan: Measured) -> float:
    return plan.evenness


def _cells(reach: Reach, plan: Measured | None, status: str = "none") -> str:
    """Ratio, rule (a) (ok or violations), D, index after and (b) of one plan."""
    if plan is None:
        return f"{status:>33}"
    rule = "ok" if not plan.violations else str(plan.violations)
    return (
        f"{plan.ratio:>6.1%} {rule:>3} {plan.deviation:>8.1f} {plan.index_after:>6.3f} "
        f"{'ok' if reach.index_ok(plan) else 'no':>3}"
    )


def _print_reach(reaches: list[Reach]) -> None:
    """Print whether (a) and (c) can hold together and the most even plans reaching (c).

    Per plan: mean suitability as % of the top-10 list's, rule (a) (ok or violations),
    ``D`` (distance from the key, evenness 1 minimises it), the index after and (b).
    First table: evenness 1, evenness 0, the most suitable plan keeping (a) and the verdict
    on (a)+(c). Second table: the highest grid evenness whose plan reaches 90 %, the
    highest keeping (a), (b) and (c), and the plan closest to the key keeping (a) and (c).
    """
    plan_head = f"{'%':>6} {'(a)':>3} {'D':>8} {'index':>6} {'(b)':>3}"
    print(
        f"\n{'(a)+(c) reachable?':<37} | {'evenness 1':<33} | {'evenness 0':<33} | "
        f"{'most suitable keeping (a)':<33} | verdict\n"
        f"{'region':<18} {'profile':<18} | {plan_head} | {plan_head} | {plan_head} |"
    )
    for r in reaches:
        if r.rule_best is None:
            verdict = r.rule_status
        else:
            verdict = "reachable" if r.rule_best.ratio >= MIN_RATIO else "conflict"
            verdict += "" if r.rule_status == "optimaal" else " (tijdslimiet)"
        print(
            f"{r.region:<18} {r.profile:<18} | {_cells(r, r.even)} | {_cells(r, r.best)} | "
            f"{_cells(r, r.rule_best, r.rule_status)} | {verdict}"
        )
    print(
        f"\n{'most even plans reaching (c)':<37} | {'grid: highest evenness >= 90 %':<40} | "
        f"{'grid: (a)(b)(c)':<15} | {'closest to the key keeping (a)+(c)':<33}\n"
        f"{'region':<18} {'profile':<18} | {'e':>5} {plan_head} | {'e':>5} {'D':>9} | "
        f"{plan_head}"
    )
    for r in reaches:
        high = (
            f"{'none':>5} {'':>33}"
            if r.highest is None
            else (f"{r.highest.evenness:>5.2f} {_cells(r, r.highest)}")
        )
        every = r.highest_all
        all_three = (
            f"{'none':>15}"
            if every is None
            else (f"{every.evenness:>5.2f} {every.deviation:>9.1f}")
        )
        closest = _cells(r, r.closest, r.closest_status)
        if r.closest is not None and r.closest_status != "optimaal":
            closest += " (tijdslimiet)"
        print(f"{r.region:<18} {r.profile:<18} | {high} | {all_three} | {closest}")


def main() -> int:
    failures = 0
    reaches = []
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
            options = PlanOptions(places=n, evenness=1.0)
            plan = plan_scenario(result, options)
            seconds = time.perf_counter() - start
            mean_top = float(top["score"].mean())
            # Rule (a), the one definition the rule-keeping bound below also uses.
            violations = rule_violations(
                np.array([g.planned for g in plan.gemeenten]),
                np.array([g.target for g in plan.gemeenten]),
                np.array([g.eligible_sites for g in plan.gemeenten]),
            )
            fair = not violations
            ratio = plan.mean_score / mean_top
            ok = fair and plan.index_after <= plan.index_before + 1e-12 and ratio >= MIN_RATIO
            failures += not ok
            print(
                f"{region:<18} {profile:<18} {n:>4} {plan.index_before:>12.3f} "
                f"{result.spread.after.indices.gini:>12.3f} {plan.index_after:>10.3f} "
                f"{mean_top:>10.3f} {plan.mean_score:>9.3f} {ratio:>6.1%} "
                f"{'ok' if fair else violations:>5} {plan.status:>9} {seconds:>5.2f}"
                + ("" if ok else "  <- FAILS")
            )
            if ratio < MIN_RATIO:
                _explain(result, plan)
            reaches.append(_reach(region, profile, result, plan, options))
    _print_reach(reaches)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
