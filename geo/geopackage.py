"""GeoPackage export for QGIS: layers, and a style for the score classes that QGIS applies.

A GeoPackage holds flat columns only: nested members (``criteria``, ``checks``,
``exclusion_reasons``) are written as JSON text beside the flat columns that
:mod:`criteria.export_rows` adds. The style is a QGIS QML document (rule-based: excluded
sites grey, eligible sites in five score classes, shortlisted sites larger with a dark ring),
stored twice: in the GeoPackage's ``layer_styles`` table (the table QGIS reads and writes; a
layer opened from the file gets the style at once) and as a ``.qml`` file beside it (for
other tools and for copying).

The file is built in a private temporary folder and handed back as bytes, so that
:func:`geo.export.write_export_pair` writes it with the other files as one unit.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import nlformat

#: Score classes of the style: (lower bound, colour), ColorBrewer RdYlGn as on the app's map.
SCORE_CLASSES: tuple[tuple[float, str], ...] = (
    (0.0, "#d7191c"),
    (0.2, "#fdae61"),
    (0.4, "#ffffbf"),
    (0.6, "#a6d96a"),
    (0.8, "#1a9641"),
)
EXCLUDED_COLOUR = "#9e9e9e"


def flat_frame(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Return ``frame[columns]`` with nested values (lists, dicts) as JSON text.

    Examples
    --------
    >>> from shapely import Point
    >>> layer = gpd.GeoDataFrame({"id": ["a"], "checks": [[{"rule": "r"}]]},
    ...     geometry=[Point(0, 0)], crs=28992)
    >>> flat_frame(layer, ["id", "checks"])["checks"].iloc[0]
    '[{"rule": "r"}]'
    """
    out = {}
    for column in columns:
        values = frame[column]
        if column == "rank":  # whole numbers, empty for excluded sites
            out[column] = pd.array(pd.to_numeric(values), dtype="Int64")
        elif values.dtype == object and values.map(_nested).any():
            out[column] = values.map(_json_text)
        elif values.dtype == object:
            out[column] = values.map(_plain_cell)
        else:
            out[column] = values
    # A fresh index: the table's index (the site id) would become a stray "index" column.
    flat = pd.DataFrame({k: _values(v) for k, v in out.items()})
    return gpd.GeoDataFrame(flat, geometry=frame.geometry.to_numpy(), crs=frame.crs)


def _values(column: Any) -> Any:
    return column.to_numpy() if isinstance(column, pd.Series) else column


def _nested(value: Any) -> bool:
    return isinstance(value, list | tuple | dict | np.ndarray)


def _json_text(value: Any) -> Any:
    from geo.export import _plain

    if value is None or (not _nested(value) and pd.isna(value)):
        return None
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain_cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def score_style_qml(*, score: str = "score", excluded: str = "excluded") -> str:
    """Return a QGIS QML rule-based point style of the score classes.

    Parameters
    ----------
    score, excluded
        The score column (0–1) and the boolean exclusion column.

    Returns
    -------
    str
        The QML document.
    """
    rules = [("Uitgesloten", f'"{excluded}"', EXCLUDED_COLOUR, 1.8)]
    bounds = [b for b, _ in SCORE_CLASSES] + [1.0]
    for (low, colour), high in zip(SCORE_CLASSES, bounds[1:], strict=True):
        upper = "<=" if high == 1.0 else "<"
        label = f"score {nlformat.number(low, decimals=1)} – {nlformat.number(high, decimals=1)}"
        rules.append(
            (
                label,
                f'NOT "{excluded}" AND "{score}" >= {low} AND "{score}" {upper} {high}',
                colour,
                2.6,
            )
        )
    rules.append(("Shortlist", '"shortlisted"', "#000000", 0.0))
    rule_xml = "\n".join(
        f'      <rule key={quoteattr(f"r{i}")} symbol="{i}" label={quoteattr(label)} '
        f"filter={quoteattr(expression)}/>"
        for i, (label, expression, _, _) in enumerate(rules)
    )
    symbols = "\n".join(
        _marker(i, colour, size, ring=label == "Shortlist")
        for i, (label, _, colour, size) in enumerate(rules)
    )
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.28.0" styleCategories="Symbology">
  <renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">
    <rules key="root">
{rule_xml}
    </rules>
    <symbols>
{symbols}
    </symbols>
  </renderer-v2>
</qgis>
"""


def _rgba(colour: str, alpha: int = 255) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{alpha}"


def _marker(number: int, colour: str, size: float, *, ring: bool) -> str:
    # The shortlist rule draws an open ring over the class colour (both rules apply).
    fill = _rgba(colour, 0) if ring else _rgba(colour)
    outline = _rgba("#000000") if ring else _rgba("#424242")
    props = {
        "name": "circle",
        "color": fill,
        "outline_color": outline,
        "outline_width": "0.6" if ring else "0.2",
        "size": "4.2" if ring else f"{size}",
        "size_unit": "MM",
        "outline_width_unit": "MM",
    }
    options = "\n".join(
        f'            <Option type="QString" name="{k}" value="{v}"/>' for k, v in props.items()
    )
    old_style = "\n".join(f'          <prop k="{k}" v="{v}"/>' for k, v in props.items())
    head = f'<symbol type="marker" name="{number}" alpha="1" clip_to_extent="1" force_rhr="0">'
    return f"""      {head}
        <layer class="SimpleMarker" enabled="1" pass="{1 if ring else 0}" locked="0">
          <Option type="Map">
{options}
          </Option>
{old_style}
        </layer>
      </symbol>"""


def geopackage_bytes(
    layers: Mapping[str, gpd.GeoDataFrame], *, styles: Mapping[str, str] | None = None
) -> bytes:
    """Write layers (and QML styles per layer) to a GeoPackage; return the file's bytes.

    Parameters
    ----------
    layers
        Layer name -> flat frame (see :func:`flat_frame`), any CRS.
    styles
        Layer name -> QML text, stored in the ``layer_styles`` table as the default style.

    Returns
    -------
    bytes
    """
    with tempfile.TemporaryDirectory(prefix="plekwijzer-gpkg-") as folder:
        path = Path(folder) / "export.gpkg"
        for name, frame in layers.items():
            # GeoPackage 1.2: read without warnings by older GDAL and QGIS versions too.
            frame.to_file(
                path,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                dataset_options={"VERSION": "1.2"},
            )
        if styles:
            _add_layer_styles(path, layers, styles)
        return path.read_bytes()


def _add_layer_styles(
    path: Path, layers: Mapping[str, gpd.GeoDataFrame], styles: Mapping[str, str]
) -> None:
    """Add QGIS's ``layer_styles`` table (registered as an attributes table) with the styles."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(path) as db:
        geometry_columns = dict(
            db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        db.execute(
            """CREATE TABLE layer_styles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
                f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
                styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
                description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME)"""
        )
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
            (now,),
        )
        for name, qml in styles.items():
            if name not in layers:
                continue
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                (
                    name,
                    geometry_columns.get(name, "geom"),
                    f"{name} (Plekwijzer)",
                    qml,
                    "Plekwijzer: scoreklassen, uitgesloten en shortlist",
                    now,
                ),
            )
