"""Shared style of the report's printed figures: page sizes, colours, type, PNG output.

Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
safe in a web server) and returned as PNG bytes. Text is Dutch and numbers are nl-NL
(:mod:`geo.nlformat`). :mod:`.cartography` holds the map building blocks, :mod:`.maps` the
maps and :mod:`.charts` the charts.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Literal

from matplotlib import patheffects as pe
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from geo import nlformat

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

MM = 1 / 25.4  # inches per millimetre
#: Print resolution of the figures; 200 dpi keeps small map text sharp on A4.
DPI = 200
#: Colour of shortlisted sites and of "after" curves.
SITE_COLOUR = "#c2410c"
#: Colour of existing facilities and of "before" curves.
BEFORE_COLOUR = "#475569"
NO_DATA_COLOUR = "#ffffff"
#: White outline that keeps text readable on any map fill.
HALO = [pe.withStroke(linewidth=2.2, foreground="white")]

#: Small, even type for print; every figure is drawn inside ``rc_context(STYLE_RC)``.
STYLE_RC: dict[RcKeyType, Any] = {
    "font.size": 7,
    "font.family": "DejaVu Sans",
    "axes.titlesize": 8,
}


def figure(
    width_mm: float,
    height_mm: float,
    *,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
) -> Figure:
    """Return an empty figure of the given printed size."""
    return Figure(figsize=(width_mm * MM, height_mm * MM), dpi=DPI, layout=layout)


def png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def nl_axis(ax: Axes, *, decimals: int = 1, percent: bool = False, axes: str = "xy") -> None:
    """Write the tick labels of numeric axes in nl-NL notation."""

    def fmt(value: float, _position: float) -> str:
        if percent:
            return nlformat.percent(value, decimals=0)
        return nlformat.number(value, decimals=decimals)

    for name in axes:
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(fmt))


def wrap(name: object, width: int = 22, *, lines: int = 2) -> str:
    r"""Return ``name`` broken over at most ``lines`` lines of ``width`` characters.

    Only text that still does not fit is cut, with an ellipsis.

    Examples
    --------
    >>> wrap("Weinig voorzieningen binnen 1 km", 22)
    'Weinig voorzieningen\nbinnen 1 km'
    """
    import textwrap

    parts = textwrap.wrap(str(name), width) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], shorten(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(parts)


def shorten(name: object, limit: int = 22) -> str:
    """Return ``name`` as text of at most ``limit`` characters, cut with an ellipsis."""
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"
