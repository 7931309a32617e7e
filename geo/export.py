"""GeoJSON export (RFC 7946) and atomic file writing.

RFC 7946: coordinates in EPSG:4326 as lon/lat, polygon exterior rings counter-clockwise (the
right-hand rule), no ``crs`` member. Files are written to a temporary sibling and renamed, so
an interrupted export never leaves a half-written file or destroys an earlier one.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.settings import CRS_WGS84

#: Decimal places of exported coordinates: 7 decimals of a degree is about 1 cm.
COORDINATE_PRECISION = 7


def geojson_dict(frame: gpd.GeoDataFrame, *, properties: list[str]) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection of ``frame`` with the given property columns.

    Values that are lists or dicts stay structured; NaN and <NA> become null.
    """
    if frame.crs is None:
        msg = "cannot export a layer without a CRS; set it first."
        raise ValueError(msg)
    wgs = frame.to_crs(CRS_WGS84)
    geometries = shapely.set_precision(wgs.geometry.to_numpy(), 10**-COORDINATE_PRECISION)
    # Orient last: set_precision rebuilds polygons with clockwise exterior rings.
    geometries = shapely.orient_polygons(geometries, exterior_cw=False)
    features = []
    records = wgs[properties].to_dict(orient="records")
    for record, geometry in zip(records, geometries, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in record.items()},
                "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _plain(value: Any) -> Any:
    """Make a value JSON-safe: numpy scalars to Python, NaN/<NA> to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json_atomic(path: str | Path, payload: Any) -> Path:
    """Write JSON to ``path`` atomically (temporary file in the same folder, then rename)."""
    text = json.dumps(_plain(payload), ensure_ascii=False, indent=1)
    return write_text_atomic(path, text)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write text to ``path`` atomically; the folder must exist."""
    path = Path(path)
    if not path.parent.exists():
        msg = f"folder {path.parent} does not exist; create it or choose another --out."
        raise ValueError(msg)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
