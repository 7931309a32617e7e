"""Address points (homes and sensitive functions) and the distance features built on them.

Readers return the canonical *address layer*: one point per address in EPSG:28992 with
``address_id``, ``use`` (the gebruiksdoel text, or NA), ``home`` (bool), ``sensitive`` (bool)
and ``use_known`` (bool). Sources:

* the PDOK BAG ``verblijfsobject`` layout (``identificatie``, ``gebruiksdoel``, ``status``):
  ``woonfunctie`` is a home; the uses in ``sensitive_uses`` (default onderwijs-,
  gezondheidszorg- and bijeenkomstfunctie, the last for childcare and community buildings) are
  sensitive; a verblijfsobject with several gebruiksdoelen is both where it applies;
* any point layer — GeoPackage, GeoJSON, CSV with ``x``/``y`` (RD) or ``lat``/``lon`` — with an
  optional use column (``gebruiksdoel``, ``use``, ``functie``): without one every address
  counts as a home (the Enschede address points of 2012 are such a layer), and — the
  conservative reading — as a possible sensitive function too;
* schools, kindergartens and childcare from a local OSM file (:func:`sensitive_from_osm_xml`).

Coverage — which sites the loaded points describe. A gemeente is *covered* when the home
points inside it number at least :data:`COVERAGE_MIN_SHARE` of its CBS households (Enschede's
70,957 addresses against 81,878 households: covered; the few Enschede points that fall in
Hengelo do not cover Hengelo). For a site, the buurten of uncovered gemeenten are where homes
may hide unseen: a value is *measured* only when no uncovered buurt lies nearer than the
nearest measured home (or within the counting radius); elsewhere it is the best estimate,
combining the points that are loaded with the buurt estimate of :mod:`geo.home_estimate` for the
uncovered buurten. Homes outside the region's buurten (abroad, or gemeenten not loaded) are
never seen. Address points age: homes built after the layer's date are missing.

Features (:func:`dwelling_features`), each with ``source__<feature>`` (``"measured"`` or
``"estimate"``) and ``note__<feature>`` (Dutch explanation for estimated rows, else NaN):
``distance_to_dwelling_m``, ``distance_to_sensitive_m`` (NaN where nothing is known),
``addresses_within_100m``, ``addresses_within_250m``; with a road layer also
``main_road_between_site_and_homes`` (1 when a main road crosses the straight line from the
site to its nearest home, else 0 — a physical separation; water and rail are not in the road
layer and are not seen).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geo import _locate, _read, _validate
from geo._compact import choice_column, source_column
from geo._errors import PlekwijzerInputError
from geo.amenities import OsmTagFilter, amenities_from_osm_xml
from geo.home_estimate import (
    RADII_M,
    RASTER_ABOVE_SITES,
    expected_homes_within,
    home_density_per_km2,
    median_nearest_m,
)
from geo.network import convex_hull_xy
from geo.settings import CRS_RD, CRS_WGS84

#: BAG gebruiksdoelen that count as sensitive functions by default.
DEFAULT_SENSITIVE_USES = ("onderwijsfunctie", "gezondheidszorgfunctie", "bijeenkomstfunctie")
#: Use values that mean a home (BAG and plain words).
HOME_USES = frozenset({"woonfunctie", "woning", "wonen", "home", "dwelling", "residential"})
#: Plain words accepted for the BAG sensitive uses in a use column.
_USE_ALIASES = {
    "onderwijsfunctie": {"school", "onderwijs", "kinderopvang", "childcare", "kindergarten"},
    "gezondheidszorgfunctie": {"zorg", "gezondheidszorg", "health", "hospital"},
    "bijeenkomstfunctie": {"bijeenkomst", "kinderopvang", "childcare", "community_centre"},
}
_USE_COLUMNS = ("gebruiksdoel", "gebruiksdoelverblijfsobject", "use", "functie", "gebruik")
#: OSM tags of sensitive functions: schools and childcare.
OSM_SENSITIVE_TAGS: dict[str, OsmTagFilter] = {
    "school": {"amenity": ["school"]},
    "kinderopvang": {"amenity": ["kindergarten", "childcare"]},
}
#: Share of a gemeente's CBS households that its home points must reach to cover it.
COVERAGE_MIN_SHARE = 0.5
_RADII_COUNTED = (100.0, 250.0)


def dwellings_from_file(
    path: str | Path,
    *,
    sensitive_uses: Iterable[str] = DEFAULT_SENSITIVE_USES,
    layer: str | None = None,
    use_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read address points (BAG verblijfsobjecten or any point layer) as the address layer.

    Parameters
    ----------
    path
        GeoPackage (a PDOK BAG GeoPackage: its ``verblijfsobject`` layer), GeoJSON or CSV.
    sensitive_uses
        BAG gebruiksdoelen counted as sensitive functions (plain aliases such as ``school``,
        ``zorg`` or ``kinderopvang`` in a use column are understood too).
    layer
        The layer to read; default ``verblijfsobject`` when present, else the first.
    use_column
        The column holding the use; default the first of ``gebruiksdoel``, ``use``,
        ``functie``, ``gebruik`` present. Without one every address is a home.

    Returns
    -------
    geopandas.GeoDataFrame
        ``address_id``, ``use``, ``home``, ``sensitive``, ``use_known``, points in EPSG:28992.

    Examples
    --------
    A CSV ``id;x;y;gebruiksdoel`` with ``woonfunctie`` and ``onderwijsfunctie`` rows gives one
    home and one sensitive address.
    """
    path = _validate.check_file(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        frame = _read.read_csv(path)
        id_column = _id_column(frame)
        frame = _locate.points_from_table(frame, source=path, buurten=None, id_column=id_column)
    elif suffix in {".gpkg", ".geojson", ".json", ".fgb", ".shp"}:
        if layer is None and suffix == ".gpkg":
            names = [name for name, _ in pyogrio.list_layers(path)]
            layer = "verblijfsobject" if "verblijfsobject" in names else None
        frame = _validate.to_rd(_read.read_vector(path, layer=layer, fold_names=True), source=path)
        _validate.require_valid_geometries(frame, source=path)
        frame = frame.set_geometry(frame.geometry.representative_point())
        _validate.require_in_bounds(frame, source=path)
    else:
        msg = (
            f"bestandstype {suffix!r} wordt niet gelezen voor adrespunten: gebruik .gpkg, .geojson "
            "of .csv."
        )
        raise PlekwijzerInputError(msg, source=path)
    if "status" in frame.columns:
        status = frame["status"].astype("string").str.lower()
        frame = frame[~status.str.contains("gesloopt|ingetrokken|niet gerealiseerd", na=False)]
    column = use_column or next((c for c in _USE_COLUMNS if c in frame.columns), None)
    if use_column is not None:
        _validate.require_columns(frame, [use_column], source=path, what="adrespunten")
    id_column = _id_column(frame)
    ids = (
        frame[id_column].astype("string")
        if id_column in frame.columns
        else pd.Series(np.arange(1, len(frame) + 1), index=frame.index).astype("string")
    )
    if column is None:
        uses = pd.Series(pd.NA, index=frame.index, dtype="string")
        home = np.ones(len(frame), bool)
        sensitive = np.zeros(len(frame), bool)
    else:
        uses = frame[column].astype("string").str.lower().str.strip()
        home, sensitive = _classify(uses, sensitive_uses)
    return gpd.GeoDataFrame(
        {
            "address_id": ids.to_numpy(),
            "use": uses.to_numpy(),
            "home": home,
            "sensitive": sensitive,
            "use_known": column is not None,
        },
        geometry=frame.geometry.to_numpy(),
        crs=CRS_RD,
    )


def _id_column(frame: pd.DataFrame) -> str:
    return next(
        (c for c in ("identificatie", "address_id", "id") if c in frame.columns), "address_id"
    )


def _classify(uses: pd.Series, sensitive_uses: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Home and sensitive flags from (comma-separated) use values."""
    wanted = {u.lower() for u in sensitive_uses}
    for use in list(wanted):
        wanted |= _USE_ALIASES.get(use, set())
    parts = uses.fillna("").str.split(",").explode().str.strip()
    home = parts.isin(HOME_USES).groupby(level=0).any()
    sensitive = parts.isin(wanted).groupby(level=0).any()
    return home.reindex(uses.index).to_numpy(bool), sensitive.reindex(uses.index).to_numpy(bool)


def sensitive_from_osm_xml(path: str | Path) -> tuple[gpd.GeoDataFrame, BaseGeometry | None]:
    """Read schools, kindergartens and childcare from a local OSM ``.osm`` file.

    Returns
    -------
    tuple
        The address layer (``home`` False, ``sensitive`` True, ``use`` ``school`` or
        ``kinderopvang``) and the area the file covers: its ``<bounds>`` element in
        EPSG:28992, else the bounding box of its nodes (None for a file without nodes).
    """
    found = amenities_from_osm_xml(path, tags=OSM_SENSITIVE_TAGS)
    layer = gpd.GeoDataFrame(
        {
            "address_id": found["osm_id"].to_numpy(),
            "use": found["kind"].astype("string").to_numpy(),
            "home": False,
            "sensitive": True,
            "use_known": True,
        },
        geometry=found.geometry.to_numpy(),
        crs=CRS_RD,
    )
    return layer, _osm_bounds(Path(path))


def _osm_bounds(path: Path) -> BaseGeometry | None:
    """Return the ``<bounds>`` box of an OSM XML file (else its nodes' box) in EPSG:28992."""
    lons: list[float] = []
    lats: list[float] = []
    try:
        for _, element in ET.iterparse(path, events=("start",)):
            if element.tag == "bounds":
                lons = [float(element.get("minlon")), float(element.get("maxlon"))]
                lats = [float(element.get("minlat")), float(element.get("maxlat"))]
                break
            if element.tag == "node" and element.get("lon") is not None:
                lons.append(float(element.get("lon")))
                lats.append(float(element.get("lat")))
    except (ET.ParseError, TypeError, ValueError):
        return None
    if not lons:
        return None
    wgs = gpd.GeoSeries([box(min(lons), min(lats), max(lons), max(lats))], crs=CRS_WGS84)
    # 10 m margin: features on the box's edge stay inside after reprojection.
    return wgs.to_crs(CRS_RD).iloc[0].buffer(10.0)


def covered_gemeenten(
    addresses: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, *, min_share: float = COVERAGE_MIN_SHARE
) -> set[str]:
    """Return the GM codes whose home points reach ``min_share`` of their CBS households."""
    homes = addresses[addresses["home"]]
    shaped = buurten[buurten.geometry.notna() & ~buurten.geometry.is_empty]
    if homes.empty or shaped.empty:
        return set()
    # The points form the tree and each buurt queries it, prepared once (GEOS prepares the
    # query geometry): several times faster than testing every point against raw polygons.
    tree = shapely.STRtree(homes.geometry.to_numpy())
    polygon, point = tree.query(shaped.geometry.to_numpy(), predicate="contains")
    order = np.lexsort((polygon, point))
    point, polygon = point[order], polygon[order]
    first = ~pd.Series(point).duplicated().to_numpy()
    gemeente = shaped["gemeentecode"].to_numpy()[polygon[first]]
    counts = pd.Series(gemeente).value_counts()
    households = buurten.groupby("gemeentecode")["households"].sum(min_count=1)
    share = counts / households.reindex(counts.index)
    return set(share[share >= min_share].index)


def dwelling_features(
    sites: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    dwellings: gpd.GeoDataFrame | None = None,
    sensitive: gpd.GeoDataFrame | None = None,
    sensitive_coverage: BaseGeometry | None = None,
    roads: gpd.GeoDataFrame | None = None,
    covered: Collection[str] | None = None,
) -> pd.DataFrame:
    """Distance to homes and sensitive functions and address counts, measured or estimated.

    Parameters
    ----------
    sites
        Candidate points in EPSG:28992 with ``buurtcode`` and ``gemeentecode``
        (:func:`geo.facilities.assign_buurt`).
    buurten
        The region's canonical buurten (``households``, ``inhabitants``, ``land_area_ha``,
        ``urbanity``, ``gemeentecode``, ``gemeentenaam``).
    dwellings
        The address layer (:func:`dwellings_from_file`), or None.
    sensitive, sensitive_coverage
        Further sensitive functions (:func:`sensitive_from_osm_xml`) and the area they cover.
    roads
        Road lines with a boolean ``main_road`` column: adds ``separated_by_main_road``.
    covered
        The GM codes ``dwellings`` covers (:func:`covered_gemeenten` of it and ``buurten``)
        when the caller has them already; None works them out here.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``sites``: the features named in the module docstring with their
        ``source__`` and ``note__`` columns.
    """
    n = len(sites)
    xy = shapely.get_coordinates(sites.geometry.to_numpy())
    if dwellings is not None and "home" not in dwellings.columns:
        # A bare point layer: every point is a home of unknown use (see dwellings_from_file).
        dwellings = dwellings.assign(home=True, sensitive=False, use_known=False)
    density = home_density_per_km2(buurten)
    by_code = (
        buurten.assign(home_density_per_km2=density)
        .drop_duplicates("buurtcode")
        .set_index("buurtcode")
    )
    # An empty address layer measures nothing: treated as no layer.
    points = dwellings if dwellings is not None and not dwellings.empty else None
    if points is None:
        known: set[str] = set()
    elif covered is not None:
        known = set(covered)
    else:
        known = covered_gemeenten(points, buurten)
    uncovered = buurten[~buurten["gemeentecode"].isin(known)]
    margin = _distance_to_polygons(sites.geometry, uncovered.geometry)
    homes = points[points["home"]] if points is not None else None
    d_meas, nearest_xy, counts = address_proximity(xy, homes, _RADII_COUNTED)
    need = margin <= np.maximum(np.where(np.isfinite(d_meas), d_meas, np.inf), 250.0)
    expected = np.zeros((n, len(RADII_M)))
    if need.any():
        # The table's size decides the method, not the subset's: a large table whose
        # few uncovered sites went to the exact overlay would take minutes, not seconds.
        expected[need] = expected_homes_within(
            sites.geometry[need],
            uncovered,
            density.loc[uncovered.index],
            on_raster=n > RASTER_ABOVE_SITES,
        )
    d_est = median_nearest_m(expected)
    out = pd.DataFrame(index=sites.index)
    measured = margin > d_meas
    distance = np.where(measured, d_meas, np.minimum(d_meas, d_est))
    distance = np.where(np.isfinite(distance), distance, 1_000.0)
    notes = _estimate_notes(sites, by_code, known, has_points=points is not None)
    far = ~measured & ~np.isfinite(np.minimum(d_meas, d_est))
    _put(out, "distance_to_dwelling_m", distance, measured, notes, far=far)
    for radius, count in zip(_RADII_COUNTED, counts, strict=True):
        k = int(np.searchsorted(RADII_M, radius))
        exact = margin > radius
        _put(out, f"addresses_within_{radius:g}m", count + expected[:, k], exact, notes)
    out = out.join(_sensitive_feature(sites, points, margin, sensitive, sensitive_coverage))
    if roads is not None and not roads.empty:
        out = out.join(_separation(sites, nearest_xy, measured & np.isfinite(d_meas), roads))
    return out


def address_proximity(
    xy: np.ndarray, points: gpd.GeoDataFrame | None, radii: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Return nearest-point metres, its coordinates and the counts within each radius.

    One KD-tree over the points answers all sites at once (no per-site loop).

    Parameters
    ----------
    xy
        Site coordinates, shape (n, 2), EPSG:28992.
    points
        The points (e.g. homes); None or empty gives ``inf`` distances and zero counts.
    radii
        Radii in metres to count within.

    Returns
    -------
    tuple
        Distances (n,), nearest coordinates (n, 2), and one count array per radius.
    """
    n = len(xy)
    if points is None or points.empty:
        return np.full(n, np.inf), np.full((n, 2), np.nan), [np.zeros(n) for _ in radii]
    target_xy = shapely.get_coordinates(points.geometry.to_numpy())
    tree = cKDTree(target_xy)
    distance, index = tree.query(xy)
    counts = [tree.query_ball_point(xy, r, return_length=True).astype(float) for r in radii]
    return distance, target_xy[index], counts


def _distance_to_polygons(points: gpd.GeoSeries, polygons: gpd.GeoSeries) -> np.ndarray:
    shapes = polygons[polygons.notna() & ~polygons.is_empty].to_numpy()
    if len(shapes) == 0 or len(points) == 0:
        return np.full(len(points), np.inf)
    geoms = points.to_numpy()
    out = np.full(len(points), np.inf)
    # Points inside a polygon are 0 m from it: found with prepared polygons (fast), so the
    # nearest-polygon search runs only for the points outside every polygon.
    _, inside = shapely.STRtree(geoms).query(shapes, predicate="contains")
    out[inside] = 0.0
    rest = np.flatnonzero(np.isinf(out))
    if len(rest):
        (site, _), distance = shapely.STRtree(shapes).query_nearest(
            geoms[rest], return_distance=True, all_matches=False
        )
        out[rest[site]] = distance
    return out


def _put(
    out: pd.DataFrame,
    name: str,
    values: np.ndarray,
    measured: np.ndarray,
    notes: pd.Categorical,
    *,
    far: np.ndarray | None = None,
) -> None:
    """Add a feature with its ``source__`` and ``note__`` columns to ``out`` in place.

    Both are categoricals (:mod:`geo._compact`): a million sites share a few hundred notes.
    """
    out[name] = values
    out[f"source__{name}"] = source_column(np.where(measured, "measured", "estimate"))
    texts = list(notes.categories)
    codes = notes.codes.astype(np.int32)  # a copy: ``notes`` is shared between features
    if far is not None and far.any():
        suffixed = far & (codes >= 0)
        codes[suffixed] += len(texts)
        texts += [f"{t}; geen woningen binnen 1 km verwacht" for t in texts]
    codes[measured] = -1
    out[f"note__{name}"] = pd.Series(choice_column(codes, texts), index=out.index)


def _nl(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _estimate_notes(
    sites: gpd.GeoDataFrame,
    by_code: pd.DataFrame,
    covered: set[str],
    *,
    has_points: bool,
) -> pd.Categorical:
    """Dutch explanation per site of where its estimate comes from.

    The text depends only on the buurt and whether its gemeente is covered, so it is made
    once per such pair and shared by the sites (a categorical), not once per site.
    """
    outside = (
        ~sites["gemeentecode"].isin(covered).to_numpy(bool)
        if has_points
        else np.zeros(len(sites), bool)
    )
    buurt, codes = pd.factorize(sites["buurtcode"], use_na_sentinel=False)
    pair, inverse = np.unique(buurt.astype(np.int64) * 2 + outside, return_inverse=True)
    codes = np.asarray(codes, dtype=object)[pair // 2]
    outside = (pair % 2).astype(bool)
    own = by_code["home_density_per_km2"].reindex(codes).to_numpy()
    urbanity = by_code["urbanity"].reindex(codes).to_numpy()
    names = by_code["gemeentenaam"].reindex(codes).fillna("onbekend").astype(str).to_numpy()
    if not has_points:
        why = np.full(len(pair), "geen adrespunten geladen", dtype=object)
    else:
        why = np.where(
            outside,
            "adrespunten dekken gemeente " + names.astype(object) + " niet",
            "adrespunten dekken een buurgemeente vlakbij niet",
        ).astype(object)
    known = np.isfinite(own)
    figures = pd.Series(np.where(known, own, 0.0)).map(_nl).to_numpy(dtype=object)
    figure = np.where(known, figures + " woningen per km² land, CBS 2024", "buurtcijfers onbekend")
    text = why + "; schatting uit de buurt (" + figure + ")"
    urban = known & (own < 500) & np.isin(urbanity, (1.0, 2.0))
    classes = pd.Series(urbanity).fillna(0).astype(int).astype(str).to_numpy(dtype=object)
    warning = (
        "; CBS-stedelijkheid "
        + classes
        + (" wijst op een stedelijke omgeving: controleer ter plaatse")
    )
    texts = np.where(urban, text + warning, text).astype(object)
    return choice_column(inverse.reshape(-1), [str(t) for t in texts])


def _sensitive_feature(
    sites: gpd.GeoDataFrame,
    dwellings: gpd.GeoDataFrame | None,
    margin: np.ndarray,
    sensitive: gpd.GeoDataFrame | None,
    coverage: BaseGeometry | None,
) -> pd.DataFrame:
    """``distance_to_sensitive_m``: measured where a loaded source covers the site, else NaN.

    ``dwellings`` is a non-empty address layer or None. An address layer without uses counts
    every address as possibly sensitive (conservative).
    """
    n = len(sites)
    xy = shapely.get_coordinates(sites.geometry.to_numpy())
    value = np.full(n, np.inf)
    covered = np.zeros(n, bool)
    if dwellings is not None:
        points = dwellings[dwellings["sensitive"] | ~dwellings["use_known"]]
        d_addr = address_proximity(xy, points, ())[0]
        value = np.minimum(value, d_addr)
        in_covered = margin > np.where(np.isfinite(d_addr), d_addr, 0.0)
        covered |= in_covered & np.isfinite(margin) | (np.isinf(margin) & np.isfinite(d_addr))
    if sensitive is not None and not sensitive.empty and coverage is not None:
        d_osm = address_proximity(xy, sensitive, ())[0]
        value = np.minimum(value, d_osm)
        covered |= shapely.contains_xy(coverage, xy[:, 0], xy[:, 1])
    out = pd.DataFrame(index=sites.index)
    values = np.where(covered & np.isfinite(value), value, np.nan)
    loaded = dwellings is not None or (sensitive is not None and coverage is not None)
    why = (
        "geladen adrespunten of OSM-gegevens dekken deze plek niet"
        if loaded
        else "geen gevoelige functies geladen (adrespunten met gebruiksdoel of OSM)"
    )
    notes = choice_column(np.zeros(n, np.int32), [why + "; afstand onbekend"])
    _put(out, "distance_to_sensitive_m", values, covered & np.isfinite(value), notes)
    return out


def _separation(
    sites: gpd.GeoDataFrame, nearest_xy: np.ndarray, measured: np.ndarray, roads: gpd.GeoDataFrame
) -> pd.DataFrame:
    """``separated_by_main_road``: 1 when a main road crosses the line site → nearest home."""
    n = len(sites)
    xy = shapely.get_coordinates(sites.geometry.to_numpy())
    value = np.full(n, np.nan)
    area = convex_hull_xy(shapely.get_coordinates(roads.geometry.to_numpy()))
    usable = measured & np.isfinite(nearest_xy[:, 0])
    if usable.any():
        segments = shapely.linestrings(
            np.stack([xy[usable], nearest_xy[usable]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(usable.sum()), 2),
        )
        inside = shapely.within(segments, area)
        main = roads.geometry[roads["main_road"].astype(bool)].to_numpy()
        crossed = np.zeros(len(segments), bool)
        if len(main):
            hit, _ = shapely.STRtree(main).query(segments, predicate="intersects")
            crossed[hit] = True
        known = inside | crossed
        value[np.flatnonzero(usable)[known]] = crossed[known].astype(float)
    out = pd.DataFrame(index=sites.index)
    notes = choice_column(
        np.where(usable, 0, 1),
        [
            "wegennet dekt de lijn naar de dichtstbijzijnde woning niet",
            "afstand tot woningen niet gemeten; scheiding onbekend",
        ],
    )
    _put(out, "separated_by_main_road", value, np.isfinite(value), notes)
    return out
