"""Map legends as people read them: every symbol the app's maps draw, with its Dutch meaning.

The Kaart map draws sites as circles (fill: score or one criterion; rim: shortlist, "te
controleren"), the register as squares by facility type, and buurten as a choropleth. A
legend that leaves out one of them makes the map guess-work, so the legend is built from
the same constants the map uses (:mod:`geo.mapview`, ``plekwijzer_map.js``) and from the
payloads the map was given (:mod:`geo.mapdata`). Confidential facilities appear here as a
count, never on the map.

Pure HTML strings with inline SVG symbols, no Streamlit: the app shows them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from geo import nlformat
from geo.mapview import EXCLUDED_COLOUR, SCORE_COLOURS

#: Rim of a site circle by role: (colour, width in px, SVG dash pattern or ""); "check" is
#: the dashed halo around a site "te controleren". The map script (``RIM`` and ``HALO`` in
#: plekwijzer_map.js) draws the same.
SITE_RIMS: Mapping[str, tuple[str, float, str]] = {
    "plain": ("#424242", 1.0, ""),
    "shortlist": ("#000000", 2.5, ""),
    "check": ("#000000", 1.5, "3 3"),
}
#: Ring around the site chosen in the explanation panel.
SELECTED_COLOUR = "#1565c0"
#: Fill of a neutral site symbol in the legend (rims are about the rim, not the score).
_NEUTRAL_FILL = "#fdfdf0"


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: an inline SVG symbol and its Dutch label."""

    symbol: str
    label: str


def circle(
    fill: str, *, rim: str = "#424242", width: float = 1.0, dash: str = "", radius: float = 6
) -> str:
    """Return an inline SVG circle like a site on the map."""
    size = 2 * (radius + 3)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<svg width="{size:g}" height="{size:g}" style="vertical-align:middle">'
        f'<circle cx="{size / 2:g}" cy="{size / 2:g}" r="{radius:g}" fill="{fill}" '
        f'stroke="{rim}" stroke-width="{width:g}"{dashed}/></svg>'
    )


def halo(fill: str, *, rim: str, width: float, dash: str, radius: float = 6) -> str:
    """Return an inline SVG site circle inside a dashed halo, as "te controleren" is drawn."""
    outer = radius + 3.5
    size = 2 * (outer + 2)
    centre = f'cx="{size / 2:g}" cy="{size / 2:g}"'
    return (
        f'<svg width="{size:g}" height="{size:g}" style="vertical-align:middle">'
        f'<circle {centre} r="{outer:g}" fill="none" stroke="{rim}" stroke-width="{width:g}" '
        f'stroke-dasharray="{dash}"/>'
        f'<circle {centre} r="{radius:g}" fill="{fill}" stroke="#424242" stroke-width="1"/>'
        "</svg>"
    )


def square(fill: str, *, size: int = 10) -> str:
    """Return an inline SVG square like a facility on the map."""
    return (
        f'<svg width="{size + 2}" height="{size + 2}" style="vertical-align:middle">'
        f'<rect x="1" y="1" width="{size}" height="{size}" fill="{fill}" stroke="#000" '
        'stroke-width="1"/></svg>'
    )


def box(fill: str) -> str:
    """Return an inline SVG box like a choropleth class."""
    return (
        '<svg width="14" height="12" style="vertical-align:middle">'
        f'<rect x="0.5" y="0.5" width="13" height="11" fill="{fill}" fill-opacity="0.75" '
        'stroke="#555" stroke-width="1"/></svg>'
    )


def ramp(colours: Sequence[str], *, width: int = 90) -> str:
    """Return an inline SVG colour ramp (low left, high right)."""
    stops = "".join(
        f'<stop offset="{i / max(len(colours) - 1, 1):.3f}" stop-color="{c}"/>'
        for i, c in enumerate(colours)
    )
    return (
        f'<svg width="{width}" height="12" style="vertical-align:middle"><defs>'
        f'<linearGradient id="pw-ramp">{stops}</linearGradient></defs>'
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="11" fill="url(#pw-ramp)" '
        'stroke="#555" stroke-width="1"/></svg>'
    )


def site_items(span: tuple[float, float], *, value_label: str = "") -> list[LegendItem]:
    """Return the site symbols: the colour scale, excluded, shortlist, te controleren, chosen.

    Parameters
    ----------
    span
        The range the colours stretch over (:attr:`geo.mapdata.SitePayload.span`).
    value_label
        ``""`` when the sites are coloured by score, else the criterion's Dutch label.

    Returns
    -------
    list of LegendItem
    """
    low, high = (nlformat.number(v, decimals=2) for v in span)
    if value_label:
        scale = f"{escape(value_label)}: 0 (ongunstig) … 1 (gunstig)"
        grey = "uitgesloten (harde eis) of waarde onbekend"
    else:
        scale = f"score {low} (laagst) … {high} (hoogst)"
        grey = "uitgesloten (harde eis)"
    plain, short, check = (SITE_RIMS[k] for k in ("plain", "shortlist", "check"))
    return [
        LegendItem(ramp(SCORE_COLOURS), scale),
        LegendItem(circle(EXCLUDED_COLOUR, rim=plain[0], width=plain[1]), grey),
        LegendItem(
            circle(_NEUTRAL_FILL, rim=short[0], width=short[1], radius=7), "op de shortlist"
        ),
        LegendItem(
            halo(_NEUTRAL_FILL, rim=check[0], width=check[1], dash=check[2]),
            "te controleren (harde eis op een schatting of onbekende waarde)",
        ),
        LegendItem(circle("none", rim=SELECTED_COLOUR, width=3, radius=8), "gekozen locatie"),
    ]


def facility_items(payload: Mapping[str, Any]) -> list[LegendItem]:
    """Return the register's symbols by type, with counts, and the confidential count.

    Parameters
    ----------
    payload
        :func:`geo.mapdata.facility_payload` output (``types``, ``confidential``).

    Returns
    -------
    list of LegendItem
        One square per facility type drawn; a last item for the confidential facilities,
        which are counted but not drawn.
    """
    items = [
        LegendItem(square(t["colour"]), f"{escape(t['label'])} ({nlformat.integer(t['n'])})")
        for t in payload.get("types", [])
    ]
    hidden = int(payload.get("confidential", 0))
    if hidden:
        items.append(
            LegendItem(
                square("#ffffff"),
                f"vertrouwelijk: {nlformat.integer(hidden)} (meegeteld, niet op de kaart)",
            )
        )
    if not items:
        items.append(LegendItem(square("#ffffff"), "geen bestaande voorzieningen"))
    return items


def class_items(items: Sequence[tuple[str, str]]) -> list[LegendItem]:
    """Return choropleth classes (``(colour, label)`` pairs, low to high) as legend items."""
    return [LegendItem(box(colour), escape(label)) for colour, label in items]


def legend_html(rows: Sequence[tuple[str, Sequence[LegendItem]]]) -> str:
    """Return a legend block: one line per group, a bold title and its items.

    Parameters
    ----------
    rows
        ``(title, items)`` per group, e.g. ``("Locaties", site_items(...))``.

    Returns
    -------
    str
        HTML for ``st.markdown(..., unsafe_allow_html=True)``.
    """
    lines = []
    for title, items in rows:
        entries = " ".join(
            f'<span style="white-space:nowrap;margin-right:12px">{item.symbol} {item.label}</span>'
            for item in items
        )
        lines.append(f"<div style='margin:2px 0'><b>{escape(title)}</b>: {entries}</div>")
    return f"<div class='pw-legend' style='font-size:0.8rem;line-height:1.7'>{''.join(lines)}</div>"
