"""Folium maps for the app: sites coloured by score, buurt choropleths, facilities.

Pure folium, no Streamlit: the app caches and shows what these functions build. Everything
is drawn in EPSG:4326 from layers in EPSG:28992, simplified for display. Leaflet is never
loaded from a CDN: :func:`use_local_assets` points every script and stylesheet at a URL the
app serves itself, so the map draws offline and on networks that block CDNs.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.colormap import LinearColormap
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo import nlformat
from geo.legend import LegendClasses, legend_classes
from geo.settings import CRS_WGS84

#: PDOK BRT-Achtergrondkaart (Kadaster, CC BY 4.0), web-mercator tiles.
PDOK_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (PDOK)'
#: Display simplification tolerance in metres (RD New); below the width of a street.
SIMPLIFY_M = 20.0
#: Grey of excluded sites.
EXCLUDED_COLOUR = "#9e9e9e"
#: Score colours, low to high (ColorBrewer RdYlGn).
SCORE_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
#: Choropleth layers: column -> (Dutch label, five class colours low to high).
CHOROPLETHS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "draagkracht": ("Draagkracht (0–1)", ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")),
    "facilities_per_10k": (
        "Voorzieningen per 10.000 inwoners",
        ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
    ),
    "per_10k": (
        "Plaatsen per 10.000 inwoners",
        ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"),
    ),
    "inhabitants": ("Inwoners", ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")),
}
#: Marker colour per facility type.
FACILITY_COLOURS: Mapping[str, str] = {
    "noaberhuuske": "#1b9e77",
    "tussenvoorziening": "#d95f02",
    "skaeve_huse": "#7570b3",
    "nachtopvang": "#e7298a",
    "dagopvang": "#66a61e",
    "crisisopvang": "#e6ab02",
    "beschermd_wonen": "#a6761d",
    "housing_first": "#1f78b4",
    "doorstroomwoning": "#b2df8a",
    "pauzeplek": "#fb9a99",
    "vrouwenopvang": "#666666",
}
#: Leaflet files the map needs; everything else folium lists (jQuery, Bootstrap, awesome
#: markers, Font Awesome) is unused by our layers and dropped.
LEAFLET_JS = "leaflet.js"
LEAFLET_CSS = "leaflet.css"


def leaflet_asset_dir() -> Path:
    """Return the directory of the bundled Leaflet (the ``xstatic-leaflet`` package)."""
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def frontend_dir() -> Path:
    """Return the directory of the app's map component (``index.html`` and its script).

    The component draws the payloads of :mod:`geo.mapdata` on a Leaflet canvas; the app
    declares it with ``streamlit.components.v1.declare_component(path=...)``.
    """
    return Path(__file__).with_name("map_frontend")


def use_local_assets(fmap: folium.Map, *, base_url: str) -> folium.Map:
    """Point every Leaflet script and stylesheet of a map at ``base_url``, drop the rest.

    Parameters
    ----------
    fmap
        The map; changed in place (instance attributes only, never folium's class defaults).
    base_url
        URL (absolute or relative to the map's page) of a directory serving
        :func:`leaflet_asset_dir`.

    Returns
    -------
    folium.Map
        The same map.
    """
    base = base_url.rstrip("/")

    def walk(element: Any) -> Any:
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        if isinstance(element, JSCSSMixin):
            element.default_js = [
                (n, f"{base}/{LEAFLET_JS}") for n, _ in element.default_js if n == "leaflet"
            ]
            element.default_css = [
                (n, f"{base}/{LEAFLET_CSS}") for n, _ in element.default_css if n == "leaflet_css"
            ]
    return fmap


def display_layer(
    layer: gpd.GeoDataFrame, *, tolerance_m: float = SIMPLIFY_M, close_gaps_m: float = 0.0
) -> gpd.GeoDataFrame:
    """Return a layer simplified by ``tolerance_m`` metres and converted to EPSG:4326.

    ``close_gaps_m`` > 0 closes slivers narrower than twice that many metres first: units
    dissolved from approximate buurt polygons otherwise show their inner gaps as lines.
    """
    shaped = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    geometry = shaped.geometry
    if close_gaps_m > 0:
        geometry = geometry.buffer(close_gaps_m).buffer(-close_gaps_m)
    return shaped.set_geometry(geometry.simplify(tolerance_m)).to_crs(CRS_WGS84)


def class_breaks(values: pd.Series, *, k: int = 5) -> list[float]:
    """Upper bounds of the legend classes of the finite values (:func:`geo.legend.legend_classes`).

    No class is empty and no two share a label; ``[0.0]`` when there are no values.
    """
    return list(legend_classes(values.to_numpy(dtype=float), k=k).bins) or [0.0]


def class_colour(
    value: float | None, breaks: Sequence[float], colours: Sequence[str]
) -> str | None:
    """Colour of the class a value falls in (None for a missing value)."""
    if value is None or not np.isfinite(value):
        return None
    index = min(int(np.searchsorted(breaks, value, side="left")), len(breaks) - 1)
    # Fewer distinct breaks than colours: spread them over the palette.
    position = round(index * (len(colours) - 1) / max(len(breaks) - 1, 1))
    return colours[position]


def legend_items(
    values: pd.Series, column: str, *, classes: LegendClasses | None = None
) -> list[tuple[str, str]]:
    """``(colour, label)`` pairs of a choropleth legend, low to high, in nl-NL notation.

    ``classes`` shared by several maps (:func:`geo.legend.shared_classes`) give each the
    same legend; by default the classes are cut from ``values``.
    """
    colours = CHOROPLETHS[column][1]
    if classes is None:
        classes = legend_classes(values.to_numpy(dtype=float), k=len(colours))
    return [
        (class_colour(bound, classes.bins, colours) or "#ffffff", label)
        for bound, label in zip(classes.bins, classes.labels, strict=True)
    ]


def score_range(table: pd.DataFrame) -> tuple[float, float]:
    """Lowest and highest score of the eligible sites, the span of the colour scale.

    Scores of one region often lie within a few tenths; stretching the scale over them keeps
    the best and worst sites apart on the map. The legend shows the span.
    """
    scores = table.loc[~table["excluded"].astype(bool), "score"].to_numpy(dtype=float)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0 or scores.max() - scores.min() < 1e-9:
        return 0.0, 1.0
    return float(scores.min()), float(scores.max())


def score_colour(score: float, *, excluded: bool, span: tuple[float, float] = (0.0, 1.0)) -> str:
    """Colour of a site: grey when excluded, else red (lowest of ``span``) to green."""
    if excluded or score is None or not np.isfinite(score):
        return EXCLUDED_COLOUR
    low, high = span
    return _SCORE_MAP(float(np.clip((score - low) / (high - low), 0.0, 1.0)))


def score_legend(span: tuple[float, float]) -> list[tuple[str, str]]:
    """``(colour, label)`` pairs of the score scale over ``span``, plus excluded."""
    low, high = span
    steps = np.linspace(low, high, len(SCORE_COLOURS))
    return [(c, _fmt(float(v))) for c, v in zip(SCORE_COLOURS, steps, strict=True)] + [
        (EXCLUDED_COLOUR, "uitgesloten")
    ]


_SCORE_MAP = LinearColormap(list(SCORE_COLOURS), vmin=0.0, vmax=1.0)


def _fmt(value: float) -> str:
    if abs(value) >= 100:
        return nlformat.integer(value)
    return nlformat.number(value, decimals=2)


def base_map(bounds: Sequence[float], *, tiles: bool = True) -> folium.Map:
    """Return an empty map fitted to ``(minx, miny, maxx, maxy)`` (EPSG:4326), tiles optional."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=10,
        tiles=None,
        # folium's own scale bar shows miles too; a metric one is added below.
        control_scale=False,
        # SVG, not canvas: markers stay DOM elements a browser test (and a screen reader)
        # can find; a few thousand sites draw fine this way.
        prefer_canvas=False,
        # Quarter zoom steps: a region fills a narrow map instead of the next whole step
        # down, which left it small in the middle of two maps side by side.
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    _add_metric_scale(fmap)
    if tiles:
        folium.TileLayer(
            PDOK_TILES, attr=PDOK_ATTRIBUTION, name="PDOK BRT-Achtergrondkaart", max_zoom=19
        ).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    _refit_when_shown(fmap, [[miny, minx], [maxy, maxx]])
    return fmap


def _add_metric_scale(fmap: folium.Map) -> None:
    """Add a scale bar in metres and kilometres only (Leaflet's default adds miles)."""
    element = MacroElement()
    element._template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{this._parent.get_name()}});"
        "{% endmacro %}"
    )
    fmap.add_child(element)


def label_points(shapes: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return a label point per shape: the centre of its largest part's widest inner circle.

    The pole of inaccessibility (``polylabel``) lies well inside the shape, also for a
    gemeente shaped like a "C", and away from the borders where neighbours' names would
    collide; a representative point may hug a border.
    """
    from shapely.ops import polylabel

    def point(geometry: Any) -> Any:
        if geometry is None or geometry.is_empty:
            return geometry
        parts = getattr(geometry, "geoms", [geometry])
        largest = max(parts, key=lambda part: part.area)
        # Tolerance in the shape's own units: a thousandth of its size is plenty for a label.
        minx, miny, maxx, maxy = largest.bounds
        return polylabel(largest, tolerance=max(maxx - minx, maxy - miny) / 1000 or 1e-9)

    return gpd.GeoSeries([point(g) for g in shapes], index=shapes.index, crs=shapes.crs)


def add_place_labels(fmap: folium.Map, places: gpd.GeoDataFrame, *, column: str = "name") -> None:
    """Write place names on the map at points (EPSG:4326), readable over any fill.

    Parameters
    ----------
    fmap
        The map to write on.
    places
        Points in EPSG:4326 (e.g. each gemeente's representative point) with a name column.
    column
        The column holding the names.
    """
    group = folium.FeatureGroup(name="Plaatsnamen", control=False)
    for name, point in zip(places[column].astype(str), places.geometry, strict=True):
        if point is None or point.is_empty:
            continue
        folium.Marker(
            location=[point.y, point.x],
            icon=folium.DivIcon(
                icon_size=(0, 0),
                class_name="pw-place",
                # Centred on the point; a white halo keeps the name readable over any class.
                html=(
                    "<div style='transform:translate(-50%,-50%);white-space:nowrap;"
                    "font:600 11px sans-serif;color:#263238;text-shadow:0 0 3px #fff,"
                    f"0 0 3px #fff,0 0 2px #fff;pointer-events:none'>{html.escape(name)}</div>"
                ),
            ),
            interactive=False,
        ).add_to(group)
    group.add_to(fmap)


def _refit_when_shown(fmap: folium.Map, bounds: list[list[float]]) -> None:
    """Fit the bounds again once the map gets a size.

    A map drawn in a tab that is not shown yet has a 0×0 container: Leaflet then fits the
    bounds at world zoom (scale bar 5,000 km). A ResizeObserver refits when the tab opens,
    until the user moves the map themselves.
    """
    script = (
        "{% macro script(this, kwargs) %}"
        "(function(map){var moved=false;"
        "map.on('dragstart zoomstart',function(e){if(e.originalEvent!==undefined){moved=true;}});"
        "new ResizeObserver(function(){var s=map.getSize();"
        "if(s.x>0&&s.y>0&&!moved){map.invalidateSize();map.fitBounds(" + json.dumps(bounds) + ");}"
        "}).observe(map.getContainer());})({{this._parent.get_name()}});"
        "{% endmacro %}"
    )
    element = MacroElement()
    element._template = Template(script)
    fmap.add_child(element)


def add_choropleth(
    fmap: folium.Map,
    units: gpd.GeoDataFrame,
    *,
    column: str | None,
    name_column: str = "name",
    tooltip_columns: Mapping[str, str] | None = None,
    classes: LegendClasses | None = None,
) -> None:
    """Draw unit polygons (EPSG:4326), filled by ``column`` or outlines only when None.

    ``classes`` shared by several maps colour each alike; by default they are cut from
    ``units[column]``.
    """
    colours = CHOROPLETHS[column][1] if column else ()
    if column and classes is not None:
        breaks = list(classes.bins) or [0.0]
    else:
        breaks = class_breaks(units[column]) if column else []
    fields = {name_column: "Naam", **(tooltip_columns or {})}
    frame = units[
        [*fields, *([column] if column and column not in fields else []), units.geometry.name]
    ].copy()
    frame["_fill"] = [
        class_colour(v, breaks, colours) if column else None
        for v in (frame[column] if column else [None] * len(frame))
    ]
    for key in fields:
        if key != name_column:
            frame[key] = frame[key].map(lambda v: _fmt(v) if isinstance(v, float) else v)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        fill = feature["properties"]["_fill"]
        return {
            "color": "#37474f",
            "weight": 0.8,
            "fillColor": fill or "#ffffff",
            "fillOpacity": 0.55 if fill else 0.0,
        }

    folium.GeoJson(
        frame,
        name="Buurten",
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=list(fields), aliases=list(fields.values())),
    ).add_to(fmap)


def add_outlines(fmap: folium.Map, gemeenten: gpd.GeoDataFrame) -> None:
    """Draw gemeente borders (EPSG:4326) as thick lines, readable without tiles."""
    folium.GeoJson(
        gemeenten[[gemeenten.geometry.name]],
        name="Gemeentegrenzen",
        control=False,
        style_function=lambda _: {"color": "#263238", "weight": 2.5, "fill": False},
        interactive=False,
    ).add_to(fmap)


def site_layer(table: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """Return scored sites (EPSG:4326) as a layer: by score, grey when excluded, reasons on hover.

    A separate layer so the app can swap it on a weight change without redrawing the base
    map (and losing the user's zoom). The tooltip starts with ``<site id> · ``, which the app
    reads back from a click. Tooltips rather than popups: folium's popups need jQuery, which
    the offline map does not load.
    """
    group = folium.FeatureGroup(name="Locaties (score)")
    # Excluded sites first so coloured ones stay on top.
    ordered = table.sort_values(["excluded", "score"], ascending=[False, True])
    span = score_range(table)
    for site_id, row in ordered.iterrows():
        excluded = bool(row["excluded"])
        shortlisted = bool(row.get("shortlisted", False))
        if excluded:
            reasons = "".join(f"<li>{html.escape(str(r))}</li>" for r in row["exclusion_reasons"])
            body = f"<b>Uitgesloten</b><ul style='padding-left:1em;margin:0'>{reasons}</ul>"
        else:
            body = f"score {row['score']:.2f} · rang {int(row['rank'])}"
            if shortlisted:
                body += " · <b>shortlist</b>"
        text = f"{html.escape(str(site_id))} · {html.escape(str(row['name']))}<br>{body}"
        folium.CircleMarker(
            location=[row.geometry.y, row.geometry.x],
            radius=7 if shortlisted else 6,
            color="#000000" if shortlisted else "#424242",
            weight=2.5 if shortlisted else 1,
            fill=True,
            fill_color=score_colour(row["score"], excluded=excluded, span=span),
            fill_opacity=0.95,
            tooltip=folium.Tooltip(text, style="max-width:340px;white-space:normal"),
        ).add_to(group)
    return group


def add_facilities(fmap: folium.Map, public: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> None:
    """Draw the public register (EPSG:4326) by type; confidential ones as buurt counts.

    Parameters
    ----------
    fmap
        The map to draw on.
    public
        :func:`geo.facilities.public_view` of the register in EPSG:4326: confidential rows
        have no geometry and are never drawn as points.
    buurten
        Buurten in EPSG:4326, for the location of the per-buurt count badge.
    """
    group = folium.FeatureGroup(name="Bestaande voorzieningen").add_to(fmap)
    visible = public[public.geometry.notna() & ~public["confidential"]]
    for _, row in visible.iterrows():
        kind = str(row["type"])
        colour = FACILITY_COLOURS.get(kind, "#000000")
        folium.Marker(
            location=[row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                icon_size=(12, 12),
                icon_anchor=(6, 6),
                html=(
                    f"<div style='width:10px;height:10px;background:{colour};"
                    "border:1px solid #000'></div>"
                ),
            ),
            tooltip=f"{html.escape(str(row['name']))} ({kind}, {row['places']:.0f} plaatsen)",
        ).add_to(group)
    counts = public[public["confidential"]].groupby("buurtcode").size()
    if counts.empty:
        return
    anchors = buurten.set_index("buurtcode").geometry.reindex(counts.index).dropna()
    for code, point in anchors.representative_point().items():
        folium.Marker(
            location=[point.y, point.x],
            icon=folium.DivIcon(
                html=(
                    "<div style='background:#424242;color:#fff;border-radius:8px;padding:1px 5px;"
                    f"font-size:11px;white-space:nowrap'>vertrouwelijk: {int(counts[code])}</div>"
                )
            ),
            tooltip=f"{int(counts[code])} vertrouwelijke voorziening(en) in deze buurt",
        ).add_to(group)
