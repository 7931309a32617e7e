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

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from criteria._errors import PlanError
from geo import nlformat

__all__ = ["PlanProblem", "PlanSolution", "candidate_pool", "solve_ends", "solve_plan"]

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
            msg = (
                "de reeksen van het verdeelprobleem verschillen in lengte; maak ze uit één tabel "
                "van plekken."
            )
            raise PlanError(msg)
        if n and (np.min(self.places) < 1 or not np.all(self.places == np.round(self.places))):
            msg = "elke plek heeft een heel aantal plaatsen ≥ 1 nodig."
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
        pairs: np.ndarray = cKDTree(self.xy).query_pairs(radius, output_type="ndarray")
        return pairs.astype(np.int64)

    def subset(self, keep: npt.NDArray[np.int64]) -> PlanProblem:
        """Return the problem restricted to the sites at positions ``keep``."""
        return dataclasses.replace(
            self,
            score=self.score[keep],
            places=self.places[keep],
            gemeente=self.gemeente[keep],
            xy=self.xy[keep],
            buurt=self.buurt[keep],
        )

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

    def solve(
        self, objective: object, *, time_limit_s: float | None = None
    ) -> tuple[npt.NDArray[np.bool_], str, float, float]:
        """Solve for ``objective`` (maximised); return choice, status, gap, seconds."""
        pulp = self.pulp
        self.prob.setObjective(objective)
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit_s or self.problem.time_limit_s,
            threads=1,
            gapRel=0,
        )
        begin = time.perf_counter()
        self.prob.solve(solver)
        seconds = time.perf_counter() - begin
        if self.prob.status != pulp.LpStatusOptimal:
            msg = (
                f"de rekenmethode vond binnen {nlformat.given(self.problem.time_limit_s)} s geen "
                f"uitvoerbaar verdeelplan (CBC-status {pulp.LpStatus[self.prob.status]}); "
                "versoepel de afstand of de maxima."
            )
            raise PlanError(msg)
        chosen = np.array([(v.varValue or 0.0) > 0.5 for v in self.x], dtype=bool)
        status, gap = "optimaal", 0.0
        if self.prob.sol_status != pulp.LpSolutionOptimal:
            status = "tijdslimiet"
            value = float(pulp.value(objective) or 0.0)
            bound = self.relaxation_bound()
            gap = max(0.0, bound - value) / max(abs(bound), 1e-9)
        return chosen, status, gap, seconds

    def relaxation_bound(self) -> float:
        """Return the LP relaxation's optimum of the current objective (an upper bound)."""
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


def candidate_pool(
    problem: PlanProblem, *, length: int | None = None, greedy_only: bool = False
) -> npt.NDArray[np.int64]:
    """Return the sites some optimal plan can be found among (exact, fewer variables).

    Any plan has at most ``K = (N + max p - 1) // min p`` sites. Within one gemeente and
    one site size, walk the sites best first and keep a greedy set ``G`` of sites pairwise
    at least the spacing apart and within the buurt cap, up to ``L = (a + c) (K - 1) + 1``
    sites. Each of the other ``K - 1`` sites of a plan blocks at most ``a`` members of ``G``:
    itself (``a = 1`` without spacing), or with spacing at most five (``a = 5``: at most five
    points pairwise ``r`` apart fit within ``r`` of a point); together they fill buurten
    holding at most ``K - 1`` members (``c = 1`` with a cap, else 0). So a planned site
    scoring below the ``L``-th of ``G`` can be swapped for a free member of ``G`` of the same
    gemeente and size: the same places per gemeente (same deviation), a higher suitability.
    Sites scoring below it are dropped; the plan over the pool is optimal over all sites.

    Parameters
    ----------
    problem
        The plan's numbers.
    length
        Walk only this many greedy sites per gemeente and size instead of ``L``: a smaller
        pool that is no longer certain to hold an optimal plan (a heuristic).
    greedy_only
        Keep only the greedy sets themselves (pairwise spaced within a gemeente and size):
        the heuristic pool for very large inventories.

    Returns
    -------
    numpy.ndarray
        Positions of the kept sites, ascending.
    """
    n = problem.n_sites
    if n == 0:
        return np.arange(0, dtype=np.int64)
    most = (problem.total + int(problem.places.max()) - 1) // int(problem.places.min())
    # A planned site blocks itself, or by spacing at most five of a set spaced r apart.
    per_point = 5 if problem.min_spacing_m > 0 else 1
    per_cap = 1 if problem.max_per_buurt is not None else 0
    if length is None:
        length = (per_point + per_cap) * (most - 1) + 1
    radius = math.nextafter(problem.min_spacing_m, 0.0)
    keep = np.zeros(n, dtype=bool)
    order = np.lexsort((np.arange(n), -problem.score))
    groups: dict[tuple[int, int], list[int]] = {}
    for i in order:
        groups.setdefault((int(problem.gemeente[i]), int(problem.places[i])), []).append(int(i))
    for members in groups.values():
        picked: list[int] = []
        per_buurt: dict[object, int] = {}
        threshold = None
        for i in members:
            b = problem.buurt[i]
            if problem.max_per_buurt is not None and per_buurt.get(b, 0) >= problem.max_per_buurt:
                continue
            if per_point and picked:
                gaps = np.hypot(*(problem.xy[picked] - problem.xy[i]).T)
                if (gaps <= radius).any():
                    continue
            picked.append(i)
            per_buurt[b] = per_buurt.get(b, 0) + 1
            if len(picked) == length:
                threshold = problem.score[i]
                break
        if threshold is None and not greedy_only:
            keep[members] = True
        elif greedy_only:
            keep[picked] = True
        else:
            keep[[i for i in members if problem.score[i] >= threshold]] = True
    return np.flatnonzero(keep)


def _required_places(problem: PlanProblem) -> tuple[int, float]:
    """``R``: ``N`` when reachable, else the most places the sites can hold; CBC seconds."""
    if _greedy_places(problem) >= problem.total:
        return problem.total, 0.0
    model = _Model(problem)
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
    required, seconds = _required_places(problem)
    solutions = []
    for evenness in (0.0, 1.0):
        # A fresh model per end: CBC reads every solve from a file, and a model that went
        # through a stopped solve must not leak its state into the next.
        model = _Model(problem, required=required)
        first, second = (
            (model.suitability, -model.deviation)
            if evenness == 0
            else (-model.deviation, model.suitability)
        )
        chosen, status, gap, spent = model.solve(first)
        best = float(model.pulp.value(first) or 0.0)
        model.fix("lexicographic", first >= best - _TOL * max(1.0, abs(best)))
        # The tie-break gets a quarter of the time; without a plan by then the first stage's
        # plan stands. The first stage's status and gap are the plan's.
        try:
            chosen, _, _, spent2 = model.solve(second, time_limit_s=problem.time_limit_s / 4)
        except PlanError:
            spent2 = problem.time_limit_s / 4
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
        msg = f"evenness moet tussen 0 en 1 liggen, kreeg {nlformat.given(evenness)}."
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

    def value(end: PlanSolution) -> float:
        return (1 - evenness) * end.suitability / span_s - evenness * end.deviation / span_d

    try:
        chosen, status, gap, seconds = model.solve(objective)
    except PlanError:
        # No plan found within the time limit: the better end for this evenness, with its
        # gap against the LP relaxation.
        start = max((best, even), key=value)
        bound = model.relaxation_bound()
        chosen, status, seconds = start.chosen, "tijdslimiet", problem.time_limit_s
        gap = max(0.0, bound - value(start)) / max(abs(bound), 1e-9)
    s, d = problem.evaluate(chosen)
    return PlanSolution(chosen, s, d, evenness, status, gap, seconds, best.required_places)


#: Above this many spacing pairs in the exact pool the plan is solved over a heuristic pool.
MAX_EXACT_PAIRS = 20_000


def solve_ends_large(
    problem: PlanProblem,
) -> tuple[npt.NDArray[np.int64], PlanSolution, PlanSolution]:
    """Solve both ends over a pool of sites: exact when small, else heuristic with a gap.

    The exact pool (:func:`candidate_pool`) holds an optimal plan. When its spacing pairs
    exceed :data:`MAX_EXACT_PAIRS` (thousands of sites packed within the spacing), the pool
    is the greedy spaced sets of twice the plan's size per gemeente and site size, and each
    end states its gap against the same problem without spacing (a relaxation, so a valid
    bound): suitability ``(S_bound - S_0) / S_bound`` and deviation
    ``(D_1 - D_bound) / N``. Status ``begrensd`` then.

    Parameters
    ----------
    problem
        The plan's numbers.

    Returns
    -------
    (numpy.ndarray, PlanSolution, PlanSolution)
        The pool's positions and the two ends, solved over ``problem.subset(pool)``.
    """
    pool = candidate_pool(problem)
    sub = problem.subset(pool)
    if len(sub.pairs()) <= MAX_EXACT_PAIRS:
        best, even = solve_ends(sub)
        return pool, best, even
    most = (problem.total + int(problem.places.max()) - 1) // int(problem.places.min())
    pool = candidate_pool(problem, length=2 * most, greedy_only=True)
    sub = problem.subset(pool)
    best, even = solve_ends(sub)
    relaxed = dataclasses.replace(problem, min_spacing_m=0.0)
    relaxed = relaxed.subset(candidate_pool(relaxed))
    model = _Model(relaxed, required=best.required_places)
    _, _, gap_s, seconds_s = model.solve(model.suitability)
    bound_s = float(model.pulp.value(model.suitability) or 0.0) * (1 + gap_s)
    _, _, _, seconds_d = model.solve(-model.deviation)
    bound_d = float(model.pulp.value(model.deviation) or 0.0)
    gap_best = max(0.0, bound_s - best.suitability) / max(bound_s, 1e-9)
    gap_even = max(0.0, even.deviation - bound_d) / max(problem.total, 1)
    best = dataclasses.replace(
        best, status="begrensd", gap=max(best.gap, gap_best), solve_s=best.solve_s + seconds_s
    )
    even = dataclasses.replace(
        even, status="begrensd", gap=max(even.gap, gap_even), solve_s=even.solve_s + seconds_d
    )
    return pool, best, even
