"""Everything a front end needs for one region, loaded once: the region's workspace.

Both the CLI and the app call :func:`load_region_data`; the app caches its result. It reads the
buurten, stops, stations, the facility register and the candidate inventory — and, when
given, address points, OSM sensitive functions and a road layer (walking network) — adds the
buurt facility density and draagkracht, and builds the candidate feature table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo._errors import PlekwijzerInputError
from geo.amenities import stations_from_chb, stops_from_ovapi
from geo.boundary import gemeente_borders_from_cbs, outside_summary, require_inside
from geo.candidates import candidates_from_file
from geo.datadir import DataSource
from geo.datalayers import LayerUse, layer_use, local_layers
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.datasets.illustrative import illustrative_paths
from geo.draagkracht import draagkracht_index
from geo.dwellings import DEFAULT_SENSITIVE_USES, dwellings_from_file, sensitive_from_osm_xml
from geo.facilities import facilities_from_file
from geo.features import add_facility_density, candidate_features
from geo.neighbourhoods import kerncijfers_from_cbs, neighbourhoods_from_cbs
from geo.network import WalkNetwork, network_from_roads, roads_from_file
from geo.regions import Region, load_region_presets, require_known_gemeenten


@dataclass(frozen=True)
class RegionData:
    """The loaded layers of one region.

    Attributes
    ----------
    region, source
        What was loaded, from where.
    buurten
        Canonical buurten with ``facilities``, ``places``, ``facilities_per_10k``,
        ``places_per_10k`` and ``draagkracht``.
    stops, stations
        Bus/tram stops and rail stations around the region.
    facilities
        The anonymised facility register (may be empty).
    candidates
        The candidate inventory.
    features
        The candidate feature table the criteria engine scores.
    inputs
        Where the inventory and register came from, for the scenario file and the UI.
    published
        CBS's own figures for the region's buurten, wijken and gemeenten (names, exact
        totals), for the spread report.
    notes
        What the user should know about the inputs (sites or facilities outside the region
        left out, columns renamed, number notation), one line each, for the CLI or the app.
    """

    region: Region
    source: DataSource
    buurten: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    features: gpd.GeoDataFrame
    inputs: dict[str, str] = field(default_factory=dict)
    published: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: Which address points and roads were used (data directory or the user's files) and
    #: the gemeenten they cover, for the data banner.
    layers: LayerUse = field(default_factory=LayerUse)
    #: The road lines used (the user's or the data directory's), for maps; None without.
    roads: gpd.GeoDataFrame | None = field(default=None, compare=False, repr=False)


def default_inputs(region: Region, source: DataSource) -> dict[str, Path | None]:
    """Return the inventory and register used when the user gives none.

    The synthetic demo brings its own; a real seed region uses the project's illustrative
    inventory and register in ``data/illustrative`` (labelled illustrative) when present.
    """
    if source.synthetic:
        return {
            "candidates": source.path / DEMO_CANDIDATES,
            "facilities": source.path / DEMO_FACILITIES,
        }
    home = _home_preset(region)
    paths = illustrative_paths(home.name) if home else {}
    return {key: (path if path.exists() else None) for key, path in paths.items()}


def _home_preset(region: Region) -> Region | None:
    """Return the region itself, or for an own choice the preset holding most of its gemeenten.

    An own choice takes that preset's illustrative files, cut to the chosen gemeenten.
    """
    if region.name != "custom":
        return region
    chosen = set(region.gemeenten)
    overlap = {p: len(chosen & set(p.gemeenten)) for p in load_region_presets().values()}
    best = max(overlap, key=overlap.__getitem__, default=None)
    return best if best is not None and overlap[best] else None


def load_region_data(
    region: Region,
    source: DataSource,
    *,
    candidates_path: str | Path | None = None,
    facilities_path: str | Path | None = None,
    roads_path: str | Path | None = None,
    dwellings_path: str | Path | None = None,
    sensitive_osm_path: str | Path | None = None,
    sensitive_uses: Iterable[str] = DEFAULT_SENSITIVE_USES,
    use_defaults: bool = True,
    with_candidates: bool = True,
    default_places: float | None = None,
    candidates_layer: str | None = None,
    facilities_layer: str | None = None,
    data_layers: bool = True,
) -> RegionData:
    """Load and prepare every layer of a region.

    Parameters
    ----------
    region
        The region (preset or own choice of gemeenten).
    source
        The data directory.
    candidates_path, facilities_path
        The inventory and register files; None takes :func:`default_inputs` when
        ``use_defaults`` (else no candidates / an empty register).
    roads_path
        Optional OSM road layer (GeoPackage/GeoJSON with ``highway``, or a local ``.osm``):
        gives ``distance_to_main_road_m``, ``separated_by_main_road`` and the walking network
        behind ``walk_to_*_m`` (without it those are straight-line × 1.3).
    dwellings_path
        Optional address points (PDOK BAG verblijfsobjecten, or any point layer / CSV with an
        optional use column): measured ``distance_to_dwelling_m``,
        ``distance_to_sensitive_m`` and ``addresses_within_{100,250}m`` where they cover a
        site; estimated from the buurt elsewhere (see :mod:`geo.dwellings`).
    sensitive_osm_path
        Optional local ``.osm`` file: schools, kindergartens and childcare as sensitive
        functions.
    sensitive_uses
        BAG gebruiksdoelen counted as sensitive in the address points.
    use_defaults
        Fall back to the demo or illustrative files when a path is None.
    with_candidates
        False to skip the inventory, features, stops and stations (the spread analysis
        needs none of them).
    default_places
        Places assumed for register rows with an empty ``places``; None refuses such rows.
    candidates_layer, facilities_layer
        The layer to read from a GeoPackage with several layers.
    data_layers
        Use the address points and roads the data directory holds (:mod:`geo.datalayers`)
        where ``dwellings_path`` / ``roads_path`` are not given.

    Returns
    -------
    RegionData
    """
    require_known_gemeenten(
        region.gemeenten, source, region_name=None if region.name == "custom" else region.name
    )
    defaults = default_inputs(region, source) if use_defaults else {}
    candidates_path = candidates_path or defaults.get("candidates")
    facilities_path = facilities_path or defaults.get("facilities")
    buurten = neighbourhoods_from_cbs(source, gemeenten=region.gemeenten)
    published = kerncijfers_from_cbs(source, gemeenten=region.gemeenten)
    if with_candidates:
        # The readers take the area's bounding box; a box, not a union of every buurt
        # (seconds for the whole country).
        area = shapely.box(*buurten.geometry.dropna().total_bounds)
        stops = stops_from_ovapi(source, area=area)
        stations = stations_from_chb(source, area=area)
    else:  # the spread analysis needs no public transport
        stops = stations = gpd.GeoDataFrame(geometry=[], crs=buurten.crs)
    cut_defaults = region.name == "custom" and use_defaults
    borders = gemeente_borders_from_cbs(source)
    notes: list[str] = []
    if facilities_path is not None:
        facilities = facilities_from_file(
            facilities_path,
            buurten=buurten,
            borders=borders,
            gemeenten=region.gemeenten,
            default_places=default_places,
            layer=facilities_layer,
        )
        notes += facilities.attrs.get("notes", [])
    else:
        facilities = gpd.GeoDataFrame(
            {
                "id": [],
                "name": [],
                "type": [],
                "places": [],
                "confidential": [],
                "buurtcode": [],
                "wijkcode": [],
                "gemeentecode": [],
                "location_precision": [],
            },
            geometry=[],
            crs=buurten.crs,
        )
    buurten = add_facility_density(buurten, facilities)
    buurten["draagkracht"] = draagkracht_index(buurten)
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=buurten.crs)
    without_candidates = RegionData(
        region=region,
        source=source,
        buurten=buurten,
        stops=stops,
        stations=stations,
        facilities=facilities,
        candidates=empty,
        features=empty,
        inputs={"facilities": str(facilities_path)},
        published=published,
        notes=list(notes),
    )
    if not with_candidates:
        return without_candidates
    if candidates_path is None:
        msg = (
            "geen kandidatenlijst: geef er een (--candidates FILE, of upload hem in de app); "
            f"regio {region.name!r} heeft geen illustratieve lijst."
        )
        raise PlekwijzerInputError(msg)
    candidates = candidates_from_file(candidates_path, buurten=buurten, layer=candidates_layer)
    notes += candidates.attrs.get("notes", [])
    wanted = [
        kind
        for kind, given in (("addresses", dwellings_path), ("roads", roads_path))
        if given is None and data_layers
    ]
    local = local_layers(source, buurten, kinds=wanted)
    network: WalkNetwork | None
    if roads_path is not None:
        roads = roads_from_file(roads_path)
        network = network_from_roads(roads)
    else:
        roads, network = local.roads, local.network
    dwellings = (
        dwellings_from_file(dwellings_path, sensitive_uses=sensitive_uses)
        if dwellings_path is not None
        else local.dwellings
    )
    layers = layer_use(
        buurten=buurten,
        dwellings=dwellings,
        roads=roads,
        dwellings_origin="bestand" if dwellings_path is not None else "datamap",
        roads_origin="bestand" if roads_path is not None else "datamap",
        dwellings_files=(Path(dwellings_path).name,) if dwellings_path else local.dwellings_files,
        roads_files=(Path(roads_path).name,) if roads_path else local.roads_files,
    )
    sensitive, sensitive_coverage = (
        sensitive_from_osm_xml(sensitive_osm_path)
        if sensitive_osm_path is not None
        else (None, None)
    )
    features = candidate_features(
        candidates,
        buurten=buurten,
        stops=stops,
        stations=stations,
        facilities=facilities,
        dwellings=dwellings,
        sensitive=sensitive,
        sensitive_coverage=sensitive_coverage,
        roads=roads,
        network=network,
        borders=borders,
        gemeenten=region.gemeenten,
        # Worked out once for the data banner; counting 70,000 addresses again costs more.
        dwellings_covered=layers.dwellings_gemeenten,
    )
    if cut_defaults and candidates_path == defaults.get("candidates"):
        # An own choice takes its preset's illustrative inventory: keep the sites inside.
        inside = features["gemeentecode"].isin(region.gemeenten).to_numpy(bool)
        features, candidates = features[inside], candidates[inside]
    label = region.name if region.name != "custom" else ", ".join(region.gemeenten)
    require_inside(features, what="kandidaten", region_label=label, source=candidates_path)
    outside = outside_summary(features, what=("kandidaat", "kandidaten"))
    if outside:
        notes.append(outside + " Ze staan in de export als uitgesloten en krijgen geen rang.")
    inputs = {
        "candidates": str(candidates_path),
        "facilities": str(facilities_path) if facilities_path else "none",
        "roads": str(roads_path) if roads_path else _found(source, local.roads_files),
        "dwellings": (
            str(dwellings_path) if dwellings_path else _found(source, local.dwellings_files)
        ),
        "sensitive_osm": str(sensitive_osm_path) if sensitive_osm_path else "none",
    }
    return dataclasses.replace(
        without_candidates,
        candidates=candidates,
        features=features,
        inputs=inputs,
        notes=notes,
        layers=layers,
        roads=roads,
    )


def _found(source: DataSource, files: tuple[str, ...]) -> str:
    """Return the data-directory files used as full paths joined by ``;`` (``none`` when none)."""
    return ";".join(str(source.path / f) for f in files) or "none"
