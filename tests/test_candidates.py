import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo._errors import CRSError, EmptyInputError, GeometryError, MissingColumnError
from geo.candidates import candidates_from_bag, candidates_from_file
from geo.paths import BAG_SAMPLE


def _csv(tmp_path, text, name="inventaris.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_rd_latlon_and_buurtcode(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id;name;use;floor_area_m2;plot_area_m2;x;y;lat;lon;buurtcode\n"
        "a;Kantoor A;Kantoor;1200,5;;100500;400500;;;\n"
        "b;Grond B;grond;;800;;;52.0;5.0;\n"
        "c;School C;school;600;;;;;;BU00010002\n",
    )
    sites = candidates_from_file(path, buurten=tiny_buurten)
    assert list(sites.index) == ["a", "b", "c"]
    assert sites.loc["a", "floor_area_m2"] == 1200.5
    assert sites.loc["a", "use"] == "kantoor"
    assert sites.loc["a"].geometry.equals(Point(100500, 400500))
    assert sites.loc["b"].geometry.x == pytest.approx(128_410, abs=50)  # 5°E 52°N in RD
    assert sites.loc["c", "location_precision"] == "buurt"
    assert tiny_buurten.loc["BU00010002"].geometry.contains(sites.loc["c"].geometry)


def test_demo_inventory_reads(demo_source):
    sites = candidates_from_file(demo_source.path / "inventories" / "demo_candidates.csv")
    assert len(sites) == 80
    assert sites["id"].is_unique


def test_bag_sample(shared_source):
    sites = candidates_from_bag(shared_source.path / BAG_SAMPLE)
    assert len(sites) == 20
    assert sites.geom_type.eq("Point").all()
    assert set(sites["use"]) <= {
        "kantoor",
        "school",
        "zorg",
        "winkel",
        "bedrijf",
        "woning",
        "bijeenkomst",
        "logies",
        "sport",
        "overig",
    }
    assert sites.loc["0392100000045123", "use"] == "school"
    assert sites.loc["0392100000045123", "floor_area_m2"] == 1719
    assert (sites["plot_area_m2"] > 0).all()


def test_geojson_polygons_in_wgs84(tmp_path):
    path = tmp_path / "sites.geojson"
    gpd.GeoDataFrame(
        {"id": ["p1"], "name": ["Kavel"]},
        geometry=[box(5.0, 52.0, 5.001, 52.001)],
        crs="EPSG:4326",
    ).to_file(path)
    sites = candidates_from_file(path)
    assert sites.crs.to_epsg() == 28992
    assert sites.loc["p1", "plot_area_m2"] == pytest.approx(7_600, rel=0.05)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("name;x;y\nA;1;2\n", MissingColumnError, r"kolom\(men\) id ontbreken"),
        ("id;name\na;A\n", MissingColumnError, "geen kolommen voor de plek"),
        ("id;x;y\na;100000;400000\na;100001;400001\n", ValueError, "dubbele 'id' in rij 1"),
        ("id;x;y\na;100000;\n", GeometryError, r"geen plek in rij 1 \(id a\)"),
        (
            "id;x;y\na;abc;400000\n",
            ValueError,
            r"kolom 'x' heeft een waarde die geen getal is \('abc'\) in rij 1",
        ),
        ("id;x;y\na;400000;100000\n", GeometryError, "buiten Nederland in rij 1"),
        ("id;floor_area_m2;x;y\na;-5;100000;400000\n", ValueError, "onder de aannemelijke grens"),
        ("id;x;y\n", EmptyInputError, "geen rijen met gegevens"),
    ],
)
def test_csv_bad_input(tmp_path, text, error, message):
    with pytest.raises(error, match=message):
        candidates_from_file(_csv(tmp_path, text))


def test_unknown_buurtcode_named(tmp_path, tiny_buurten):
    path = _csv(tmp_path, "id,buurtcode\na,BU99999999\n")
    with pytest.raises(ValueError, match="buurtcode 'BU99999999' in rij 1"):
        candidates_from_file(path, buurten=tiny_buurten)


def test_vector_invalid_geometry(tmp_path):
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame(
        {"id": ["x"]},
        geometry=gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"]),
        crs="EPSG:28992",
    ).to_file(path)
    with pytest.raises(GeometryError, match=r"ongeldige geometrie in rij 1 \(id x\)"):
        candidates_from_file(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_vector_without_crs(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame({"id": ["x"]}, geometry=[Point(100000, 400000)]).to_file(path)
    with pytest.raises(CRSError, match="heeft geen CRS"):
        candidates_from_file(path)


def test_unsupported_suffix(tmp_path):
    path = _csv(tmp_path, "x", name="sites.xlsx")
    with pytest.raises(ValueError, match=r"bestandstype '\.xlsx' wordt niet gelezen"):
        candidates_from_file(path)
