from pathlib import Path

import pandas as pd
import pytest

from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.datasets.illustrative import illustrative_paths
from geo.regions import Region, resolve_region
from geo.settings import CRS_RD
from geo.workspace import RegionData, default_inputs, load_region_data
from tests.conftest import TWENTE

BUURT_COLUMNS = ("facilities", "places", "facilities_per_10k", "places_per_10k", "draagkracht")


@pytest.fixture(scope="module")
def demo_data(demo_source: DataSource) -> RegionData:
    return load_region_data(resolve_region("demo"), demo_source)


@pytest.fixture(scope="module")
def twente_data(shared_source: DataSource) -> RegionData:
    """Twente without the data directory's address points and roads."""
    return load_region_data(resolve_region("twente"), shared_source, data_layers=False)


def check_region_data(data: RegionData) -> None:
    for name in ("buurten", "stops", "stations", "facilities", "candidates", "features"):
        assert getattr(data, name).crs == CRS_RD, name
    assert set(BUURT_COLUMNS) <= set(data.buurten.columns)
    assert data.buurten["draagkracht"].between(0, 1).all()
    assert data.buurten["places"].sum() == data.facilities["places"].sum()
    assert data.buurten["facilities"].sum() == len(data.facilities)
    assert data.features.index.equals(data.candidates.index)
    assert data.features["id"].is_unique
    assert data.features["buurtcode"].isin(data.buurten["buurtcode"]).all()
    assert "distance_to_bus_tram_stop_m" in data.features.columns
    assert "buurt_draagkracht" in data.features.columns


def test_demo_defaults(demo_source: DataSource, demo_data: RegionData):
    check_region_data(demo_data)
    assert demo_data.region.name == "demo"
    assert len(demo_data.candidates) == len(pd.read_csv(demo_source.path / DEMO_CANDIDATES))
    assert len(demo_data.facilities) == len(pd.read_csv(demo_source.path / DEMO_FACILITIES))
    assert demo_data.inputs["candidates"] == str(demo_source.path / DEMO_CANDIDATES)
    assert demo_data.inputs["roads"] == "none"
    assert default_inputs(demo_data.region, demo_source) == {
        "candidates": demo_source.path / DEMO_CANDIDATES,
        "facilities": demo_source.path / DEMO_FACILITIES,
    }


def test_confidential_facility_keeps_only_its_buurt(demo_data: RegionData):
    secret = demo_data.facilities[demo_data.facilities["confidential"]]
    assert len(secret) == 1
    assert (secret["location_precision"] == "buurt").all()
    assert secret[["x", "y"]].isna().all().all()
    shapes = demo_data.buurten.set_index("buurtcode").geometry
    for code, point in zip(secret["buurtcode"], secret.geometry, strict=True):
        assert shapes[code].covers(point)


def test_twente(twente_data: RegionData):
    check_region_data(twente_data)
    assert len(twente_data.candidates) == 240
    assert len(twente_data.buurten) == 297
    assert twente_data.buurten["draagkracht"].notna().sum() == 297
    assert set(twente_data.buurten["gemeentecode"]) == set(TWENTE)
    assert twente_data.inputs["candidates"] == str(illustrative_paths("twente")["candidates"])
    assert twente_data.buurten["places"].sum() == pytest.approx(
        pd.read_csv(illustrative_paths("twente")["facilities"])["places"].sum()
    )


def test_real_region_defaults_are_the_illustrative_files(shared_source: DataSource):
    assert default_inputs(resolve_region("twente"), shared_source) == illustrative_paths("twente")
    own = Region(name="eigen_keuze", title="own", gemeenten=("GM0153",))
    assert default_inputs(own, shared_source) == {"candidates": None, "facilities": None}


def test_without_candidates(demo_source: DataSource):
    data = load_region_data(resolve_region("demo"), demo_source, with_candidates=False)
    assert data.candidates.empty
    assert data.features.empty
    assert len(data.facilities) > 0
    assert data.buurten["draagkracht"].between(0, 1).all()


def test_no_register_gives_an_empty_one(demo_source: DataSource):
    data = load_region_data(
        resolve_region("demo"),
        demo_source,
        candidates_path=demo_source.path / DEMO_CANDIDATES,
        use_defaults=False,
    )
    assert data.facilities.empty
    assert data.facilities.crs == CRS_RD
    assert (data.buurten["places"] == 0).all()
    assert data.inputs["facilities"] == "none"
    assert data.features["distance_to_facility_m"].isna().all()


def test_missing_inventory(demo_source: DataSource):
    with pytest.raises(PlekwijzerInputError, match=r"geen kandidatenlijst.*--candidates"):
        load_region_data(resolve_region("demo"), demo_source, use_defaults=False)


def test_missing_inventory_file(demo_source: DataSource, tmp_path: Path):
    with pytest.raises(PlekwijzerInputError, match=r"absent\.csv"):
        load_region_data(
            resolve_region("demo"), demo_source, candidates_path=tmp_path / "absent.csv"
        )


def test_twente_with_address_points_and_roads(shared_source: DataSource, twente_data: RegionData):
    data = load_region_data(
        resolve_region("twente"),
        shared_source,
        dwellings_path=shared_source.path / "enschede_addresses/address_points_enschede_2012.gpkg",
        roads_path=shared_source.path / "osm_enschede/osm_highways_enschede_2023-12.gpkg",
        sensitive_osm_path=Path("tests/fixtures/amenities.osm"),
    )
    features = data.features
    enschede = features["gemeentecode"] == "GM0153"
    source = features["source__distance_to_dwelling_m"]
    # The Enschede address points measure Enschede, not the other seven gemeenten.
    assert (source[~enschede] == "estimate").all()
    assert (source[enschede] == "measured").mean() > 0.9
    assert data.inputs["dwellings"].endswith("address_points_enschede_2012.gpkg")
    walk = features["walk_to_bus_tram_stop_m"]
    on = features["source__walk_to_bus_tram_stop_m"] == "network"
    assert on.sum() > 10
    assert set(features.loc[on, "gemeentecode"]) == {"GM0153"}
    assert (walk[on] >= features.loc[on, "distance_to_bus_tram_stop_m"] - 1e-6).all()
    assert "separated_by_main_road" in features.columns
    # Without the layers every value is an estimate or a straight line, and labelled.
    plain = twente_data.features
    assert (plain["source__distance_to_dwelling_m"] == "estimate").all()
    assert (plain["source__walk_to_bus_tram_stop_m"] == "straight_line").all()
    assert plain["note__walk_to_bus_tram_stop_m"].str.startswith("geen wegennet").all()


def test_twente_uses_the_data_directory_layers_by_default(
    shared_source: DataSource, twente_data: RegionData
):
    given = load_region_data(
        resolve_region("twente"),
        shared_source,
        dwellings_path=shared_source.path / "enschede_addresses/address_points_enschede_2012.gpkg",
        roads_path=shared_source.path / "osm_enschede/osm_highways_enschede_2023-12.gpkg",
    )
    found = load_region_data(resolve_region("twente"), shared_source)
    columns = [
        "distance_to_dwelling_m",
        "source__distance_to_dwelling_m",
        "walk_to_bus_tram_stop_m",
        "source__walk_to_bus_tram_stop_m",
        "separated_by_main_road",
    ]
    pd.testing.assert_frame_equal(found.features[columns], given.features[columns])
    assert found.layers.dwellings_origin == "datamap"
    assert given.layers.dwellings_origin == "bestand"
    assert found.layers.dwellings_gemeenten == ("GM0153",)
    assert found.layers.roads_gemeenten == ()
    assert [code for code, _ in found.layers.roads_partial] == ["GM0153"]
    assert found.inputs["dwellings"].endswith("address_points_enschede_2012.gpkg")
    names = {"GM0153": "Enschede"}
    banner = " ".join(found.layers.lines_nl(names))
    assert "Echte adrespunten (gemeten afstand tot woningen) voor Enschede" in banner
    assert "een deel (" in banner
    assert "Enschede" in banner
    assert twente_data.layers.dwellings_origin is None
    assert "Adrespunten: geen" in twente_data.layers.lines_nl(names)[0]


def test_far_region_reads_no_data_directory_layer(shared_source: DataSource):
    data = load_region_data(resolve_region(gemeenten=["GM0505"]), shared_source)
    assert data.layers.dwellings_origin is None
    assert data.layers.roads_origin is None
    assert data.inputs["dwellings"] == "none"
