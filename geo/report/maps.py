"""The report's maps: the region map, the gemeente maps before and after, site close-ups.

Maps carry a legend, a scale bar, a north arrow and the attribution of their sources, and are
returned as PNG bytes (:func:`geo.report.style.png`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from shapely.geometry import Point
from shapely.geometry import box as shapely_box
from shapely.geometry.base import BaseGeometry

from geo import nlformat
from geo.legend import legend_classes
from geo.report.cartography import (
    attribution,
    choropleth,
    facility_markers,
    frame_map,
    gemeente_labels,
    map_axes,
    map_height_mm,
    marker_handle,
    north_arrow,
    scale_bar,
    site_markers,
)
from geo.report.style import (
    BEFORE_COLOUR,
    HALO,
    SITE_COLOUR,
    STYLE_RC,
    figure,
    png,
    wrap,
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
    sites_label: str,
    width_mm: float = 180,
    height_mm: float = 150,
) -> bytes:
    """Draw the region map: a buurt choropleth, gemeente borders and names, numbered sites.

    Parameters
    ----------
    buurten
        Buurten (EPSG:28992) with ``column``.
    gemeenten
        Gemeente outlines indexed by gemeentecode (:func:`geo.report.cartography.outlines`).
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
    sites_label
        The sites' legend entry (``"locatie op de shortlist"``); " (nummer)" is added.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    shaped = buurten[buurten.geometry.notna()]
    classes = legend_classes(shaped[column].to_numpy(dtype=float), k=5)
    with rc_context(STYLE_RC):
        map_mm = map_height_mm(gemeenten.total_bounds, width_mm, most_mm=height_mm)
        # A wide, low region leaves no room for the legend inside the map: put it below.
        below_mm = 24.0 if map_mm < 110 else 0.0
        fig = figure(width_mm, map_mm + below_mm, layout=None)
        share = below_mm / (map_mm + below_mm)
        ax = fig.add_axes((0.002, share + 0.002, 0.996, 0.996 - share))
        handles = choropleth(ax, shaped, shaped[column], classes=classes, cmap="Purples")
        gemeenten.boundary.plot(ax=ax, color="#1f2937", linewidth=0.9, zorder=5)
        frame_map(ax, gemeenten.total_bounds)
        if facilities is not None and len(facilities):
            shown = facilities[facilities.geometry.notna()]
            facility_markers(ax, shown, size_pt2=9, edge_width_pt=0.4)
            handles.append(
                marker_handle("s", BEFORE_COLOUR, "bestaande voorziening (openbaar adres)")
            )
        site_markers(ax, sites)
        handles.append(marker_handle("o", SITE_COLOUR, f"{sites_label} (nummer)"))
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
        gemeente_labels(
            ax, gemeenten, gemeente_names, fontsize=7, fontweight="bold", color="#111827"
        )
        return png(fig)


def gemeente_maps(
    gemeenten: gpd.GeoSeries,
    before: pd.Series,
    after: pd.Series,
    *,
    names: Mapping[str, str],
    source_text: str,
    after_title: str,
    width_mm: float = 180,
    height_mm: float = 68,
) -> bytes:
    """Two maps side by side: places per 10,000 inhabitants per gemeente, before and after.

    ``after_title`` heads the right map (``"Met de shortlist"``, ``"Met het plan"``).

    Both maps share one set of legend classes, cut over the values of both, so a colour
    means the same number left and right.
    """
    both = np.concatenate([before.to_numpy(dtype=float), after.to_numpy(dtype=float)])
    classes = legend_classes(both, k=5)
    with rc_context(STYLE_RC):
        fig = figure(width_mm, height_mm)
        axes = fig.subplots(1, 2)
        frame = gpd.GeoDataFrame(geometry=gemeenten)
        for ax, values, title in zip(axes, (before, after), ("Nu", after_title), strict=True):
            handles = choropleth(
                ax, frame, values, classes=classes, cmap="Oranges", edge="#1f2937", linewidth=0.6
            )
            frame_map(ax, gemeenten.total_bounds)
            ax.set_title(title, fontweight="bold")
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
        for ax in axes:  # named once the legend has its place: the layout is final
            gemeente_labels(ax, gemeenten, names, fontsize=5)
        return png(fig)


def location_map(
    buurten: gpd.GeoDataFrame,
    site: pd.Series,
    *,
    others: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None,
    source_text: str,
    roads: gpd.GeoDataFrame | None = None,
    radius_m: float = 900.0,
    width_mm: float = 58,
    height_mm: float = 58,
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
    roads
        Road lines (``main_road`` bool) drawn where they reach the view (main roads
        heavier), with OpenStreetMap named in the attribution; None for none.
    radius_m
        Half the width of the view in metres.
    width_mm, height_mm
        Size of the figure on the page, in millimetres.
    """
    point = site.geometry
    box = (point.x - radius_m, point.y - radius_m, point.x + radius_m, point.y + radius_m)
    view = shapely_box(*box)
    near = buurten[buurten.geometry.notna()].cx[box[0] : box[2], box[1] : box[3]]
    with rc_context(STYLE_RC):
        fig, ax = map_axes(width_mm, height_mm)
        near.plot(ax=ax, color="#f3f4f6", edgecolor="#9ca3af", linewidth=0.5)
        own = near[near["code"] == site.get("buurtcode")]
        own.plot(ax=ax, color="#ede9fe", edgecolor="#5b21b6", linewidth=1.2)
        frame_map(ax, box, margin=0.0)
        if roads is not None and len(roads):
            streets = roads.cx[box[0] : box[2], box[1] : box[3]]
            if len(streets):
                main = streets["main_road"].astype(bool).to_numpy()
                for part, width in ((streets[~main], 0.35), (streets[main], 0.9)):
                    if len(part):  # geopandas warns on plotting nothing
                        part.plot(ax=ax, color="#6b7280" if width > 0.5 else "#9ca3af",
                                  linewidth=width, zorder=2)  # fmt: skip
                source_text = f"{source_text}; wegen © OpenStreetMap-bijdragers"
        _buurt_labels(ax, near, own_code=site.get("buurtcode"), view=view, site=point)
        if facilities is not None and len(facilities):
            shown = facilities[facilities.geometry.notna()].cx[box[0] : box[2], box[1] : box[3]]
            facility_markers(ax, shown, size_pt2=14, edge_width_pt=0.5)
        inside = others.cx[box[0] : box[2], box[1] : box[3]]
        site_markers(ax, inside, size=7, highlight=site["number"])
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
            wrap(units.at[i, "name"], 18),
            ha="center",
            va="center",
            fontsize=6 if own else 5,
            fontweight="bold" if own else "normal",
            color="#3b0764" if own else "#4b5563",
            zorder=4,
            path_effects=HALO,
            clip_on=True,
        )


def zoekgebieden_map(
    score: np.ndarray,
    *,
    bounds: tuple[float, float, float, float],
    nodata: float,
    excluded: np.ndarray,
    areas: gpd.GeoDataFrame,
    gemeenten: gpd.GeoSeries,
    gemeente_names: Mapping[str, str],
    min_score: float,
    source_text: str,
    width_mm: float = 180,
    height_mm: float = 170,
) -> bytes:
    """Draw the suitability surface with the zoekgebieden outlined and numbered.

    Parameters
    ----------
    score
        Shape (height, width): the cell scores 0–1, ``nodata`` outside the region.
    bounds
        ``(left, bottom, right, top)`` of the grid in metres (EPSG:28992).
    nodata
        The score outside the region (drawn blank).
    excluded
        Shape (height, width), bool: excluded by a hard rule (drawn grey, not as score 0).
    areas
        The zoekgebieden (EPSG:28992) with ``rank``, best first.
    gemeenten
        Gemeente outlines indexed by gemeentecode.
    gemeente_names
        Gemeentecode -> name, for the labels.
    min_score
        The zoekgebieden's lowest cell score (marked on the colour bar).
    source_text
        Attribution line.
    width_mm, height_mm
        Size of the figure on the page (the height is at most this), in millimetres.
    """
    inside = score != nodata
    shown = np.ma.masked_where(~inside | excluded, score)
    blocked = np.ma.masked_where(~(inside & excluded), np.ones_like(score))
    left, bottom, right, top = bounds
    extent = (left, right, bottom, top)
    with rc_context(STYLE_RC):
        map_mm = map_height_mm(bounds, width_mm, most_mm=height_mm)
        # The colour bar and the legend go in a strip below the map: inside, they would
        # hide the cells a council is looking for.
        below_mm = 20.0
        fig = figure(width_mm, map_mm + below_mm, layout=None)
        share = below_mm / (map_mm + below_mm)
        ax = fig.add_axes((0.002, share + 0.002, 0.996, 0.996 - share))
        ax.imshow(
            blocked, extent=extent, cmap="Greys", vmin=0, vmax=4, interpolation="nearest", zorder=1
        )
        image = ax.imshow(
            shown, extent=extent, cmap="YlGn", vmin=0, vmax=1, interpolation="nearest", zorder=2
        )
        gemeenten.boundary.plot(ax=ax, color="#1f2937", linewidth=0.8, zorder=5)
        if len(areas):
            areas.boundary.plot(ax=ax, color=SITE_COLOUR, linewidth=1.0, zorder=6)
        frame_map(ax, bounds)
        for row in areas.itertuples(index=False):
            spot = row.geometry.representative_point()
            ax.text(
                spot.x,
                spot.y,
                str(row.rank),
                ha="center",
                va="center",
                fontsize=6.5,
                fontweight="bold",
                color=SITE_COLOUR,
                path_effects=HALO,
                zorder=9,
            )
        bar = fig.colorbar(
            image,
            cax=fig.add_axes((0.03, share * 0.62, 0.32, share * 0.14)),
            orientation="horizontal",
        )
        bar.set_label("Geschiktheid per cel (0–1); streep: ondergrens zoekgebied", fontsize=6)
        bar.ax.tick_params(labelsize=5.5)
        bar.ax.xaxis.set_major_formatter(lambda value, _pos: nlformat.number(value, decimals=1))
        bar.ax.axvline(min_score, color=SITE_COLOUR, linewidth=1.4)
        handles = [
            Patch(facecolor="#bfbfbf", edgecolor="none", label="uitgesloten door een harde eis"),
            Patch(facecolor="none", edgecolor=SITE_COLOUR, label="zoekgebied (nummer)"),
        ]
        fig.legend(
            handles=handles,
            loc="center left",
            bbox_to_anchor=(0.45, share * 0.69),
            ncols=2,
            frameon=False,
            fontsize=6,
        )
        scale_bar(ax)
        north_arrow(ax)
        attribution(ax, source_text)
        gemeente_labels(ax, gemeenten, gemeente_names, fontsize=6.5, color="#111827")
        return png(fig)
