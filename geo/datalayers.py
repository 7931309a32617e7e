"""Address points and road networks that the data directory holds, used where they cover.

A data directory may hold more than the CBS tables: the Enschede address points and OSM
roads of ``../shared/data``, or a PDOK BAG GeoPackage someone placed there. Both front ends
use them by default for the gemeenten they cover, so a user need not upload what is already
there; a file the user gives (``--dwellings``, ``--roads``, an upload) wins.

Finding is cheap: the GeoPackages of the directory (two folder levels deep) are listed once
per directory state and classified by their layers and columns (no features read):

* **address points**: a layer named ``verblijfsobject`` (PDOK BAG), ``address_points`` or
  ``adrespunten``; else a BAG ``pand`` layer with ``gebruiksdoel`` (buildings stand in for
  addresses);
* **roads**: a line layer with a ``highway`` column (OSM).

A layer is read only when its extent meets the region's, and the read is cached per file
state, so a region far from any such layer pays nothing and a rerun pays once. Which
gemeenten a layer *covers* is decided as for the features: address points cover a gemeente
when its home points reach half its CBS households (:func:`geo.dwellings.covered_gemeenten`);
roads cover a gemeente when the roads' extent (convex hull) holds
:data:`ROAD_COVER_MIN_SHARE` of its buurt area.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo import layer_cache, nlformat
from geo.datadir import DataSource
from geo.dwellings import DEFAULT_SENSITIVE_USES, covered_gemeenten, dwellings_from_file
from geo.network import (
    BRIDGE_GAPS_M,
    WalkNetwork,
    convex_hull_xy,
    network_from_roads,
    roads_from_file,
)
from geo.paths import (
    BUS_TRAM_STOPS,
    DORDRECHT_BUURTEN,
    GEMEENTE_BORDERS,
    KWB_BUURT_GEOMETRY,
    RAIL_STATIONS,
)
from geo.settings import CRS_RD

#: What this module finds.
KINDS = ("addresses", "roads")
#: Layer names that hold address points.
ADDRESS_LAYERS = ("verblijfsobject", "address_points", "adrespunten")
#: Share of a gemeente's buurt area the roads' extent must hold to cover it.
ROAD_COVER_MIN_SHARE = 0.9
#: Below this share a gemeente is not named as partly covered (a road just over a border).
ROAD_PART_MIN_SHARE = 0.05
#: Files of the layout that are neither address points nor roads: never opened here.
_KNOWN_OTHER = frozenset(
    str(p) for p in (KWB_BUURT_GEOMETRY, GEMEENTE_BORDERS, BUS_TRAM_STOPS, RAIL_STATIONS)
) | {str(DORDRECHT_BUURTEN)}
#: Metres around the region's box within which a layer is still read (homes or roads just
#: across the border count for sites near it).
_MARGIN_M = 1_000.0


@dataclass(frozen=True)
class FoundLayer:
    """One usable layer of a data-directory file.

    Attributes
    ----------
    path
        The file.
    layer
        The layer's name.
    kind
        ``"addresses"`` or ``"roads"``.
    bounds
        The layer's extent ``(xmin, ymin, xmax, ymax)`` in EPSG:28992, None when unknown.
    """

    path: Path
    layer: str
    kind: str
    bounds: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class LayerUse:
    """Which address points and roads a region's run used, and the gemeenten they cover.

    Attributes
    ----------
    dwellings_origin, roads_origin
        ``"datamap"`` (found in the data directory), ``"bestand"`` (given by the user) or
        ``None`` (none used).
    dwellings_files, roads_files
        The files, as shown to users (relative to the data directory when found there).
    dwellings_gemeenten, roads_gemeenten
        GM codes the layers cover, sorted.
    """

    dwellings_origin: str | None = None
    dwellings_files: tuple[str, ...] = ()
    dwellings_gemeenten: tuple[str, ...] = ()
    roads_origin: str | None = None
    roads_files: tuple[str, ...] = ()
    roads_gemeenten: tuple[str, ...] = ()
    #: Gemeenten the roads cover in part, with the share of their buurt area covered.
    roads_partial: tuple[tuple[str, float], ...] = ()

    def lines_nl(self, names: dict[str, str] | None = None) -> list[str]:
        """Return Dutch lines for the data banner: which gemeenten use real points/roads.

        Parameters
        ----------
        names
            ``{GM code: gemeentenaam}``; codes without a name are shown as they are.

        Returns
        -------
        list of str
        """
        names = names or {}

        def listed(codes: Sequence[str]) -> str:
            return ", ".join(sorted(names.get(c, c) for c in codes))

        def origin(kind: str | None, files: Sequence[str]) -> str:
            where = "uit de datamap" if kind == "datamap" else "eigen bestand"
            return f"{where}: {', '.join(files)}"

        lines = []
        if self.dwellings_origin is None:
            lines.append(
                "Adrespunten: geen; afstand tot woningen overal geschat uit buurtcijfers "
                "(lever adrespunten aan met --dwellings of zet een BAG-GeoPackage in de datamap)."
            )
        elif self.dwellings_gemeenten:
            where = origin(self.dwellings_origin, self.dwellings_files)
            lines.append(
                f"Echte adrespunten (gemeten afstand tot woningen) voor "
                f"{listed(self.dwellings_gemeenten)} ({where}); elders geschat uit buurtcijfers."
            )
        else:
            lines.append(
                f"Adrespunten ({origin(self.dwellings_origin, self.dwellings_files)}) dekken "
                "geen gemeente van deze regio; afstand tot woningen geschat uit buurtcijfers."
            )
        if self.roads_origin is None:
            lines.append(
                "Wegennet: geen; loopafstanden hemelsbreed × 1,3 (lever een wegennet aan met "
                "--roads of zet het in de datamap)."
            )
        else:
            parts = [listed(self.roads_gemeenten)] if self.roads_gemeenten else []
            parts += [
                f"een deel ({nlformat.percent(share)}) van {names.get(code, code)}"
                for code, share in self.roads_partial
            ]
            where = origin(self.roads_origin, self.roads_files)
            lines.append(
                f"Echt wegennet (loopafstanden, hoofdwegen) voor {' en '.join(parts)} ({where}); "
                "elders hemelsbreed × 1,3."
                if parts
                else f"Wegennet ({where}) dekt geen gemeente van deze regio; loopafstanden "
                "hemelsbreed × 1,3."
            )
        return lines


def find_layers(source: DataSource) -> tuple[FoundLayer, ...]:
    """Return the address-point and road layers in a data directory.

    Parameters
    ----------
    source
        The data directory.

    Returns
    -------
    tuple of FoundLayer
        Sorted by path; cached per directory state (file names and change times).
    """
    files = sorted(
        p
        for pattern in ("*.gpkg", "*/*.gpkg")
        for p in source.path.glob(pattern)
        if str(p.relative_to(source.path)) not in _KNOWN_OTHER
    )
    state = tuple((str(p), p.stat().st_mtime_ns) for p in files)
    return _find_layers(state)


@functools.lru_cache(maxsize=8)
def _find_layers(state: tuple[tuple[str, int], ...]) -> tuple[FoundLayer, ...]:
    # Opening every GeoPackage is what a warm run would otherwise still spend in GDAL: the
    # finding is kept on disk too, keyed on the files' paths, sizes and change times.
    files = [Path(name) for name, _ in state]
    if not files:
        return ()
    return layer_cache.cached(
        "found-layers",
        files,
        (),
        build=lambda: _classify(state),
        dump=_found_bytes,
        load=_found_from_file,
        suffix=".json",
    )


def _found_bytes(found: tuple[FoundLayer, ...]) -> bytes:
    rows = [
        {"path": str(f.path), "layer": f.layer, "kind": f.kind, "bounds": f.bounds} for f in found
    ]
    return json.dumps(rows).encode()


def _found_from_file(path: Path) -> tuple[FoundLayer, ...]:
    found = []
    for row in json.loads(path.read_bytes()):
        bounds = None
        if row["bounds"] is not None:
            xmin, ymin, xmax, ymax = (float(v) for v in row["bounds"])
            bounds = (xmin, ymin, xmax, ymax)
        found.append(FoundLayer(Path(row["path"]), str(row["layer"]), str(row["kind"]), bounds))
    return tuple(found)


def _classify(state: tuple[tuple[str, int], ...]) -> tuple[FoundLayer, ...]:
    found: list[FoundLayer] = []
    for name, _ in state:
        path = Path(name)
        try:
            layers = [(str(n), str(g)) for n, g in pyogrio.list_layers(path)]
        except (pyogrio.errors.DataSourceError, OSError):
            continue  # not a readable GeoPackage: not ours to judge here
        names = [n for n, _ in layers]
        address = next((n for n in ADDRESS_LAYERS if n in names), None)
        for layer, geometry in layers:
            info = _info(path, layer)
            if info is None:
                continue
            fields = {str(f).lower() for f in info["fields"]}
            kind = None
            if layer == address or (
                address is None and layer == "pand" and "gebruiksdoel" in fields
            ):
                kind = "addresses"
            elif "highway" in fields and not any(
                word in geometry.lower() for word in ("point", "polygon")
            ):  # OSM exports mixing lines and areas declare "Unknown"
                kind = "roads"
            if kind is not None:
                found.append(FoundLayer(path, layer, kind, _bounds(info)))
    return tuple(found)


def _info(path: Path, layer: str) -> dict | None:
    try:
        return pyogrio.read_info(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
        return None


def _bounds(info: dict) -> tuple[float, float, float, float] | None:
    bounds = info.get("total_bounds")
    crs = info.get("crs")
    if bounds is None or not np.all(np.isfinite(bounds)) or crs is None:
        return None
    box = gpd.GeoSeries([shapely.box(*bounds)], crs=crs).to_crs(CRS_RD)
    return tuple(float(v) for v in box.total_bounds)  # type: ignore[return-value]


def _meets(layer: FoundLayer, area: tuple[float, float, float, float]) -> bool:
    if layer.bounds is None:
        return True  # unknown extent: read it and let the coverage decide
    grown = shapely.box(*area).buffer(_MARGIN_M)
    return bool(shapely.intersects(grown, shapely.box(*layer.bounds)))


@functools.lru_cache(maxsize=4)
def _read_addresses(path: str, layer: str, stamp: int) -> gpd.GeoDataFrame:  # noqa: ARG001
    # ``stamp`` (the file's change time) is the key of this in-process memo only: a changed
    # file is read again. Across processes the disk cache keys on the file itself.
    return layer_cache.cached_frame(
        "addresses",
        Path(path),
        (layer, *DEFAULT_SENSITIVE_USES),
        lambda: dwellings_from_file(path, layer=layer),
    )


@functools.lru_cache(maxsize=4)
def _read_roads(path: str, layer: str, stamp: int) -> gpd.GeoDataFrame:  # noqa: ARG001
    return layer_cache.cached_frame(
        "roads", Path(path), (layer,), lambda: roads_from_file(path, layer=layer)
    )


@functools.lru_cache(maxsize=4)
def _network(path: str, layer: str, stamp: int) -> WalkNetwork:
    # Building the graph costs more than reading the lines: cached the same way, and a
    # cached graph never needs the lines read at all.
    return layer_cache.cached(
        "network",
        Path(path),
        (layer, BRIDGE_GAPS_M),
        build=lambda: network_from_roads(_read_roads(path, layer, stamp)),
        dump=WalkNetwork.to_npz_bytes,
        load=WalkNetwork.from_npz,
        suffix=".npz",
    )


def _shown(path: Path, source: DataSource) -> str:
    try:
        return str(path.relative_to(source.path))
    except ValueError:
        return path.name


@dataclass(frozen=True)
class LocalLayers:
    """The data directory's address points and roads that meet a region.

    Attributes
    ----------
    dwellings, roads
        The address layer and the road layer (None when the directory has none nearby).
        Shared cached frames: never change them in place.
    network
        The walking network of the roads (None without roads).
    dwellings_files, roads_files
        The files read, relative to the data directory.
    """

    dwellings: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    network: WalkNetwork | None = None
    dwellings_files: tuple[str, ...] = ()
    roads_files: tuple[str, ...] = ()


def local_layers(
    source: DataSource, buurten: gpd.GeoDataFrame, *, kinds: Collection[str] = KINDS
) -> LocalLayers:
    """Read the data directory's address points and roads that meet the region.

    Parameters
    ----------
    source
        The data directory.
    buurten
        The region's buurten (EPSG:28992): their box decides which layers are read.
    kinds
        ``"addresses"`` and/or ``"roads"``: what to look for.

    Returns
    -------
    LocalLayers
    """
    shaped = buurten.geometry.dropna()
    if shaped.empty or not kinds:
        return LocalLayers()
    area = tuple(float(v) for v in shaped.total_bounds)
    found = [
        layer
        for layer in find_layers(source)
        if layer.kind in kinds and _meets(layer, area)  # type: ignore[arg-type]
    ]
    keys = {
        kind: [(str(f.path), f.layer, f.path.stat().st_mtime_ns) for f in found if f.kind == kind]
        for kind in KINDS
    }
    files = {kind: tuple(_shown(f.path, source) for f in found if f.kind == kind) for kind in KINDS}
    roads = _concat([_read_roads(*key) for key in keys["roads"]])
    network = None
    if len(keys["roads"]) == 1:
        network = _network(*keys["roads"][0])
    elif roads is not None:
        network = network_from_roads(roads)
    return LocalLayers(
        dwellings=_concat([_read_addresses(*key) for key in keys["addresses"]]),
        roads=roads,
        network=network,
        dwellings_files=files["addresses"],
        roads_files=files["roads"],
    )


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS_RD)


def road_cover_shares(roads: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> pd.Series:
    """Return per GM code the share of its buurt area inside the roads' extent (convex hull).

    Examples
    --------
    >>> from shapely.geometry import LineString, box
    >>> roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 100)]),
    ...     LineString([(0, 100), (100, 0)])], crs="EPSG:28992")
    >>> buurten = gpd.GeoDataFrame({"gemeentecode": ["GM1", "GM2"]},
    ...     geometry=[box(10, 10, 90, 90), box(50, 0, 150, 100)], crs="EPSG:28992")
    >>> road_cover_shares(roads, buurten).round(2).to_dict()
    {'GM1': 1.0, 'GM2': 0.5}
    """
    shaped = buurten[buurten.geometry.notna() & ~buurten.geometry.is_empty]
    if roads.empty or shaped.empty:
        return pd.Series(dtype=float, name="share")
    hull = convex_hull_xy(shapely.get_coordinates(roads.geometry.to_numpy()))
    geoms = shaped.geometry.to_numpy()
    area = (
        pd.DataFrame(
            {
                "code": shaped["gemeentecode"].to_numpy(),
                "inside": shapely.area(shapely.intersection(geoms, hull)),
                "all": shapely.area(geoms),
            }
        )
        .groupby("code")[["inside", "all"]]
        .sum()
    )
    return (area["inside"] / area["all"]).rename("share")


def layer_use(
    *,
    buurten: gpd.GeoDataFrame,
    dwellings: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    dwellings_origin: str | None,
    roads_origin: str | None,
    dwellings_files: Sequence[str],
    roads_files: Sequence[str],
) -> LayerUse:
    """Describe the layers a region's run uses and the gemeenten they cover.

    Returns
    -------
    LayerUse
    """
    gemeenten = set(buurten["gemeentecode"])
    points = dwellings if dwellings is not None and not dwellings.empty else None
    if points is not None and "home" not in points.columns:
        points = points.assign(home=True)
    covered = covered_gemeenten(points, buurten) & gemeenten if points is not None else set()
    shares = road_cover_shares(roads, buurten) if roads is not None else pd.Series(dtype=float)
    shares = shares[shares.index.isin(gemeenten)]
    full = shares >= ROAD_COVER_MIN_SHARE
    some = ~full & (shares >= ROAD_PART_MIN_SHARE)
    return LayerUse(
        dwellings_origin=dwellings_origin if dwellings is not None else None,
        dwellings_files=tuple(dwellings_files),
        dwellings_gemeenten=tuple(sorted(covered)),
        roads_origin=roads_origin if roads is not None else None,
        roads_files=tuple(roads_files),
        roads_gemeenten=tuple(sorted(shares.index[full])),
        roads_partial=tuple((str(c), float(v)) for c, v in shares[some].sort_index().items()),
    )
