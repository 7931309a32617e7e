"""The regional plan as a mixed-integer program (PuLP / CBC): which sites, how evenly.

Sets and data: eligible sites ``i`` (passed the hard rules, in the region) with suitability
``s_i`` in [0, 1], places ``p_i`` (whole numbers), gemeente ``g(i)`` and buurt ``b(i)``;
per gemeente a target ``t_g`` (:mod:`criteria.plan`); ``N`` places asked.

Variables: ``x_i`` in {0, 1} (site planned); per gemeente a chain ``0 <= y_gk <= 1``,
``k = 0 .. U_g - 1``, each segment ``d_g`` places (``d_g`` the greatest common divisor of
g's site sizes, so ``P_g`` is always a multiple of it) and ``U_g = min(N + max(p) - 1,
sum of p_i over g's sites) // d_g`` (the most places ``g`` can get).

Constraints:

* places: ``R <= sum_i p_i x_i <= N + max(p) - 1``, where ``R = N`` when the eligible sites
  can hold ``N`` places at all under spacing and caps, else the most they can hold (found by
  a first solve). So the plan takes the fewest places that reach ``N``: with equal site
  sizes, exactly ``ceil(N / p)`` sites. Both bounds are rounded to multiples of the sizes'
  common divisor (every total is one), which tightens the LP relaxation;
* spacing: ``x_i + x_j <= 1`` for every pair closer than ``min_spacing_m`` (a KD-tree);
* caps: ``sum_{i in b} x_i <= K`` per buurt;
* places per gemeente: ``P_g = sum_{i in g} p_i x_i = d_g sum_k y_gk``.

Objectives: suitability ``S = sum_i s_i p_i x_i`` (each place carries its site's score) and
distance from the key ``D = sum_g f_g(P_g)`` with

    ``f_g(P) = (P - t_g)^2 / max(t_g, 1)``.

Why this ``D``: the targets are what each gemeente lacks of its fair share, and they sum to
``N`` or (usually far) more, since gemeenten above their share count 0, not negative. The L1
distance ``sum |P_g - t_g|`` is then the same for every plan that keeps each gemeente within
its target, so it never spreads: the best sites decide, often all in one gemeente. ``D``
charges the squared shortfall relative to the target (Pearson's chi-square form): with
``sum P_g`` fixed and targets of 1 or more it equals ``sum P_g^2 / t_g`` plus a constant,
which is Sainte-Laguë / Webster apportionment of the places in proportion to the targets
(the next place goes where ``t_g / (2 P_g + 1)`` is largest; the continuous optimum scales
every target by one factor to ``N``). Each gemeente below its share thus closes about the
same fraction of its gap. Weighing by the key share instead (``(P_g - t_g)^2 / share_g``,
the spread of places per inhabitant, closer to what the Gini rewards) would fill the
gemeenten with the fewest places per inhabitant first and give nothing to one just below
its share until they catch up: not the spread the regional plans ask for. Below 1 the
divisor is held at 1, so a gemeente at or above its fair share (``t_g = 0``) pays ``1`` for
its first place, more than the first place anywhere below its share (``1 - 2 t_g < 1``, or
``(1 - 2 t_g) / t_g < 1`` for ``t_g >= 1``): with equal site sizes and no spacing or cap in
the way, evenness 1 gives no place to a gemeente at its share while one below it with an
eligible site gets none (moving a site there lowers ``D``).

``f_g`` is convex, so it is exact at every reachable ``P_g`` as a chain: ``D = sum_g
f_g(0) + sum_gk c_gk y_gk`` with ``c_gk = f_g((k + 1) d_g) - f_g(k d_g)`` rising in ``k``
(for ``d_g = 1``: ``(2 k + 1 - 2 t_g) / max(t_g, 1)``); whenever ``D`` is minimised (or
bounded from above) the cheapest segments fill first, so the chain's value is ``f_g(P_g)``.

Evenness ``e`` in [0, 1]:

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
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from criteria._errors import PlanError
from geo import nlformat

__all__ = ["PlanProblem", "PlanSolution", "candidate_pool", "solve_ends", "solve_plan"]

#: Objective values closer than this count as equal (ties between the lexicographic stages).
_TOL = 1e-6


def _closeness(planned: Any, target: Any) -> Any:
    """Return ``f_g``: ``(P - t)^2 / max(t, 1)`` (numbers or arrays alike)."""
    return (planned - target) ** 2 / np.maximum(target, 1.0)


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

    @property
    def max_places(self) -> int:
        """The most places a plan may take: ``N + max(p) - 1``."""
        return self.total + int(self.places.max(initial=1)) - 1

    def deviation(self, planned: npt.NDArray[np.float64]) -> float:
        """Return ``D`` of places per gemeente: ``sum_g (P_g - t_g)^2 / max(t_g, 1)``."""
        return float(np.sum(_closeness(planned, self.targets)))

    def evaluate(self, chosen: npt.NDArray[np.bool_]) -> tuple[float, float]:
        """Return ``(S, D)`` of a choice of sites: suitability and distance from the key."""
        suitability = float(np.sum(self.score * self.places * chosen))
        planned = np.bincount(
            self.gemeente, weights=self.places * chosen, minlength=len(self.targets)
        ).astype(np.float64)
        return suitability, self.deviation(planned)


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
        places = problem.places.astype(float)
        self.total = pulp.LpAffineExpression([(self.x[i], places[i]) for i in range(n)])
        self.suitability = pulp.LpAffineExpression(
            [(self.x[i], float(problem.score[i] * places[i])) for i in range(n)]
        )
        # Every total is a multiple of the sizes' common divisor: rounding both bounds to it
        # changes no plan but keeps the LP from taking a fraction of a site (with sites of
        # 20 and N = 400 the LP took 20,95 sites, and CBC searched to its time limit).
        unit = math.gcd(*(int(p) for p in problem.places)) if n else 1
        upper = problem.max_places // unit * unit
        self.prob += (self.total <= upper, "places_max")
        if required is not None:
            self.prob += (self.total >= -(-required // unit) * unit, "places_min")
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
        terms: list[tuple[object, float]] = []
        constant = 0.0
        for g in range(m):
            target = float(problem.targets[g])
            constant += float(_closeness(0, target))
            if not members_of[g]:
                continue
            # g's places come in multiples of its sites' common divisor d: one segment per
            # d places keeps the chain exact at every reachable P_g and the LP relaxation
            # tight: with one site size and no spacing it is a flow, integral (the chain
            # per place made CBC search 20 s for Zuid-Kennemerland's 10 sites of 20).
            step = math.gcd(*(int(problem.places[i]) for i in members_of[g]))
            segments = min(upper, int(places[members_of[g]].sum())) // step
            chain = [pulp.LpVariable(f"y{g}_{k}", lowBound=0, upBound=1) for k in range(segments)]
            terms += [
                (y, float(_closeness((k + 1) * step, target) - _closeness(k * step, target)))
                for k, y in enumerate(chain)
            ]
            planned = pulp.LpAffineExpression(
                [(self.x[i], places[i] / step) for i in members_of[g]]
            )
            self.prob += (planned == pulp.lpSum(chain), f"gemeente{g}")
        self.deviation = pulp.LpAffineExpression(terms, constant=constant)

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
        # The copy shares its variables: relax them for this solve, then restore each
        # category as it was (PuLP stores a binary as LpInteger in 0..1; setting LpBinary
        # back left CBC reading the sites as continuous in every later solve).
        relaxed = self.prob.copy()
        variables = relaxed.variables()
        categories = [v.cat for v in variables]
        for v in variables:
            v.cat = self.pulp.LpContinuous
        try:
            relaxed.solve(self.pulp.PULP_CBC_CMD(msg=False, threads=1))
        finally:
            for v, category in zip(variables, categories, strict=True):
                v.cat = category
        return float(self.pulp.value(relaxed.objective) or 0.0)

    def bound(self, objective: object) -> tuple[float, float]:
        """Return an upper bound on the maximum of ``objective`` and the seconds it took.

        The optimum when CBC proves it within the time limit, else the LP relaxation's.
        """
        try:
            _, status, _, seconds = self.solve(objective)
        except PlanError:
            status, seconds = "tijdslimiet", self.problem.time_limit_s
        if status == "optimaal":
            return float(self.pulp.value(objective) or 0.0), seconds
        return self.relaxation_bound(), seconds

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
    gemeente and size: the same places per gemeente, so the same ``D`` (``D`` depends on the
    plan only through the places per gemeente ``P_g``, whatever ``f_g``), and a suitability
    at least as high. Sites scoring below it are dropped; every plan over all sites has a
    plan over the pool with the same ``D`` and no less ``S``, so each end and each weighed
    evenness has an optimal plan within the pool.

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
    end states its gap against the same problem without spacing. Dropping spacing only adds
    plans, and the places floor of the pool (``R`` of the pool, never above ``R`` of all
    sites) only loosens it, so its optimum bounds the true one: ``S_bound >= S*`` and
    ``D_bound <= D*``. When CBC stops that solve by the time limit, the bound is the LP
    relaxation's instead (looser, still valid). The gaps are relative to the plan found:
    suitability ``(S_bound - S_0) / S_bound`` and distance from the key ``(D_1 - D_bound) /
    D_1`` (``D`` is not in places, so it is measured against itself). Status ``begrensd``.

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
    bound_s, seconds_s = model.bound(model.suitability)
    bound_d, seconds_d = model.bound(-model.deviation)
    bound_d = -bound_d
    gap_best = max(0.0, bound_s - best.suitability) / max(bound_s, 1e-9)
    gap_even = max(0.0, even.deviation - bound_d) / max(even.deviation, 1e-9)
    best = dataclasses.replace(
        best, status="begrensd", gap=max(best.gap, gap_best), solve_s=best.solve_s + seconds_s
    )
    even = dataclasses.replace(
        even, status="begrensd", gap=max(even.gap, gap_even), solve_s=even.solve_s + seconds_d
    )
    return pool, best, even
