"""Rule (a) of the plan's acceptance (issue 17) and the most suitable plan that keeps it.

Rule (a): no gemeente at or above its fair share (target ``t_g = 0``) receives places while a
gemeente below it (``t_g > 0``) that has an eligible site receives none. A plan keeps it when
either no at-share gemeente gets places, or every below-share gemeente with an eligible site
gets at least one. :func:`best_keeping_rule` finds the plan of highest mean suitability
among those, under the same places window, spacing and caps as the product's plan
(:class:`criteria.plan_solver._Model`): it tells whether rule (a) and criterion (c) (mean
suitability >= 90 % of the best-sites list) can hold together on the data at all.

The MIP adds to the plan's model one binary ``y`` ("some at-share gemeente gets places"):

* ``x_i <= y`` for every site ``i`` in an at-share gemeente;
* ``sum_{i in h} x_i >= y`` for every below-share gemeente ``h`` with a site.

``y = 0`` allows only below-share gemeenten; ``y = 1`` asks every below-share gemeente with
a site for one, and frees the rest. Criterion (c) measures the mean score per site (not per
place), so the objective is ``sum_i s_i x_i`` with the number of sites fixed at each count
the places window allows, and the best mean over the counts wins (with one site size, one
count). The candidate pool (:func:`criteria.plan_solver.candidate_pool`) stays exact: its
swap keeps the places per gemeente, hence the rule, and the number of sites.

A test helper, not product code: the product's plan never imposes rule (a) as a constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from criteria._errors import PlanError
from criteria.plan_solver import PlanProblem, _Model, _required_places, candidate_pool

__all__ = ["RuleBest", "best_keeping_rule", "rule_violations"]


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
class RuleBest:
    """The most suitable plan that keeps rule (a).

    Attributes
    ----------
    chosen
        Per site of the problem whether it is planned; None when no plan keeps the rule.
    mean_score
        Mean suitability per planned site (NaN without a plan).
    status
        ``optimaal`` (proven), ``tijdslimiet`` (some count stopped by CBC's time limit: the
        mean is a lower bound) or ``onhaalbaar`` (no plan within the places window keeps
        the rule).
    """

    chosen: npt.NDArray[np.bool_] | None
    mean_score: float
    status: str


def best_keeping_rule(problem: PlanProblem, *, required: int | None = None) -> RuleBest:
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
    RuleBest
    """
    if problem.n_sites == 0:
        return RuleBest(None, math.nan, "onhaalbaar")
    if required is None:
        required, _ = _required_places(problem)
    pool = candidate_pool(problem)
    sub = problem.subset(pool)
    unit = math.gcd(*(int(p) for p in sub.places))
    low = -(-required // unit) * unit
    high = sub.max_places // unit * unit
    fewest = -(-low // int(sub.places.max()))
    most = high // int(sub.places.min())
    best: tuple[float, npt.NDArray[np.bool_]] | None = None
    status = "optimaal"
    for count in range(max(fewest, 1), most + 1):
        model = _Model(sub, required=required)
        pulp = model.pulp
        y = pulp.LpVariable("at_share_gets_places", cat=pulp.LpBinary)
        at_share = sub.targets[sub.gemeente] <= 0
        for i in np.flatnonzero(at_share):
            model.fix(f"at_share{i}", model.x[i] <= y)
        for h in np.unique(sub.gemeente[~at_share]):
            members = np.flatnonzero(sub.gemeente == h)
            model.fix(f"below{h}", pulp.lpSum(model.x[i] for i in members) >= y)
        model.fix("count", pulp.lpSum(model.x) == count)
        try:
            chosen, solved, _, _ = model.solve(
                pulp.LpAffineExpression(
                    [(v, float(s)) for v, s in zip(model.x, sub.score, strict=True)]
                )
            )
        except PlanError:
            # Infeasible at this count, or no plan within the time limit (then the count
            # is not proven empty and the answer is only a lower bound).
            if model.prob.status != pulp.LpStatusInfeasible:
                status = "tijdslimiet"
            continue
        if solved != "optimaal":
            status = "tijdslimiet"
        mean = float(sub.score[chosen].mean())
        if best is None or mean > best[0] + 1e-12:
            best = (mean, chosen)
    if best is None:
        return RuleBest(None, math.nan, "onhaalbaar" if status == "optimaal" else status)
    chosen = np.zeros(problem.n_sites, dtype=bool)
    chosen[pool[best[1]]] = True
    return RuleBest(chosen, best[0], status)
