"""Map building blocks of the report: frame, scale bar, north arrow, choropleth, markers.

Layers come in EPSG:28992, so map distances are metres on paper. The finished maps are in
:mod:`.maps`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from geo import nlformat
from geo.legend import LegendClasses
from geo.report.style import BEFORE_COLOUR, HALO, NO_DATA_COLOUR, SITE_COLOUR, figure


def map_axes(width_mm: float, height_mm: float) -> tuple[Figure, Axes]:
    """Return a figure filled by one map axes (maps keep their legend inside the frame)."""
    fig = figure(width_mm, height_mm, layout=None)
    return fig, fig.add_axes((0.002, 0.002, 0.996, 0.996))


def map_height_mm(bounds: Sequence[float], width_mm: float, *, most_mm: float) -> float:
    """Return the printed height that gives a map of ``bounds`` its true shape."""
    minx, miny, maxx, maxy = bounds
    return min(width_mm * (maxy - miny) / max(maxx - minx, 1.0), most_mm)


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
            path_effects=HALO,
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
        path_effects=HALO,
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


def frame_map(ax: Axes, bounds: Sequence[float], *, margin: float = 0.03) -> None:
    """Fit a map axes to ``bounds`` (plus a margin share), true shape, no ticks, grey frame."""
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


def site_markers(
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


def facility_markers(
    ax: Axes, facilities: gpd.GeoDataFrame, *, size_pt2: float, edge_width_pt: float
) -> None:
    """Draw existing facilities as grey squares (only those whose point may be shown).

    Parameters
    ----------
    ax
        The map.
    facilities
        Facilities with a point geometry: public ones only (:func:`geo.facilities.public_view`).
    size_pt2
        Marker area in points².
    edge_width_pt
        Width of the white edge in points.
    """
    ax.scatter(
        facilities.geometry.x,
        facilities.geometry.y,
        marker="s",
        s=size_pt2,
        color=BEFORE_COLOUR,
        edgecolor="white",
        linewidth=edge_width_pt,
        zorder=7,
    )


def gemeente_labels(
    ax: Axes,
    gemeenten: gpd.GeoSeries,
    names: Mapping[str, str],
    *,
    fontsize: float,
    **style: Any,
) -> None:
    """Write each gemeente's name inside its outline, on a white halo, without overlaps.

    Call it once the figure's layout is complete (legends added): the names are measured
    on the laid-out figure. Larger gemeenten are named first at their representative point;
    a name that would overlap one already written moves up or down (then sideways) by a
    line at a time, staying near its own point, until it is clear.

    Parameters
    ----------
    ax
        The map.
    gemeenten
        Gemeente outlines indexed by gemeentecode.
    names
        Gemeentecode -> name; a code without a name is written as the code.
    fontsize
        Size of the names in points.
    **style
        Further :meth:`matplotlib.axes.Axes.text` options, e.g. ``fontweight="bold"``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)  # a map always lives in a figure
    canvas = FigureCanvasAgg(figure)
    figure.draw_without_rendering()  # final axes positions before anything is measured
    renderer = canvas.get_renderer()
    legend = ax.get_legend()
    placed: list[Any] = [] if legend is None else [legend.get_window_extent(renderer)]
    for code in gemeenten.area.sort_values(ascending=False).index:
        where = gemeenten[code].representative_point()
        text = ax.text(
            where.x,
            where.y,
            names.get(code, code),
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=6,
            path_effects=HALO,
            **style,
        )
        box = text.get_window_extent(renderer)
        anchor = ax.transData.transform((where.x, where.y))
        for dx, dy in _label_shifts(box.width, box.height):
            moved = box.translated(dx, dy)
            if not any(moved.overlaps(other) for other in placed):
                x, y = ax.transData.inverted().transform((anchor[0] + dx, anchor[1] + dy))
                text.set_position((float(x), float(y)))
                box = moved
                break
        placed.append(box.expanded(1.04, 1.15))


def _label_shifts(width: float, height: float) -> list[tuple[float, float]]:
    """Display offsets to try for a label, nearest first: up/down a line, then sideways."""
    shifts = [(0.0, 0.0)]
    for step in (1, 2, 3):
        shifts += [(0.0, step * height), (0.0, -step * height)]
        shifts += [(side * width * 0.6, v * step * height) for side in (1, -1) for v in (1, -1)]
    return shifts


def marker_handle(marker: str, colour: str, label: str) -> Line2D:
    """Return a legend entry for point markers drawn elsewhere on the map."""
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
