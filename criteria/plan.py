"""From a ranked list to a regional plan: N places over the gemeenten by a fair-share key.

:func:`plan_scenario` takes a scored scenario (:func:`criteria.run.run_scenario`) and its
:class:`~criteria.scenario.PlanOptions` and returns a :class:`~criteria.plan_result.
PlanResult`: which sites, how many places per gemeente against its target, the headline
evenness index before and after, and the frontier of evenness against suitability. The CLI
(``plekwijzer plan``), the report's page "Verdeelplan" and the app all call it, so one plan
reaches every front end.

Per gemeente ``g``: ``existing_g`` places of the counted types, key share ``s_g``
(:mod:`criteria.fair_share`), ``fair_share_g = s_g (existing + N)`` and ``target_g =
max(0, fair_share_g - existing_g)``. The sites are chosen by the mixed-integer program of
:mod:`criteria.plan_solver`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from criteria._errors import PlanError
from criteria.fair_share import key_shares, load_key
from criteria.plan_result import FRONTIER_EVENNESS, FrontierPoint, GemeentePlan, PlanResult
from criteria.plan_solver import PlanProblem, PlanSolution, solve_ends_large, solve_plan
from geo import nlformat
from geo.export import GeoJSONStream
from geo.inequality import gini_weighted
from geo.settings import DEFAULT_PLACES, FACILITY_TYPES
from geo.spread import PER_INHABITANTS
from geo.spread_report import units_for_level

if TYPE_CHECKING:
    from criteria.run import ScenarioResult
    from criteria.scenario import PlanOptions

__all__ = ["counted_types", "plan_geojson_stream", "plan_scenario", "site_places"]

#: Dutch reasons for a shortfall, most specific first.
REASON_NO_SITE = "geen geschikte locatie"
REASON_SPACING = "te weinig ruimte tussen locaties"
REASON_CAP = "maximum per buurt bereikt"
REASON_ALL_USED = "alle geschikte locaties gekozen"
REASON_TOO_BIG = "kleinste vrije locatie is groter dan het tekort"
REASON_TRADE_OFF = "afweging tegen geschiktheid (evenwichtigheid onder 1)"
#: The places asked are all given out; the targets together ask for more than N.
REASON_PLACES_USED = "alle gevraagde plaatsen zijn verdeeld; samen vragen de doelen meer"


def counted_types(spec: str, *, facility_type: str) -> tuple[str, ...]:
    """Return the existing facility types whose places count.

    Parameters
    ----------
    spec
        ``all`` (every type, as the spread figures), ``same`` (the planned type) or types
        joined by commas (``nachtopvang,beschermd_wonen``).
    facility_type
        The planned type (the profile's name).

    Returns
    -------
    tuple of str
    """
    if spec == "all":
        return tuple(FACILITY_TYPES)
    if spec == "same":
        return (facility_type,)
    types = tuple(t.strip() for t in spec.split(",") if t.strip())
    if unknown := [t for t in types if t not in FACILITY_TYPES]:
        msg = (
            f"--count-types: onbekend(e) type(n) voorziening {', '.join(unknown)}; gebruik all, "
            f"same of typen uit {', '.join(FACILITY_TYPES)}."
        )
        raise PlanError(msg)
    if not types:
        msg = "--count-types is leeg: gebruik all, same of een lijst typen voorziening."
        raise PlanError(msg)
    return types


def site_places(table: pd.DataFrame, features: pd.DataFrame, *, facility_type: str) -> pd.Series:
    """Return the places of every site: the inventory's ``places``, else the type's default.

    Parameters
    ----------
    table
        The scored candidates (index = site id).
    features
        The candidate feature table (the inventory's columns, ``places`` when given).
    facility_type
        The planned type (:data:`geo.settings.DEFAULT_PLACES`).

    Returns
    -------
    pandas.Series
        Named ``places``, whole numbers ≥ 1, aligned to ``table``.
    """
    default = float(DEFAULT_PLACES.get(facility_type, 1))
    places = pd.Series(default, index=table.index, name="places")
    if "places" in features.columns:
        given = pd.to_numeric(features["places"], errors="coerce").reindex(table.index)
        bad = given.notna() & ((given < 1) | (given != given.round()))
        if bad.any():
            site = bad[bad].index[0]
            msg = (
                f"kolom 'places' van de inventaris is {nlformat.given(given[site])} voor plek "
                f"{site}; geef een heel getal ≥ 1 (of laat haar leeg voor de standaard van het "
                "profiel)."
            )
            raise PlanError(msg)
        places = given.fillna(default).rename("places")
    return places


def _index(existing: np.ndarray, planned: np.ndarray, inhabitants: np.ndarray) -> float:
    """Return the headline index: Gini of places per 10,000 inhabitants, weighted by them.

    The same index as the spread figures' headline (``gini_pop_weighted``), over the
    populated gemeenten.
    """
    populated = inhabitants > 0
    rate = (existing + planned)[populated] / inhabitants[populated] * PER_INHABITANTS
    return gini_weighted(rate, inhabitants[populated])


def plan_scenario(result: ScenarioResult, options: PlanOptions | None = None) -> PlanResult:
    """Make the regional plan of a scored scenario.

    Parameters
    ----------
    result
        The scenario's run (scores, hard-rule exclusions, the region's layers).
    options
        The plan's settings; default ``result.scenario.plan``.

    Returns
    -------
    PlanResult

    Raises
    ------
    PlanError
        Without plan options, for an unknown facility type or a bad ``places`` column.
    """
    options = options if options is not None else result.scenario.plan
    if options is None:
        msg = "het scenario heeft geen verdeelplan: geef --places N (of PlanOptions)."
        raise PlanError(msg)
    data = result.data
    facility_type = result.profile.name
    types = counted_types(options.count_types, facility_type=facility_type)
    units = units_for_level(
        data.buurten, level="gemeente", published=data.published, with_geometry=False
    ).sort_values("code")
    codes = [str(c) for c in units["code"]]
    key = load_key(options.key)
    shares = key_shares(key, units).reindex(codes).fillna(0.0).to_numpy(float)
    inhabitants = pd.to_numeric(units["inhabitants"], errors="coerce").fillna(0.0).to_numpy(float)
    register = data.facilities
    if len(register):
        counted = register[register["type"].isin(types)]
        by_code = pd.to_numeric(counted["places"], errors="coerce").groupby(counted["gemeentecode"])
        existing = by_code.sum().reindex(codes).fillna(0.0).to_numpy(float)
    else:
        existing = np.zeros(len(codes))
    fair = shares * (existing.sum() + options.places)
    targets = np.maximum(0.0, fair - existing)

    table = result.table
    places_all = site_places(table, data.features, facility_type=facility_type)
    position = {c: k for k, c in enumerate(codes)}
    eligible = table[
        table["rank"].notna() & ~table["excluded"] & table["gemeentecode"].isin(position)
    ].sort_values("rank")
    xy = np.column_stack([eligible.geometry.x.to_numpy(), eligible.geometry.y.to_numpy()])
    problem = PlanProblem(
        score=eligible["score"].to_numpy(float),
        places=places_all.reindex(eligible.index).to_numpy().astype(np.int64),
        gemeente=eligible["gemeentecode"].map(position).to_numpy(np.int64),
        targets=targets,
        total=options.places,
        xy=xy.astype(float).reshape(-1, 2),
        buurt=eligible["buurtcode"].astype(object).to_numpy(),
        min_spacing_m=options.min_spacing_m,
        max_per_buurt=options.max_per_buurt,
        time_limit_s=options.time_limit_s,
    )
    pool, *pool_ends = solve_ends_large(problem)
    sub = problem.subset(pool)
    ends = (pool_ends[0], pool_ends[1])

    def full(solution: PlanSolution) -> PlanSolution:
        # Back from the pool to every eligible site.
        chosen = np.zeros(problem.n_sites, dtype=bool)
        chosen[pool[solution.chosen]] = True
        return dataclasses.replace(solution, chosen=chosen)

    points = {e: solve_plan(sub, e, ends=ends) for e in FRONTIER_EVENNESS}
    if options.evenness not in points:
        points[options.evenness] = solve_plan(sub, options.evenness, ends=ends)
    seconds = sum({id(s): s.solve_s for s in (*ends, *points.values())}.values())
    for e, point in points.items():
        if point.status == "optimaal" and ends[0].status == "begrensd":
            points[e] = dataclasses.replace(point, status="begrensd", gap=ends[0].gap)
    chosen = full(points[options.evenness])
    frontier = [
        _frontier_point(problem, full(points[e]), existing, inhabitants) for e in FRONTIER_EVENNESS
    ]
    best_plan = full(ends[0])
    planned_g = _planned(problem, chosen.chosen)
    rows = []
    for k, code in enumerate(codes):
        shortfall = max(0.0, targets[k] - planned_g[k])
        rows.append(
            GemeentePlan(
                gemeentecode=code,
                naam=str(units["name"].iloc[k]),
                inwoners=float(inhabitants[k]),
                share=float(shares[k]),
                existing=float(existing[k]),
                fair_share=float(fair[k]),
                target=float(targets[k]),
                planned=float(planned_g[k]),
                sites=int(np.sum(chosen.chosen & (problem.gemeente == k))),
                eligible_sites=int(np.sum(problem.gemeente == k)),
                shortfall=shortfall,
                reason=_reason(problem, chosen, k, shortfall, options.evenness),
            )
        )
    picked = eligible.index[chosen.chosen]
    worst = [s for s in (*ends, chosen) if s.status != "optimaal"]
    return PlanResult(
        key=key.name,
        key_label=key.label,
        types_counted=types,
        places=options.places,
        evenness=options.evenness,
        site_ids=tuple(str(i) for i in picked),
        site_places=tuple(float(p) for p in problem.places[chosen.chosen]),
        gemeenten=tuple(rows),
        index_before=_index(existing, np.zeros_like(existing), inhabitants),
        index_after=_index(existing, planned_g, inhabitants),
        mean_score=_mean_score(problem, chosen.chosen),
        mean_score_best=_mean_score(problem, best_plan.chosen),
        frontier=tuple(frontier),
        status=worst[0].status if worst else chosen.status,
        gap=max(s.gap for s in (*ends, chosen)),
        solve_s=seconds,
    )


def _planned(problem: PlanProblem, chosen: np.ndarray) -> np.ndarray:
    return np.bincount(
        problem.gemeente, weights=problem.places * chosen, minlength=len(problem.targets)
    )


def _mean_score(problem: PlanProblem, chosen: np.ndarray) -> float:
    return float(problem.score[chosen].mean()) if chosen.any() else math.nan


def _frontier_point(
    problem: PlanProblem, solution: PlanSolution, existing: np.ndarray, inhabitants: np.ndarray
) -> FrontierPoint:
    planned = _planned(problem, solution.chosen)
    return FrontierPoint(
        evenness=solution.evenness,
        index_after=_index(existing, planned, inhabitants),
        mean_score=_mean_score(problem, solution.chosen),
        planned_places=float(planned.sum()),
        deviation=solution.deviation,
    )


def _reason(
    problem: PlanProblem, solution: PlanSolution, g: int, shortfall: float, evenness: float
) -> str | None:
    """Say in Dutch why gemeente ``g`` stays a place or more below its target."""
    if shortfall < 1 - 1e-9:
        return None
    mine = problem.gemeente == g
    if not mine.any():
        return REASON_NO_SITE
    free = mine & ~solution.chosen
    if not free.any():
        return REASON_ALL_USED
    blocked_spacing = np.zeros(problem.n_sites, dtype=bool)
    if problem.min_spacing_m > 0 and solution.chosen.any():
        tree = cKDTree(problem.xy[solution.chosen])
        near = tree.query_ball_point(
            problem.xy[free], math.nextafter(problem.min_spacing_m, 0.0), return_length=True
        )
        blocked_spacing[np.flatnonzero(free)] = np.asarray(near) > 0
    blocked_cap = np.zeros(problem.n_sites, dtype=bool)
    if problem.max_per_buurt is not None:
        counts = pd.Series(problem.buurt[solution.chosen]).value_counts()
        full = {b for b, n in counts.items() if n >= problem.max_per_buurt}
        blocked_cap = free & np.array([b in full for b in problem.buurt])
    open_sites = free & ~blocked_spacing & ~blocked_cap
    if not open_sites.any():
        return REASON_SPACING if (free & blocked_spacing).any() else REASON_CAP
    if problem.places[open_sites].min() >= 2 * shortfall:
        return REASON_TOO_BIG
    if evenness < 1:
        return REASON_TRADE_OFF
    return REASON_PLACES_USED


def plan_table(result: ScenarioResult, plan: PlanResult) -> pd.DataFrame:
    """Return the scored table with ``planned`` (bool) and ``places`` per site.

    Parameters
    ----------
    result
        The scenario's run.
    plan
        Its plan.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    table = result.table.copy()
    table["planned"] = table.index.isin(plan.site_ids)
    places = site_places(table, result.data.features, facility_type=result.profile.name)
    table["places"] = places.astype(int)
    return table


def plan_geojson_stream(result: ScenarioResult, plan: PlanResult) -> GeoJSONStream:
    """Return the plan export: the score export plus ``planned`` and ``places``.

    Parameters
    ----------
    result
        The scenario's run.
    plan
        Its plan.

    Returns
    -------
    geo.export.GeoJSONStream
    """
    members: dict[str, Any] = result.export_members()
    members["plekwijzer"] = members["plekwijzer"] | {"plan": plan.record()}
    scoring = result.scoring
    return GeoJSONStream(
        plan_table(result, plan),
        [*scoring.export_properties, "planned", "places"],
        members=members,
        # The score export's own row shaping (criteria records, nullable rank).
        enrich=scoring._export_rows,
    )
