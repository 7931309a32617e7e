"""The council report of a scenario result: the one mapping from run to print.

The CLI (``plekwijzer report``) and the app's download button both call
:func:`council_report`, so the paper shows the figures of the screen.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from criteria.plan_result import PlanResult
from criteria.run import ScenarioResult
from geo.report import ReportInput, data_sources, illustrative_notes, render_pdf, write_report

if TYPE_CHECKING:
    import geopandas as gpd

    from criteria.surface import ScenarioSurface
    from geo.spread_result import ScenarioSpread


def council_report(result: ScenarioResult) -> ReportInput:
    """Return what the council report shows for a scenario result.

    Parameters
    ----------
    result
        The run (:func:`criteria.run.run_scenario`).

    Returns
    -------
    geo.report.ReportInput
    """
    sources = data_sources(result.source, dict(result.inputs))
    title = result.region.title
    plan = _plan(result)
    common = {
        "region_title": title.split(" (")[0] if title else result.region.name,
        "profile": result.profile,
        "buurten": result.data.buurten,
        "facilities": result.data.facilities,
        "weights": result.scoring.weights,
        "sources": sources,
        "illustrative": illustrative_notes(sources),
        "sensitivity": result.sensitivity,
        "coverage": result.coverage,
        "roads": result.data.roads,
        "plan": plan,
        "zoekgebieden": _zoekgebieden(result),
    }
    if plan is None or result.scenario.plan is None:
        return ReportInput(
            table=result.table,
            spread=result.spread_at("gemeente"),
            shortlist_options=dataclasses.asdict(result.scenario.shortlist),
            **common,
        )
    # A scenario with a plan proposes the plan's sites, not the score's top N: the map, the
    # spread pages and the site pages show what the Verdeelplan page counts.
    return ReportInput(
        table=plan_report_table(result, plan),
        spread=plan_spread(result, plan),
        shortlist_options=dataclasses.asdict(result.scenario.plan),
        selection="verdeelplan",
        **common,
    )


def plan_report_table(result: ScenarioResult, plan: PlanResult) -> gpd.GeoDataFrame:
    """Return the scored table with ``shortlisted`` marking the plan's sites.

    ``rank`` stays the score rank. ``skip_reason`` explains why the shortlist passed a site
    over and ``stability`` how often a site stays in the top N under other weights; both are
    about the shortlist, and next to a plan site (often far below the top N, chosen for its
    gemeente) they would read as a verdict on the plan, so they are left out. The weight
    sensitivity of the ranking stays in the annex, labelled as about the ranking.

    Parameters
    ----------
    result
        The scenario's run.
    plan
        Its plan (:func:`criteria.plan.plan_scenario`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``result.table``.
    """
    table = result.table.drop(
        columns=[c for c in ("skip_reason", "stability") if c in result.table.columns]
    )
    table["shortlisted"] = table.index.isin(plan.site_ids)
    return table


def plan_spread(result: ScenarioResult, plan: PlanResult) -> ScenarioSpread:
    """Return the spread per gemeente before and after the plan's sites with their places.

    Computed by :meth:`criteria.run.Prepared.spread_with_sites`, the definition of the
    shortlist's spread after, so with every type counted (``count_types="all"``) its Gini
    after is the plan's ``index_after``.

    Parameters
    ----------
    result
        The scenario's run.
    plan
        Its plan.

    Returns
    -------
    geo.spread_result.ScenarioSpread
    """
    table = result.table
    sites = table.loc[list(plan.site_ids), ["id", "name", table.geometry.name]]
    sites = sites.assign(places=[int(p) for p in plan.site_places])
    return result.prepared.spread_with_sites(sites, level="gemeente")


def _plan(result: ScenarioResult) -> PlanResult | None:
    """Return the scenario's regional plan (page "Verdeelplan"), when it asks for one."""
    if result.scenario.plan is None:
        return None
    from criteria.plan import plan_scenario

    return plan_scenario(result)


def _zoekgebieden(result: ScenarioResult) -> ScenarioSurface | None:
    """Return the scenario's surface and zoekgebieden (page "Zoekgebieden"), when it asks.

    Computed by :func:`criteria.surface.scenario_surface`, the path of ``plekwijzer surface``.
    """
    if result.scenario.surface is None:
        return None
    from criteria.surface import scenario_surface

    return scenario_surface(result.scenario, source=result.source, data=result.data)


def write_council_report(result: ScenarioResult, out_path: str | Path) -> Path:
    """Write the council report of a result as PDF or HTML (by the file's suffix).

    Parameters
    ----------
    result
        The run.
    out_path
        ``report.pdf`` or ``report.html``; written atomically.

    Returns
    -------
    pathlib.Path
    """
    return write_report(council_report(result), out_path)


def council_pdf(result: ScenarioResult) -> bytes:
    """Return the council report of a result as PDF bytes (the app's download).

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    bytes
    """
    return render_pdf(council_report(result))
