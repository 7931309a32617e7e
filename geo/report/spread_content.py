"""The report's spread pages: per gemeente before/after, the evenness indices, the reach.

Plain data for the template in :mod:`geo.report.document` (strings in nl-NL notation), read
from the typed spread results (:mod:`geo.spread_result`) of :attr:`ReportInput.spread`.
"""

from __future__ import annotations

import math
from typing import Any

from geo import nlformat
from geo.labels import INDEX_LABELS, facility_phrase
from geo.report.model import ReportInput
from geo.spread_result import INDEX_NAMES, ScenarioSpread, SpreadReport


def spread_pair(report: ReportInput) -> ScenarioSpread | None:
    """Return the spread before and after the shortlist (None: only the present is known)."""
    return report.spread if isinstance(report.spread, ScenarioSpread) else None


def spread_now(report: ReportInput) -> SpreadReport:
    """Return the spread of the existing register."""
    spread = report.spread
    return spread.before if isinstance(spread, ScenarioSpread) else spread


def gemeente_rows(report: ReportInput) -> list[dict[str, str | bool]]:
    """Per gemeente: inhabitants, places, per 10,000, fair share and surplus, before/after.

    The region's row comes last and alone carries ``"total": True``.
    """
    pair = spread_pair(report)
    if pair is None:
        units = spread_now(report).units
        frame = units.rename(columns={c: f"{c}_before" for c in units.columns if c != "name"})
        frame = frame.rename(columns={"code_before": "code"})
    else:
        frame = pair.units_change
    rows: list[dict[str, str | bool]] = []
    for _, unit in frame.sort_values("inhabitants_before", ascending=False).iterrows():
        rows.append(
            {
                "name": str(unit["name"]),
                "inhabitants": nlformat.integer(unit["inhabitants_before"]),
                **{
                    f"{key}_{when}": _fmt_unit(key, unit.get(f"{key}_{when}"))
                    for key in ("places", "per_10k", "fair_share", "surplus")
                    for when in ("before", "after")
                },
            }
        )
    totals = frame[["inhabitants_before", "places_before"]].sum()
    after = frame["places_after"].sum() if "places_after" in frame else math.nan
    rows.append(
        {
            "name": "Regio",
            "inhabitants": nlformat.integer(totals["inhabitants_before"]),
            "places_before": nlformat.integer(totals["places_before"]),
            "places_after": nlformat.integer(after),
            "per_10k_before": _rate(totals["places_before"], totals["inhabitants_before"]),
            "per_10k_after": _rate(after, totals["inhabitants_before"]),
            "fair_share_before": "",
            "fair_share_after": "",
            "surplus_before": "",
            "surplus_after": "",
            "total": True,
        }
    )
    return rows


def _rate(places: float, inhabitants: float) -> str:
    return nlformat.number(places / inhabitants * 10_000 if inhabitants else math.nan)


def _fmt_unit(key: str, value: Any) -> str:
    if key == "places":
        return nlformat.integer(value)
    if key == "surplus":
        return nlformat.delta(value)
    return nlformat.number(value)


def index_rows(report: ReportInput) -> list[dict[str, str]]:
    """Return the evenness indices before, after and their change (lower is more even)."""
    pair = spread_pair(report)
    rows = []
    for key, label in INDEX_LABELS.items():
        if key not in INDEX_NAMES:
            continue
        if pair is None:
            before, after, delta = spread_now(report).indices.value(key), None, None
        else:
            change = pair.index_change(key)
            before, after, delta = change.before, change.after, change.delta
        rows.append(
            {
                "name": label,
                "before": nlformat.number(before, decimals=3),
                "after": nlformat.number(after, decimals=3),
                "delta": nlformat.delta(delta, decimals=3),
            }
        )
    return rows


def access_text(report: ReportInput) -> str:
    """One sentence on how far inhabitants live from the nearest facility."""
    pair = spread_pair(report)
    if pair is None:
        return ""
    share = pair.access_change("share_within")
    mean = pair.access_change("mean_distance_m")
    text = (
        f"Binnen {nlformat.distance(pair.before.access.within_m)} {facility_phrase(None)} "
        "wonen nu "
        f"{nlformat.share(share.before, decimals=0)} van de inwoners, {report.words.with_} "
        f"{nlformat.share(share.after, decimals=0)}. De gemiddelde afstand tot de "
        f"dichtstbijzijnde voorziening gaat van {nlformat.distance(mean.before)} naar "
        f"{nlformat.distance(mean.after)}."
    )
    return text
