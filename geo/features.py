"""Spatial features per candidate site and per buurt, vectorised with shapely 2 STRtrees.

The feature table is what the criteria engine scores. Names carry units:
``distance_to_bus_tram_stop_m``, ``bus_tram_stops_within_500m``, ``buurt_inhabitants``, ….
``distance_to_*`` are straight-line metres in EPSG:28992; ``walk_to_*_m`` are walking metres
(:mod:`geo.network`); homes and sensitive functions come from :mod:`geo.dwellings`. A feature
that may be measured or estimated per row carries ``source__<feature>`` and ``note__<feature>``
columns.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo import _validate
from geo.boundary import locate_in_region
from geo.dwellings import dwelling_features
from geo.home_estimate import home_density_per_km2
from geo.neighbourhoods import INDICATOR_COLUMNS
from geo.network import WalkNetwork, walking_distance_m
from geo.settings import CRS_RD, DEFAULT_COUNT_RADIUS_M

#: Radius in metres for facility counts around a site and around a buurt.
FACILITY_RADIUS_M = 1_000.0

_CHUNK_ROWS = 100_000

#: Names the feature table and the scoring compute. An input column with such a name would
#: clash with (or silently stand in for) the computed one; readers rename it ``input_<name>``.
COMPUTED_COLUMNS = re.compile(
    r"(?:distance_to_.+_m|.+_within_.+m|buurt_.+|raster_.+|measured_distance_to_dwelling_m"
    r"|proxy_address_density_per_km2|dwelling_distance_source|outside_region_reason"
    r"|wijkcode|gemeentecode|location_precision|score|rank|excluded|exclusion_reasons"
    r"|criteria|shortlisted)",
    re.IGNORECASE,
)


def rename_computed_columns(
    frame: pd.DataFrame, *, what: str, keep: Iterable[str] = ()
) -> tuple[pd.DataFrame, str | None]:
    """Rename input columns that carry a computed name to ``input_<name>``.

    Parameters
    ----------
    frame
        An inventory as read.
    what
        The input, for the note ("the inventory").
    keep
        Computed names that this frame may already carry (set by a reader).

    Returns
    -------
    tuple of (pandas.DataFrame, str or None)
        The frame (a renamed copy, or the same frame) and a note for the user, or None.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["a"], "buurt_draagkracht": [0.3]})
    >>> renamed, note = rename_computed_columns(frame, what="de kandidatenlijst")
    >>> list(renamed.columns)
    ['id', 'input_buurt_draagkracht']
    """
    kept = set(keep)
    clashes = [
        c
        for c in frame.columns
        if isinstance(c, str) and c not in kept and COMPUTED_COLUMNS.fullmatch(c)
    ]
    if not clashes:
        return frame, None
    renamed = frame.rename(columns={c: f"input_{c}" for c in clashes})
    names = ", ".join(clashes)
    note = (
        f"{what} heeft kolom(men) {names}, die Plekwijzer zelf berekent: bewaard als "
        f"input_<naam> en niet gebruikt voor de score."
    )
    return renamed, note


def nearest_distance_m(points: gpd.GeoSeries, targets: gpd.GeoSeries, *, name: str) -> pd.Series:
    """Distance in metres from each point to the nearest target (NaN when none exist).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoSeries([Point(0, 0), Point(10, 0)], crs="EPSG:28992")
    >>> tgt = gpd.GeoSeries([Point(3, 4)], crs="EPSG:28992")
    >>> nearest_distance_m(pts, tgt, name="d").round(2).tolist()
    [5.0, 8.06]
    """
    values = np.full(len(points), np.nan)
    targets = targets[targets.notna() & ~targets.is_empty]
    if len(targets) and len(points):
        _check_metric(points, targets)
        sources, goals = points.to_numpy(), targets.to_numpy()
        if _all_points(sources) and _all_points(goals):
            # Points to points: a KD-tree answers a surface's million cells several times
            # faster than the STRtree, with the same Euclidean distances.
            tree_xy = shapely.get_coordinates(goals)
            values[:] = cKDTree(tree_xy).query(shapely.get_coordinates(sources))[0]
        else:
            (source_idx, _), distances = STRtree(goals).query_nearest(
                sources, return_distance=True, all_matches=False
            )
            values[source_idx] = distances
    return pd.Series(values, index=points.index, name=name)


def _all_points(geometries: np.ndarray) -> bool:
    """Return True when every geometry is a non-empty point (none missing)."""
    return bool(
        len(geometries)
        and (shapely.get_type_id(geometries) == 0).all()
        and not shapely.is_empty(geometries).any()
    )


def count_within_m(
    points: gpd.GeoSeries,
    targets: gpd.GeoSeries,
    *,
    radius_m: float,
    name: str,
    weights: pd.Series | np.ndarray | None = None,
) -> pd.Series:
    """Count (or sum ``weights`` of) targets within ``radius_m`` metres of each point.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoSeries([Point(0, 0)], crs="EPSG:28992")
    >>> tgt = gpd.GeoSeries([Point(1, 0), Point(2, 0), Point(50, 0)], crs="EPSG:28992")
    >>> count_within_m(pts, tgt, radius_m=10, name="n").tolist()
    [2.0]
    """
    totals = np.zeros(len(points))
    mask = (targets.notna() & ~targets.is_empty).to_numpy()
    if mask.any() and len(points):
        _check_metric(points, targets)
        tree = STRtree(targets.to_numpy()[mask])
        w = np.ones(mask.sum()) if weights is None else np.asarray(weights, float)[mask]
        geoms = points.to_numpy()
        # In chunks: a million sites with dozens of stops each give too many pairs at once.
        for start in range(0, len(geoms), _CHUNK_ROWS):
            source_idx, target_idx = tree.query(
                geoms[start : start + _CHUNK_ROWS], predicate="dwithin", distance=radius_m
            )
            totals[start : start + _CHUNK_ROWS] = np.bincount(
                source_idx, weights=w[target_idx], minlength=len(geoms[start : start + _CHUNK_ROWS])
            )
    return pd.Series(totals, index=points.index, name=name)


def add_facility_density(
    buurten: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None,
    *,
    radius_m: float = FACILITY_RADIUS_M,
) -> gpd.GeoDataFrame:
    """Add existing facilities per 10,000 inhabitants in each buurt and its surroundings.

    Surroundings: every buurt whose representative point lies within ``radius_m`` of the
    buurt (the buurt itself included). Smoothing over surroundings keeps tiny buurten from
    exploding the rate and reflects that a concentration is felt beyond a buurt border.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``facilities``, ``places`` (in the buurt itself) and
        ``facilities_per_10k``, ``places_per_10k`` (buurt and surroundings).
    """
    out = buurten.copy()
    if facilities is None or facilities.empty:
        for column in ("facilities", "places", "facilities_per_10k", "places_per_10k"):
            out[column] = 0.0
        return out
    by_buurt = facilities.groupby("buurtcode")
    out["facilities"] = out["buurtcode"].map(by_buurt.size()).fillna(0.0).astype(float)
    out["places"] = out["buurtcode"].map(by_buurt["places"].sum()).fillna(0.0)
    has_shape = out.geometry.notna() & ~out.geometry.is_empty
    shapes = out.geometry[has_shape]
    anchors = shapes.representative_point()
    tree = STRtree(anchors.to_numpy())
    own, other = tree.query(shapes.to_numpy(), predicate="dwithin", distance=radius_m)
    inhabitants = out.loc[has_shape, "inhabitants"].fillna(0).to_numpy()
    counts = out.loc[has_shape, "facilities"].to_numpy()
    places = out.loc[has_shape, "places"].to_numpy()
    n = len(shapes)
    sum_inh = np.bincount(own, weights=inhabitants[other], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_10k = np.bincount(own, weights=counts[other], minlength=n) / sum_inh * 10_000
        places_10k = np.bincount(own, weights=places[other], minlength=n) / sum_inh * 10_000
    out["facilities_per_10k"] = np.nan
    out["places_per_10k"] = np.nan
    out.loc[has_shape, "facilities_per_10k"] = np.where(sum_inh > 0, per_10k, 0.0)
    out.loc[has_shape, "places_per_10k"] = np.where(sum_inh > 0, places_10k, 0.0)
    return out


def candidate_features(
    candidates: gpd.GeoDataFrame,
    *,
    buurten: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    amenities: gpd.GeoDataFrame | None = None,
    dwellings: gpd.GeoDataFrame | None = None,
    sensitive: gpd.GeoDataFrame | None = None,
    sensitive_coverage: BaseGeometry | None = None,
    roads: gpd.GeoDataFrame | None = None,
    network: WalkNetwork | None = None,
    borders: gpd.GeoDataFrame | None = None,
    gemeenten: Iterable[str] | None = None,
    dwellings_covered: Collection[str] | None = None,
    radius_m: float = DEFAULT_COUNT_RADIUS_M,
    facility_radius_m: float = FACILITY_RADIUS_M,
) -> gpd.GeoDataFrame:
    """Build the feature table the criteria engine scores.

    Parameters
    ----------
    candidates
        Canonical candidate layer (points, EPSG:28992).
    buurten
        Canonical buurt layer; add ``draagkracht`` to it beforehand to have it joined.
    stops, stations
        Bus/tram stops and rail stations.
    facilities
        The (anonymised) facility register.
    amenities
        Further points with a ``kind`` column (OSM huisarts, supermarkt, …): each kind gives
        ``distance_to_<kind>_m``.
    dwellings
        The address layer (:func:`geo.dwellings.dwellings_from_file`); without it, or where
        it does not cover a site, ``distance_to_dwelling_m``, ``addresses_within_100m`` and
        ``addresses_within_250m`` are estimated from the buurt (:mod:`geo.home_estimate`);
        ``source__<feature>`` says ``"measured"`` or ``"estimate"`` per row and
        ``note__<feature>`` explains an estimate in Dutch.
    sensitive, sensitive_coverage
        Further sensitive functions (OSM schools, childcare) and the area they cover; with
        the address layer they give ``distance_to_sensitive_m`` (NaN where nothing covers).
    roads
        Road lines with a boolean ``main_road`` column: gives ``distance_to_main_road_m`` and
        ``separated_by_main_road``.
    network
        The walking network (:mod:`geo.network`): ``walk_to_bus_tram_stop_m``,
        ``walk_to_rail_station_m``, ``walk_to_dagopvang_m`` and ``walk_to_facility_m`` go over
        it (source ``"network"``); off it, and without it, they are straight-line × 1.3
        (source ``"straight_line"``).
    borders
        Gemeente borders (:func:`geo.boundary.gemeente_borders_from_cbs`), to tell near the
        region's border which side a site is on; None decides by the buurten alone.
    gemeenten
        The chosen gemeente codes; default: those of ``buurten``.
    dwellings_covered
        The gemeenten ``dwellings`` covers, when known already
        (:func:`geo.datalayers.layer_use`); None works them out.
    radius_m
        Radius for counts of stops around a site.
    facility_radius_m
        Radius for counts of existing facilities around a site.

    Returns
    -------
    geopandas.GeoDataFrame
        The candidates with ``buurtcode``, ``wijkcode``, ``gemeentecode``,
        ``outside_region_reason`` (a Dutch reason for sites outside the chosen gemeenten, in
        water or abroad, which are never ranked; missing inside, see :mod:`geo.boundary`),
        distance and count features, and the buurt's indicators prefixed ``buurt_``.
    """
    _validate.require_crs_match(candidates, buurten, left_name="kandidaten", right_name="buurten")
    inputs, note = rename_computed_columns(
        candidates, what="de kandidatenlijst", keep=["location_precision"]
    )
    out = locate_in_region(inputs, buurten, borders=borders, gemeenten=gemeenten)
    points = out.geometry
    radius_label = f"{radius_m:g}m"
    columns: list[pd.Series] = []
    if stops is not None:
        columns += [
            nearest_distance_m(points, stops.geometry, name="distance_to_bus_tram_stop_m"),
            count_within_m(
                points,
                stops.geometry,
                radius_m=radius_m,
                name=f"bus_tram_stops_within_{radius_label}",
            ),
        ]
    if stations is not None:
        columns.append(
            nearest_distance_m(points, stations.geometry, name="distance_to_rail_station_m")
        )
    columns += _facility_features(points, facilities, radius_m=facility_radius_m)
    if amenities is not None and not amenities.empty:
        for kind, group in amenities.groupby("kind"):
            columns.append(nearest_distance_m(points, group.geometry, name=f"distance_to_{kind}_m"))
    if roads is not None and not roads.empty:
        main = roads[roads["main_road"]]
        columns.append(nearest_distance_m(points, main.geometry, name="distance_to_main_road_m"))
    columns += _walking_features(points, stops, stations, facilities, network=network)
    columns.append(
        dwelling_features(
            out,
            buurten,
            dwellings=dwellings,
            sensitive=sensitive,
            sensitive_coverage=sensitive_coverage,
            roads=roads,
            covered=dwellings_covered,
        )
    )
    indicators = _buurt_indicators(out, buurten)
    # One concatenation: each intermediate frame of a million rows would be a full copy.
    out = pd.concat([out, indicators, *columns], axis=1)
    table = gpd.GeoDataFrame(out, geometry=candidates.geometry.name, crs=CRS_RD)
    table.attrs["notes"] = [*candidates.attrs.get("notes", []), *([note] if note else [])]
    return table


def _walking_features(
    points: gpd.GeoSeries,
    stops: gpd.GeoDataFrame | None,
    stations: gpd.GeoDataFrame | None,
    facilities: gpd.GeoDataFrame | None,
    *,
    network: WalkNetwork | None,
) -> list[pd.DataFrame]:
    """``walk_to_*_m`` with their source and note columns (NaN where no target is known)."""
    register = facilities if facilities is not None else None
    targets = {
        "walk_to_bus_tram_stop_m": None if stops is None else stops.geometry,
        "walk_to_rail_station_m": None if stations is None else stations.geometry,
        "walk_to_facility_m": None if register is None else register.geometry,
        "walk_to_dagopvang_m": (
            None if register is None else register.geometry[register["type"] == "dagopvang"]
        ),
    }
    return [
        walking_distance_m(points, geometry, network=network, name=name)
        for name, geometry in targets.items()
    ]


def _facility_features(
    points: gpd.GeoSeries, facilities: gpd.GeoDataFrame | None, *, radius_m: float
) -> list[pd.Series]:
    label = f"{radius_m:g}m"
    if facilities is None or facilities.empty:
        return [
            pd.Series(np.nan, index=points.index, name="distance_to_facility_m"),
            pd.Series(np.nan, index=points.index, name="distance_to_dagopvang_m"),
            pd.Series(0.0, index=points.index, name=f"facilities_within_{label}"),
            pd.Series(0.0, index=points.index, name=f"facility_places_within_{label}"),
        ]
    series = [
        nearest_distance_m(points, facilities.geometry, name="distance_to_facility_m"),
        count_within_m(
            points, facilities.geometry, radius_m=radius_m, name=f"facilities_within_{label}"
        ),
        count_within_m(
            points,
            facilities.geometry,
            radius_m=radius_m,
            weights=facilities["places"],
            name=f"facility_places_within_{label}",
        ),
    ]
    for kind, group in facilities.groupby("type"):
        series.append(nearest_distance_m(points, group.geometry, name=f"distance_to_{kind}_m"))
    if "dagopvang" not in set(facilities["type"]):
        series.append(pd.Series(np.nan, index=points.index, name="distance_to_dagopvang_m"))
    return series


def _buurt_indicators(frame: pd.DataFrame, buurten: gpd.GeoDataFrame) -> pd.DataFrame:
    extra = [
        c for c in ("draagkracht", "facilities_per_10k", "places_per_10k") if c in buurten.columns
    ]
    indicators = pd.DataFrame(buurten[["buurtcode", *INDICATOR_COLUMNS, *extra]])
    indicators["home_density_per_km2"] = home_density_per_km2(buurten)
    indicators = indicators.drop_duplicates("buurtcode").set_index("buurtcode")
    indicators.columns = [f"buurt_{c}" for c in indicators.columns]
    joined = indicators.reindex(frame["buurtcode"].to_numpy())
    joined.index = frame.index
    return joined


def _check_metric(*layers: gpd.GeoSeries) -> None:
    for layer in layers:
        if layer.crs is None or not layer.crs.is_projected:
            msg = (
                f"afstanden vragen een CRS in meters, maar de laag is in {layer.crs}. Gebruik "
                "eerst `to_crs('EPSG:28992')`."
            )
            raise _validate.CRSError(msg)
    # Two metric CRSs still give nonsense distances when mixed (RD against Web Mercator).
    points, *targets = layers
    for layer in targets:
        _validate.require_crs_match(points, layer, left_name="de punten", right_name="de doelen")
