import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from geo._errors import MissingColumnError, PlekwijzerInputError, UnknownValueError
from geo.export import geojson_dict
from geo.facilities import (
    COLUMNS,
    assign_buurt,
    facilities_from_file,
    facilities_from_shortlist,
    facilities_from_sites,
    public_view,
)
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.settings import CRS_RD, DEFAULT_PLACES, FACILITY_TYPES
from tests.conftest import sites_at


def _csv(tmp_path, text, name="register.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_rd_latlon_and_buurtcode(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id;name;type;places;x;y;lat;lon;buurtcode\n"
        "a;Nachtopvang A;Nachtopvang;40;100500;400500;;;\n"
        "b;Dagopvang B;dagopvang;80;;;52.0;5.0;\n"
        "c;Housing First C;Housing First;3;;;;;BU00010002\n",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    # b (5°E 52°N) lies far outside the tiny region: left out of counts and access alike
    assert list(register.index) == ["a", "c"]
    assert register.attrs["notes"] == [
        "1 voorziening buiten de regio weggelaten: niet in of bij een buurt van de gekozen "
        "gemeenten (rij 2 (id b))."
    ]
    assert list(register.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert register.crs.to_epsg() == 28992
    assert list(register["type"]) == ["nachtopvang", "housing_first"]
    assert list(register["places"]) == [40.0, 3.0]
    assert not register["confidential"].any()
    assert register.loc["a"].geometry.equals(Point(100500, 400500))
    assert register.loc["a", "buurtcode"] == "BU00010001"
    assert register.loc["c", "location_precision"] == "buurt"
    assert register.loc["c", "buurtcode"] == "BU00010002"


def test_geojson_input(tmp_path, tiny_buurten):
    path = tmp_path / "register.geojson"
    gpd.GeoDataFrame(
        {"id": ["g1", "g2"], "type": ["crisisopvang", "pauzeplek"], "places": [12, 2]},
        geometry=[Point(100_250, 400_250), Point(101_750, 400_750)],
        crs=CRS_RD,
    ).to_crs("EPSG:4326").to_file(path)
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert register.crs.to_epsg() == 28992
    assert list(register["buurtcode"]) == ["BU00010001", "BU00010002"]
    assert (register["location_precision"] == "point").all()
    assert register.loc["g1"].geometry.distance(Point(100_250, 400_250)) < 0.01
    assert register["name"].tolist() == ["g1", "g2"]  # the id stands in for a missing name


def test_unknown_type_names_row_value_and_valid_types(tmp_path):
    path = _csv(
        tmp_path, "id,type,places,x,y\na,dagopvang,5,100500,400500\nb,hotel,9,101500,400500\n"
    )
    with pytest.raises(UnknownValueError, match=r"'hotel' in rij 2 \(id b\)") as caught:
        facilities_from_file(path)
    assert all(kind in str(caught.value) for kind in FACILITY_TYPES)


def test_missing_places_column(tmp_path):
    path = _csv(tmp_path, "id,type,x,y\na,dagopvang,100500,400500\n")
    with pytest.raises(MissingColumnError, match=r"kolom 'places' .* ontbreekt"):
        facilities_from_file(path)


def test_vrouwenopvang_is_confidential_by_default(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id,type,places,x,y\nv,vrouwenopvang,10,100123,400877\nd,dagopvang,20,101500,400500\n",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    anchor = tiny_buurten.loc["BU00010001"].geometry.representative_point()
    assert register.loc["v", "confidential"]
    assert register.loc["v", "location_precision"] == "buurt"
    assert register.loc["v"].geometry.equals(anchor)
    assert pd.isna(register.loc["v", "x"])
    assert pd.isna(register.loc["v", "y"])
    assert not register.loc["d", "confidential"]
    assert register.loc["d"].geometry.equals(Point(101500, 400500))
    assert register.loc["d", "x"] == 101500.0


def test_row_flagged_confidential_is_anonymised(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id,type,places,confidential,x,y\n"
        "h,housing_first,1,ja,101234,400321\n"
        "p,pauzeplek,2,nee,101800,400900\n",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert register["confidential"].tolist() == [True, False]
    anchor = tiny_buurten.loc["BU00010002"].geometry.representative_point()
    assert register.loc["h"].geometry.equals(anchor)
    assert register.loc["h", "location_precision"] == "buurt"
    assert register.loc["p", "location_precision"] == "point"


def test_nee_does_not_lift_confidentiality_of_vrouwenopvang(tmp_path, tiny_buurten):
    path = _csv(tmp_path, "id,type,places,confidential,x,y\nv,vrouwenopvang,8,nee,100123,400877\n")
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert register.loc["v", "confidential"]
    assert register.loc["v", "location_precision"] == "buurt"
    assert not register.loc["v"].geometry.equals(Point(100123, 400877))


def test_bad_confidential_value(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path, "id,type,places,confidential,x,y\na,dagopvang,5,misschien,100500,400500\n"
    )
    with pytest.raises(PlekwijzerInputError, match=r"'misschien' in rij 1 \(id a\).*ja/nee"):
        facilities_from_file(path, buurten=tiny_buurten)


def test_confidential_without_buurten_is_refused(tmp_path):
    path = _csv(tmp_path, "id,type,places,x,y\nv,vrouwenopvang,10,100123,400877\n")
    with pytest.raises(PlekwijzerInputError, match=r"vertrouwelijke voorzieningen.*buurtenlaag"):
        facilities_from_file(path)


def test_confidential_outside_region_is_left_out_without_its_address(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id,type,places,x,y\nv,vrouwenopvang,10,150000,450000\nd,dagopvang,20,101500,400500\n",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert list(register.index) == ["d"]
    (note,) = register.attrs["notes"]
    assert note.startswith("1 voorziening buiten de regio weggelaten: ")
    assert note.endswith("(rij 1 (id v)).")
    assert "150000" not in note


def test_register_wholly_outside_the_region_blames_the_region(tmp_path, tiny_buurten):
    path = _csv(tmp_path, "id,type,places,x,y\nv,dagopvang,10,150000,450000\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"geen van de 1 voorzieningen ligt in de gekozen regio \(GM0001\).*Kies de regio",
    ):
        facilities_from_file(path, buurten=tiny_buurten)


def test_empty_places_are_refused_naming_the_rows(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id;type;places;x;y\na;dagopvang;;100500;400500\nb;dagopvang;3;100600;400500\n"
        "c;pauzeplek; ;101500;400500\n",
    )
    with pytest.raises(
        PlekwijzerInputError,
        match=r"lege 'places' in rij 1 \(id a\), rij 3 \(id c\).*--default-places",
    ):
        facilities_from_file(path, buurten=tiny_buurten)
    register = facilities_from_file(path, buurten=tiny_buurten, default_places=2)
    assert register["places"].tolist() == [2.0, 3.0, 2.0]


def test_public_view_drops_confidential_geometry(tmp_path, tiny_buurten):
    path = _csv(
        tmp_path,
        "id,type,places,x,y\nv,vrouwenopvang,10,100123,400877\nd,dagopvang,20,101500,400500\n",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    public = public_view(register)
    assert public.loc["v"].geometry is None
    assert public.loc["d"].geometry.equals(Point(101500, 400500))
    assert register.loc["v"].geometry is not None  # the input is left untouched


def test_assign_buurt_codes_and_far_points(tiny_buurten):
    points = gpd.GeoDataFrame(
        {"id": ["in_west", "in_oost", "gap", "far"]},
        geometry=[
            Point(100_500, 400_500),
            Point(101_500, 400_500),
            Point(102_100, 400_500),  # 100 m outside: snapped to the nearest buurt
            Point(105_000, 400_500),
        ],
        crs=CRS_RD,
    )
    located = assign_buurt(points, tiny_buurten)
    assert located["buurtcode"].iloc[:3].tolist() == ["BU00010001", "BU00010002", "BU00010002"]
    assert located["gemeentecode"].iloc[0] == "GM0001"
    assert pd.isna(located["buurtcode"].iloc[3])
    assert pd.isna(located["wijkcode"].iloc[3])
    assert "buurtcode" not in points.columns


def test_assign_buurt_refuses_crs_mismatch(tiny_buurten):
    points = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(5.0, 52.0)], crs="EPSG:4326")
    with pytest.raises(ValueError, match=r"CRS verschilt: de punten in EPSG:4326"):
        assign_buurt(points, tiny_buurten)


def test_demo_register_loads(demo_source):
    buurten = neighbourhoods_from_cbs(demo_source)
    register = facilities_from_file(
        demo_source.path / "inventories" / "demo_facilities.csv", buurten=buurten
    )
    assert len(register) == 12
    assert register["confidential"].sum() == 1
    assert register.loc[register["confidential"], "type"].tolist() == ["vrouwenopvang"]
    assert register["buurtcode"].notna().all()
    assert set(register["type"]) <= set(FACILITY_TYPES)


# --- facilities_from_sites / facilities_from_shortlist ----------------------------------


@pytest.mark.parametrize("kind", sorted(DEFAULT_PLACES))
def test_facilities_from_sites_default_places(tiny_buurten, kind):
    sites = sites_at((100_500, 400_500), (101_500, 400_500))
    new = facilities_from_sites(sites, facility_type=kind, buurten=tiny_buurten)
    assert list(new["id"]) == ["NEW-S1", "NEW-S2"]
    assert (new["type"] == kind).all()
    assert (new["places"] == DEFAULT_PLACES[kind]).all()
    assert list(new["buurtcode"]) == ["BU00010001", "BU00010002"]
    assert new.crs == CRS_RD


def test_facilities_from_sites_places_column_wins(tiny_buurten):
    sites = sites_at((100_500, 400_500), places=[3])
    new = facilities_from_sites(sites, facility_type="skaeve_huse", buurten=tiny_buurten)
    assert new["places"].tolist() == [3]


def test_facilities_from_sites_other_type_gets_one_place(tiny_buurten):
    new = facilities_from_sites(
        sites_at((100_500, 400_500)), facility_type="dagopvang", buurten=tiny_buurten
    )
    assert new["places"].tolist() == [1]


def _collection(*, shortlisted: list[bool], kind: str | None = "tussenvoorziening") -> dict:
    points = [(100_500 + 400 * i, 400_500) for i in range(len(shortlisted))]
    collection = geojson_dict(sites_at(*points, shortlisted=shortlisted), properties=["id", "name"])
    for feature, flag in zip(collection["features"], shortlisted, strict=True):
        feature["properties"]["shortlisted"] = flag
    if kind is not None:
        collection["plekwijzer"] = {"profile": kind, "facility_type": kind, "region": "test"}
    return collection


def test_facilities_from_shortlist_takes_shortlisted_sites(tiny_buurten):
    new = facilities_from_shortlist(
        _collection(shortlisted=[True, False, True]), buurten=tiny_buurten
    )
    assert list(new["id"]) == ["NEW-S1", "NEW-S3"]
    assert (new["type"] == "tussenvoorziening").all()
    assert (new["places"] == DEFAULT_PLACES["tussenvoorziening"]).all()
    assert new.crs == CRS_RD
    assert new.geometry.iloc[0].distance(Point(100_500, 400_500)) < 0.05


def test_facilities_from_shortlist_file_and_type_override(tiny_buurten, tmp_path: Path):
    path = tmp_path / "shortlist.geojson"
    path.write_text(json.dumps(_collection(shortlisted=[True], kind=None)), encoding="utf-8")
    new = facilities_from_shortlist(path, buurten=tiny_buurten, facility_type="skaeve_huse")
    assert new["places"].tolist() == [DEFAULT_PLACES["skaeve_huse"]]


@pytest.mark.parametrize(
    ("collection", "match"),
    [
        ({"type": "Feature"}, "geen GeoJSON FeatureCollection"),
        ("no shortlisted", "geen plekken op de shortlist"),
        ("no type", r"welk type voorziening.*geef --type"),
        ("bad type", r"welk type voorziening.*skaeve_huse"),
    ],
)
def test_facilities_from_shortlist_errors(tiny_buurten, collection, match):
    if collection == "no shortlisted":
        collection = _collection(shortlisted=[False, False])
    elif collection == "no type":
        collection = _collection(shortlisted=[True], kind=None)
    elif collection == "bad type":
        collection = _collection(shortlisted=[True], kind="hotel")
    with pytest.raises(PlekwijzerInputError, match=match):
        facilities_from_shortlist(collection, buurten=tiny_buurten)


def test_facilities_from_shortlist_bad_files(tiny_buurten, tmp_path: Path):
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=r"broken\.geojson: geen geldige JSON"):
        facilities_from_shortlist(broken, buurten=tiny_buurten)
    listed = tmp_path / "listed.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=r"listed\.json: geen GeoJSON"):
        facilities_from_shortlist(listed, buurten=tiny_buurten)
    with pytest.raises(PlekwijzerInputError, match=r"bestand niet gevonden"):
        facilities_from_shortlist(tmp_path / "absent.geojson", buurten=tiny_buurten)


def _lat_lon(x: float, y: float) -> tuple[str, str]:
    lon, lat = Transformer.from_crs(CRS_RD, "EPSG:4326", always_xy=True).transform(x, y)
    return f"{lat:.7f}", f"{lon:.7f}"


@pytest.mark.parametrize(
    "header",
    [
        # X/Y locate the row; every other spelling of a coordinate or an address rides along.
        "id;type;places;X;Y;Latitude;Longitude;rd_x;RD_Y;Adres;WKT",
        "ID;Type;Places;Lat;Lon;X_RD;Y_RD;Address;Postcode",
        " Id ;TYPE;places;LATITUDE;LNG;x-coordinaat;y-coordinaat;Straat;Huisnummer",
    ],
)
def test_no_original_coordinate_of_a_confidential_row_survives(tmp_path, tiny_buurten, header):
    lat, lon = _lat_lon(100_123.4, 400_877.6)
    values = {
        "id": "v",
        "type": "vrouwenopvang",
        "places": "8",
        "x": "100123,4",
        "y": "400877,6",
        "rd_x": "100123,4",
        "rd_y": "400877,6",
        "x_rd": "100123,4",
        "y_rd": "400877,6",
        "x-coordinaat": "100123,4",
        "y-coordinaat": "400877,6",
        "latitude": lat.replace(".", ","),
        "lat": lat.replace(".", ","),
        "longitude": lon.replace(".", ","),
        "lon": lon.replace(".", ","),
        "lng": lon.replace(".", ","),
        "adres": "Geheimstraat 7",
        "address": "Geheimstraat 7",
        "straat": "Geheimstraat",
        "huisnummer": "7377",
        "postcode": "9999 ZZ",
        "wkt": "POINT (100123.4 400877.6)",
    }
    names = header.split(";")
    row = ";".join(values[n.strip().lower()] for n in names)
    open_row = ";".join(
        {"id": "d", "type": "dagopvang", "places": "5"}.get(
            n.strip().lower(), values.get(n.strip().lower(), "")
        )
        for n in names
    )
    path = _csv(tmp_path, f"{header}\n{row}\n{open_row}\n")
    register = facilities_from_file(path, buurten=tiny_buurten)
    secret = register.drop(columns=register.geometry.name).loc["v"]
    text = " ".join(map(str, secret.tolist()))
    for original in ("100123", "400877", lat[:7], lon[:6], "Geheim", "7377", "9999"):
        assert original not in text, (original, text)
    anchor = tiny_buurten.loc["BU00010001"].geometry.representative_point()
    assert register.loc["v"].geometry.equals(anchor)
    # The open row keeps its own columns: the check above would see them.
    assert "100123" in " ".join(map(str, register.loc["d"].tolist()))


def test_confidential_geojson_loses_its_coordinate_properties(tmp_path, tiny_buurten):
    lat, _ = _lat_lon(100_123.4, 400_877.6)
    register = gpd.GeoDataFrame(
        {
            "ID": ["v", "d"],
            "Type": ["vrouwenopvang", "dagopvang"],
            "Places": [8, 5],
            "Latitude": [float(lat), float(lat)],
            "X": [100_123.4, 100_123.4],
            "RD_Y": [400_877.6, 400_877.6],
            "Adres": ["Geheimstraat 7", "Open straat 1"],
        },
        geometry=[Point(100_123.4, 400_877.6), Point(101_500, 400_500)],
        crs=CRS_RD,
    ).to_crs(4326)
    path = tmp_path / "register.geojson"
    register.to_file(path, driver="GeoJSON")
    loaded = facilities_from_file(path, buurten=tiny_buurten)
    secret = " ".join(map(str, loaded.drop(columns=loaded.geometry.name).loc["v"].tolist()))
    for original in ("100123", "400877", lat[:7], "Geheim"):
        assert original not in secret, (original, secret)
    assert loaded.loc["d", "adres"] == "Open straat 1"
