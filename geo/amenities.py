"""Amenities: public transport stops, rail stations, OSM points of interest, roads.

All readers return point (or line) layers in EPSG:28992 with a ``kind`` column. OSM data are
read from local files (``.osm`` XML through osmnx, ``.pbf`` after conversion with osmium);
Overpass is used only when online, and fails within seconds with a clear message when not.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeAlias
from urllib.parse import urlparse

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo import _read, _validate, layer_cache
from geo._errors import OfflineError, PlekwijzerInputError
from geo.datadir import DataSource
from geo.paths import BUS_TRAM_STOPS, RAIL_STATIONS
from geo.settings import CRS_RD, NETWORK_TIMEOUT_S

#: An osmnx tag filter: OSM key -> True (any value), one value or a list of values.
OsmTagFilter: TypeAlias = dict[str, bool | str | list[str]]

#: OSM tags of amenities that matter for the siting criteria, by canonical kind.
OSM_AMENITY_TAGS: dict[str, OsmTagFilter] = {
    "huisarts": {"amenity": ["doctors", "clinic"], "healthcare": ["doctor", "centre"]},
    "supermarkt": {"shop": ["supermarket", "convenience"]},
    "school": {"amenity": ["school", "kindergarten"]},
    "zorg": {"amenity": ["hospital", "social_facility"]},
}

#: OSM ``highway`` values treated as a main road (a physical separation for Skaeve Huse).
MAIN_ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "motorway_link",
    "trunk_link",
    "primary_link",
)


def stops_from_ovapi(
    source: DataSource, *, area: BaseGeometry | None = None, buffer_m: float = 2_000.0
) -> gpd.GeoDataFrame:
    """Read bus and tram stops (OVapi GTFS quays) around an area.

    Parameters
    ----------
    source
        The resolved data directory (``ov/bus_tram_stops_ovapi_2015.gpkg``).
    area
        Region polygon in EPSG:28992; stops within ``buffer_m`` of its bounds are kept so that
        sites near the region's edge see stops across the border. None reads all.
    buffer_m
        Margin around the area's bounding box in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        ``stop_id``, ``name``, ``kind = 'bus_tram_stop'``, point geometry.
    """
    path = source.file(BUS_TRAM_STOPS)
    return layer_cache.cached_frame(
        "stops", path, _area_key(area, buffer_m), lambda: _stops(path, area, buffer_m)
    )


def _stops(path: Path, area: BaseGeometry | None, buffer_m: float) -> gpd.GeoDataFrame:
    frame = _read_points(path, layer="stops", area=area, buffer_m=buffer_m)
    _validate.require_columns(frame, ["stop_id"], source=path, what="bus- en tramhaltes")
    # stop_id is the unique key (stop_code is not); one quay per id.
    frame = frame.drop_duplicates("stop_id")
    return gpd.GeoDataFrame(
        {"stop_id": frame["stop_id"], "name": frame.get("stop_name"), "kind": "bus_tram_stop"},
        geometry=frame.geometry,
        crs=CRS_RD,
    ).reset_index(drop=True)


def stations_from_chb(
    source: DataSource, *, area: BaseGeometry | None = None, buffer_m: float = 5_000.0
) -> gpd.GeoDataFrame:
    """Read rail stations (Centraal Haltebestand) around an area.

    Returns
    -------
    geopandas.GeoDataFrame
        ``stop_id``, ``name``, ``kind = 'rail_station'``, point geometry.
    """
    path = source.file(RAIL_STATIONS)
    return layer_cache.cached_frame(
        "stations", path, _area_key(area, buffer_m), lambda: _stations(path, area, buffer_m)
    )


def _stations(path: Path, area: BaseGeometry | None, buffer_m: float) -> gpd.GeoDataFrame:
    frame = _read_points(path, layer="stations", area=area, buffer_m=buffer_m)
    return gpd.GeoDataFrame(
        {
            "stop_id": frame.get("stopplacecode"),
            "name": frame.get("publicname"),
            "kind": "rail_station",
        },
        geometry=frame.geometry,
        crs=CRS_RD,
    ).reset_index(drop=True)


def _area_key(area: BaseGeometry | None, buffer_m: float) -> tuple[object, ...]:
    """Return what a read of ``area`` depends on: its bounds (to the centimetre), the margin."""
    bounds = "all" if area is None else tuple(round(float(v), 2) for v in area.bounds)
    return (bounds, float(buffer_m))


def _read_points(
    path: Path, *, layer: str, area: BaseGeometry | None, buffer_m: float
) -> gpd.GeoDataFrame:
    bbox = None
    if area is not None:
        xmin, ymin, xmax, ymax = area.bounds
        bbox = (xmin - buffer_m, ymin - buffer_m, xmax + buffer_m, ymax + buffer_m)
    frame = gpd.read_file(path, layer=layer, bbox=bbox, engine="pyogrio")
    return (
        _validate.to_rd(frame, source=path)
        if not frame.empty
        else frame.set_crs(CRS_RD, allow_override=True)
    )


def amenities_from_osm_xml(
    path: str | Path, *, tags: Mapping[str, OsmTagFilter] | None = None
) -> gpd.GeoDataFrame:
    """Read amenities from a local OpenStreetMap ``.osm`` XML file with osmnx.

    Parameters
    ----------
    path
        An ``.osm`` file (e.g. exported from JOSM or converted from ``.pbf`` with
        ``osmium cat in.pbf -o out.osm``).
    tags
        Canonical kind -> OSM tag filter; defaults to :data:`OSM_AMENITY_TAGS`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``osm_id``, ``name``, ``kind``, point geometry (polygons as interior points).
    """
    path = _validate.check_file(path)
    if path.suffix.lower() == ".pbf":
        msg = (
            "osmnx leest OSM XML, geen .pbf. Zet het eerst om: `osmium cat in.osm.pbf -o uit.osm` "
            "(pakket osmium-tool), en geef dan het .osm-bestand."
        )
        raise PlekwijzerInputError(msg, source=path)
    import osmnx as ox  # a second of imports (sklearn, matplotlib): only when reading OSM

    tags = OSM_AMENITY_TAGS if tags is None else tags
    parts = []
    for kind, filters in tags.items():
        try:
            found = ox.features_from_xml(path, tags=filters)
        except ox._errors.InsufficientResponseError:
            continue
        except Exception as exc:  # parse errors surface as many different types
            msg = (
                f"niet te lezen als OSM XML ({exc}). Controleer of het een geldig .osm-bestand is."
            )
            raise PlekwijzerInputError(msg, source=path) from exc
        found = found.to_crs(CRS_RD)
        parts.append(
            gpd.GeoDataFrame(
                {
                    "osm_id": [f"{t}/{i}" for t, i in found.index],
                    "name": found["name"].to_numpy() if "name" in found else None,
                    "kind": kind,
                },
                geometry=found.geometry.representative_point().to_numpy(),
                crs=CRS_RD,
            )
        )
    if not parts:
        return gpd.GeoDataFrame({"osm_id": [], "name": [], "kind": []}, geometry=[], crs=CRS_RD)
    return pd.concat(parts, ignore_index=True)


def amenities_from_overpass(
    polygon_wgs84: BaseGeometry, *, tags: Mapping[str, OsmTagFilter] | None = None
) -> gpd.GeoDataFrame:
    """Fetch amenities from Overpass (online only), failing fast when offline.

    osmnx's default rate-limit check waits up to a minute when Overpass cannot be reached; we
    first try a plain connection with a short timeout and raise :class:`OfflineError`.

    Parameters
    ----------
    polygon_wgs84
        The area in EPSG:4326.
    tags
        Canonical kind -> OSM tag filter; defaults to :data:`OSM_AMENITY_TAGS`.
    """
    import osmnx as ox

    require_online(ox.settings.overpass_url)
    ox.settings.requests_timeout = int(NETWORK_TIMEOUT_S * 6)
    ox.settings.overpass_rate_limit = False
    tags = OSM_AMENITY_TAGS if tags is None else tags
    parts = []
    for kind, filters in tags.items():
        found = ox.features_from_polygon(polygon_wgs84, tags=filters).to_crs(CRS_RD)
        parts.append(
            gpd.GeoDataFrame(
                {"osm_id": [f"{t}/{i}" for t, i in found.index], "kind": kind},
                geometry=found.geometry.representative_point().to_numpy(),
                crs=CRS_RD,
            )
        )
    return pd.concat(parts, ignore_index=True)


def require_online(url: str, *, timeout_s: float = NETWORK_TIMEOUT_S) -> None:
    """Raise :class:`OfflineError` unless a TCP connection to ``url``'s host succeeds."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout_s):
            return
    except OSError as exc:
        msg = (
            f"kan {parsed.hostname} niet bereiken ({exc}); deze computer lijkt offline. Gebruik "
            "een lokaal OSM-bestand (--osm BESTAND.osm), dat osmnx zonder netwerk leest."
        )
        raise OfflineError(msg) from exc


def roads_from_gpkg(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read an OSM road layer (``highway`` tag per line) such as the Enschede extract.

    Returns
    -------
    geopandas.GeoDataFrame
        ``highway``, ``name``, ``main_road`` (bool: :data:`MAIN_ROAD_CLASSES`), ``foot`` and
        ``access`` (NA where the layer lacks them; they decide what is walkable), lines.
    """
    frame = _read.read_vector(path, layer=layer)
    _validate.require_columns(frame, ["highway"], source=path, what="een OSM-wegenlaag")
    frame = _validate.to_rd(frame, source=path)
    frame = frame[frame.geom_type.isin(["LineString", "MultiLineString"])]
    return gpd.GeoDataFrame(
        {
            "highway": frame["highway"].astype("string"),
            "name": frame.get("name"),
            "main_road": frame["highway"].isin(MAIN_ROAD_CLASSES),
            "foot": frame.get("foot", pd.Series(pd.NA, index=frame.index)).astype("string"),
            "access": frame.get("access", pd.Series(pd.NA, index=frame.index)).astype("string"),
        },
        geometry=frame.geometry,
        crs=CRS_RD,
    ).reset_index(drop=True)


def combine_amenities(layers: Iterable[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Concatenate amenity layers (all in EPSG:28992) into one with a ``kind`` column."""
    frames = [layer for layer in layers if layer is not None and not layer.empty]
    if not frames:
        return gpd.GeoDataFrame({"kind": []}, geometry=[], crs=CRS_RD)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS_RD)
