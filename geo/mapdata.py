"""Map payloads: the data the app's map draws, one compact payload per layer.

The browser draws the sites on a Leaflet canvas from one payload per layer instead of one
Python object per marker: coordinates, colour and flags of every site travel as one block
of bytes (see :class:`SitePayload`), ids and names as two lists, and tooltips are put
together in the browser. Area layers (buurten, gemeente outlines) are simplified and turned
into GeoJSON once per region (:class:`AreaShapes`); a change of the colouring column only
recomputes the fill colours. Pure data, no Streamlit and no folium: the app passes these
payloads to the map component in :func:`geo.mapview.frontend_dir`.

Confidential facilities never appear as points here, not even at their buurt:
:func:`facility_payload` only counts them, for the legend.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.labels import type_label
from geo.mapview import (
    CHOROPLETHS,
    EXCLUDED_COLOUR,
    FACILITY_COLOURS,
    SCORE_COLOURS,
    SIMPLIFY_M,
    class_breaks,
    class_colour,
    display_layer,
    score_range,
)
from geo.settings import CRS_RD, CRS_WGS84

#: Number of steps of the score colour ramp sent to the browser (colour index 0..steps-1).
SCORE_STEPS = 64
#: Colour index of an excluded site.
EXCLUDED_INDEX = 255
#: Bit flags of a site in :attr:`SitePayload.numbers`: excluded, on the shortlist, and "te
#: controleren" (a rule decided on an estimate or a missing value; drawn with a dashed rim).
FLAG_EXCLUDED, FLAG_SHORTLISTED, FLAG_CHECK = 1, 2, 4
#: Decimals of display coordinates in degrees: 1e-5° is about 1 m.
COORD_DECIMALS = 5
#: Field order of :attr:`SitePayload.numbers`: name, numpy dtype. Four-byte fields first, so
#: every block starts on a multiple of four bytes and JavaScript can view it in place.
SITE_FIELDS = (
    ("lat", "<f4"),
    ("lon", "<f4"),
    ("score", "<f4"),
    ("value", "<f4"),
    ("rank", "<i4"),
    ("colour", "u1"),
    ("flags", "u1"),
)

_TO_WGS84 = Transformer.from_crs(CRS_RD, CRS_WGS84, always_xy=True)


def score_palette(steps: int = SCORE_STEPS) -> list[str]:
    """Return ``steps`` hex colours from the lowest to the highest score (RdYlGn)."""
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in SCORE_COLOURS], float)
    position = np.linspace(0, len(stops) - 1, steps)
    low = np.minimum(position.astype(int), len(stops) - 2)
    frac = (position - low)[:, None]
    rgb = np.rint(stops[low] * (1 - frac) + stops[low + 1] * frac).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


@dataclass(frozen=True)
class SitePayload:
    """Scored sites as the map draws them, in draw order (excluded first, best last).

    Attributes
    ----------
    numbers
        The numeric columns of :data:`SITE_FIELDS`, each as one little-endian block of
        ``n`` values, blocks in that order: latitude and longitude (EPSG:4326, float32),
        score (float32), the coloured value (float32: the score, or a criterion's
        transformed value 0–1; NaN when unknown), rank (int32, 0 when excluded), colour
        index (uint8, into ``palette``; :data:`EXCLUDED_INDEX` for grey) and flags
        (uint8, :data:`FLAG_EXCLUDED` | :data:`FLAG_SHORTLISTED` | :data:`FLAG_CHECK`).
    ids, names
        Site ids and names in the same order.
    palette
        Colours of the coloured value, low to high; the excluded grey.
    span
        The range of the coloured value the colours stretch over.
    value_label
        What colours the sites: ``""`` for the score, else the criterion's Dutch label
        (the tooltip names it beside the score).
    key
        Digest of everything above: the map redraws the sites only when it changes.
    """

    numbers: bytes
    ids: list[str]
    names: list[str]
    palette: list[str]
    span: tuple[float, float]
    key: str = field(default="")
    value_label: str = ""

    @property
    def n(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def column(self, name: str) -> np.ndarray:
        """Return one numeric column of :attr:`numbers` (for tests and checks)."""
        offset = 0
        for field_name, dtype in SITE_FIELDS:
            size = np.dtype(dtype).itemsize * self.n
            if field_name == name:
                return np.frombuffer(self.numbers, dtype=dtype, count=self.n, offset=offset)
            offset += size
        msg = f"unknown site field {name!r}; fields are {[f for f, _ in SITE_FIELDS]}"
        raise KeyError(msg)

    def meta(self) -> dict[str, Any]:
        """Return everything but :attr:`numbers`, as JSON-ready data."""
        return {
            "n": self.n,
            "ids": self.ids,
            "names": self.names,
            "palette": self.palette,
            "excluded_colour": EXCLUDED_COLOUR,
            "span": list(self.span),
            "key": self.key,
            "value_label": self.value_label,
        }


def site_payload(
    table: gpd.GeoDataFrame, *, colour_by: str | None = None, label: str = ""
) -> SitePayload:
    """Return the compact map payload of scored sites.

    Parameters
    ----------
    table
        Scored sites (:attr:`criteria.run.ScenarioResult.table`): point geometry in
        EPSG:28992 (or EPSG:4326), index = site id, columns ``name``, ``score``, ``rank``,
        ``excluded`` and optionally ``shortlisted``, ``needs_check`` and
        ``transformed__<criterion>``.
    colour_by
        None to colour by score (stretched over the eligible sites' scores, see
        :func:`geo.mapview.score_range`); a criterion name to colour by its transformed
        value on the fixed scale 0 (poor) to 1 (good), as suitability maps per criterion do.
        A site whose value is unknown is drawn grey.
    label
        The criterion's Dutch label, for the tooltip (with ``colour_by``).

    Returns
    -------
    SitePayload
        Sites in draw order: excluded first, then by rising score, so the best lie on top.

    Raises
    ------
    KeyError
        When ``colour_by`` names no ``transformed__<criterion>`` column.
    """
    excluded = table["excluded"].to_numpy(dtype=bool)
    score = table["score"].to_numpy(dtype=float)
    order = np.lexsort((np.nan_to_num(score, nan=-1.0), ~excluded))
    x = shapely.get_x(table.geometry.to_numpy()[order])
    y = shapely.get_y(table.geometry.to_numpy()[order])
    if table.crs is not None and table.crs.to_epsg() != 4326:
        x, y = _TO_WGS84.transform(x, y)
    excluded = excluded[order]
    score = score[order]
    if colour_by is None:
        value, span = score, score_range(table)
    else:
        column = f"transformed__{colour_by}"
        if column not in table.columns:
            msg = f"cannot colour sites by {colour_by!r}: the table has no column {column!r}"
            raise KeyError(msg)
        value, span = table[column].to_numpy(dtype=float)[order], (0.0, 1.0)
    low, high = span
    step = np.rint(np.clip((value - low) / (high - low), 0.0, 1.0) * (SCORE_STEPS - 1))
    colour = np.where(excluded | ~np.isfinite(value), EXCLUDED_INDEX, np.nan_to_num(step))

    def flag(name: str) -> np.ndarray:
        if name not in table.columns:
            return np.zeros(len(order), bool)
        return table[name].astype("boolean").fillna(False).to_numpy(dtype=bool)[order]

    rank = table["rank"].to_numpy(dtype=float, na_value=0.0)[order]
    # An excluded site is decided; its checks do not matter on the map.
    check = flag("needs_check") & ~excluded
    flags = excluded * FLAG_EXCLUDED + flag("shortlisted") * FLAG_SHORTLISTED + check * FLAG_CHECK
    columns = {
        "lat": np.round(y, COORD_DECIMALS),
        "lon": np.round(x, COORD_DECIMALS),
        "score": score,
        "value": value,
        "rank": rank,
        "colour": colour,
        "flags": flags,
    }
    numbers = b"".join(
        np.ascontiguousarray(columns[name], dtype=dtype).tobytes() for name, dtype in SITE_FIELDS
    )
    ids = table.index.astype(str).to_numpy()[order].tolist()
    names = table["name"].astype(str).to_numpy()[order].tolist()
    digest = hashlib.blake2b(numbers, digest_size=12)
    digest.update("\x1f".join([*ids, label]).encode())
    return SitePayload(
        numbers=numbers,
        ids=ids,
        names=names,
        palette=score_palette(),
        span=span,
        key=digest.hexdigest(),
        value_label=label if colour_by else "",
    )


@dataclass(frozen=True, eq=False)
class AreaShapes:
    """Polygons of a layer simplified and converted to GeoJSON geometry once.

    Build one per region and layer (:meth:`from_layer`, the expensive step) and keep it;
    :meth:`payload` then only colours the polygons by a column.

    Attributes
    ----------
    attributes
        The layer's columns without geometry, one row per polygon, in geometry order.
    geometries
        GeoJSON geometry dicts in EPSG:4326, coordinates rounded to
        :data:`COORD_DECIMALS`.
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:4326.
    key
        Digest of the geometries.
    """

    attributes: pd.DataFrame
    geometries: tuple[dict[str, Any], ...]
    bounds: tuple[float, float, float, float]
    key: str
    _payloads: dict[tuple[Any, ...], dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def from_layer(
        cls,
        layer: gpd.GeoDataFrame,
        *,
        tolerance_m: float = SIMPLIFY_M,
        close_gaps_m: float = 0.0,
    ) -> AreaShapes:
        """Simplify a polygon layer (EPSG:28992) by ``tolerance_m`` metres, once.

        Parameters
        ----------
        layer
            Polygons in a metric CRS; rows without geometry are left out.
        tolerance_m
            Simplification tolerance in metres.
        close_gaps_m
            Close slivers narrower than twice this many metres first (see
            :func:`geo.mapview.display_layer`).
        """
        shown = display_layer(layer, tolerance_m=tolerance_m, close_gaps_m=close_gaps_m)
        rounded = shapely.transform(
            shown.geometry.to_numpy(), lambda xy: np.round(xy, COORD_DECIMALS)
        )
        geometries = tuple(json.loads(shapely.to_geojson(g)) for g in rounded)
        minx, miny, maxx, maxy = (
            (float(b) for b in shown.total_bounds) if len(shown) else (0, 0, 0, 0)
        )
        bounds = (minx, miny, maxx, maxy)
        digest = hashlib.blake2b(digest_size=12)
        for geometry in shapely.to_wkb(rounded):
            digest.update(geometry)
        return cls(
            attributes=pd.DataFrame(shown.drop(columns=shown.geometry.name)),
            geometries=geometries,
            bounds=bounds,
            key=digest.hexdigest(),
        )

    def payload(
        self,
        *,
        column: str | None = None,
        name_column: str | None = "name",
        tooltip_columns: Mapping[str, str] | None = None,
        style: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return the layer as a GeoJSON FeatureCollection with fill and tooltip per feature.

        Parameters
        ----------
        column
            Fill by the classes of this :data:`geo.mapview.CHOROPLETHS` column; None for
            outlines only.
        name_column
            Column in bold at the top of the tooltip; None for no tooltip.
        tooltip_columns
            ``{column: Dutch label}`` shown below the name, numbers in nl-NL notation.
        style
            Leaflet path options for every feature (colour, weight).

        Returns
        -------
        dict
            ``{"type": "FeatureCollection", "features", "key", "style", "bounds"}``;
            each feature's properties hold ``fill`` (hex or None) and ``tip`` (HTML or
            None). ``key`` changes with the geometry, the colouring and the tooltips. The
            same arguments return the same dict (kept: treat it as read-only).
        """
        memo = (
            column,
            name_column,
            tuple((tooltip_columns or {}).items()),
            tuple((style or {}).items()),
        )
        if memo not in self._payloads:
            self._payloads[memo] = self._build_payload(
                column=column, name_column=name_column, tooltip_columns=tooltip_columns, style=style
            )
        return self._payloads[memo]

    def _build_payload(
        self,
        *,
        column: str | None,
        name_column: str | None,
        tooltip_columns: Mapping[str, str] | None,
        style: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        frame = self.attributes
        fills: list[str | None] = [None] * len(frame)
        if column:
            colours = CHOROPLETHS[column][1]
            breaks = class_breaks(frame[column])
            fills = [class_colour(v, breaks, colours) for v in frame[column].to_numpy(float)]
        tips: Sequence[str | None] = [None] * len(frame)
        if name_column is not None:
            tips = _tooltips(frame, name_column, tooltip_columns or {})
        features = [
            {"type": "Feature", "geometry": g, "properties": {"fill": f, "tip": t}}
            for g, f, t in zip(self.geometries, fills, tips, strict=True)
        ]
        digest = hashlib.blake2b(self.key.encode(), digest_size=12)
        digest.update(json.dumps([fills, tips, style or {}]).encode())
        return {
            "type": "FeatureCollection",
            "features": features,
            "key": digest.hexdigest(),
            "style": dict(style or {}),
            "bounds": list(self.bounds),
        }


def _tooltips(frame: pd.DataFrame, name_column: str, columns: Mapping[str, str]) -> list[str]:
    from html import escape

    lines = [f"<b>{escape(str(v))}</b>" for v in frame[name_column]]
    for column, label in columns.items():
        values = frame[column].map(_nl)
        pairs = zip(lines, values, strict=True)
        lines = [f"{line}<br>{escape(label)}: {escape(v)}" for line, v in pairs]
    return lines


def _nl(value: Any) -> str:
    """Format a value for a tooltip: numbers in nl-NL notation (1.234,5), '–' when unknown."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return str(value)
    number = float(value)
    decimals = 0 if number.is_integer() or abs(number) >= 100 else 2
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def facility_payload(public: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the register as map points; confidential facilities only as a count.

    Parameters
    ----------
    public
        :func:`geo.facilities.public_view` of the register (any CRS): confidential rows have
        no geometry, and whatever geometry they might carry is never read here.

    Returns
    -------
    dict
        ``{"points": [{"lat", "lon", "colour", "tip"}], "types": [{"type", "label",
        "colour", "n"}], "confidential": n, "key"}`` in EPSG:4326. ``types`` lists the
        types drawn, for the legend; ``confidential`` is the number of facilities counted
        but not drawn: the legend says it, the map shows no point for them, not even their
        buurt's.
    """
    from html import escape

    confidential = public["confidential"].to_numpy(dtype=bool)
    visible = public[~confidential & public.geometry.notna().to_numpy()].to_crs(CRS_WGS84)
    points = [
        {
            "lat": round(float(geometry.y), COORD_DECIMALS),
            "lon": round(float(geometry.x), COORD_DECIMALS),
            "colour": FACILITY_COLOURS.get(str(kind), "#000000"),
            "tip": f"{escape(str(name))} ({escape(type_label(str(kind)))}, "
            f"{_nl(float(places))} plaatsen)",
        }
        for geometry, name, kind, places in zip(
            visible.geometry, visible["name"], visible["type"], visible["places"], strict=True
        )
    ]
    by_type = visible["type"].astype(str).value_counts()
    types = [
        {"type": kind, "label": type_label(kind), "colour": FACILITY_COLOURS.get(kind, "#000000"),
         "n": int(by_type[kind])}
        for kind in sorted(by_type.index, key=lambda k: (list(FACILITY_COLOURS).index(k)
                                                          if k in FACILITY_COLOURS else 99, k))
    ]  # fmt: skip
    hidden = int(confidential.sum())
    key = hashlib.blake2b(json.dumps([points, hidden]).encode(), digest_size=12).hexdigest()
    return {"points": points, "types": types, "confidential": hidden, "key": key}
