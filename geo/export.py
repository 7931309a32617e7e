"""GeoJSON export (RFC 7946) and atomic writing of an export's files as one unit.

RFC 7946: coordinates in EPSG:4326 as lon/lat, polygon exterior rings counter-clockwise (the
right-hand rule), no ``crs`` member.

:func:`write_export_pair` writes the GeoJSON, its scenario file and the sensitivity report
together: all new, or on any failure all as they were (see :mod:`geo._atomic`). A large
layer is written as a :class:`GeoJSONStream`, a chunk of features at a time, so a
1,000,000-site export needs memory for one chunk rather than for the whole collection.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._atomic import ExportError, Payload, check_target, not_serialisable, write_files
from geo.settings import CRS_WGS84

__all__ = [
    "COORDINATE_PRECISION",
    "ExportError",
    "GeoJSONStream",
    "geojson_dict",
    "write_export_pair",
    "write_json_atomic",
    "write_text_atomic",
]

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
    geometries = _export_geometries(wgs.geometry.to_numpy())
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


@dataclass(frozen=True)
class GeoJSONStream:
    """A FeatureCollection written a chunk of features at a time (RFC 7946, as geojson_dict).

    Pass it as a payload to :func:`write_export_pair`. Memory holds one chunk of features
    (their properties as dicts, geometries in lon/lat), never the whole collection.

    Attributes
    ----------
    frame
        The layer, in any CRS.
    properties
        Columns to export as feature properties.
    members
        Extra top-level members (e.g. ``{"plekwijzer": {...}}``), written after
        ``"type"``.
    enrich
        Optional function applied to each chunk before export, returning it with extra
        columns (e.g. the nested ``criteria`` records of just those rows).
    chunk_rows
        Features per chunk. While a chunk is written its rows live as Python dicts,
        strings and object columns, some 25 kB a row for a score export (about 60
        properties and nested criteria): 2,000 rows keep that near 50 MB, where 20,000
        lifted the peak of a million-site ``plekwijzer score`` by some 0.4 GB.

    Examples
    --------
    >>> from shapely import Point
    >>> layer = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(155000, 463000)], crs=28992)
    >>> text = "".join(GeoJSONStream(layer, properties=["id"]).pieces())
    >>> json.loads(text)["features"][0]["geometry"]["coordinates"]
    [5.3872035, 52.1551723]
    """

    frame: gpd.GeoDataFrame
    properties: Sequence[str]
    members: Mapping[str, Any] = field(default_factory=dict)
    enrich: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None
    chunk_rows: int = 2_000

    def pieces(self) -> Iterator[str]:
        """Yield the collection's text, one chunk of features at a time."""
        if self.frame.crs is None:
            msg = "cannot export a layer without a CRS; set it first."
            raise ValueError(msg)
        head = {"type": "FeatureCollection", **_plain(dict(self.members))}
        yield json.dumps(head, ensure_ascii=False, allow_nan=False)[:-1] + ', "features": ['
        for start in range(0, len(self.frame), self.chunk_rows):
            chunk = self.frame.iloc[start : start + self.chunk_rows]
            if self.enrich is not None:
                chunk = self.enrich(chunk)
            records = chunk[list(self.properties)].to_dict(orient="records")
            shapes = _export_geometries(chunk.geometry.to_crs(CRS_WGS84).to_numpy())
            texts = shapely.to_geojson(shapes)
            features = [
                '{"type": "Feature", "properties": '
                + json.dumps(
                    {k: _plain(v) for k, v in record.items()}, ensure_ascii=False, allow_nan=False
                )
                + ', "geometry": '
                + ("null" if text is None else text)
                + "}"
                for record, text in zip(records, texts, strict=True)
            ]
            yield ("\n" if start == 0 else ",\n") + ",\n".join(features)
        yield "\n]}\n"


def _export_geometries(geometries: np.ndarray) -> np.ndarray:
    """Round to :data:`COORDINATE_PRECISION` decimals and orient rings as RFC 7946 asks."""
    rounded = shapely.set_precision(geometries, 10**-COORDINATE_PRECISION)
    # Orient last: set_precision rebuilds polygons with clockwise exterior rings.
    return shapely.orient_polygons(rounded, exterior_cw=False)


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
    """Write JSON to ``path`` atomically (see :func:`write_export_pair`)."""
    return write_export_pair({path: payload})[0]


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write text to ``path`` atomically (see :func:`write_export_pair`)."""
    return write_export_pair({path: text})[0]


def write_export_pair(payloads: Mapping[Any, Any]) -> list[Path]:
    """Write several files as one unit: all new, or (on any failure) all as they were.

    Parameters
    ----------
    payloads
        Target path -> content. A ``str`` is written as UTF-8 text, a
        :class:`GeoJSONStream` chunk by chunk, ``bytes`` as they are, anything else as JSON
        (NaN and ``<NA>`` become ``null``). Typically the GeoJSON (or GeoPackage), its
        scenario file and the sensitivity report of one run.

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order given.

    Raises
    ------
    ExportError
        When a target folder is missing or not writable, a target is a directory or a
        read-only file, a payload is not JSON-serialisable, or the disk refuses the write. The
        message names the file and the fix; the earlier files are untouched and no temporary
        file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_export_pair({folder / "a.json": {"n": 1}, folder / "a.txt": "x"})]
    ['a.json', 'a.txt']
    """
    targets = [Path(p) for p in payloads]
    for target in targets:
        check_target(target)
    serialised = {t: _serialise(t, v) for t, v in zip(targets, payloads.values(), strict=True)}
    return write_files(serialised)


def _serialise(target: Path, payload: Any) -> Payload:
    if isinstance(payload, GeoJSONStream):
        return payload.pieces()
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, bytes):  # a file built elsewhere, e.g. a GeoPackage
        return payload
    try:
        text = json.dumps(_plain(payload), ensure_ascii=False, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise not_serialisable(target, exc) from exc
    return text.encode("utf-8")
