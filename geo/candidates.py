"""Candidate sites: an inventory of convertible real estate ("te transformeren vastgoed").

Readers return the canonical candidate layer (:data:`geo.settings.CANDIDATE_COLUMNS`): one
point per site in EPSG:28992, with ``id``, ``name``, ``use``, ``floor_area_m2``,
``plot_area_m2``, ``build_year``, ``owner``, ``location_precision``. Polygon inputs keep their
area as ``plot_area_m2`` (when not given) and are represented by an interior point.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import _locate, _read, _validate
from geo._errors import PlekwijzerInputError
from geo.features import rename_computed_columns

#: Canonical candidate columns in order.
COLUMNS = (
    "id",
    "name",
    "use",
    "floor_area_m2",
    "plot_area_m2",
    "build_year",
    "owner",
    "location_precision",
)

#: Columns a CSV inventory holds numbers in (matched case-insensitively).
NUMBER_COLUMNS = (
    "floor_area_m2",
    "plot_area_m2",
    "build_year",
    *_locate.COORDINATE_NAMES,
)
#: File types read as vector layers.
VECTOR_SUFFIXES = frozenset({".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb"})

#: BAG gebruiksdoel -> canonical ``use``.
BAG_USES = {
    "kantoorfunctie": "kantoor",
    "onderwijsfunctie": "school",
    "gezondheidszorgfunctie": "zorg",
    "winkelfunctie": "winkel",
    "industriefunctie": "bedrijf",
    "woonfunctie": "woning",
    "bijeenkomstfunctie": "bijeenkomst",
    "logiesfunctie": "logies",
    "sportfunctie": "sport",
    "celfunctie": "overig",
    "overige gebruiksfunctie": "overig",
}

#: Plausible upper limits that catch unit mistakes (cm² or hectares typed as m²).
_MAX_FLOOR_AREA_M2 = 500_000.0
_MAX_PLOT_AREA_M2 = 5_000_000.0


def candidates_from_file(
    path: str | Path, *, buurten: gpd.GeoDataFrame | None = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Read an inventory from CSV, GeoJSON, GeoPackage, Shapefile or a PDOK BAG GeoPackage.

    A GeoPackage with a ``pand`` or ``verblijfsobject`` layer is read as BAG.

    Parameters
    ----------
    path
        The file.
    buurten
        The buurt layer, needed for rows located only by ``buurtcode``.
    layer
        The layer of a GeoPackage with several layers.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical candidate layer; ``attrs["notes"]`` says what the reader decided
        (number notation, renamed columns).
    """
    path = _validate.check_file(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return candidates_from_csv(path, buurten=buurten)
    if suffix == ".gpkg":
        bag = set(_read.list_layers(path)) & {"pand", "verblijfsobject"}
        if (layer is None and bag) or layer in bag:
            return candidates_from_bag(path, layer=layer)
    if suffix in VECTOR_SUFFIXES:
        return candidates_from_vector(path, layer=layer)
    msg = (
        f"bestandstype {suffix!r} wordt niet gelezen: gebruik .csv, .geojson, .gpkg of een "
        "shapefile (.shp of .zip)."
    )
    raise PlekwijzerInputError(msg, source=path)


def candidates_from_csv(
    path: str | Path, *, buurten: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Read an inventory CSV.

    Columns: ``id`` (required), ``name``, ``use``, ``floor_area_m2``, ``plot_area_m2``,
    ``build_year``, ``owner``, and a location: ``x``/``y`` (RD New metres), ``lat``/``lon``
    (degrees) or ``buurtcode``. Comma, semicolon or tab separated; numbers in Dutch
    (``1.234,5``) or international (``1,234.5``) notation, decided per column and file
    (:mod:`geo._numbers`).
    """
    frame = _read.read_csv(path, numeric=NUMBER_COLUMNS)
    notes = list(frame.attrs.get("notes", []))
    frame, note = rename_computed_columns(frame, what="de kandidatenlijst")
    notes += [note] if note else []
    _validate.require_columns(frame, ["id"], source=path, what="een kandidatenlijst")
    _locate.check_ids(frame, source=path)
    located = _locate.points_from_table(frame, source=path, buurten=buurten)
    del frame
    sites = _canonical(located, source=path, notes=notes)
    _read.release_arrow_memory()
    return sites


def candidates_from_vector(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read an inventory from GeoJSON, GeoPackage or Shapefile (points or polygons, any CRS)."""
    raw = _read.read_vector(path, layer=layer, fold_names=True)
    notes = list(raw.attrs.get("notes", []))
    raw, note = rename_computed_columns(raw, what="de kandidatenlijst")
    notes += [note] if note else []
    _validate.require_columns(raw, ["id"], source=path, what="een kandidatenlijst")
    frame = _validate.to_rd(raw, source=path)
    _locate.check_ids(frame, source=path)
    _validate.require_valid_geometries(frame, source=path, id_column="id")
    frame = frame.copy()
    polygonal = frame.geom_type.isin(["Polygon", "MultiPolygon"])
    if "plot_area_m2" not in frame.columns:
        frame["plot_area_m2"] = np.where(polygonal, frame.geometry.area, np.nan)
    frame["location_precision"] = "point"
    frame = frame.set_geometry(frame.geometry.representative_point())
    _validate.require_in_bounds(frame, source=path, id_column="id")
    return _canonical(frame, source=path, notes=notes)


def candidates_from_bag(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read BAG panden or verblijfsobjecten in the PDOK BAG GeoPackage layout as candidates.

    ``pand``: ``identificatie, bouwjaar, status, gebruiksdoel, oppervlakte_min,
    oppervlakte_max``; floor area is the largest verblijfsobject (``oppervlakte_max``), a lower
    bound for the building; the footprint area becomes ``plot_area_m2``.
    ``verblijfsobject``: ``identificatie, gebruiksdoel, oppervlakte, status`` (points).
    Demolished or withdrawn objects (status containing "gesloopt", "ingetrokken", "niet
    gerealiseerd") are dropped.
    """
    path = _validate.check_file(path)
    if layer is None:
        names = set(_read.list_layers(path))
        layer = "pand" if "pand" in names else "verblijfsobject"
    raw = _read.read_vector(path, layer=layer, fold_names=True)
    _validate.require_columns(
        raw, ["identificatie", "gebruiksdoel"], source=path, what=f"een BAG-laag {layer}"
    )
    frame = _validate.to_rd(raw, source=path)
    _validate.require_valid_geometries(frame, source=path, id_column="identificatie")
    status = frame.get("status", pd.Series("", index=frame.index)).astype("string").str.lower()
    frame = frame[~status.str.contains("gesloopt|ingetrokken|niet gerealiseerd", na=False)]
    first_use = frame["gebruiksdoel"].astype("string").str.split(",").str[0].str.strip()
    area_column = "oppervlakte_max" if "oppervlakte_max" in frame.columns else "oppervlakte"
    out = pd.DataFrame(
        {
            "id": frame["identificatie"].astype("string"),
            "name": "BAG " + layer + " " + frame["identificatie"].astype("string"),
            "use": first_use.map(BAG_USES).fillna("overig"),
            "floor_area_m2": pd.to_numeric(frame.get(area_column), errors="coerce"),
            "plot_area_m2": frame.geometry.area.where(
                frame.geom_type.isin(["Polygon", "MultiPolygon"])
            ),
            "build_year": pd.to_numeric(frame.get("bouwjaar"), errors="coerce"),
            "owner": pd.NA,
            "bag_status": frame.get("status"),
            "location_precision": "point",
        },
        index=frame.index,
    )
    located = gpd.GeoDataFrame(out, geometry=frame.geometry.representative_point(), crs=frame.crs)
    return _canonical(located, source=path)


def _canonical(
    frame: gpd.GeoDataFrame, *, source: str | Path, notes: list[str] | None = None
) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["id"] = out["id"].astype("string").str.strip()
    for column in ("name", "use", "owner"):
        if column not in out.columns:
            out[column] = pd.NA
        out[column] = out[column].astype("string").str.strip()
    out["name"] = out["name"].fillna(out["id"])
    out["use"] = out["use"].str.lower().fillna("overig")
    limits = {
        "floor_area_m2": _MAX_FLOOR_AREA_M2,
        "plot_area_m2": _MAX_PLOT_AREA_M2,
        "build_year": 2100.0,
    }
    for column, maximum in limits.items():
        if column not in out.columns:
            out[column] = np.nan
        out[column] = _validate.numeric_column(
            out, column, source=source, id_column="id", minimum=0.0, maximum=maximum
        )
    rest = [c for c in out.columns if c not in COLUMNS and c != out.geometry.name]
    out = out[[*COLUMNS, *rest, out.geometry.name]]
    # An object index: every join, reindex or loc builds an index engine, which for an
    # Arrow-backed index makes a fresh Python string per site each time (80 MB a million);
    # object ids are made once and shared by every index taken from this one.
    out = out.set_index(pd.Index(out["id"].to_numpy(dtype=object), dtype=object))
    out.attrs["notes"] = list(notes or [])
    return out
