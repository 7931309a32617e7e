from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo.datadir import DataSource
from geo.datalayers import LayerUse, find_layers, layer_use, local_layers
from geo.settings import CRS_RD


def _buurten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00010001", "BU00020001"],
            "gemeentecode": ["GM0001", "GM0002"],
            "households": [4.0, 100.0],
        },
        geometry=[box(100_000, 400_000, 101_000, 401_000), box(101_000, 400_000, 102_000, 401_000)],
        crs=CRS_RD,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> DataSource:
    """A data directory with a PDOK-BAG-like GeoPackage and an OSM road layer."""
    (tmp_path / "bag").mkdir()
    bag = tmp_path / "bag" / "bag-light.gpkg"
    points = [Point(100_200 + 100 * i, 400_500) for i in range(5)]
    gpd.GeoDataFrame(
        {
            "identificatie": [f"0001010000{i}" for i in range(5)],
            "gebruiksdoel": ["woonfunctie"] * 4 + ["onderwijsfunctie"],
            "status": ["Verblijfsobject in gebruik"] * 5,
        },
        geometry=points,
        crs=CRS_RD,
    ).to_file(bag, layer="verblijfsobject")
    gpd.GeoDataFrame(
        {"identificatie": ["p1"], "gebruiksdoel": ["woonfunctie"]},
        geometry=[box(100_100, 400_100, 100_120, 400_120)],
        crs=CRS_RD,
    ).to_file(bag, layer="pand")
    (tmp_path / "osm").mkdir()
    gpd.GeoDataFrame(
        {"highway": ["primary", "footway"], "name": ["A", "B"]},
        geometry=[
            LineString([(100_000, 400_000), (101_000, 401_000)]),
            LineString([(100_000, 401_000), (101_500, 400_000)]),
        ],
        crs=CRS_RD,
    ).to_file(tmp_path / "osm" / "roads.gpkg", layer="highways")
    # A layer of the CBS layout is never opened as addresses or roads.
    return DataSource(path=tmp_path, synthetic=False, origin="--data-dir")


def test_finds_a_bag_geopackage_and_roads(data_dir: DataSource):
    found = {(f.path.name, f.layer, f.kind) for f in find_layers(data_dir)}
    # The verblijfsobject layer, not the pand layer beside it, gives the address points.
    assert found == {
        ("bag-light.gpkg", "verblijfsobject", "addresses"),
        ("roads.gpkg", "highways", "roads"),
    }


def test_reads_what_meets_the_region_and_says_what_it_covers(data_dir: DataSource):
    buurten = _buurten()
    local = local_layers(data_dir, buurten)
    assert local.dwellings is not None
    assert len(local.dwellings) == 5
    assert int(local.dwellings["home"].sum()) == 4
    assert local.network is not None
    assert local.dwellings_files == ("bag/bag-light.gpkg",)
    use = layer_use(
        buurten=buurten,
        dwellings=local.dwellings,
        roads=local.roads,
        dwellings_origin="datamap",
        roads_origin="datamap",
        dwellings_files=local.dwellings_files,
        roads_files=local.roads_files,
    )
    # 4 homes against 4 households: GM0001 covered; GM0002's 100 households are not.
    assert use.dwellings_gemeenten == ("GM0001",)
    assert use.roads_gemeenten == ("GM0001",)
    assert [code for code, _ in use.roads_partial] == ["GM0002"]
    lines = use.lines_nl({"GM0001": "Eendorp", "GM0002": "Tweedorp"})
    assert lines[0].startswith("Echte adrespunten (gemeten afstand tot woningen) voor Eendorp")
    assert (
        "Echt wegennet (loopafstanden, hoofdwegen) voor Eendorp en een deel (25%) van Tweedorp"
        in lines[1]
    )


def test_a_far_region_reads_nothing(data_dir: DataSource):
    far = _buurten().translate(xoff=50_000)
    local = local_layers(data_dir, far)
    assert local.dwellings is None
    assert local.roads is None


def test_only_the_kinds_asked_for(data_dir: DataSource):
    local = local_layers(data_dir, _buurten(), kinds=("roads",))
    assert local.dwellings is None
    assert local.roads is not None


def test_nothing_used_says_what_to_add():
    lines = LayerUse().lines_nl()
    assert "--dwellings" in lines[0]
    assert "BAG-GeoPackage in de datamap" in lines[0]
    assert "--roads" in lines[1]


def test_the_shared_bag_sample_is_found(shared_source: DataSource):
    kinds = {f.path.name: f.kind for f in find_layers(shared_source)}
    assert kinds["bag_panden_haarlem_sample.gpkg"] == "addresses"
    assert kinds["address_points_enschede_2012.gpkg"] == "addresses"
    assert kinds["osm_highways_enschede_2023-12.gpkg"] == "roads"
