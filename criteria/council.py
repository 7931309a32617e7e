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
    from criteria.surface import ScenarioSurface


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
    return ReportInput(
        region_title=title.split(" (")[0] if title else result.region.name,
        profile=result.profile,
        table=result.table,
        buurten=result.data.buurten,
        spread=result.spread_at("gemeente"),
        facilities=result.data.facilities,
        weights=result.scoring.weights,
        sources=sources,
        illustrative=illustrative_notes(sources),
        shortlist_options=dataclasses.asdict(result.scenario.shortlist),
        sensitivity=result.sensitivity,
        coverage=result.coverage,
        roads=result.data.roads,
        plan=_plan(result),
        zoekgebieden=_zoekgebieden(result),
    )


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
