import time
from pathlib import Path

import geopandas as gpd
import osmnx as ox
import pytest
from shapely.geometry import Point, box

from geo._errors import OfflineError, PlekwijzerInputError
from geo.amenities import (
    amenities_from_osm_xml,
    amenities_from_overpass,
    combine_amenities,
    require_online,
    roads_from_gpkg,
    stations_from_chb,
    stops_from_ovapi,
)
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.paths import ENSCHEDE_ROADS

OSM_FIXTURE = Path(__file__).parent / "fixtures" / "amenities.osm"
#: Nothing listens on the discard port of the loopback address: the connection is refused.
UNREACHABLE = "http://127.0.0.1:9/"


@pytest.fixture(scope="module")
def enschede(shared_source):
    return neighbourhoods_from_cbs(shared_source, gemeenten=["GM0153"]).union_all()


def test_stops_around_enschede(shared_source, enschede):
    stops = stops_from_ovapi(shared_source, area=enschede)
    assert stops.crs.to_epsg() == 28992
    assert stops["stop_id"].is_unique
    assert (stops["kind"] == "bus_tram_stop").all()
    # SOURCES.md: 388 stops inside the gemeente; the 2 km margin adds neighbours' stops.
    assert len(stops) >= 388
    xmin, ymin, xmax, ymax = enschede.bounds
    assert stops.geometry.x.between(xmin - 2_000, xmax + 2_000).all()
    assert stops.geometry.y.between(ymin - 2_000, ymax + 2_000).all()


def test_smaller_buffer_keeps_fewer_stops(shared_source, enschede):
    wide = stops_from_ovapi(shared_source, area=enschede)
    tight = stops_from_ovapi(shared_source, area=enschede, buffer_m=0.0)
    assert 0 < len(tight) < len(wide)


def test_stations_around_enschede(shared_source, enschede):
    stations = stations_from_chb(shared_source, area=enschede)
    assert stations.crs.to_epsg() == 28992
    assert stations["stop_id"].is_unique
    assert (stations["kind"] == "rail_station").all()
    assert 3 <= len(stations) <= 20  # Enschede, Kennispark, Drienerlo, … and neighbours
    assert "Enschede" in set(stations["name"])


def test_roads_of_enschede(shared_source):
    roads = roads_from_gpkg(shared_source.path / ENSCHEDE_ROADS)
    assert len(roads) == 8_012  # the 116 pedestrian areas are dropped
    assert roads.crs.to_epsg() == 28992
    assert roads.geom_type.isin(["LineString", "MultiLineString"]).all()
    main = roads[roads["main_road"]]
    assert 0 < len(main) < len(roads)
    assert set(main["highway"]) <= {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "motorway_link",
        "trunk_link",
        "primary_link",
    }


def test_roads_need_highway_column(tmp_path):
    path = tmp_path / "lines.gpkg"
    gpd.GeoDataFrame(
        {"kind": ["x"]}, geometry=gpd.GeoSeries.from_wkt(["LINESTRING (0 0, 1 1)"]), crs=28992
    ).to_file(path)
    with pytest.raises(ValueError, match=r"kolom\(men\) highway ontbreken voor een OSM-wegenlaag"):
        roads_from_gpkg(path)


def test_amenities_from_osm_xml():
    found = amenities_from_osm_xml(OSM_FIXTURE)
    assert found.crs.to_epsg() == 28992
    assert found.geom_type.eq("Point").all()
    by_kind = found.groupby("kind")["osm_id"].apply(sorted).to_dict()
    assert by_kind == {
        "huisarts": ["node/1"],
        "school": ["node/3"],
        "supermarkt": ["node/2", "way/100"],  # convenience shop and a building polygon
    }
    # Enschede centre, around RD (257 700, 471 300).
    assert found.geometry.x.between(257_000, 259_000).all()
    assert found.geometry.y.between(470_500, 472_500).all()
    assert "Buurtwinkel" in set(found["name"])


def test_osm_xml_with_custom_tags_and_no_match():
    found = amenities_from_osm_xml(OSM_FIXTURE, tags={"apotheek": {"amenity": "pharmacy"}})
    assert found.empty
    assert found.crs.to_epsg() == 28992
    assert list(found.columns) == ["osm_id", "name", "kind", "geometry"]


def test_pbf_needs_conversion(tmp_path):
    path = tmp_path / "twente.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dOSMHeader")
    with pytest.raises(PlekwijzerInputError, match="osmium cat"):
        amenities_from_osm_xml(path)


def test_broken_osm_xml(tmp_path):
    path = tmp_path / "broken.osm"
    path.write_text("<osm><node id='1' lat='52'", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match="niet te lezen als OSM XML"):
        amenities_from_osm_xml(path)


def test_require_online_fails_fast():
    start = time.perf_counter()
    with pytest.raises(OfflineError, match=r"kan 127\.0\.0\.1 niet bereiken.*--osm"):
        require_online(UNREACHABLE, timeout_s=2.0)
    assert time.perf_counter() - start < 3.0


def test_overpass_refused_when_offline(monkeypatch):
    monkeypatch.setattr(ox.settings, "overpass_url", UNREACHABLE + "api")
    with pytest.raises(OfflineError, match="lijkt offline"):
        amenities_from_overpass(box(6.85, 52.20, 6.90, 52.24))


def test_combine_amenities_skips_empty_layers():
    a = gpd.GeoDataFrame({"kind": ["huisarts"]}, geometry=[Point(1, 2)], crs=28992)
    empty = gpd.GeoDataFrame({"kind": []}, geometry=[], crs=28992)
    combined = combine_amenities([a, empty, None])
    assert combined["kind"].tolist() == ["huisarts"]
    assert combined.crs.to_epsg() == 28992
    assert combine_amenities([]).empty
