"""Coverage planning: how many new sites, and where, so that every buurt has one within reach.

Two classic models, solved with PySAL spopt on PuLP's bundled CBC solver (offline):

* LSCP (location set covering): the fewest new sites such that every inhabited buurt that
  *can* be reached has an existing or new site within reach;
* MCLP (maximal covering): the most inhabitants within reach with ``n_sites`` new sites.

Existing facilities of the planned type are spopt's predefined facilities: fixed open, they
count for coverage but are never "new". Only eligible candidates (not excluded by a hard
constraint of the profile) can be chosen.

Ties go to suitability, lexicographically, in a second solve of the same spopt model: after
the first solve gives the optimum ``K`` (LSCP: number of sites; MCLP: inhabitants covered),
the PuLP problem gets the constraint "count = K" (LSCP) or "covered ≥ K" (MCLP) and its
objective becomes the total suitability score of the new sites, maximised. No weight has to
be tuned and the count (or coverage) of the first stage can never get worse, which a
weighted single objective only guarantees for a small enough epsilon.

When ``n_sites`` new sites would cover every reachable inhabitant, fewer suffice: MCLP then
returns the LSCP plan (the fewest sites for full coverage) and says so in
``CoverageResult.sites_needed``.

Buurten that no existing site and no eligible candidate reaches are left out of both models
(LSCP would be infeasible) and listed in ``CoverageResult.unreachable``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pulp
from spopt.locate import LSCP, MCLP

from criteria._errors import CoverageError
from criteria.coverage_result import BuurtDemand, CoverageResult, CoverSite, Model
from geo import nlformat
from geo.reach import straight_line_cost_m


@dataclass(frozen=True)
class CoverageProblem:
    """Demand, sites and their costs: the input of both models.

    Build it with :meth:`from_cost_matrix` (any cost in metres, e.g. walking distance) or
    :meth:`from_geodataframe` (straight-line distance between points).

    Attributes
    ----------
    cost_m
        Cost in metres, rows = demand, columns = sites; ``inf`` or NaN = unreachable.
    reach_m
        A site covers a demand point when the cost is at most this.
    demand_ids, inhabitants
        Buurtcode and inhabitants per row.
    site_ids, existing, scores
        Id, "is an existing facility" and suitability score per column.
    """

    cost_m: np.ndarray
    reach_m: float
    demand_ids: tuple[str, ...]
    inhabitants: np.ndarray
    site_ids: tuple[str, ...]
    existing: np.ndarray
    scores: np.ndarray

    @classmethod
    def from_cost_matrix(
        cls,
        cost_m: np.ndarray,
        *,
        reach_m: float,
        demand_ids: Sequence[str],
        inhabitants: Sequence[float],
        site_ids: Sequence[str],
        existing: Sequence[bool] | None = None,
        scores: Sequence[float] | None = None,
    ) -> CoverageProblem:
        """Build a problem from a cost matrix (e.g. walking metres from a network).

        Parameters
        ----------
        cost_m
            Array of shape ``(len(demand_ids), len(site_ids))`` in metres.
        reach_m
            Reach in metres, > 0.
        demand_ids, inhabitants
            One per row; inhabitants > 0.
        site_ids
            One per column, unique.
        existing
            True for existing facilities (fixed open); default none.
        scores
            Suitability 0–1 of each site, for the tie-break; NaN counts as 0. Default all 0.

        Returns
        -------
        CoverageProblem
        """
        reach_m = _check_reach(reach_m)
        cost = np.asarray(cost_m, dtype=float)
        n_demand, n_sites = len(demand_ids), len(site_ids)
        if cost.shape != (n_demand, n_sites):
            msg = (
                f"cost_m heeft vorm {cost.shape}, verwacht ({n_demand}, {n_sites}) (rijen = "
                "vraagpunten, kolommen = plekken)."
            )
            raise CoverageError(msg)
        ids = pd.Index([str(s) for s in site_ids])
        if ids.has_duplicates:
            msg = (
                f"plek-id {ids[ids.duplicated()][0]!r} komt twee keer voor (ids van kandidaten en "
                "voorzieningen moeten verschillen); hernoem er een."
            )
            raise CoverageError(msg)
        weights = np.asarray(inhabitants, dtype=float)
        if len(weights) != n_demand or not (np.isfinite(weights).all() and (weights > 0).all()):
            msg = "inhabitants moet één getal > 0 per vraagpunt geven; laat lege buurten weg."
            raise CoverageError(msg)
        fixed = np.zeros(n_sites, bool) if existing is None else np.asarray(existing, bool)
        score = np.zeros(n_sites) if scores is None else np.asarray(scores, dtype=float)
        if len(fixed) != n_sites or len(score) != n_sites:
            msg = "existing en scores moeten één waarde per plek geven."
            raise CoverageError(msg)
        return cls(
            cost_m=np.where(np.isnan(cost), np.inf, cost),
            reach_m=reach_m,
            demand_ids=tuple(str(d) for d in demand_ids),
            inhabitants=weights,
            site_ids=tuple(ids),
            existing=fixed,
            scores=np.where(fixed | np.isnan(score), 0.0, score),
        )

    @classmethod
    def from_geodataframe(
        cls,
        demand: Any,
        sites: Any,
        *,
        reach_m: float,
        cost_m: np.ndarray | None = None,
    ) -> CoverageProblem:
        """Build a problem from a demand layer and a site layer.

        Parameters
        ----------
        demand
            :func:`geo.demand.demand_from_buurten`: ``buurtcode``, ``inhabitants``, points.
        sites
            :func:`criteria.coverage_plan.coverage_sites`: index = id, ``existing``,
            ``score``, points, in the CRS of ``demand``.
        reach_m
            Reach in metres.
        cost_m
            Optional cost matrix in metres (e.g. walking distance) in the row and column
            order of ``demand`` and ``sites``; default straight-line distance.

        Returns
        -------
        CoverageProblem
        """
        for column in ("existing", "score"):
            if column not in sites.columns:
                msg = f"de plekken missen kolom {column!r}; maak ze met coverage_sites()."
                raise CoverageError(msg)
        cost = straight_line_cost_m(demand, sites) if cost_m is None else cost_m
        return cls.from_cost_matrix(
            cost,
            reach_m=reach_m,
            demand_ids=list(demand["buurtcode"]),
            inhabitants=list(demand["inhabitants"]),
            site_ids=list(sites.index),
            existing=sites["existing"].to_numpy(bool),
            scores=sites["score"].to_numpy(float),
        )

    @property
    def covers(self) -> np.ndarray:
        """Boolean matrix: site (column) reaches demand point (row)."""
        return self.cost_m <= self.reach_m


def solve_coverage(
    problem: CoverageProblem,
    *,
    n_sites: int | None = None,
    solver: pulp.LpSolver | None = None,
) -> CoverageResult:
    """Plan new sites: LSCP without ``n_sites``, MCLP with it.

    Parameters
    ----------
    problem
        Demand, sites and costs.
    n_sites
        None: the fewest new sites covering every reachable buurt (LSCP). A number >= 1: the
        new sites covering the most inhabitants (MCLP).
    solver
        A PuLP solver; default :func:`default_solver`.

    Returns
    -------
    CoverageResult
    """
    if n_sites is not None and (
        isinstance(n_sites, bool) or int(n_sites) != n_sites or n_sites < 1
    ):
        msg = (
            "het aantal nieuwe plekken moet een heel getal ≥ 1 zijn, kreeg "
            f"{nlformat.given(n_sites)}."
        )
        raise CoverageError(msg)
    if not problem.site_ids:
        msg = "er zijn geen plekken: geef geschikte kandidaten of bestaande voorzieningen."
        raise CoverageError(msg)
    solver = solver or default_solver()
    covers = problem.covers
    reachable: np.ndarray = np.any(covers, axis=1)
    # Candidates reaching no buurt can never help; existing ones stay (they are fixed).
    columns = np.flatnonzero(problem.existing | covers[reachable].any(axis=0))
    candidates = int((~problem.existing[columns]).sum())
    start = time.perf_counter()
    chosen = np.zeros(len(problem.site_ids), bool)
    needed = None
    # Nothing reachable: no new site can help, nothing to solve.
    if reachable.any():
        if n_sites is None or n_sites >= candidates:
            chosen[columns] = _lscp(problem, reachable, columns, solver)
            if n_sites is not None:
                needed = int(chosen.sum())
        else:
            picked, full = _mclp(problem, reachable, columns, int(n_sites), solver)
            if full:
                picked = _lscp(problem, reachable, columns, solver)
                needed = int(picked.sum())
            chosen[columns] = picked
    solve_s = time.perf_counter() - start
    return _result(
        problem,
        chosen=chosen,
        model="lscp" if n_sites is None else "mclp",
        solve_s=solve_s,
        sites_asked=n_sites,
        sites_needed=needed,
    )


def default_solver() -> pulp.LpSolver:
    """Return PuLP's bundled CBC solver: quiet, one thread (the machine is shared).

    PuLP 3 warns that PuLP 4 moves CBC into a separate 600 MB package (``pulp[cbc]``); spopt
    still builds its models with the PuLP 3 API, so the project pins ``pulp<4`` and uses the
    bundled binary, which needs no download and runs offline.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PULP_CBC_CMD is deprecated", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, threads=1)


def _lscp(
    problem: CoverageProblem, rows: np.ndarray, columns: np.ndarray, solver: pulp.LpSolver
) -> np.ndarray:
    """Fewest new sites covering every row, then the best-scoring such set; new-site mask."""
    existing = problem.existing[columns]
    model = LSCP.from_cost_matrix(
        problem.cost_m[np.ix_(rows, columns)],
        problem.reach_m,
        predefined_facilities_arr=existing.astype(int),
    )
    model.solve(solver, results=False)
    open_sites = _open(model.fac_vars)
    count = int(open_sites.sum())
    if (open_sites & ~existing).any():
        # Second stage: same cover size, highest total score.
        model.problem += pulp.lpSum(model.fac_vars) == count, "tie_break_count"
        _maximise_score(model, problem.scores[columns], solver)
        open_sites = _open(model.fac_vars)
    chosen: np.ndarray = open_sites & ~existing
    return chosen


def _mclp(
    problem: CoverageProblem,
    rows: np.ndarray,
    columns: np.ndarray,
    n_sites: int,
    solver: pulp.LpSolver,
) -> tuple[np.ndarray, bool]:
    """Most inhabitants with ``n_sites`` new sites, then the best-scoring such set.

    Returns the new-site mask and whether every reachable inhabitant is covered.
    """
    existing = problem.existing[columns]
    weights = problem.inhabitants[rows]
    model = MCLP.from_cost_matrix(
        problem.cost_m[np.ix_(rows, columns)],
        weights,
        problem.reach_m,
        p_facilities=int(existing.sum()) + n_sites,
        predefined_facilities_arr=existing.astype(int),
    )
    model.solve(solver, results=False)
    best = float(pulp.value(model.problem.objective))
    # Inhabitants are counts: a tolerance below one person keeps the optimum exact.
    tolerance = min(0.5, 1e-6 * best)
    if best >= weights.sum() - tolerance:
        return _open(model.fac_vars) & ~existing, True
    covered = pulp.lpSum(float(w) * y for w, y in zip(weights, model.cli_vars, strict=True))
    model.problem += covered >= best - tolerance, "tie_break_coverage"
    _maximise_score(model, problem.scores[columns], solver)
    return _open(model.fac_vars) & ~existing, False


def _maximise_score(model: LSCP | MCLP, scores: np.ndarray, solver: pulp.LpSolver) -> None:
    model.problem.sense = pulp.LpMaximize
    model.problem.setObjective(
        pulp.lpSum(float(s) * x for s, x in zip(scores, model.fac_vars, strict=True) if s)
    )
    model.problem.solve(solver)
    model.check_status()


def _open(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    return np.array([(v.value() or 0) > 0.5 for v in variables], dtype=bool)


def _result(
    problem: CoverageProblem,
    *,
    chosen: np.ndarray,
    model: Model,
    solve_s: float,
    sites_asked: int | None,
    sites_needed: int | None,
) -> CoverageResult:
    covers = problem.covers
    weights = problem.inhabitants
    total = float(weights.sum())
    before: np.ndarray = np.any(covers[:, problem.existing], axis=1)
    after: np.ndarray = np.any(covers[:, problem.existing | chosen], axis=1)
    reachable: np.ndarray = np.any(covers, axis=1)
    return CoverageResult(
        model=model,
        reach_m=problem.reach_m,
        existing_ids=tuple(np.asarray(problem.site_ids, dtype=object)[problem.existing]),
        sites=_ranked(problem, chosen, before),
        inhabitants=total,
        covered_before=_share(weights[before].sum(), total),
        covered_after=_share(weights[after].sum(), total),
        uncovered=_buurten(problem, ~after),
        unreachable=_buurten(problem, ~reachable),
        solve_s=round(solve_s, 4),
        sites_asked=sites_asked,
        sites_needed=sites_needed,
        served_by=_served_by(problem, problem.existing | chosen),
    )


def _ranked(
    problem: CoverageProblem, chosen: np.ndarray, covered: np.ndarray
) -> tuple[CoverSite, ...]:
    """Order chosen sites greedily by the inhabitants each adds to what is covered so far."""
    covers = problem.covers
    weights = problem.inhabitants
    covered = covered.copy()
    left = list(np.flatnonzero(chosen))
    ranked: list[CoverSite] = []
    while left:
        gains = [float(weights[covers[:, j] & ~covered].sum()) for j in left]
        order = sorted(
            range(len(left)),
            key=lambda k: (-gains[k], -problem.scores[left[k]], problem.site_ids[left[k]]),
        )
        j = left.pop(order[0])
        ranked.append(
            CoverSite(
                id=problem.site_ids[j],
                cover_rank=len(ranked) + 1,
                score=round(float(problem.scores[j]), 6),
                adds_inhabitants=gains[order[0]],
                covers_inhabitants=float(weights[covers[:, j]].sum()),
            )
        )
        covered |= covers[:, j]
    return tuple(ranked)


def _buurten(problem: CoverageProblem, mask: np.ndarray) -> tuple[BuurtDemand, ...]:
    rows = sorted(
        np.flatnonzero(mask), key=lambda i: (-problem.inhabitants[i], problem.demand_ids[i])
    )
    return tuple(BuurtDemand(problem.demand_ids[i], float(problem.inhabitants[i])) for i in rows)


def _served_by(problem: CoverageProblem, open_sites: np.ndarray) -> dict[str, str | None]:
    served: dict[str, str | None] = dict.fromkeys(problem.demand_ids)
    columns = np.flatnonzero(open_sites)
    if not len(columns):
        return served
    cost = problem.cost_m[:, columns]
    nearest = cost.argmin(axis=1)
    within = cost[np.arange(len(cost)), nearest] <= problem.reach_m
    for i in np.flatnonzero(within):
        served[problem.demand_ids[i]] = problem.site_ids[columns[nearest[i]]]
    return served


def _share(part: float, total: float) -> float:
    return float(part) / total if total else math.nan


def _check_reach(reach_m: float) -> float:
    try:
        value = float(reach_m)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        msg = (
            f"het bereik moet een afstand in meters > 0 zijn, kreeg {nlformat.given(reach_m)}; "
            "bijv. 3000 voor 3 km."
        )
        raise CoverageError(msg)
    return value
