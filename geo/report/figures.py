"""Printed figures of the council report: maps, the contributions chart, the Lorenz curve.

Maps carry a legend, a scale bar, a north arrow and the attribution of their sources.
Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global state,
safe in a web server) and returned as PNG bytes. Text is Dutch and numbers are nl-NL
(:mod:`geo.nlformat`). Layers come in EPSG:28992, so map distances are metres on paper.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colormaps, rc_context
from matplotlib import patheffects as pe
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter
from shapely.geometry import Point
from shapely.geometry import box as shapely_box
from shapely.geometry.base import BaseGeometry

from geo import nlformat
from geo.legend import LegendClasses, legend_classes

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
_HALO = [pe.withStroke(linewidth=2.2, foreground="white")]

# Small, even type for print.
_RC: dict[RcKeyType, Any] = {"font.size": 7, "font.family": "DejaVu Sans", "axes.titlesize": 8}


def figure(
    width_mm: float,
    height_mm: float,
    *,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
) -> Figure:
    """Return an empty figure of the given printed size."""
    return Figure(figsize=(width_mm * MM, height_mm * MM), dpi=DPI, layout=layout)


def map_axes(width_mm: float, height_mm: float) -> tuple[Figure, Axes]:
    """Return a figure filled by one map axes (maps keep their legend inside the frame)."""
    fig = figure(width_mm, height_mm, layout=None)
    return fig, fig.add_axes((0.002, 0.002, 0.996, 0.996))


def map_height_mm(bounds: Sequence[float], width_mm: float, *, most_mm: float) -> float:
    """Return the printed height that gives a map of ``bounds`` its true shape."""
    minx, miny, maxx, maxy = bounds
    return min(width_mm * (maxy - miny) / max(maxx - minx, 1.0), most_mm)


def png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _nl_axis(ax: Axes, *, decimals: int = 1, percent: bool = False, axes: str = "xy") -> None:
    """Write the tick labels of numeric axes in nl-NL notation."""

    def fmt(value: float, _position: float) -> str:
        if percent:
            return nlformat.percent(value, decimals=0)
        return nlformat.number(value, decimals=decimals)

    for name in axes:
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(fmt))


def _nice_length_m(span_m: float) -> float:
    """Return a round scale-bar length near a fifth of the map width: 1, 2 or 5 × 10^n metres."""
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def scale_bar(ax: Axes) -> None:
    """Draw a scale bar in the lower left of a map in metres (EPSG:28992)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length_m(x1 - x0)
    height = (y1 - y0) * 0.012
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    for i, colour in enumerate(("#1f2937", "white")):
        ax.add_patch(
            Rectangle(
                (left + i * length / 2, bottom),
                length / 2,
                height,
                facecolor=colour,
                edgecolor="#1f2937",
                linewidth=0.6,
                zorder=10,
            )
        )
    label = f"{nlformat.integer(length / 1000)} km" if length >= 1000 else f"{int(length)} m"
    for x, text in ((left, "0"), (left + length, label)):
        ax.text(
            x,
            bottom + height * 1.8,
            text,
            ha="center",
            va="bottom",
            fontsize=6,
            zorder=10,
            path_effects=_HALO,
        )


def north_arrow(ax: Axes) -> None:
    """Draw a north arrow in the upper right (RD grid north, within 2° of true north)."""
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=8,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#1f2937", "linewidth": 1.2},
        zorder=10,
        path_effects=_HALO,
    )


def attribution(ax: Axes, text: str) -> None:
    """Write the sources of a map in its lower right corner."""
    ax.text(
        0.995,
        0.005,
        text,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=5,
        color="#374151",
        zorder=10,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.2},
    )


def _frame(ax: Axes, bounds: Sequence[float], *, margin: float = 0.03) -> None:
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * margin, (maxy - miny) * margin
    ax.set_xlim(minx - dx, maxx + dx)
    ax.set_ylim(miny - dy, maxy + dy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")  # geopandas labels projected axes "Easting [metre]"
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#9ca3af")
        spine.set_linewidth(0.5)


def class_colours(classes: LegendClasses, cmap: str) -> list[str]:
    """One colour per legend class, light to dark, from a matplotlib colormap."""
    if classes.k == 0:
        return []
    palette = colormaps[cmap]
    stops = np.linspace(0.12, 0.9, classes.k) if classes.k > 1 else [0.55]
    return [_hex(palette(s)) for s in stops]


def _hex(rgba: Sequence[float]) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def choropleth(
    ax: Axes,
    units: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    classes: LegendClasses,
    cmap: str,
    edge: str = "#ffffff",
    linewidth: float = 0.15,
) -> list[Artist]:
    """Fill units by class; return the legend handles (with "geen gegevens" if needed)."""
    colours = class_colours(classes, cmap)
    index = classes.classify(values.reindex(units.index).to_numpy(dtype=float))
    fill = [colours[i] if i >= 0 else NO_DATA_COLOUR for i in index]
    units.plot(ax=ax, color=fill, edgecolor=edge, linewidth=linewidth)
    handles: list[Artist] = [
        Patch(facecolor=c, edgecolor="#9ca3af", linewidth=0.3, label=label)
        for c, label in zip(colours, classes.labels, strict=True)
    ]
    if (index < 0).any():
        handles.append(
            Patch(
                facecolor=NO_DATA_COLOUR, edgecolor="#9ca3af", linewidth=0.3, label="geen gegevens"
            )
        )
    return handles


def outlines(units: gpd.GeoDataFrame, *, close_gaps_m: float = 40.0) -> gpd.GeoSeries:
    """Gemeente borders from approximate buurten: dissolved, slivers closed, simplified."""
    shaped = units[units.geometry.notna() & ~units.geometry.is_empty]
    dissolved = shaped.dissolve(by="gemeentecode")
    geometry = dissolved.geometry.buffer(close_gaps_m).buffer(-close_gaps_m).simplify(10)
    return geometry


def marker_positions(xy: np.ndarray, *, min_separation: float) -> np.ndarray:
    """Where to draw markers so that none hides another.

    Points whose markers would overlap form a group (single linkage); a group of several
    is drawn on a circle around its centre, wide enough to keep its markers apart, each
    marker tied to its true place by a line. Groups whose circles touch are merged and the
    layout is redone. Single points stay where they are.

    Parameters
    ----------
    xy
        ``(n, 2)`` true positions.
    min_separation
        Distance (map units) below which two markers would overlap.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` drawing positions.

    Examples
    --------
    >>> drawn = marker_positions(np.array([[0.0, 0.0], [0.1, 0.0], [50.0, 0.0]]), min_separation=1)
    >>> bool(np.hypot(*(drawn[0] - drawn[1])) >= 1), drawn[2].tolist()
    (True, [50.0, 0.0])
    """
    points = np.asarray(xy, dtype=float)
    label = np.arange(len(points))
    drawn = points.copy()
    for _ in range(len(points)):
        close = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
        crowded = np.hypot(*(drawn[:, None, :] - drawn[None, :, :]).transpose(2, 0, 1))
        merge = (close < min_separation) | (crowded < min_separation)
        merged = False
        for i, j in zip(*np.nonzero(np.triu(merge, k=1)), strict=True):
            if label[i] != label[j]:
                label[label == label[j]] = label[i]
                merged = True
        if not merged:
            break
        drawn = points.copy()
        for group in np.unique(label):
            members = np.flatnonzero(label == group)
            if members.size < 2:
                continue
            radius = 1.15 * min_separation / (2 * np.sin(np.pi / members.size))
            angles = np.pi / 2 - 2 * np.pi * np.arange(members.size) / members.size
            centre = points[members].mean(axis=0)
            drawn[members] = centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return drawn


def _site_markers(
    ax: Axes, sites: gpd.GeoDataFrame, *, size: float = 7.0, highlight: int | None = None
) -> None:
    """Numbered circles for shortlisted sites (``number`` column), spread when crowded."""
    if sites.empty:
        return
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    x0, x1 = ax.get_xlim()
    width_pt = ax.get_window_extent().width * 72 / ax.figure.dpi
    separation = size * 1.15 * (x1 - x0) / max(width_pt, 1.0)
    drawn = marker_positions(xy, min_separation=separation)
    for (tx, ty), (dx, dy), number in zip(xy, drawn, sites["number"], strict=True):
        big = number == highlight
        marker = size * 1.35 if big else size
        if (tx, ty) != (dx, dy):
            ax.plot([tx, dx], [ty, dy], color="#1f2937", linewidth=0.5, zorder=7)
            ax.plot(tx, ty, marker="o", markersize=1.6, color="#1f2937", zorder=7)
        ax.plot(
            dx,
            dy,
            marker="o",
            markersize=marker,
            markerfacecolor=SITE_COLOUR,
            markeredgecolor="#1f2937" if big else "white",
            markeredgewidth=0.9 if big else 0.6,
            zorder=9 if big else 8,
        )
        ax.text(
            dx,
            dy,
            str(number),
            ha="center",
            va="center",
            fontsize=marker * 0.6,
            color="white",
            fontweight="bold",
            zorder=10 if big else 9,
        )


def region_map(
    buurten: gpd.GeoDataFrame,
    *,
    gemeenten: gpd.GeoSeries,
    gemeente_names: Mapping[str, str],
    sites: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None,
    column: str,
    legend_title: str,
    source_text: str,
    width_mm: float = 180,
    height_mm: float = 150,
) -> bytes:
    """Draw the region map: a buurt choropleth, gemeente borders and names, numbered sites.

    Parameters
    ----------
    buurten
        Buurten (EPSG:28992) with ``column``.
    gemeenten
        Gemeente outlines indexed by gemeentecode (:func:`outlines`).
    gemeente_names
        Gemeentecode -> name, for the labels.
    sites
        Shortlisted sites with a ``number`` column (1 = first on the list).
    facilities
        Existing facilities that may be shown as points (confidential ones already
        removed, see :func:`geo.facilities.public_view`), or None.
    column, legend_title
        Choropleth column and its Dutch legend title.
    source_text
        Attribution line.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    shaped = buurten[buurten.geometry.notna()]
    classes = legend_classes(shaped[column].to_numpy(dtype=float), k=5)
    with rc_context(_RC):
        map_mm = map_height_mm(gemeenten.total_bounds, width_mm, most_mm=height_mm)
        # A wide, low region leaves no room for the legend inside the map: put it below.
        below_mm = 24.0 if map_mm < 110 else 0.0
        fig = figure(width_mm, map_mm + below_mm, layout=None)
        share = below_mm / (map_mm + below_mm)
        ax = fig.add_axes((0.002, share + 0.002, 0.996, 0.996 - share))
        handles = choropleth(ax, shaped, shaped[column], classes=classes, cmap="Purples")
        gemeenten.boundary.plot(ax=ax, color="#1f2937", linewidth=0.9, zorder=5)
        _frame(ax, gemeenten.total_bounds)
        for code, shape in gemeenten.items():
            point = shape.representative_point()
            ax.text(
                point.x,
                point.y,
                gemeente_names.get(code, code),
                ha="center",
                va="center",
                fontsize=7,
                fontweight="bold",
                color="#111827",
                zorder=6,
                path_effects=_HALO,
            )
        if facilities is not None and len(facilities):
            shown = facilities[facilities.geometry.notna()]
            ax.scatter(
                shown.geometry.x,
                shown.geometry.y,
                marker="s",
                s=9,
                color=BEFORE_COLOUR,
                edgecolor="white",
                linewidth=0.4,
                zorder=7,
            )
            handles.append(
                _marker_handle("s", BEFORE_COLOUR, "bestaande voorziening (openbaar adres)")
            )
        _site_markers(ax, sites)
        handles.append(_marker_handle("o", SITE_COLOUR, "locatie op de shortlist (nummer)"))
        style = {"title": legend_title, "fontsize": 6, "title_fontsize": 6.5}
        if below_mm:
            fig.legend(
                handles=handles,
                loc="lower center",
                ncols=3,
                frameon=False,
                **style,
            )
        else:
            ax.legend(
                handles=handles,
                loc="upper left",
                frameon=True,
                framealpha=0.9,
                alignment="left",
                **style,
            )
        scale_bar(ax)
        north_arrow(ax)
        attribution(ax, source_text)
        return png(fig)


def _marker_handle(marker: str, colour: str, label: str) -> Line2D:
    return Line2D(
        [],
        [],
        marker=marker,
        linestyle="none",
        markerfacecolor=colour,
        markeredgecolor="white",
        markersize=6,
        label=label,
    )


def gemeente_maps(
    gemeenten: gpd.GeoSeries,
    before: pd.Series,
    after: pd.Series,
    *,
    names: Mapping[str, str],
    source_text: str,
    width_mm: float = 180,
    height_mm: float = 68,
) -> bytes:
    """Two maps side by side: places per 10,000 inhabitants per gemeente, before and after.

    Both maps share one set of legend classes, cut over the values of both, so a colour
    means the same number left and right.
    """
    both = np.concatenate([before.to_numpy(dtype=float), after.to_numpy(dtype=float)])
    classes = legend_classes(both, k=5)
    with rc_context(_RC):
        fig = figure(width_mm, height_mm)
        axes = fig.subplots(1, 2)
        frame = gpd.GeoDataFrame(geometry=gemeenten)
        for ax, values, title in zip(
            axes, (before, after), ("Nu", "Met de shortlist"), strict=True
        ):
            handles = choropleth(
                ax, frame, values, classes=classes, cmap="Oranges", edge="#1f2937", linewidth=0.6
            )
            _frame(ax, gemeenten.total_bounds)
            ax.set_title(title, fontweight="bold")
            for code, shape in gemeenten.items():
                where = shape.representative_point()
                ax.text(
                    where.x,
                    where.y,
                    names.get(code, code),
                    ha="center",
                    va="center",
                    fontsize=5,
                    zorder=6,
                    path_effects=_HALO,
                )
        scale_bar(axes[0])
        north_arrow(axes[1])
        attribution(axes[1], source_text)
        fig.legend(
            handles=handles,
            title="Plaatsen per 10.000 inwoners",
            loc="outside lower center",
            ncols=min(len(handles), 6),
            fontsize=6,
            title_fontsize=6.5,
            frameon=False,
        )
        return png(fig)


def location_map(
    buurten: gpd.GeoDataFrame,
    site: pd.Series,
    *,
    others: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None,
    source_text: str,
    radius_m: float = 900.0,
    width_mm: float = 62,
    height_mm: float = 62,
) -> bytes:
    """Draw a close-up of one site: its buurt, the buurten around, listed sites, facilities.

    Parameters
    ----------
    buurten
        Buurten (EPSG:28992) with ``code`` and ``name``.
    site
        The site (a row with ``geometry``, ``buurtcode``, ``number``).
    others
        All shortlisted sites with ``number``; those in view are drawn too.
    facilities
        Existing facilities that may be shown as points (public ones only), or None.
    source_text
        Attribution line.
    radius_m
        Half the width of the view in metres.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    point = site.geometry
    box = (point.x - radius_m, point.y - radius_m, point.x + radius_m, point.y + radius_m)
    view = shapely_box(*box)
    near = buurten[buurten.geometry.notna()].cx[box[0] : box[2], box[1] : box[3]]
    with rc_context(_RC):
        fig, ax = map_axes(width_mm, height_mm)
        near.plot(ax=ax, color="#f3f4f6", edgecolor="#9ca3af", linewidth=0.5)
        own = near[near["code"] == site.get("buurtcode")]
        own.plot(ax=ax, color="#ede9fe", edgecolor="#5b21b6", linewidth=1.2)
        _frame(ax, box, margin=0.0)
        _buurt_labels(ax, near, own_code=site.get("buurtcode"), view=view, site=point)
        if facilities is not None and len(facilities):
            shown = facilities[facilities.geometry.notna()].cx[box[0] : box[2], box[1] : box[3]]
            ax.scatter(
                shown.geometry.x,
                shown.geometry.y,
                marker="s",
                s=14,
                color=BEFORE_COLOUR,
                edgecolor="white",
                linewidth=0.5,
                zorder=7,
            )
        inside = others.cx[box[0] : box[2], box[1] : box[3]]
        _site_markers(ax, inside, size=7, highlight=site["number"])
        scale_bar(ax)
        north_arrow(ax)
        attribution(ax, source_text)
        return png(fig)


def _buurt_labels(
    ax: Axes, units: gpd.GeoDataFrame, *, own_code: object, view: BaseGeometry, site: Point
) -> None:
    """Name the site's buurt and the larger buurten in view, clear of labels and the site."""
    clipped = units.geometry.intersection(view)
    area = clipped.area / view.area
    order = sorted(units.index, key=lambda i: (units.at[i, "code"] != own_code, -area[i]))
    placed: list[tuple[float, float]] = []
    x0, x1 = ax.get_xlim()
    width = x1 - x0
    for i in order:
        own = units.at[i, "code"] == own_code
        if not own and area[i] < 0.05:
            continue
        where = clipped[i].representative_point()
        if abs(where.x - site.x) < 0.25 * width and abs(where.y - site.y) < 0.06 * width:
            # Keep the site's marker readable: write the name just below it.
            where = type(where)(where.x, site.y - 0.09 * width)
        if any(
            abs(where.x - x) < 0.3 * width and abs(where.y - y) < 0.06 * width for x, y in placed
        ):
            continue
        placed.append((where.x, where.y))
        ax.text(
            where.x,
            where.y,
            _short(units.at[i, "name"]),
            ha="center",
            va="center",
            fontsize=6 if own else 5,
            fontweight="bold" if own else "normal",
            color="#3b0764" if own else "#4b5563",
            zorder=4,
            path_effects=_HALO,
            clip_on=True,
        )


def _short(name: object, limit: int = 22) -> str:
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def contributions_chart(
    labels: Sequence[str],
    achieved: Sequence[float],
    possible: Sequence[float],
    *,
    axis_title: str,
    width_mm: float = 110,
    height_mm: float = 62,
) -> bytes:
    """Horizontal bars: what each criterion adds to the score, against what it could add.

    Parameters
    ----------
    labels
        Dutch criterion labels, top to bottom.
    achieved
        The site's contribution per criterion (or its 0–1 value).
    possible
        The most it could be (the weight, or 1).
    axis_title
        Dutch title of the value axis.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    y = np.arange(len(labels))[::-1]
    with rc_context(_RC):
        fig = figure(width_mm, height_mm)
        ax = fig.add_subplot()
        ax.barh(y, possible, color="#e5e7eb", height=0.7, label="hoogst mogelijk")
        ax.barh(y, achieved, color="#2f6f8f", height=0.7, label="deze locatie")
        ax.set_yticks(y, [_short(label, 34) for label in labels])
        ax.set_xlim(0, max(max(possible, default=0), 1e-9) * 1.05)
        _nl_axis(ax, decimals=2, axes="x")
        ax.set_xlabel(axis_title)
        ax.tick_params(axis="y", length=0)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=6, frameon=False)
        return png(fig)


def lorenz_chart(
    before: Sequence[Sequence[float]],
    after: Sequence[Sequence[float]],
    *,
    width_mm: float = 75,
    height_mm: float = 72,
) -> bytes:
    """Lorenz curves of places over inhabitants, before and after, with the equality line."""
    with rc_context(_RC):
        fig = figure(width_mm, height_mm)
        ax = fig.add_subplot()
        ax.plot(
            [0, 1],
            [0, 1],
            color="#9ca3af",
            linewidth=0.8,
            linestyle="--",
            label="gelijke spreiding",
        )
        for points, colour, label in (
            (before, BEFORE_COLOUR, "nu"),
            (after, SITE_COLOUR, "met de shortlist"),
        ):
            xy = np.asarray(points, dtype=float)
            ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.4, label=label, marker=".")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        _nl_axis(ax, percent=True)
        ax.set_xlabel("aandeel inwoners (cumulatief)")
        ax.set_ylabel("aandeel plaatsen (cumulatief)")
        ax.grid(color="#e5e7eb", linewidth=0.5)
        ax.legend(loc="upper left", fontsize=6, frameon=False)
        return png(fig)
