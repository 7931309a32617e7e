"""The regional plan as a mixed-integer program (PuLP / CBC): which sites, how evenly.

Sets and data: eligible sites ``i`` (passed the hard rules, in the region) with suitability
``s_i`` in [0, 1], places ``p_i`` (whole numbers), gemeente ``g(i)`` and buurt ``b(i)``;
per gemeente a target ``t_g`` (:mod:`criteria.plan`); ``N`` places asked.

Variables: ``x_i`` in {0, 1} (site planned); ``over_g, under_g >= 0``.

Constraints:

* places: ``R <= sum_i p_i x_i <= N + max(p) - 1``, where ``R = N`` when the eligible sites
  can hold ``N`` places at all under spacing and caps, else the most they can hold (found by
  a first solve). So the plan takes the fewest places that reach ``N``: with equal site
  sizes, exactly ``ceil(N / p)`` sites;
* spacing: ``x_i + x_j <= 1`` for every pair closer than ``min_spacing_m`` (a KD-tree);
* caps: ``sum_{i in b} x_i <= K`` per buurt;
* deviation: ``sum_{i in g} p_i x_i - t_g = over_g - under_g`` per gemeente.

Objectives: suitability ``S = sum_i s_i p_i x_i`` (each place carries its site's score) and
deviation from the key ``D = sum_g over_g + under_g`` (places, L1). Evenness ``e`` in [0, 1]:

* ``e = 0``: max ``S``; among equal ``S``, min ``D`` (a second solve, lexicographic);
* ``e = 1``: min ``D`` (as close to the key as eligible sites allow); among equal ``D``,
  max ``S``;
* ``0 < e < 1``: max ``(1 - e) (S - S_1) / (S_0 - S_1) - e (D - D_1) / (D_0 - D_1)``, with
  ``(S_0, D_0)`` and ``(S_1, D_1)`` the two ends: both terms run over 0..1 between the ends,
  so ``e = 0.5`` weighs a step of suitability and of evenness alike.

CBC runs single-threaded (reruns give the same plan) with a time limit; a solve stopped by
the limit keeps its best plan and states its optimality gap against the LP relaxation bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from criteria._errors import PlanError

__all__ = ["PlanProblem", "PlanSolution", "solve_ends", "solve_plan"]

#: Objective values closer than this count as equal (ties between the lexicographic stages).
_TOL = 1e-6


@dataclass(frozen=True)
class PlanProblem:
    """The numbers of one plan, ready for the solver (arrays aligned by site).

    Attributes
    ----------
    score
        Suitability in [0, 1] per eligible site.
    places
        Places per site, whole numbers ≥ 1.
    gemeente
        Per site the position of its gemeente in ``targets``.
    targets
        Target new places per gemeente (≥ 0).
    total
        ``N``, the places asked.
    xy
        Site coordinates in metres (EPSG:28992), shape (sites, 2).
    buurt
        Per site a buurt label (for the cap).
    min_spacing_m, max_per_buurt
        Spacing and cap; 0 / None for none.
    time_limit_s
        CBC's limit per solve.
    """

    score: npt.NDArray[np.float64]
    places: npt.NDArray[np.int64]
    gemeente: npt.NDArray[np.int64]
    targets: npt.NDArray[np.float64]
    total: int
    xy: npt.NDArray[np.float64]
    buurt: npt.NDArray[np.object_]
    min_spacing_m: float = 0.0
    max_per_buurt: int | None = None
    time_limit_s: float = 20.0

    def __post_init__(self) -> None:
        n = len(self.score)
        if not (len(self.places) == len(self.gemeente) == len(self.xy) == len(self.buurt) == n):
            msg = "plan problem arrays differ in length; build them from one site table"
            raise PlanError(msg)
        if n and (np.min(self.places) < 1 or not np.all(self.places == np.round(self.places))):
            msg = "every site needs a whole number of places ≥ 1"
            raise PlanError(msg)

    @property
    def n_sites(self) -> int:
        """Number of eligible sites."""
        return len(self.score)

    def pairs(self) -> npt.NDArray[np.int64]:
        """Pairs of sites closer than ``min_spacing_m``, shape (pairs, 2)."""
        if self.min_spacing_m <= 0 or self.n_sites < 2:
            return np.empty((0, 2), dtype=np.int64)
        # query_pairs keeps distances <= r; "closer than" excludes the spacing itself.
        radius = math.nextafter(self.min_spacing_m, 0.0)
        return cKDTree(self.xy).query_pairs(radius, output_type="ndarray").astype(np.int64)

    def evaluate(self, chosen: npt.NDArray[np.bool_]) -> tuple[float, float]:
        """Return ``(S, D)`` of a choice of sites: suitability and deviation from the key."""
        suitability = float(np.sum(self.score * self.places * chosen))
        planned = np.bincount(
            self.gemeente, weights=self.places * chosen, minlength=len(self.targets)
        )
        return suitability, float(np.abs(planned - self.targets).sum())


@dataclass(frozen=True)
class PlanSolution:
    """One solved plan.

    Attributes
    ----------
    chosen
        Per site whether it is planned.
    suitability, deviation
        ``S`` and ``D`` of the choice (see the module docstring).
    evenness
        The evenness it was solved for.
    status
        ``optimaal`` (proven), ``tijdslimiet`` (stopped by the time limit, see ``gap``) or
        ``geen locaties`` (nothing to choose from).
    gap
        Relative optimality gap of the last solve (0 when proven optimal).
    solve_s
        Seconds spent in CBC for this plan.
    required_places
        The places the plan had to reach: ``N``, or fewer when the eligible sites cannot
        hold ``N`` under spacing and caps.
    """

    chosen: npt.NDArray[np.bool_]
    suitability: float
    deviation: float
    evenness: float
    status: str
    gap: float
    solve_s: float
    required_places: int
    notes: tuple[str, ...] = field(default=())


class _Model:
    """The PuLP model of a problem, built once and re-solved with other objectives."""

    def __init__(self, problem: PlanProblem, *, required: int | None = None) -> None:
        import pulp

        self.pulp = pulp
        self.problem = problem
        n, m = problem.n_sites, len(problem.targets)
        self.prob = pulp.LpProblem("verdeelplan", pulp.LpMaximize)
        self.x = [pulp.LpVariable(f"x{i}", cat=pulp.LpBinary) for i in range(n)]
        over = [pulp.LpVariable(f"over{g}", lowBound=0) for g in range(m)]
        under = [pulp.LpVariable(f"under{g}", lowBound=0) for g in range(m)]
        places = problem.places.astype(float)
        self.total = pulp.LpAffineExpression([(self.x[i], places[i]) for i in range(n)])
        self.suitability = pulp.LpAffineExpression(
            [(self.x[i], float(problem.score[i] * places[i])) for i in range(n)]
        )
        self.deviation = pulp.lpSum(over) + pulp.lpSum(under)
        upper = problem.total + int(problem.places.max(initial=1)) - 1
        self.prob += (self.total <= upper, "places_max")
        if required is not None:
            self.prob += (self.total >= required, "places_min")
        for k, (i, j) in enumerate(problem.pairs()):
            self.prob += (self.x[i] + self.x[j] <= 1, f"spacing{k}")
        if problem.max_per_buurt is not None:
            buurten: dict[object, list[int]] = {}
            for i, b in enumerate(problem.buurt):
                buurten.setdefault(b, []).append(i)
            for k, members in enumerate(buurten.values()):
                if len(members) > problem.max_per_buurt:
                    self.prob += (
                        pulp.lpSum(self.x[i] for i in members) <= problem.max_per_buurt,
                        f"buurt{k}",
                    )
        members_of: list[list[int]] = [[] for _ in range(m)]
        for i, g in enumerate(problem.gemeente):
            members_of[int(g)].append(i)
        for g in range(m):
            planned = pulp.LpAffineExpression([(self.x[i], places[i]) for i in members_of[g]])
            self.prob += (
                planned - float(problem.targets[g]) == over[g] - under[g],
                f"gemeente{g}",
            )

    def solve(self, objective: object) -> tuple[npt.NDArray[np.bool_], str, float, float]:
        """Solve for ``objective`` (maximised); return choice, status, gap, seconds."""
        pulp = self.pulp
        self.prob.setObjective(objective)
        solver = pulp.PULP_CBC_CMD(
            msg=False, timeLimit=self.problem.time_limit_s, threads=1, gapRel=0
        )
        start = time.perf_counter()
        self.prob.solve(solver)
        seconds = time.perf_counter() - start
        if self.prob.status != pulp.LpStatusOptimal:
            msg = (
                f"the plan's solver found no feasible plan (CBC status "
                f"{pulp.LpStatus[self.prob.status]}); relax spacing or caps"
            )
            raise PlanError(msg)
        chosen = np.array([(v.varValue or 0.0) > 0.5 for v in self.x], dtype=bool)
        status, gap = "optimaal", 0.0
        if self.prob.sol_status != pulp.LpSolutionOptimal:
            status = "tijdslimiet"
            value = float(pulp.value(objective) or 0.0)
            bound = self._relaxation_bound()
            gap = max(0.0, bound - value) / max(abs(bound), 1e-9)
        return chosen, status, gap, seconds

    def _relaxation_bound(self) -> float:
        relaxed = self.prob.copy()
        for v in relaxed.variables():
            v.cat = self.pulp.LpContinuous
        relaxed.solve(self.pulp.PULP_CBC_CMD(msg=False, threads=1))
        bound = float(self.pulp.value(relaxed.objective) or 0.0)
        for v in self.x:
            v.cat = self.pulp.LpBinary
        return bound

    def fix(self, name: str, constraint: object) -> None:
        """Add a temporary constraint (a lexicographic stage)."""
        self.prob += (constraint, name)

    def unfix(self, name: str) -> None:
        """Drop a temporary constraint."""
        del self.prob.constraints[name]


def _greedy_places(problem: PlanProblem) -> int:
    """Places the best-first walk reaches under spacing and caps (a lower bound on ``R``)."""
    tree = cKDTree(problem.xy) if problem.min_spacing_m > 0 and problem.n_sites else None
    blocked = np.zeros(problem.n_sites, dtype=bool)
    per_buurt: dict[object, int] = {}
    total = 0
    for i in np.argsort(-problem.score, kind="stable"):
        if blocked[i] or total >= problem.total:
            continue
        b = problem.buurt[i]
        if problem.max_per_buurt is not None and per_buurt.get(b, 0) >= problem.max_per_buurt:
            continue
        per_buurt[b] = per_buurt.get(b, 0) + 1
        total += int(problem.places[i])
        if tree is not None:
            near = tree.query_ball_point(problem.xy[i], math.nextafter(problem.min_spacing_m, 0.0))
            blocked[near] = True
    return total


def _required_places(problem: PlanProblem, model: _Model) -> tuple[int, float]:
    """``R``: ``N`` when reachable, else the most places the sites can hold; CBC seconds."""
    if _greedy_places(problem) >= problem.total:
        return problem.total, 0.0
    _, _, _, seconds = model.solve(model.total)
    most = round(float(model.pulp.value(model.total) or 0.0))
    return min(problem.total, most), seconds


def solve_ends(
    problem: PlanProblem,
) -> tuple[PlanSolution, PlanSolution]:
    """Solve evenness 0 (best sites) and 1 (closest to the key), each lexicographic.

    Parameters
    ----------
    problem
        The plan's numbers.

    Returns
    -------
    (PlanSolution, PlanSolution)
        The plans for evenness 0 and 1.
    """
    if problem.n_sites == 0:
        empty = np.zeros(0, dtype=bool)
        s, d = problem.evaluate(empty)
        ends = [PlanSolution(empty, s, d, e, "geen locaties", 0.0, 0.0, 0) for e in (0.0, 1.0)]
        return ends[0], ends[1]
    model = _Model(problem)
    required, seconds = _required_places(problem, model)
    model.fix("places_min", model.total >= required)
    solutions = []
    for evenness, first, second in (
        (0.0, model.suitability, -model.deviation),
        (1.0, -model.deviation, model.suitability),
    ):
        chosen, status, gap, spent = model.solve(first)
        best = float(model.pulp.value(first) or 0.0)
        model.fix("lexicographic", first >= best - _TOL * max(1.0, abs(best)))
        try:
            chosen2, status2, _, spent2 = model.solve(second)
        finally:
            model.unfix("lexicographic")
        if status2 == "optimaal":
            # The tie-break keeps the first stage's status and gap: those bound the plan.
            chosen = chosen2
        s, d = problem.evaluate(chosen)
        solutions.append(
            PlanSolution(chosen, s, d, evenness, status, gap, seconds + spent + spent2, required)
        )
        seconds = 0.0
    return solutions[0], solutions[1]


def solve_plan(
    problem: PlanProblem,
    evenness: float,
    *,
    ends: tuple[PlanSolution, PlanSolution] | None = None,
) -> PlanSolution:
    """Solve the plan for one evenness (see the module docstring).

    Parameters
    ----------
    problem
        The plan's numbers.
    evenness
        0 = best sites only, 1 = as close to the key as eligible sites allow.
    ends
        :func:`solve_ends` of the same problem, when already solved.

    Returns
    -------
    PlanSolution
    """
    if not 0 <= evenness <= 1:
        msg = f"evenness must lie in 0..1, got {evenness!r}"
        raise PlanError(msg)
    best, even = ends if ends is not None else solve_ends(problem)
    if evenness == 0:
        return best
    if evenness == 1:
        return even
    span_s = best.suitability - even.suitability
    span_d = best.deviation - even.deviation
    if span_s <= _TOL * max(1.0, abs(best.suitability)):
        # The evenest plan is as suitable as the best: it serves every evenness.
        return PlanSolution(**{**even.__dict__, "evenness": evenness, "solve_s": 0.0})
    if span_d <= _TOL * max(1.0, best.deviation):
        return PlanSolution(**{**best.__dict__, "evenness": evenness, "solve_s": 0.0})
    model = _Model(problem, required=best.required_places)
    objective = (1 - evenness) / span_s * model.suitability - evenness / span_d * model.deviation
    chosen, status, gap, seconds = model.solve(objective)
    s, d = problem.evaluate(chosen)
    return PlanSolution(chosen, s, d, evenness, status, gap, seconds, best.required_places)
