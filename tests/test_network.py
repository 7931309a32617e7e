import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo._errors import PlekwijzerInputError
from geo.amenities import stops_from_ovapi
from geo.features import nearest_distance_m
from geo.network import (
    WalkNetwork,
    convex_hull_xy,
    network_from_gpkg,
    network_from_roads,
    roads_from_osm_xml,
    walkable,
    walking_distance_m,
)
from geo.settings import CRS_RD

ENSCHEDE_ROADS = "osm_enschede/osm_highways_enschede_2023-12.gpkg"


def _lines(*coords, crs=CRS_RD):
    return gpd.GeoSeries([LineString(c) for c in coords], crs=crs)


def _points(*xy):
    return gpd.GeoSeries([Point(x, y) for x, y in xy], crs=CRS_RD)


# A street along y = 0 and a cross street along x = 500 sharing the vertex (500, 0); a
# footbridge along x = 200 crosses the street without a shared vertex.
STREET = [(0, 0), (250, 0), (500, 0), (750, 0), (1_000, 0)]
CROSS = [(500, -500), (500, -250), (500, 0), (500, 250), (500, 500)]
BRIDGE = [(200, -300), (200, -100), (200, 100), (200, 300)]


def test_walkable_filter():
    roads = pd.DataFrame(
        {
            "highway": ["residential", "motorway", "footway", "primary", "service", "path"],
            "foot": [None, None, "no", None, None, "designated"],
            "access": [None, None, None, None, "private", "no"],
        }
    )
    assert walkable(roads).tolist() == [True, False, False, True, False, True]


def test_network_distance_over_shared_vertices():
    network = WalkNetwork.from_lines(_lines(STREET, CROSS), bridge_gaps_m=0)
    walk = walking_distance_m(_points((0, 10)), _points((500, 490)), network=network, name="walk_m")
    # 10 m snap + 500 + 500 along the streets + 10 m snap.
    assert walk["walk_m"].iloc[0] == pytest.approx(1_020.0)
    assert walk["source__walk_m"].iloc[0] == "network"
    assert pd.isna(walk["note__walk_m"].iloc[0])
    assert walk["walk_m"].iloc[0] >= math.hypot(500, 480)


def test_nearest_of_several_targets_in_one_run():
    network = WalkNetwork.from_lines(_lines(STREET, CROSS), bridge_gaps_m=0)
    sites = _points((0, 0), (1_000, 0), (500, -500))
    targets = _points((250, 0), (750, 0))
    walk = walking_distance_m(sites, targets, network=network, name="w")
    assert walk["w"].tolist() == pytest.approx([250.0, 250.0, 750.0])


def test_bridge_is_no_junction_unless_noded_by_union():
    lines = _lines(STREET, CROSS, BRIDGE)
    site, target = _points((200, 290)), _points((0, 10))
    by_coordinates = WalkNetwork.from_lines(lines, bridge_gaps_m=0)
    # The bridge is its own piece; only the largest piece routes, so the site is off network.
    walk = walking_distance_m(site, target, network=by_coordinates, name="w")
    assert walk["source__w"].iloc[0] == "straight_line"
    assert walk["w"].iloc[0] == pytest.approx(1.3 * math.hypot(200, 280))
    assert walk["note__w"].iloc[0].startswith("buiten het wegennet (> 250 m)")
    by_union = WalkNetwork.from_lines(lines, noding="union", bridge_gaps_m=0)
    walk = walking_distance_m(site, target, network=by_union, name="w")
    assert walk["source__w"].iloc[0] == "network"
    assert walk["w"].iloc[0] == pytest.approx(10 + 300 + 200 + 10)


def test_gap_bridging_joins_dead_ends():
    lines = _lines([(0, 0), (100, 0), (200, 0)], [(215, 0), (215, 150), (215, 300)])
    site, target = _points((0, 0)), _points((215, 300))
    joined = WalkNetwork.from_lines(lines, bridge_gaps_m=20)
    assert joined.stats["bridged_gaps"] == 1
    walk = walking_distance_m(site, target, network=joined, name="w")
    assert walk["w"].iloc[0] == pytest.approx(200 + 15 + 300)
    assert walk["source__w"].iloc[0] == "network"
    apart = WalkNetwork.from_lines(lines, bridge_gaps_m=0)
    walk = walking_distance_m(site, target, network=apart, name="w")
    # The target is 300 m from the largest piece: reached in a straight line × 1.3.
    assert walk["source__w"].iloc[0] == "straight_line"
    assert walk["w"].iloc[0] == pytest.approx(1.3 * math.hypot(215, 300))
    assert "bestemming ligt buiten het wegennet" in walk["note__w"].iloc[0]


def test_without_network_or_targets():
    sites = _points((0, 0), (30, 40))
    walk = walking_distance_m(sites, _points((0, 0)), network=None, name="w")
    assert walk["w"].tolist() == pytest.approx([0.0, 65.0])
    assert (walk["source__w"] == "straight_line").all()
    assert walk["note__w"].str.startswith("geen wegennet geladen").all()
    empty = walking_distance_m(sites, None, network=None, name="w")
    assert empty["w"].isna().all()


def test_network_refuses_geographic_crs_and_empty_layer():
    with pytest.raises(ValueError, match="CRS in meters, maar de laag is in EPSG:4326"):
        WalkNetwork.from_lines(_lines([(6.8, 52.2), (6.9, 52.2)], crs="EPSG:4326"))
    roads = gpd.GeoDataFrame({"highway": ["motorway"]}, geometry=[LineString(STREET)], crs=CRS_RD)
    with pytest.raises(PlekwijzerInputError, match="geen beloopbare lijnen"):
        network_from_roads(roads)


OSM_ROADS = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="52.2200" lon="6.8900"/>
  <node id="2" lat="52.2200" lon="6.8950"/>
  <node id="3" lat="52.2250" lon="6.8950"/>
  <node id="4" lat="52.2250" lon="6.9000"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="motorway"/></way>
</osm>
"""


def test_roads_from_osm_xml(tmp_path):
    path = tmp_path / "roads.osm"
    path.write_text(OSM_ROADS, encoding="utf-8")
    roads = roads_from_osm_xml(path)
    assert roads.crs.to_epsg() == 28992
    assert set(roads["highway"]) == {"residential", "primary", "motorway"}
    assert roads.loc[roads["highway"] == "primary", "main_road"].all()
    network = network_from_roads(roads)
    assert network.stats["nodes"] == 3  # the motorway's far node is not walkable
    sites = gpd.GeoSeries([Point(6.8900, 52.2200)], crs="EPSG:4326").to_crs(CRS_RD)
    target = gpd.GeoSeries([Point(6.8950, 52.2250)], crs="EPSG:4326").to_crs(CRS_RD)
    walk = walking_distance_m(sites, target, network=network, name="w")
    straight = sites.distance(target.iloc[0]).iloc[0]
    assert walk["source__w"].iloc[0] == "network"
    assert straight < walk["w"].iloc[0] < 2 * straight


def test_enschede_network_distances_exceed_straight_line(shared_source):
    network = network_from_gpkg(shared_source.path / ENSCHEDE_ROADS)
    assert network.stats["largest_part_share"] > 0.85
    assert network.stats["bridged_gaps"] > 0
    stops = stops_from_ovapi(shared_source, area=network.coverage)
    rng = np.random.default_rng(3)
    near = network.nodes_xy[rng.choice(len(network.nodes_xy), 300, replace=False)]
    sites = _points(*(near + rng.uniform(-20, 20, near.shape)))
    walk = walking_distance_m(sites, stops.geometry, network=network, name="w")
    on = walk["source__w"] == "network"
    assert on.mean() > 0.8
    straight = nearest_distance_m(sites, stops.geometry, name="d")
    assert (walk.loc[on, "w"] >= straight[on] - 1e-6).all()
    # Straight-line rows (nearest stop off the network) are × 1.3, never below the line.
    assert (walk.loc[~on, "w"] >= 1.3 * straight[~on] - 1e-6).all()


def test_convex_hull_xy_is_the_hull_of_the_union():
    lines = _lines(STREET, CROSS, BRIDGE, [(900, 900), (950, 870), (1_000, 1_000)]).to_numpy()
    hull = convex_hull_xy(shapely.get_coordinates(lines))
    assert hull.equals(shapely.convex_hull(shapely.union_all(lines)))
    # Degenerate inputs give shapely's degenerate hulls, not a qhull error.
    on_a_line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert convex_hull_xy(on_a_line).equals(LineString([(0, 0), (2, 2)]))
    assert convex_hull_xy(np.array([[5.0, 5.0]])).equals(Point(5, 5))
    assert convex_hull_xy(np.empty((0, 2))).is_empty
