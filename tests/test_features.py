import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo._errors import CRSError
from geo.amenities import stations_from_chb, stops_from_ovapi
from geo.features import (
    add_facility_density,
    candidate_features,
    count_within_m,
    nearest_distance_m,
)
from geo.neighbourhoods import INDICATOR_COLUMNS, neighbourhoods_from_cbs
from geo.settings import CRS_RD
from tests.conftest import TWENTE


def _points(*xy, crs=CRS_RD, index=None):
    return gpd.GeoSeries([Point(x, y) for x, y in xy], crs=crs, index=index)


@pytest.fixture
def sites():
    """c1 in the west buurt, c2 in the east buurt of ``tiny_buurten``."""
    return gpd.GeoDataFrame(
        {"id": ["c1", "c2"], "name": ["West", "Oost"]},
        geometry=[Point(100_500, 400_500), Point(101_800, 400_200)],
        crs=CRS_RD,
        index=["c1", "c2"],
    )


@pytest.fixture
def layers():
    """Stops, a station, facilities, amenities, dwellings and roads around ``sites``."""
    stops = gpd.GeoDataFrame(
        {"stop_id": ["s1", "s2", "s3"], "kind": "bus_tram_stop"},
        geometry=[Point(100_500, 400_800), Point(101_800, 400_600), Point(101_800, 400_000)],
        crs=CRS_RD,
    )
    stations = gpd.GeoDataFrame(
        {"stop_id": ["es"], "kind": "rail_station"}, geometry=[Point(103_000, 400_500)], crs=CRS_RD
    )
    facilities = gpd.GeoDataFrame(
        {
            "id": ["f1", "f2", "f3"],
            "type": ["dagopvang", "nachtopvang", "housing_first"],
            "places": [60.0, 40.0, 3.0],
            "confidential": False,
            "buurtcode": ["BU00010001", "BU00010002", "BU00010002"],
        },
        geometry=[Point(100_500, 401_100), Point(101_800, 400_900), Point(101_500, 400_200)],
        crs=CRS_RD,
        index=["f1", "f2", "f3"],
    )
    amenities = gpd.GeoDataFrame(
        {"kind": ["huisarts"]}, geometry=[Point(100_600, 400_500)], crs=CRS_RD
    )
    dwellings = gpd.GeoDataFrame(
        geometry=[Point(100_500, 400_510), Point(101_800, 400_230)], crs=CRS_RD
    )
    roads = gpd.GeoDataFrame(
        {"highway": ["primary", "residential"], "main_road": [True, False]},
        geometry=[
            LineString([(100_000, 400_000), (102_000, 400_000)]),
            LineString([(100_500, 400_400), (101_800, 400_400)]),
        ],
        crs=CRS_RD,
    )
    return {
        "stops": stops,
        "stations": stations,
        "facilities": facilities,
        "amenities": amenities,
        "dwellings": dwellings,
        "roads": roads,
    }


def test_nearest_distance_hand_values():
    points = _points((0, 0), (10, 0), index=["a", "b"])
    targets = _points((3, 4), (30, 0))
    distances = nearest_distance_m(points, targets, name="d_m")
    assert distances.name == "d_m"
    assert list(distances.index) == ["a", "b"]
    assert distances.tolist() == pytest.approx([5.0, math.hypot(7, 4)])


def test_nearest_distance_without_targets_is_nan():
    points = _points((0, 0), (10, 0))
    assert nearest_distance_m(points, _points(), name="d").isna().all()
    only_missing = gpd.GeoSeries([None], crs=CRS_RD)
    assert nearest_distance_m(points, only_missing, name="d").isna().all()


def test_count_within_hand_values():
    points = _points((0, 0), (100, 0), index=["a", "b"])
    targets = _points((5, 0), (10, 0), (95, 0), (500, 0))
    counts = count_within_m(points, targets, radius_m=10, name="n")
    assert counts.to_dict() == {"a": 2.0, "b": 1.0}
    assert count_within_m(points, targets, radius_m=1_000, name="n").tolist() == [4.0, 4.0]


def test_count_within_sums_weights_and_skips_missing_targets():
    points = _points((0, 0))
    targets = gpd.GeoSeries([Point(1, 0), None, Point(2, 0), Point(50, 0)], crs=CRS_RD)
    weights = pd.Series([1.0, 100.0, 10.0, 1_000.0])
    total = count_within_m(points, targets, radius_m=10, weights=weights, name="places")
    assert total.tolist() == [11.0]


def test_count_within_without_targets_is_zero():
    counts = count_within_m(_points((0, 0), (1, 1)), _points(), radius_m=500, name="n")
    assert counts.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("function", [nearest_distance_m, count_within_m])
def test_geographic_crs_is_refused(function):
    points = _points((6.89, 52.22), crs="EPSG:4326")
    targets = _points((6.90, 52.22), crs="EPSG:4326")
    kwargs = {"radius_m": 500} if function is count_within_m else {}
    with pytest.raises(CRSError, match=r"CRS in meters, maar de laag is in EPSG:4326.*to_crs"):
        function(points, targets, name="d", **kwargs)


def test_mixed_metric_crs_is_refused():
    points = _points((100_000, 400_000))
    targets = points.to_crs("EPSG:3857")
    with pytest.raises(CRSError, match=r"de punten in EPSG:28992, de doelen in EPSG:3857"):
        nearest_distance_m(points, targets, name="d")


def _tiny_register():
    return gpd.GeoDataFrame(
        {
            "type": ["dagopvang", "nachtopvang", "pauzeplek"],
            "places": [10.0, 5.0, 15.0],
            "buurtcode": ["BU00010001", "BU00010002", "BU00010002"],
        },
        geometry=[Point(100_200, 400_200), Point(101_200, 400_200), Point(101_800, 400_800)],
        crs=CRS_RD,
    )


def test_facility_density_over_surroundings(tiny_buurten):
    dense = add_facility_density(tiny_buurten, _tiny_register())
    assert dense["facilities"].tolist() == [1.0, 2.0]
    assert dense["places"].tolist() == [10.0, 20.0]
    # Each 1 km box lies within 1 km of the other's centre: both share 3 facilities, 30 places
    # over 4,000 inhabitants.
    assert dense["facilities_per_10k"].tolist() == pytest.approx([7.5, 7.5])
    assert dense["places_per_10k"].tolist() == pytest.approx([75.0, 75.0])
    assert "facilities" not in tiny_buurten.columns


def test_facility_density_own_buurt_with_small_radius(tiny_buurten):
    dense = add_facility_density(tiny_buurten, _tiny_register(), radius_m=100)
    assert dense["facilities_per_10k"].tolist() == pytest.approx([10.0, 2 / 3_000 * 10_000])
    assert dense["places_per_10k"].tolist() == pytest.approx([100.0, 20 / 3_000 * 10_000])


def test_facility_density_without_facilities_or_inhabitants(tiny_buurten):
    empty = add_facility_density(tiny_buurten, None)
    assert (empty[["facilities", "places", "facilities_per_10k", "places_per_10k"]] == 0).all(
        axis=None
    )
    nobody = tiny_buurten.assign(inhabitants=0.0)
    dense = add_facility_density(nobody, _tiny_register())
    assert dense["facilities_per_10k"].tolist() == [0.0, 0.0]


DOCUMENTED = [
    "buurtcode",
    "wijkcode",
    "gemeentecode",
    "distance_to_bus_tram_stop_m",
    "bus_tram_stops_within_500m",
    "distance_to_rail_station_m",
    "distance_to_facility_m",
    "distance_to_dagopvang_m",
    "facilities_within_1000m",
    "facility_places_within_1000m",
    *(f"buurt_{c}" for c in INDICATOR_COLUMNS),
    "distance_to_dwelling_m",
    "source__distance_to_dwelling_m",
    "note__distance_to_dwelling_m",
    "addresses_within_100m",
    "addresses_within_250m",
    "distance_to_sensitive_m",
    "walk_to_bus_tram_stop_m",
    "source__walk_to_bus_tram_stop_m",
    "walk_to_rail_station_m",
    "walk_to_dagopvang_m",
    "walk_to_facility_m",
    "buurt_home_density_per_km2",
]


def test_candidate_features_hand_values(sites, layers, tiny_buurten):
    # Two dwelling points cover the gemeente only if it has about as few households.
    tiny_buurten = tiny_buurten.assign(households=[1.0, 1.0])
    table = candidate_features(sites, buurten=tiny_buurten, **layers)
    assert table.crs.to_epsg() == 28992
    assert set(DOCUMENTED) <= set(table.columns)
    assert list(table.index) == ["c1", "c2"]
    assert table["buurtcode"].tolist() == ["BU00010001", "BU00010002"]
    assert table["buurt_inhabitants"].tolist() == [1_000.0, 3_000.0]
    expected = {
        "distance_to_bus_tram_stop_m": [300.0, 200.0],
        "bus_tram_stops_within_500m": [1.0, 2.0],
        "distance_to_rail_station_m": [2_500.0, math.hypot(1_200, 300)],
        "distance_to_facility_m": [600.0, 300.0],
        "distance_to_dagopvang_m": [600.0, math.hypot(1_300, 900)],
        "distance_to_nachtopvang_m": [math.hypot(1_300, 400), 700.0],
        "facilities_within_1000m": [1.0, 2.0],
        "facility_places_within_1000m": [60.0, 43.0],
        "distance_to_huisarts_m": [100.0, math.hypot(1_200, 300)],
        "distance_to_main_road_m": [500.0, 200.0],
        "distance_to_dwelling_m": [10.0, 30.0],
        "distance_to_sensitive_m": [10.0, 30.0],  # bare points: every address may be sensitive
        "addresses_within_100m": [1.0, 1.0],
        # Without a network: straight line × 1.3.
        "walk_to_bus_tram_stop_m": [390.0, 260.0],
        "walk_to_dagopvang_m": [780.0, 1.3 * math.hypot(1_300, 900)],
    }
    for column, values in expected.items():
        assert table[column].tolist() == pytest.approx(values), column
    assert (table["source__distance_to_dwelling_m"] == "measured").all()
    assert table["note__distance_to_dwelling_m"].isna().all()
    assert (table["source__walk_to_bus_tram_stop_m"] == "straight_line").all()
    # The primary road at y = 400,000 does not lie between c2 and its home; c1 and its home lie
    # outside the area the road layer covers (its convex hull), so nothing is known there.
    assert table.loc["c2", "separated_by_main_road"] == 0.0
    assert np.isnan(table.loc["c1", "separated_by_main_road"])
    assert table["source__separated_by_main_road"].tolist() == ["estimate", "measured"]


def test_candidate_features_minimal(sites, tiny_buurten):
    table = candidate_features(sites, buurten=tiny_buurten)
    assert table["distance_to_facility_m"].isna().all()
    assert table["distance_to_dagopvang_m"].isna().all()
    assert table["facilities_within_1000m"].tolist() == [0.0, 0.0]
    assert "distance_to_bus_tram_stop_m" not in table.columns
    assert "distance_to_main_road_m" not in table.columns
    assert "separated_by_main_road" not in table.columns
    # Own homes per km² of land: 500 (west) and 1,500 (east), spread evenly; each site lies
    # far enough inside its buurt that the median nearest home is sqrt(ln 2 / (π D)), × 1.7.
    expected = [1.7 * 1_000 * math.sqrt(math.log(2) / (math.pi * d)) for d in (500, 1_500)]
    assert table["distance_to_dwelling_m"].tolist() == pytest.approx(expected, rel=0.01)
    # Expected homes in a 100 m circle: D × π × 0.1².
    assert table["addresses_within_100m"].tolist() == pytest.approx(
        [500 * math.pi * 0.01, 1_500 * math.pi * 0.01], rel=0.01
    )
    assert (table["source__distance_to_dwelling_m"] == "estimate").all()
    assert table["note__distance_to_dwelling_m"].str.startswith("geen adrespunten geladen").all()
    assert table["distance_to_sensitive_m"].isna().all()
    assert table["walk_to_bus_tram_stop_m"].isna().all()


def test_candidate_features_joins_buurt_density(sites, tiny_buurten):
    buurten = add_facility_density(tiny_buurten, _tiny_register(), radius_m=100)
    table = candidate_features(sites, buurten=buurten)
    assert table["buurt_facilities_per_10k"].tolist() == pytest.approx([10.0, 20 / 3])


def test_candidate_features_independent_of_row_order(sites, layers, tiny_buurten):
    forward = candidate_features(sites, buurten=tiny_buurten, **layers)
    backward = candidate_features(sites.iloc[::-1], buurten=tiny_buurten, **layers)
    assert list(backward.index) == ["c2", "c1"]
    pd.testing.assert_frame_equal(backward.loc[forward.index], forward)


def test_candidate_features_refuses_crs_mismatch(sites, tiny_buurten):
    with pytest.raises(CRSError, match="kandidaten in EPSG:4326"):
        candidate_features(sites.to_crs("EPSG:4326"), buurten=tiny_buurten)


def test_candidate_features_for_twente(shared_source):
    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=TWENTE)
    shaped = buurten[buurten.geometry.notna() & ~buurten.geometry.is_empty]
    area = shaped.union_all()
    points = shaped.geometry.sample_points(1, rng=2024).sample(60, random_state=7)
    sites = gpd.GeoDataFrame(
        {"id": [f"r{i}" for i in range(len(points))]},
        geometry=points.to_numpy(),
        crs=CRS_RD,
        index=[f"r{i}" for i in range(len(points))],
    )
    register = gpd.GeoDataFrame(
        {"type": ["dagopvang", "nachtopvang"], "places": [30.0, 20.0]},
        geometry=shaped.geometry.iloc[:2].representative_point().to_numpy(),
        crs=CRS_RD,
    )
    table = candidate_features(
        sites,
        buurten=buurten,
        stops=stops_from_ovapi(shared_source, area=area),
        stations=stations_from_chb(shared_source, area=area),
        facilities=register,
    )
    assert len(table) == 60
    assert table["buurtcode"].notna().all()
    assert set(table["gemeentecode"]) <= set(TWENTE)
    for column in (
        "distance_to_bus_tram_stop_m",
        "distance_to_rail_station_m",
        "distance_to_facility_m",
        "distance_to_dagopvang_m",
        "buurt_address_density_per_km2",
        "distance_to_dwelling_m",
    ):
        assert table[column].notna().all(), column
    assert (table["distance_to_bus_tram_stop_m"] < 5_000).all()
    assert (table["bus_tram_stops_within_500m"] >= 0).all()
