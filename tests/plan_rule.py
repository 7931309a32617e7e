"""Rule (a) of the plan's acceptance (issue 17) and the best plans that keep it.

Rule (a): no gemeente at or above its fair share (target ``t_g = 0``) receives places while a
gemeente below it (``t_g > 0``) that has an eligible site receives none. A plan keeps it when
either no at-share gemeente gets places, or every below-share gemeente with an eligible site
gets at least one. :func:`best_keeping_rule` finds the plan of highest mean suitability
among those, under the same places window, spacing and caps as the product's plan
(:class:`criteria.plan_solver._Model`): it tells whether rule (a) and criterion (c) (mean
suitability >= 90 % of the best-sites list) can hold together on the data at all.
:func:`closest_keeping_rule` finds, among the plans keeping rule (a) with a least mean
suitability, the one closest to the key (least ``D`` of :mod:`criteria.plan_solver`): the
most even plan meeting (a) and (c) together, against which evenness 1's plan can be set.

The MIP adds to the plan's model one binary ``y`` ("some at-share gemeente gets places"):

* ``x_i <= y`` for every site ``i`` in an at-share gemeente;
* ``sum_{i in h} x_i >= y`` for every below-share gemeente ``h`` with a site.

``y = 0`` allows only below-share gemeenten; ``y = 1`` asks every below-share gemeente with
a site for one, and frees the rest. Criterion (c) measures the mean score per site (not per
place), so the objective is ``sum_i s_i x_i`` with the number of sites fixed at each count
the places window allows, and the best mean over the counts wins (with one site size, one
count); the least mean is ``sum_i s_i x_i >= mean * count`` at each count. The candidate
pool (:func:`criteria.plan_solver.candidate_pool`) stays exact for both: its swap keeps the
places per gemeente (hence the rule and ``D``) and the number of sites, and raises no score.

A test helper, not product code: the product's plan never imposes rule (a) as a constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from criteria._errors import PlanError
from criteria.plan_solver import PlanProblem, _Model, _required_places, candidate_pool

__all__ = ["RulePlan", "best_keeping_rule", "closest_keeping_rule", "rule_violations"]


def rule_violations(
    planned: npt.NDArray[np.float64],
    targets: npt.NDArray[np.float64],
    eligible_sites: npt.NDArray[np.int64],
) -> int:
    """Return how many at-share gemeenten break rule (a) (0 when the plan keeps it).

    Parameters
    ----------
    planned
        Places planned per gemeente.
    targets
        Target places per gemeente (0 = at or above the fair share).
    eligible_sites
        Eligible sites per gemeente.

    Returns
    -------
    int
        The at-share gemeenten with places, when some below-share gemeente with an
        eligible site has none; else 0.
    """
    above_gets = (targets <= 0) & (planned > 0)
    below_none = (targets > 0) & (planned == 0) & (eligible_sites > 0)
    return int(above_gets.sum()) if below_none.any() else 0


@dataclass(frozen=True)
class RulePlan:
    """A plan found among those keeping rule (a).

    Attributes
    ----------
    chosen
        Per site of the problem whether it is planned; None when no plan qualifies.
    mean_score
        Mean suitability per planned site (NaN without a plan).
    deviation
        ``D``, the plan's distance from the key (NaN without a plan).
    status
        ``optimaal`` (proven), ``tijdslimiet`` (some count stopped by CBC's time limit: the
        plan may not be the best) or ``onhaalbaar`` (no plan within the places window
        qualifies).
    """

    chosen: npt.NDArray[np.bool_] | None
    mean_score: float
    deviation: float
    status: str


def best_keeping_rule(problem: PlanProblem, *, required: int | None = None) -> RulePlan:
    """Return the plan of highest mean suitability per site that keeps rule (a).

    Parameters
    ----------
    problem
        The plan's numbers (all eligible sites).
    required
        The places the plan must reach (``R`` of :func:`criteria.plan_solver.solve_ends`);
        computed as the product does when None.

    Returns
    -------
    RulePlan
    """
    return _search(problem, required=required, min_mean=None)


def closest_keeping_rule(
    problem: PlanProblem, *, min_mean: float, required: int | None = None
) -> RulePlan:
    """Return the plan closest to the key (least ``D``) keeping rule (a) and a mean score.

    Among equally close plans the most suitable. This is the most even plan that meets
    criteria (a) and (c) together when ``min_mean`` is 90 % of the best-sites list's mean.

    Parameters
    ----------
    problem
        The plan's numbers (all eligible sites).
    min_mean
        The least mean suitability per planned site.
    required
        As for :func:`best_keeping_rule`.

    Returns
    -------
    RulePlan
    """
    return _search(problem, required=required, min_mean=min_mean)


def _search(problem: PlanProblem, *, required: int | None, min_mean: float | None) -> RulePlan:
    """Solve per feasible number of sites; keep the best plan over the counts."""
    if problem.n_sites == 0:
        return RulePlan(None, math.nan, math.nan, "onhaalbaar")
    if required is None:
        required, _ = _required_places(problem)
    pool = candidate_pool(problem)
    sub = problem.subset(pool)
    unit = math.gcd(*(int(p) for p in sub.places))
    low = -(-required // unit) * unit
    high = sub.max_places // unit * unit
    fewest = -(-low // int(sub.places.max()))
    most = high // int(sub.places.min())
    # Ranked by (D, -mean) for the closest plan, by -mean for the most suitable.
    best: tuple[tuple[float, float], npt.NDArray[np.bool_]] | None = None
    status = "optimaal"
    for count in range(max(fewest, 1), most + 1):
        model = _Model(sub, required=required)
        _add_rule(model, sub, count)
        pulp = model.pulp
        score = pulp.LpAffineExpression(
            [(v, float(s)) for v, s in zip(model.x, sub.score, strict=True)]
        )
        if min_mean is not None:
            # A hair above the bound, so the mean recomputed from the rounded choice is
            # not a solver tolerance below it.
            model.fix("mean", score >= min_mean * count + 1e-6)
        first = score if min_mean is None else -model.deviation
        try:
            chosen, solved, _, _ = model.solve(first)
        except PlanError:
            # Infeasible at this count, or no plan within the time limit (then the count
            # is not proven empty).
            if model.prob.status != pulp.LpStatusInfeasible:
                status = "tijdslimiet"
            continue
        if solved != "optimaal":
            status = "tijdslimiet"
        elif min_mean is not None:
            # Lexicographic, as the plan's ends: the most suitable of the closest plans.
            value = float(pulp.value(first) or 0.0)
            model.fix("closest", first >= value - 1e-6 * max(1.0, abs(value)))
            try:
                chosen, solved, _, _ = model.solve(score)
            except PlanError:
                status = "tijdslimiet"
            if solved != "optimaal":
                status = "tijdslimiet"
        _, deviation = sub.evaluate(chosen)
        mean = float(sub.score[chosen].mean())
        rank = (0.0, -mean) if min_mean is None else (round(deviation, 9), -mean)
        if best is None or rank < best[0]:
            best = (rank, chosen)
    if best is None:
        return RulePlan(None, math.nan, math.nan, "onhaalbaar" if status == "optimaal" else status)
    chosen = np.zeros(problem.n_sites, dtype=bool)
    chosen[pool[best[1]]] = True
    _, deviation = problem.evaluate(chosen)
    return RulePlan(chosen, float(problem.score[chosen].mean()), deviation, status)


def _add_rule(model: _Model, sub: PlanProblem, count: int) -> None:
    """Add rule (a) through one binary ``y`` and fix the number of sites at ``count``."""
    pulp = model.pulp
    y = pulp.LpVariable("at_share_gets_places", cat=pulp.LpBinary)
    at_share = sub.targets[sub.gemeente] <= 0
    for i in np.flatnonzero(at_share):
        model.fix(f"at_share{i}", model.x[i] <= y)
    for h in np.unique(sub.gemeente[~at_share]):
        members = np.flatnonzero(sub.gemeente == h)
        model.fix(f"below{h}", pulp.lpSum(model.x[i] for i in members) >= y)
    model.fix("count", pulp.lpSum(model.x) == count)
