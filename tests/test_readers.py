"""Reading what people export: Dutch notation, shapefiles, multi-layer GeoPackages, bad files."""

import json
import os
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo._errors import CRSError, PlekwijzerInputError
from geo._read import MAX_FIELD_CHARS, MAX_LINE_BYTES, read_csv, read_vector
from geo._validate import check_file
from geo.candidates import candidates_from_file
from geo.facilities import facilities_from_file
from geo.features import candidate_features
from geo.settings import CRS_RD

X, Y = 100_500, 400_500  # inside tiny_buurten


def _write(tmp_path: Path, text: str, name: str = "inventaris.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _sites(**columns: list) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n)], **columns},
        geometry=[Point(X + 10 * i, Y) for i in range(n)],
        crs=CRS_RD,
    )


# --- Dutch notation ---------------------------------------------------------------------


def test_thousands_dot_in_a_semicolon_csv_with_decimal_commas(tmp_path):
    path = _write(
        tmp_path,
        f"id;floor_area_m2;plot_area_m2;x;y\na;12.500;1,5;{X};{Y}\nb;800;2.000;{X};{Y + 10}\n",
    )
    sites = candidates_from_file(path)
    assert sites["floor_area_m2"].tolist() == [12_500.0, 800.0]
    assert sites["plot_area_m2"].tolist() == [1.5, 2_000.0]
    assert "kolom 'floor_area_m2': '12.500' gelezen als 12.500 (Nederlandse notatie" in " ".join(
        sites.attrs["notes"]
    )


def test_dot_is_decimal_in_a_comma_csv_with_decimal_points(tmp_path):
    path = _write(tmp_path, f"id,floor_area_m2,plot_area_m2,x,y\na,12.500,1.5,{X},{Y}\n")
    sites = candidates_from_file(path)
    assert sites.loc["a", "floor_area_m2"] == 12.5
    assert sites.attrs["notes"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.234.567", 1_234_567.0), ("1.234,5", 1_234.5), ("0,5", 0.5), ("2e3", 2_000.0)],
)
def test_dutch_values_in_a_semicolon_csv(tmp_path, value, expected):
    path = _write(tmp_path, f"id;plot_area_m2;x;y\na;{value};{X};{Y}\n")
    assert candidates_from_file(path).loc["a", "plot_area_m2"] == expected


def test_coordinates_keep_their_decimal_point_beside_dutch_areas(tmp_path):
    path = _write(tmp_path, f"id;floor_area_m2;x;y\na;1.200;{X}.5;{Y}.25\nb;7,5;{X};{Y}\n")
    sites = candidates_from_file(path)
    assert sites.loc["a"].geometry.equals(Point(X + 0.5, Y + 0.25))
    assert sites["floor_area_m2"].tolist() == [1_200.0, 7.5]


def test_column_with_both_notations_is_refused(tmp_path):
    path = _write(tmp_path, f"id;floor_area_m2;x;y\na;12.5;{X};{Y}\nb;1,5;{X};{Y}\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"kolom 'floor_area_m2' mengt decimale komma's \('1,5' in rij 2\) en decimale "
        r"punten \('12.5' in rij 1\)",
    ):
        candidates_from_file(path)


def test_facility_places_in_dutch_notation(tmp_path, tiny_buurten):
    path = _write(
        tmp_path,
        f"id;type;places;x;y\na;dagopvang;1.200;{X};{Y}\nb;pauzeplek;2,5;{X};{Y}\n",
        name="register.csv",
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert register["places"].tolist() == [1_200.0, 2.5]


# --- CSV files that are not quite CSV ---------------------------------------------------


def test_windows_1252_csv_is_read_with_a_note(tmp_path):
    path = _write(
        tmp_path, f"id;name;x;y\na;Café Zuid;{X};{Y}\n", encoding="cp1252", name="excel.csv"
    )
    sites = candidates_from_file(path)
    assert sites.loc["a", "name"] == "Café Zuid"
    assert sites.attrs["notes"][0].startswith("gelezen als Windows-1252-tekst")


def test_excel_workbook_is_refused(tmp_path):
    path = tmp_path / "inventaris.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(PlekwijzerInputError, match=r"een werkmap of zip-archief, geen CSV"):
        candidates_from_file(path)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "inventaris.csv"
    path.write_bytes(b"\x00\x01\x02id;x;y\n")
    with pytest.raises(PlekwijzerInputError, match="geen tekstbestand"):
        candidates_from_file(path)


@pytest.mark.parametrize(
    "header",
    ["id;floor_area_m2;x;y;floor_area_m2", "id;FLOOR_AREA_M2;x;y;floor_area_m2"],
)
def test_duplicate_headers_are_refused_naming_them(tmp_path, header):
    path = _write(tmp_path, f"{header}\na;1;{X};{Y};2\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"dubbele kolomnaam 'floor_area_m2' \(kolom 2 '(FLOOR_AREA_M2|floor_area_m2)' "
        r"en kolom 5 'floor_area_m2'.*\): hernoem of verwijder er een",
    ):
        candidates_from_file(path)


def test_trailing_separator_is_harmless(tmp_path):
    path = _write(tmp_path, f"id;x;y;\na;{X};{Y};\n")
    assert "Unnamed: 3" not in candidates_from_file(path).columns


def test_unnamed_column_with_values_is_refused(tmp_path):
    path = _write(tmp_path, f"id;x;;y\na;{X};oops;{Y}\n")
    with pytest.raises(PlekwijzerInputError, match=r"kolom 3 heeft geen naam maar wel waarden"):
        candidates_from_file(path)


def test_ragged_line_is_named(tmp_path):
    path = _write(tmp_path, f"id;x;y\na;{X};{Y}\nb;{X};{Y};extra\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"regel 3 heeft 4 velden waar de kopregel er 3 heeft: controleer het sch",
    ):
        candidates_from_file(path)


def test_size_limit_is_stated_in_mib(tmp_path):
    path = _write(tmp_path, "id;x;y\n" + f"a;{X};{Y}\n" * 100_000)
    with pytest.raises(
        PlekwijzerInputError, match=r"het bestand is 1,5 MiB, meer dan de grens van 1 MiB"
    ):
        check_file(path, max_bytes=2**20)


# --- columns named like computed features -----------------------------------------------


def test_computed_feature_names_are_kept_aside_with_a_note(tmp_path, tiny_buurten):
    path = _write(
        tmp_path,
        f"id;distance_to_facility_m;buurt_draagkracht;score;x;y\na;5;0,9;1;{X};{Y}\n",
    )
    sites = candidates_from_file(path)
    assert {"input_distance_to_facility_m", "input_buurt_draagkracht", "input_score"} <= set(
        sites.columns
    )
    assert (
        "distance_to_facility_m, buurt_draagkracht, score, die Plekwijzer zelf berekent"
        in (sites.attrs["notes"][-1])
    )
    table = candidate_features(sites, buurten=tiny_buurten)
    assert table.columns.is_unique
    assert "buurt_draagkracht" not in table.columns  # tiny_buurten has no draagkracht
    assert table.loc["a", "input_buurt_draagkracht"] == "0,9"


# --- vector files -----------------------------------------------------------------------


def _quiet_to_file(frame: gpd.GeoDataFrame, path: Path, **options) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL warns that it truncates the shapefile names
        frame.to_file(path, **options)


@pytest.mark.parametrize("zipped", [False, True])
def test_shapefile_names_are_restored_and_reported(tmp_path, zipped):
    folder = tmp_path / "shp"
    folder.mkdir()
    _quiet_to_file(_sites(floor_area_m2=[600.0], plot_area_m2=[900.0]), folder / "sites.shp")
    path = folder / "sites.shp"
    if zipped:
        path = tmp_path / "sites.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    sites = candidates_from_file(path)
    assert sites.loc["s0", "floor_area_m2"] == 600.0
    assert sites.loc["s0", "plot_area_m2"] == 900.0
    assert sites.attrs["notes"] == [
        "shapefile-kolomnamen (ingekort tot 10 tekens) gelezen als: floor_area -> floor_area_m2, "
        "plot_area_ -> plot_area_m2."
    ]


def test_zipped_register_keeps_its_confidential_flag(tmp_path, tiny_buurten):
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = _sites(type=["housing_first"], places=[2], confidential=["ja"])
    _quiet_to_file(frame, folder / "register.shp")
    path = tmp_path / "register.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    register = facilities_from_file(path, buurten=tiny_buurten)
    assert register["confidential"].tolist() == [True]
    assert register["location_precision"].tolist() == ["buurt"]


def test_zip_without_shapefile_is_refused(tmp_path):
    path = tmp_path / "sites.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no shapes")
    with pytest.raises(
        PlekwijzerInputError, match=r"het zip-bestand bevat geen shapefile \(.shp\)"
    ):
        candidates_from_file(path)


def test_geopackage_with_several_layers_is_refused_listing_them(tmp_path):
    path = tmp_path / "sites.gpkg"
    _sites(use=["kantoor"]).to_file(path, layer="kantoren")
    _sites(use=["grond"]).to_file(path, layer="kavels")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"sites.gpkg: het bestand heeft 2 lagen: kantoren, kavels. Zeg welke gelezen moet "
        r"worden \(--layer NAAM\)",
    ):
        candidates_from_file(path)
    assert candidates_from_file(path, layer="kavels")["use"].tolist() == ["grond"]
    with pytest.raises(PlekwijzerInputError, match=r"geen laag 'panden'; de lagen zijn: kant"):
        candidates_from_file(path, layer="panden")


def test_geojson_in_rd_without_crs_gets_a_crs_message(tmp_path):
    path = tmp_path / "sites.geojson"
    _sites(use=["kantoor"]).to_file(path, driver="GeoJSON")
    collection = json.loads(path.read_text())
    collection.pop("crs")
    path.write_text(json.dumps(collection))
    with pytest.raises(CRSError, match=r"lijken RD New-meters \(EPSG:28992\).*zonder 'crs'"):
        candidates_from_file(path)


@pytest.mark.parametrize(
    ("name", "blob"),
    [
        ("sites.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
        ("sites.geojson", b'{"type": "FeatureCollection", "features": ['),
        ("sites.zip", b"PK\x03\x04 not really a zip"),
    ],
)
def test_damaged_files_get_a_message_without_library_internals(tmp_path, name, blob):
    path = tmp_path / name
    path.write_bytes(blob)
    with pytest.raises(PlekwijzerInputError) as caught:
        candidates_from_file(path)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    for internal in ("sqlite", "GDAL", "Failed to read", "vsizip", "/tmp", "Traceback"):
        assert internal not in message


def test_read_vector_keeps_notes_empty_for_plain_geopackages(tmp_path):
    path = tmp_path / "sites.gpkg"
    _sites(use=["kantoor"]).to_file(path)
    assert read_vector(path).attrs["notes"] == []


def test_read_csv_parses_only_the_number_columns_it_is_given(tmp_path):
    path = _write(tmp_path, "id;name;x\n1.234;12,5;3,5\n")
    frame = read_csv(path, numeric=["X"])
    assert frame.loc[0, "id"] == "1.234"
    assert frame.loc[0, "name"] == "12,5"
    assert frame.loc[0, "x"] == 3.5


# --- Every input answered in seconds (issue 18) -------------------------------------------


def test_header_of_100000_columns_is_refused_naming_the_limit(tmp_path):
    names = ",".join(f"c{i}" for i in range(100_000))
    path = _write(tmp_path, f"id,{names}\na,{','.join('1' * 100_000)}\n")
    with pytest.raises(
        PlekwijzerInputError, match=r"100\.001 kolommen, meer dan de grens van 1\.000"
    ):
        read_csv(path)


def test_line_longer_than_the_limit_is_refused_naming_it(tmp_path):
    path = _write(tmp_path, f"id;name;x;y\na;{'n' * (MAX_LINE_BYTES + 10)};{X};{Y}\n")
    with pytest.raises(PlekwijzerInputError, match=r"regel 2 is langer dan 1\.000\.000 bytes"):
        read_csv(path)


def test_file_without_line_breaks_is_refused(tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"id;x;y" + b";z" * MAX_LINE_BYTES)
    with pytest.raises(PlekwijzerInputError, match=r"regel 1 is langer dan .* geen regeleinden"):
        read_csv(path)


def test_field_longer_than_the_limit_is_refused_naming_column_and_row(tmp_path):
    path = _write(
        tmp_path, f"id;name;x;y\na;kort;{X};{Y}\nb;{'n' * (MAX_FIELD_CHARS + 1)};{X};{Y}\n"
    )
    with pytest.raises(
        PlekwijzerInputError, match=r"kolom 'name' \(kolom 2\) heeft in rij 2 .* meer dan de grens"
    ):
        read_csv(path)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("١٢٥٠", 1250.0), ("۱۲۵۰", 1250.0), ("１２５０", 1250.0), ("١٢٥٠,٥", 1250.5)],
)
def test_digits_of_other_scripts_are_read_with_a_note(tmp_path, written, expected):
    path = _write(tmp_path, f"id;floor_area_m2;x;y\na;{written};{X};{Y}\nb;300;{X};{Y + 10}\n")
    sites = candidates_from_file(path)
    assert sites.loc["a", "floor_area_m2"] == expected
    assert (
        f"{written!r} gelezen als {expected:g} (cijfers of minteken uit een ander schrift)"
        in " ".join(sites.attrs["notes"])
    )


@pytest.mark.parametrize("written", ["١٢٫٥", "12²", "1 250", "½"])
def test_other_number_signs_are_refused_naming_row_and_column(tmp_path, written):
    path = _write(tmp_path, f"id;floor_area_m2;x;y\na;100;{X};{Y}\nb;{written};{X};{Y}\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"kolom 'floor_area_m2' heeft een waarde die geen getal is .* rij 2",
    ):
        candidates_from_file(path)


def test_geojson_feature_without_properties_is_refused_naming_it(tmp_path):
    path = tmp_path / "sites.geojson"
    _sites(use=["kantoor", "school"]).to_crs(4326).to_file(path, driver="GeoJSON")
    collection = json.loads(path.read_text())
    collection["features"][1]["properties"] = None
    collection["features"][1]["id"] = "s9"
    path.write_text(json.dumps(collection))
    with pytest.raises(
        PlekwijzerInputError, match=r"sites.geojson: object 2 \(id 's9'\) heeft geen eigenschappen"
    ):
        candidates_from_file(path)


def test_headers_are_trimmed_and_case_folded(tmp_path):
    path = _write(tmp_path, f" ID ;Floor_Area_M2; X ;Y\na;1.200;{X};{Y}\n")
    sites = candidates_from_file(path)
    assert sites.loc["a", "floor_area_m2"] == 1200.0
    assert sites.loc["a"].geometry.equals(Point(X, Y))


def test_headers_differing_only_in_case_are_refused(tmp_path):
    path = _write(tmp_path, f"id;X;x;y\na;{X};{X};{Y}\n")
    with pytest.raises(
        PlekwijzerInputError,
        match=r"dubbele kolomnaam 'x' \(kolom 2 'X' en kolom 3 'x', gelijk als hoofdletters en",
    ):
        read_csv(path)


def test_vector_headers_are_trimmed_and_case_folded(tmp_path):
    path = tmp_path / "sites.gpkg"
    _sites(Use=["kantoor"]).rename(columns={"id": "ID"}).to_file(path)
    sites = candidates_from_file(path)
    assert list(sites.index) == ["s0"]
    assert sites.loc["s0", "use"] == "kantoor"


def test_excel_sep_line_names_the_separator(tmp_path):
    path = _write(tmp_path, f"sep=;\nid;floor_area_m2;x;y\na;1,5;{X};{Y}\n")
    sites = candidates_from_file(path)
    assert sites.loc["a", "floor_area_m2"] == 1.5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_csv_with_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "inventaris.csv"
    text = f"id;name;floor_area_m2;x;y\na;Café Ø;1,5;{X};{Y}\n"
    data = text.encode(encoding)
    path.write_bytes(data if encoding == "utf-16" else b"\xfe\xff" + data)
    sites = candidates_from_file(path)
    assert sites.loc["a", "name"] == "Café Ø"
    assert sites.loc["a", "floor_area_m2"] == 1.5


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null", "fifo"])
def test_device_or_pipe_is_refused_as_not_a_regular_file(tmp_path, special):
    if special == "fifo":
        special = str(tmp_path / "pipe.csv")
        os.mkfifo(special)
    with pytest.raises(PlekwijzerInputError, match="geen gewoon bestand"):
        check_file(special)


def test_json_saved_as_csv_is_named_as_json(tmp_path):
    path = _write(tmp_path, '{"type": "FeatureCollection", "features": []}\n')
    with pytest.raises(PlekwijzerInputError, match=r"lijkt JSON \(GeoJSON\?\), geen CSV"):
        read_csv(path)


def test_geojson_feature_without_a_properties_member_is_refused_naming_it(tmp_path):
    path = tmp_path / "sites.geojson"
    _sites(use=["kantoor", "school"]).to_crs(4326).to_file(path, driver="GeoJSON")
    collection = json.loads(path.read_text())
    del collection["features"][0]["properties"]
    path.write_text(json.dumps(collection))
    with pytest.raises(
        PlekwijzerInputError, match=r'object 1 heeft geen eigenschappen \(geen "properties"'
    ):
        candidates_from_file(path)


def test_quote_left_open_is_refused_naming_its_line(tmp_path):
    path = _write(tmp_path, f'id,name,x,y\nS1,ok,{X},{Y}\nS2,"Site,{X},{Y}\nS3,c,{X},{Y}\n')
    with pytest.raises(
        PlekwijzerInputError,
        match=r"aanhalingsteken \(\"\) geopend in regel 3 wordt nooit gesloten",
    ):
        read_csv(path)
