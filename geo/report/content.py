"""The report's content: a :class:`ReportInput` turned into Dutch text, tables and figures.

Everything here is plain data for the template in :mod:`geo.report.document`: strings in
nl-NL notation and PNG figures. Confidential facilities appear only as counts per gemeente:
the maps draw :func:`geo.facilities.public_view` of the register, never its hidden rows.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import nlformat
from geo.facilities import public_view
from geo.labels import (
    AGGREGATION_LABELS,
    HEADLINE_LABEL,
    WEIGHTING_LABELS,
    feature_label,
    rule_text,
    type_label,
)
from geo.report.cartography import outlines
from geo.report.charts import contributions_chart, frontier_chart, lorenz_chart
from geo.report.maps import gemeente_maps, location_map, region_map, zoekgebieden_map
from geo.report.model import ReportInput
from geo.report.spread_content import spread_now, spread_pair

#: Map attribution for real data and for the demo region.
ATTRIBUTION = "Bron: CBS, PDOK/Kadaster (buurtgrenzen benaderd); locaties: zie voorblad"
ATTRIBUTION_SHORT = "Bron: CBS, PDOK/Kadaster"
ATTRIBUTION_DEMO = "Demoregio: verzonnen gegevens"


def data_uri(image: bytes) -> str:
    """Embed PNG bytes in the HTML, so the file stands alone."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def shortlist(report: ReportInput) -> gpd.GeoDataFrame:
    """Return the selected sites in rank order, numbered 1, 2, … as in the whole report.

    The selection is the shortlist or the plan's sites (:attr:`ReportInput.selection`): the
    table's ``shortlisted`` marks them either way.
    """
    table = report.table
    picked = table[table["shortlisted"].astype(bool)].sort_values(["rank", "id"])
    return picked.assign(number=np.arange(1, len(picked) + 1))


def unit_names(report: ReportInput) -> tuple[dict[str, str], dict[str, str]]:
    """Gemeente and buurt names by code."""
    units = spread_now(report).units
    gemeenten = dict(zip(units["code"], units["name"].astype(str), strict=True))
    buurten = report.buurten
    return gemeenten, dict(zip(buurten["code"], buurten["name"].astype(str), strict=True))


def format_value(value: Any, feature: str) -> str:
    """Format a raw criterion value with its unit, in nl-NL notation."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "onbekend"
    number = float(value)
    if feature.endswith("_m"):
        return nlformat.distance(number)
    if feature.endswith("_km"):
        return f"{nlformat.number(number, decimals=1)} km"
    if feature.endswith("_m2"):
        return f"{nlformat.integer(number)} m²"
    if feature.endswith("_per_km2"):
        return f"{nlformat.integer(number)} per km²"
    if feature.endswith("_per_10k"):
        return nlformat.per_10k(number)
    if number.is_integer():
        return nlformat.integer(number)
    return nlformat.number(number, decimals=2)


def cover(report: ReportInput) -> dict[str, Any]:
    """Title, date, sources and the key figures of the cover page."""
    table = report.table
    pair = spread_pair(report)
    gini = pair.headline if pair is not None else None
    kind = type_label(report.profile.facility_type or report.profile.name)
    return {
        "title": f"{kind} in {report.region_title}",
        "facility_type": kind,
        "region": report.region_title,
        "date": nlformat.date(report.created),
        "candidates": nlformat.integer(len(table)),
        "excluded": nlformat.integer(int(table["excluded"].astype(bool).sum())),
        "shortlisted": nlformat.integer(int(table["shortlisted"].astype(bool).sum())),
        "headline": HEADLINE_LABEL,
        "gini_before": nlformat.number(gini.before if gini else None, decimals=3),
        "gini_after": nlformat.number(gini.after if gini else None, decimals=3),
        "sources": [
            {"name": s.name, "date": s.date, "note": s.note, "illustrative": s.illustrative}
            for s in report.sources
        ],
        "illustrative": list(report.illustrative),
        "no_register": report.facilities is None or report.facilities.empty,
    }


def shortlist_rows(report: ReportInput, sites: gpd.GeoDataFrame) -> list[dict[str, str]]:
    """One row per shortlisted site for the table under the region map."""
    gemeenten, buurten = unit_names(report)
    return [
        {
            "number": str(site["number"]),
            "rank": nlformat.integer(site["rank"]),
            **_site_facts(site, gemeenten, buurten),
        }
        for _, site in sites.iterrows()
    ]


def skipped_rows(report: ReportInput) -> list[dict[str, str]]:
    """Say why each rank missing from the shortlist was skipped, one line per reason.

    Ranks skipped for the same reason share a line ("rang 2, 6 en 7: binnen 1,5 km van
    #1"), so the explanation fits under the shortlist table however many were skipped; the
    distance of each to its pick is in the app and the GeoJSON (``skip_reason``). Tables
    without the column give no lines.
    """
    table = report.table
    if "skip_reason" not in table.columns:
        return []
    skipped = table[table["skip_reason"].notna()].sort_values(["rank", "id"])
    groups: dict[str, list[int]] = {}
    for rank, reason in zip(skipped["rank"], skipped["skip_reason"], strict=True):
        # "overgeslagen: binnen 1,5 km van #1 (op 70 m)" -> "binnen 1,5 km van #1"
        short = re.sub(r"\s*\(op [^)]*\)$", "", str(reason).removeprefix("overgeslagen: "))
        groups.setdefault(short, []).append(int(rank))
    lines = []
    for reason, ranks in sorted(groups.items(), key=lambda item: item[1][0]):
        listed = [nlformat.integer(r) for r in ranks]
        text = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} en {listed[-1]}"
        lines.append({"ranks": f"rang {text}", "reason": reason})
    return lines


def _site_facts(
    site: pd.Series, gemeenten: dict[str, str], buurten: dict[str, str]
) -> dict[str, str]:
    """Return what the shortlist table and the site's own section both say of a site."""
    return {
        "name": str(site["name"]),
        "gemeente": gemeenten.get(site["gemeentecode"], str(site["gemeentecode"])),
        "buurt": buurten.get(site["buurtcode"], str(site["buurtcode"])),
        "use": str(site.get("use", "")),
        "score": nlformat.number(site["score"], decimals=3),
        "stability": _stability(site),
    }


def _stability(site: pd.Series) -> str:
    value = site.get("stability")
    if value is None or not np.isfinite(float(value)):
        return ""
    return nlformat.percent(float(value))


def site_sections(report: ReportInput, sites: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Per shortlisted site: facts, location map, contributions chart, checks, stability."""
    gemeenten, buurten = unit_names(report)
    weights = report.used_weights
    criteria = [c for c in report.profile.criteria if f"raw__{c.name}" in report.table.columns]
    geometric = report.profile.aggregation == "geometric_mean"
    public = public_facilities(report)
    sections = []
    for _, site in sites.iterrows():
        rows = [
            {
                "label": c.label,
                "value": format_value(site[f"raw__{c.name}"], c.feature),
                "transformed": nlformat.number(site[f"transformed__{c.name}"], decimals=2),
                "weight": nlformat.percent(weights.get(c.name, math.nan)),
                "contribution": nlformat.number(site[f"contribution__{c.name}"], decimals=3),
            }
            for c in criteria
        ]
        if geometric:
            achieved = [float(site[f"transformed__{c.name}"]) for c in criteria]
            possible = [1.0] * len(criteria)
            axis = "waarde van het criterium (0 = slecht, 1 = goed)"
        else:
            achieved = [float(site[f"contribution__{c.name}"]) for c in criteria]
            possible = [weights.get(c.name, 0.0) for c in criteria]
            axis = "bijdrage aan de score (grijs: het maximum, het gewicht)"
        chart = contributions_chart(
            [c.label for c in criteria], achieved, possible, axis_title=axis
        )
        location = location_map(
            report.buurten,
            site,
            others=sites,
            facilities=public,
            roads=report.roads,
            source_text=ATTRIBUTION_DEMO if _is_demo(report) else ATTRIBUTION_SHORT,
        )
        sections.append(
            {
                "number": int(site["number"]),
                **_site_facts(site, gemeenten, buurten),
                "rank": nlformat.integer(site["rank"]),
                "rows": rows,
                "checks": checks(site, report),
                "location_map": data_uri(location),
                "chart": data_uri(chart),
            }
        )
    return sections


def checks(site: pd.Series, report: ReportInput) -> list[dict[str, str]]:
    """List what to verify on site ("te controleren"): recorded checks and unknown values."""
    items = []
    recorded = site.get("checks")
    if isinstance(recorded, list | tuple):
        labels = report.profile.labels
        for check in recorded:
            if isinstance(check, dict):
                rule = str(check.get("rule", ""))
                items.append(
                    {"rule": labels.get(rule, rule), "reason": str(check.get("reason", ""))}
                )
    if str(site.get("location_precision", "point")) == "buurt":
        items.append(
            {
                "rule": "Ligging",
                "reason": "geplaatst op het midden van de buurt (geen adres bekend); "
                "controleer de precieze plek",
            }
        )
    for criterion in report.profile.criteria:
        raw = site.get(f"raw__{criterion.name}")
        if raw is not None and not isinstance(raw, str) and not np.isfinite(float(raw)):
            items.append(
                {
                    "rule": criterion.label,
                    "reason": "waarde onbekend; telt als 0 in de score, controleer de gegevens",
                }
            )
    return items


def annex(report: ReportInput) -> dict[str, Any]:
    """Return the profile's rules, criteria, weights and explanations, and how the list was made."""
    profile = report.profile
    weights = report.used_weights
    return {
        "constraints": [
            {
                "label": c.label,
                "rule": " of ".join(rule_text(k.feature, k.op, k.value) for k in c.clauses),
                "help": c.help,
                "unknown": "telt als voldaan"
                if all(k.missing == "pass" for k in c.clauses)
                else "sluit uit",
            }
            for c in profile.constraints
        ],
        "criteria": [
            {
                "label": c.label,
                "feature": feature_label(c.feature),
                "weight": nlformat.percent(weights.get(c.name, math.nan), decimals=1),
                "help": c.help,
            }
            for c in profile.criteria
            if c.name in weights
        ],
        "weighting": WEIGHTING_LABELS.get(profile.weighting, profile.weighting),
        "aggregation": AGGREGATION_LABELS.get(profile.aggregation, profile.aggregation),
        "shortlist": selection_text(report),
        "sensitivity": sensitivity_text(report),
    }


def selection_text(report: ReportInput) -> str:
    """Say how the selected sites were picked, for the annex: the shortlist's or plan's settings.

    Parameters
    ----------
    report
        The report input; ``shortlist_options`` holds the settings of its ``selection``.

    Returns
    -------
    str
        Dutch clauses joined by commas.
    """
    options = report.shortlist_options
    parts: list[str] = []
    if report.selection == "verdeelplan":
        plan = report.plan
        key = plan.key_label.lower() if plan is not None else str(options.get("key", "?"))
        types = plan.types_counted if plan is not None else ()
        parts.append(
            f"{nlformat.integer(options.get('places', 0))} nieuwe plaatsen over de gemeenten "
            f"naar de sleutel {key}, evenwichtigheid "
            f"{nlformat.number(options.get('evenness', math.nan), decimals=2)}"
        )
        if types:
            counted = "alle typen" if len(types) > 3 else ", ".join(types)
            parts.append(f"bestaande plaatsen tellen mee van {counted}")
    else:
        parts.append(f"de {options.get('top_n', '?')} hoogst scorende locaties")
    if options.get("min_spacing_m"):
        parts.append(f"minstens {nlformat.distance(options['min_spacing_m'])} uit elkaar")
    if options.get("max_per_buurt"):
        parts.append(f"hoogstens {options['max_per_buurt']} per buurt")
    if options.get("max_per_gemeente"):
        parts.append(f"hoogstens {options['max_per_gemeente']} per gemeente")
    if options.get("evenness_weight"):
        parts.append(
            "met voorkeur voor locaties die de spreiding verbeteren (gewicht "
            f"{nlformat.number(options['evenness_weight'], decimals=2)})"
        )
    return ", ".join(parts)


def coverage_section(report: ReportInput) -> dict[str, Any] | None:
    """Return the "Bereik" section: the plan's summary and its new sites, or None.

    Parameters
    ----------
    report
        The report input; ``coverage`` is a solved plan or None.

    Returns
    -------
    dict or None
        ``{"summary", "reach", "model", "sites": [{"rank", "name", "gemeente", "adds"}],
        "unreachable": [{"buurt", "inhabitants"}]}``.
    """
    plan = report.coverage
    if plan is None:
        return None
    result = plan.result
    names, where = report.table["name"], report.table["gemeentecode"]
    gemeenten = report.buurten.drop_duplicates("gemeentecode").set_index("gemeentecode")
    buurt_names = report.buurten.set_index("buurtcode")["name"]
    return {
        "summary": plan.summary_nl(),
        "reach": nlformat.number(result.reach_m / 1000, decimals=1),
        "model": (
            "zo min mogelijk nieuwe plekken, alle buurten met inwoners binnen bereik"
            if result.model == "lscp"
            else f"{len(result.sites)} nieuwe plekken die de meeste inwoners bereiken"
        ),
        "sites": [
            {
                "rank": str(site.cover_rank),
                "name": str(names.get(site.id, site.id)),
                "gemeente": str(gemeenten["gemeentenaam"].get(where.get(site.id), "")),
                "adds": nlformat.integer(site.adds_inhabitants),
            }
            for site in result.sites
        ],
        "unreachable": [
            {
                "buurt": str(buurt_names.get(b.buurtcode, b.buurtcode)),
                "inhabitants": nlformat.integer(b.inhabitants),
            }
            for b in result.unreachable
        ],
    }


def plan_section(report: ReportInput) -> dict[str, Any] | None:
    """Return the page "Verdeelplan": the plan per gemeente and the frontier, or None.

    Parameters
    ----------
    report
        The report input; ``plan`` is a :class:`criteria.plan_result.PlanResult` or None.

    Returns
    -------
    dict or None
        ``{"summary", "key", "types", "rows": [{"gemeente", "share", "existing", "fair",
        "target", "planned", "shortfall", "reason"}], "frontier": [{"evenness", "index",
        "mean"}], "chart"}`` with every number written the Dutch way.
    """
    plan = report.plan
    if plan is None:
        return None
    gap = (
        ""
        if plan.status == "optimaal"
        else f" (oplossing {plan.status}, marge {nlformat.percent(plan.gap)})"
    )
    summary = (
        f"{nlformat.integer(plan.planned_places)} nieuwe plaatsen op {len(plan.site_ids)} "
        f"locaties, verdeeld naar de sleutel {plan.key_label.lower()} met evenwichtigheid "
        f"{nlformat.number(plan.evenness, decimals=2)}{gap}. De Gini van plaatsen per 10.000 "
        f"inwoners over de gemeenten gaat van {nlformat.number(plan.index_before, decimals=3)} "
        f"naar {nlformat.number(plan.index_after, decimals=3)}; de gemiddelde geschiktheid is "
        f"{nlformat.number(plan.mean_score, decimals=3)} tegen "
        f"{nlformat.number(plan.mean_score_best, decimals=3)} voor de beste locaties zonder "
        "sleutel."
    )
    return {
        "summary": summary,
        "types": "alle typen" if len(plan.types_counted) > 3 else ", ".join(plan.types_counted),
        "rows": [
            {
                "gemeente": g.naam,
                "share": nlformat.percent(g.share, decimals=1),
                "existing": nlformat.integer(g.existing),
                "fair": nlformat.number(g.fair_share),
                "target": nlformat.number(g.target),
                "planned": nlformat.integer(g.planned),
                "shortfall": nlformat.number(g.shortfall) if g.shortfall >= 0.05 else "–",
                "reason": g.reason or "",
            }
            for g in plan.gemeenten
        ],
        "frontier": [
            {
                "evenness": nlformat.number(p.evenness, decimals=2),
                "index": nlformat.number(p.index_after, decimals=3),
                "mean": nlformat.number(p.mean_score, decimals=3),
            }
            for p in plan.frontier
        ],
        "chart": data_uri(
            frontier_chart(
                [(p.evenness, p.index_after, p.mean_score) for p in plan.frontier],
                chosen=(plan.evenness, plan.index_after, plan.mean_score),
                index_before=plan.index_before,
            )
        ),
    }


def sensitivity_text(report: ReportInput) -> list[str]:
    """Sentences on the weight sensitivity, when it was run."""
    result = report.sensitivity
    if result is None:
        return []
    mc = result.monte_carlo
    lines = [
        f"Bij {nlformat.integer(mc.n)} willekeurige gewichtsvariaties van "
        f"±{nlformat.percent(mc.spread)} blijft de nummer 1 in "
        f"{nlformat.percent(mc.top_site_share)} van de gevallen bovenaan; de "
        f"rangorde verandert weinig als de rangcorrelatie dicht bij 1 ligt (gemiddeld "
        f"{nlformat.number(mc.mean_spearman, decimals=2)})."
    ]
    flip = result.smallest_flip.smallest
    if flip is not None:
        label = report.profile.labels.get(flip.criterion, flip.criterion)
        lines.append(
            f"De kleinste verandering van één gewicht die een andere nummer 1 geeft: "
            f"{label} van {nlformat.percent(flip.weight, decimals=1)} naar "
            f"{nlformat.percent(flip.critical_weight, decimals=1)}."
        )
    return lines


def public_facilities(report: ReportInput) -> gpd.GeoDataFrame | None:
    """Return the facilities a map may show: public rows only, never a confidential point."""
    if report.facilities is None or report.facilities.empty:
        return None
    public = public_view(report.facilities)
    return public[public.geometry.notna() & ~public["confidential"].astype(bool)]


def _is_demo(report: ReportInput) -> bool:
    return any(s.illustrative and "Demoregio" in s.name for s in report.sources)


def maps(report: ReportInput, sites: gpd.GeoDataFrame) -> dict[str, str]:
    """Draw the region map and the before/after gemeente maps as data URIs."""
    gemeenten_names, _ = unit_names(report)
    borders = outlines(report.buurten)
    source_text = ATTRIBUTION_DEMO if _is_demo(report) else ATTRIBUTION
    public = public_facilities(report)
    region = region_map(
        report.buurten,
        gemeenten=borders,
        gemeente_names=gemeenten_names,
        sites=sites,
        facilities=public,
        column="draagkracht",
        legend_title="Draagkracht van de buurt (0–1)",
        source_text=source_text,
        sites_label=f"locatie {report.words.on}",
    )
    result = {"region": data_uri(region)}
    pair = spread_pair(report)
    if pair is not None:
        units = pair.units_change.set_index("code")
        result["gemeenten"] = data_uri(
            gemeente_maps(
                borders,
                units["per_10k_before"].reindex(borders.index),
                units["per_10k_after"].reindex(borders.index),
                names=gemeenten_names,
                source_text=source_text,
                after_title=report.words.with_.capitalize(),
            )
        )
        result["lorenz"] = data_uri(
            lorenz_chart(pair.before.lorenz, pair.after.lorenz, after_label=report.words.with_)
        )
    return result


#: Zoekgebieden listed and numbered on the page (the rest are counted in the note).
MAX_ZOEKGEBIEDEN_ROWS = 25


def _area_text(area_m2: float) -> str:
    """Write an area as a council reads it: m² below a hectare, else hectares."""
    if area_m2 < 10_000:
        return f"{nlformat.integer(area_m2)} m²"
    return f"{nlformat.number(area_m2 / 10_000, decimals=1)} ha"


def zoekgebieden_section(report: ReportInput) -> dict[str, Any] | None:
    """Return the page "Zoekgebieden": the surface map, a summary and the areas, or None.

    Parameters
    ----------
    report
        The report input; ``zoekgebieden`` is a :class:`criteria.surface.ScenarioSurface`
        or None.

    Returns
    -------
    dict or None
        ``{"summary", "note", "map", "rows": [{"rank", "area", "mean", "best", "gemeente",
        "buurt"}]}``; None when the scenario asked for no surface.
    """
    found = report.zoekgebieden
    if found is None:
        return None
    from geo.surface import NODATA  # rasterio loads only for a report with a surface

    surface, areas, options = found.surface, found.areas, found.area_options
    areas = areas.sort_values("rank")
    shown = areas.head(MAX_ZOEKGEBIEDEN_ROWS)
    summary = surface.summary()
    cell_m = float(surface.grid.cell_m)
    area_total = float(areas["area_m2"].sum()) if len(areas) else 0.0
    top = (
        ""
        if options.top is None
        else f", de {options.top} beste op minstens "
        + (f"{nlformat.distance(options.min_distance_m)} van elkaar")
    )
    text = (
        f"Elke cel van {nlformat.integer(cell_m)} bij {nlformat.integer(cell_m)} m is gescoord "
        f"met het profiel {report.profile.title}, zoals een locatie op die plek: "
        f"{nlformat.integer(summary['cells'])} cellen, waarvan "
        f"{nlformat.integer(summary['excluded'])} uitgesloten door een harde eis. "
        f"Een zoekgebied is een aaneengesloten gebied van cellen met score ≥ "
        f"{nlformat.number(options.min_score, decimals=2)} en minstens "
        f"{_area_text(options.min_area_m2)}{top}: {len(areas)} zoekgebieden, samen "
        f"{_area_text(area_total)}."
    )
    labels = {c.name: c.label for c in report.profile.constraints} | {
        c.name: c.label for c in report.profile.criteria
    }
    dropped = [
        labels.get(name, name) for name in (*summary["dropped_rules"], *summary["dropped_criteria"])
    ]
    note = (
        "Een zoekgebied is geen locatie: eigendom, bestemmingsplan en het gebouw of perceel "
        "moeten per plek worden bekeken."
    )
    if dropped:
        note += (
            " Niet per cel toegepast (gaat over gebouw of perceel, controleer per plek): "
            f"{', '.join(dropped)}."
        )
    if summary["te_controleren"]:
        note += (
            f" {nlformat.integer(summary['te_controleren'])} cellen zijn te controleren: een "
            "eis is daar niet op gemeten gegevens beslist."
        )
    if len(areas) > len(shown):
        note += f" De kaart en de tabel tonen de {len(shown)} beste van {len(areas)}."
    gemeente_names, _ = unit_names(report)
    borders = outlines(report.buurten)
    image = zoekgebieden_map(
        surface.score,
        bounds=surface.grid.bounds,
        nodata=NODATA,
        excluded=surface.excluded,
        areas=shown,
        gemeenten=borders,
        gemeente_names=gemeente_names,
        min_score=options.min_score,
        source_text=ATTRIBUTION_DEMO if _is_demo(report) else ATTRIBUTION_SHORT,
        height_mm=140,
    )
    rows = [
        {
            "rank": int(row.rank),
            "area": _area_text(float(row.area_m2)),
            "mean": nlformat.number(row.mean_score, decimals=3),
            "best": nlformat.number(row.best_score, decimals=3),
            "gemeente": str(row.gemeentenaam),
            "buurt": str(row.buurtnaam),
        }
        for row in shown.itertuples(index=False)
    ]
    return {"summary": text, "note": note, "map": data_uri(image), "rows": rows}
