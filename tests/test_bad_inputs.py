"""What a new user may feed ``plekwijzer score``: every bad or borderline input gets an answer.

Each case is one input (a file, a column, a value, an option) changed from the synthetic demo
region, run through ``cli.main`` in this process. The answer is either a correct read (exit 0)
or a refusal: exit 2 with exactly one ``plekwijzer: fout:`` line that names the file (or the
option) — never a traceback, never a hang (readers bound what they parse, see
:mod:`geo._read`). The classes follow issue 18's closing note: file, CSV, numbers, location,
register, vector, options.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

import cli
from criteria import scenario as scenario_module
from geo import workspace
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.settings import CRS_RD

READ, REFUSE = "read", "refuse"
# A site and a facility inside the demo region (RD metres), and one in Amsterdam (outside).
X, Y = 61_500.0, 391_500.0
X_OUT, Y_OUT = 121_000.0, 487_000.0
HEADER = "id,name,use,floor_area_m2,plot_area_m2,build_year,owner,x,y"


@dataclass(frozen=True)
class Demo:
    """The demo data directory and a small copy of its inventory and register."""

    source: DataSource
    rows: list[str]  # the first candidate rows of the demo inventory, without header
    register: str  # the demo register CSV text


@dataclass(frozen=True)
class Case:
    """One input: ``make`` writes what it needs in the folder and returns the overrides."""

    kind: str
    name: str
    expect: str
    make: Callable[[Path, Demo], dict[str, object]]
    named: str | None = None  # text the refusal must contain (default: the file's name)


CASES: list[Case] = []


def case(kind: str, name: str, expect: str, *, named: str | None = None) -> Callable:
    """Register the decorated maker as a case."""

    def register(make: Callable[[Path, Demo], dict[str, object]]) -> Callable:
        CASES.append(Case(kind, name, expect, make, named))
        return make

    return register


def inventory(kind: str, name: str, expect: str, text: str, **options: object) -> None:
    """Register a case whose inventory is ``text`` (``{rows}`` = demo rows, ``{x}``/``{y}``)."""

    def make(folder: Path, demo: Demo) -> dict[str, object]:
        body = text.replace("{rows}", "\n".join(demo.rows)).replace("{x}", str(X))
        path = folder / str(options.get("file", "inventaris.csv"))
        encoding = str(options.get("encoding", "utf-8"))
        path.write_bytes(body.replace("{y}", str(Y)).encode(encoding))
        return {"--candidates": path}

    CASES.append(Case(kind, name, expect, make, options.get("named")))  # type: ignore[arg-type]


def register_csv(name: str, expect: str, text: str) -> None:
    """Register a register (facilities) case; ``{x}``/``{y}`` lie in the demo region."""

    def make(folder: Path, _demo: Demo) -> dict[str, object]:
        path = folder / "register.csv"
        path.write_text(text.replace("{x}", str(X)).replace("{y}", str(Y)), encoding="utf-8")
        return {"--facilities": path}

    CASES.append(Case("register", name, expect, make))


def site_row(sid: str = "S1", *, area: str = "300", x: object = X, y: object = Y) -> str:
    return f"{sid},Site {sid},kantoor,{area},800,1970,gemeente,{x},{y}"


def with_area(value: str, sep: str = ",") -> str:
    """An inventory whose second site has ``value`` as floor area."""
    rows = [
        sep.join(["id", "floor_area_m2", "x", "y"]),
        sep.join(["A", "300", str(X), str(Y)]),
        sep.join(["B", value, str(X + 300), str(Y)]),
    ]
    return "\n".join(rows) + "\n"


# --- file -----------------------------------------------------------------------------------


@case("file", "missing", REFUSE)
def _missing(folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--candidates": folder / "inventaris.csv"}


@case("file", "directory", REFUSE)
def _directory(folder: Path, _demo: Demo) -> dict[str, object]:
    (folder / "inventaris.csv").mkdir()
    return {"--candidates": folder / "inventaris.csv"}


@case("file", "dev-zero", REFUSE, named="/dev/zero")
def _dev_zero(_folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--candidates": "/dev/zero"}


@case("file", "dev-null", REFUSE, named="/dev/null")
def _dev_null(_folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--candidates": "/dev/null"}


@case("file", "fifo", REFUSE)
def _fifo(folder: Path, _demo: Demo) -> dict[str, object]:
    os.mkfifo(folder / "inventaris.csv")
    return {"--candidates": folder / "inventaris.csv"}


@case("file", "over-200-mib", REFUSE)
def _huge(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "inventaris.csv"
    with path.open("wb") as handle:  # sparse: takes no disk and no time
        handle.truncate(201 * 2**20)
    return {"--candidates": path}


@case("file", "workbook-as-csv", REFUSE)
def _xlsx(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "inventaris.csv"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    return {"--candidates": path}


@case("file", "gzip-as-csv", REFUSE)
def _gzip(folder: Path, demo: Demo) -> dict[str, object]:
    path = folder / "inventaris.csv"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *demo.rows]) + "\n").encode()))
    return {"--candidates": path}


@case("file", "unsupported-suffix", REFUSE)
def _docx(folder: Path, demo: Demo) -> dict[str, object]:
    path = folder / "inventaris.docx"
    path.write_text("\n".join([HEADER, *demo.rows]))
    return {"--candidates": path}


inventory("file", "empty-0-bytes", REFUSE, "")
inventory("file", "only-blank-lines", REFUSE, "\n\n  \n")
inventory("file", "binary-with-nul", REFUSE, "id\x00x\x00y\x00\n")
inventory("file", "utf8-bom", READ, "\ufeff" + HEADER + "\n{rows}\n")
inventory("file", "utf16-bom", READ, "\ufeff" + HEADER + "\n{rows}\n", encoding="utf-16-le")
inventory("file", "utf16-be-bom", READ, "\ufeff" + HEADER + "\n{rows}\n", encoding="utf-16-be")
inventory(
    "file",
    "windows-1252",
    READ,
    HEADER + "\nS1,Café,kantoor,300,800,1970,gem,{x},{y}\n",
    encoding="cp1252",
)
inventory("file", "crlf", READ, (HEADER + "\n{rows}\n").replace("\n", "\r\n"))
inventory("file", "txt-suffix", READ, HEADER + "\n{rows}\n", file="inventaris.txt")
inventory("file", "geojson-text-in-csv", REFUSE, '{"type": "FeatureCollection", "features": []}')


# --- CSV ------------------------------------------------------------------------------------

_WIDE = ",".join(f"c{i}" for i in range(100_000))
inventory("csv", "100000-columns", REFUSE, f"id,x,y,{_WIDE}\nS1,{{x}},{{y}},{'1,' * 99_999}1\n")
inventory("csv", "1001-columns", REFUSE, "id,x,y," + ",".join(f"c{i}" for i in range(998)) + "\n")
inventory(
    "csv",
    "1000-columns",
    READ,
    "id,x,y," + ",".join(f"c{i}" for i in range(997)) + "\nS1,{x},{y}" + ",v" * 997 + "\n",
)
inventory("csv", "line-over-1-mb", REFUSE, HEADER + "\nS1," + "n" * 1_100_000 + "\n")
inventory("csv", "no-line-breaks", REFUSE, "id,x,y" + ",z" * 600_000)
inventory(
    "csv",
    "field-over-10000-chars",
    REFUSE,
    HEADER + "\n" + site_row().replace("Site S1", "n" * 10_001) + "\n",
)
inventory("csv", "no-final-newline", READ, HEADER + "\n{rows}")
inventory(
    "csv",
    "excel-sep-line",
    READ,
    "sep=;\n" + HEADER.replace(",", ";") + "\nS1;S;kantoor;300;800;1970;gem;{x};{y}\n",
)
inventory("csv", "bom-and-sep-line", READ, "\ufeffsep=,\n" + HEADER + "\n{rows}\n")
inventory(
    "csv",
    "padded-headers",
    READ,
    " ID , Name ,use,floor_area_m2,plot_area_m2,build_year,owner, X , Y \n{rows}\n",
)
inventory("csv", "upper-case-headers", READ, HEADER.upper() + "\n{rows}\n")
inventory("csv", "duplicate-column-by-case", REFUSE, "id,x,X,y\nS1,{x},{x},{y}\n")
inventory("csv", "unnamed-column-with-values", REFUSE, "id,,x,y\nS1,oops,{x},{y}\n")
inventory("csv", "trailing-separator", READ, "id,x,y,\nS1,{x},{y},\n")
inventory("csv", "ragged-row", REFUSE, HEADER + "\n{rows}\n" + site_row("Z9") + ",extra,more\n")
inventory("csv", "short-row", REFUSE, HEADER + "\n{rows}\nZ9,alleen\n")
inventory("csv", "open-quote", REFUSE, HEADER + '\nS1,"Site,kantoor,300,800,1970,gem,{x},{y}\n')
inventory("csv", "tab-separated", READ, "id\tx\ty\nS1\t{x}\t{y}\n")
inventory("csv", "pipe-separated", READ, "id|x|y\nS1|{x}|{y}\n")
inventory(
    "csv", "semicolon-dutch-decimals", READ, "id;floor_area_m2;x;y\nS1;1.250,5;61500,5;391500,25\n"
)
inventory("csv", "blank-lines-between-rows", READ, HEADER + "\n\n{rows}\n\n")
inventory("csv", "missing-id-column", REFUSE, "name,x,y\nSite,{x},{y}\n")
inventory("csv", "empty-id", REFUSE, "id,x,y\nS1,{x},{y}\n,{x},{y}\n")
inventory("csv", "duplicate-ids", REFUSE, "id,x,y\nS1,{x},{y}\nS1,{x},{y}\n")
inventory("csv", "header-only", REFUSE, HEADER + "\n")
inventory(
    "csv",
    "quoted-newline-in-name",
    READ,
    HEADER + '\nS1,"Kantoor\nnoord",kantoor,300,800,1970,gem,{x},{y}\n',
)
inventory("csv", "padded-ids", READ, "id,x,y\n  S1  ,{x},{y}\n")
inventory(
    "csv",
    "nul-byte-after-start",
    REFUSE,
    HEADER + "\n{rows}\n" + "S9,a\x00b,kantoor,1,1,1,g,{x},{y}\n" * 1,
)


# --- numbers --------------------------------------------------------------------------------

for _name, _value, _expect in [
    ("arabic-indic-digits", "١٢٥٠", READ),
    ("persian-digits", "۱۲۵۰", READ),
    ("full-width-digits", "１２５０", READ),
    ("arabic-digits-decimal-comma", '"١٢٥٠,٥"', READ),
    ("arabic-decimal-separator", "١٢٫٥", REFUSE),
    ("superscript", "12²", REFUSE),
    ("fraction-sign", "½", REFUSE),
    ("space-as-thousands", "1 250", REFUSE),
    ("word", "groot", REFUSE),
    ("hex", "0x1F", REFUSE),
    ("infinite", "1e309", REFUSE),
    ("inf-word", "inf", REFUSE),
    ("negative", "-100", REFUSE),
    ("typographic-minus", "−100", REFUSE),
    ("absurd-area", "1000000000000", REFUSE),
    ("nan-word", "NaN", READ),
    ("padded-number", "  1250  ", READ),
    ("international-grouping", '"1,234,567.5"', REFUSE),  # above the plausible area
    ("international-grouping-small", '"1,250.5"', READ),
    ("boolean", "true", REFUSE),
]:
    inventory("numbers", _name, _expect, with_area(_value))
inventory(
    "numbers",
    "mixed-notation-column",
    REFUSE,
    "id;floor_area_m2;x;y\nA;12.5;{x};{y}\nB;1,5;{x};{y}\n",
)
inventory(
    "numbers", "dutch-thousands", READ, "id;floor_area_m2;plot_area_m2;x;y\nA;12.500;1,5;{x};{y}\n"
)
inventory("numbers", "build-year-3000", REFUSE, "id,build_year,x,y\nA,3000,{x},{y}\n")
inventory(
    "numbers", "empty-number-columns", READ, "id,floor_area_m2,plot_area_m2,x,y\nA,,,{x},{y}\n"
)


# --- location -------------------------------------------------------------------------------


def _lat_lon(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([Point(x, y)], crs=CRS_RD).to_crs(4326).iloc[0]
    return round(point.y, 7), round(point.x, 7)


LAT, LON = _lat_lon(X, Y)
inventory("location", "x-y-swapped", REFUSE, "id,x,y\nS1,{y},{x}\n")
inventory("location", "lat-lon-swapped", REFUSE, f"id,lat,lon\nS1,{LON},{LAT}\n")
inventory("location", "degrees-in-x-y", REFUSE, f"id,x,y\nS1,{LON},{LAT}\n")
inventory("location", "no-location-columns", REFUSE, "id,name\nS1,Site\n")
inventory("location", "row-without-location", REFUSE, "id,x,y\nS1,{x},{y}\nS2,,\n")
inventory("location", "coordinate-text", REFUSE, "id,x,y\nS1,noord,{y}\n")
inventory("location", "zero-zero", REFUSE, "id,x,y\nS1,0,0\n")
inventory("location", "unknown-buurtcode", REFUSE, "id,buurtcode\nS1,BU00000000\n")
inventory("location", "buurtcode-lower-case", READ, "id,buurtcode\nS1,bu99010001\n")
inventory(
    "location", "latitude-longitude-capitals", READ, f"id,Latitude,Longitude\nS1,{LAT},{LON}\n"
)
inventory("location", "rd-x-rd-y", READ, "id,RD_X,RD_Y\nS1,{x},{y}\n")
inventory("location", "lng-alias", READ, f"id,lat,lng\nS1,{LAT},{LON}\n")
inventory(
    "location", "one-site-outside-region", READ, "id,x,y\nS1,{x},{y}\n" + f"S2,{X_OUT},{Y_OUT}\n"
)
inventory("location", "all-sites-outside-region", REFUSE, f"id,x,y\nS1,{X_OUT},{Y_OUT}\n")
inventory("location", "dutch-decimal-coordinates", READ, "id;x;y\nS1;61500,5;391500,5\n")
inventory("location", "abroad", REFUSE, "id,lat,lon\nS1,48.85,2.35\n")


# --- register -------------------------------------------------------------------------------

REGISTER = "id,name,type,places,x,y"
register_csv("unknown-type", REFUSE, REGISTER + "\nF1,A,hotel,4,{x},{y}\n")
register_csv("empty-places", REFUSE, REGISTER + "\nF1,A,dagopvang,,{x},{y}\n")
register_csv("negative-places", REFUSE, REGISTER + "\nF1,A,dagopvang,-4,{x},{y}\n")
register_csv("absurd-places", REFUSE, REGISTER + "\nF1,A,dagopvang,5000,{x},{y}\n")
register_csv(
    "bad-confidential", REFUSE, REGISTER + ",confidential\nF1,A,dagopvang,4,{x},{y},misschien\n"
)
register_csv("missing-type-column", REFUSE, "id,name,places,x,y\nF1,A,4,{x},{y}\n")
register_csv("missing-places-column", REFUSE, "id,name,type,x,y\nF1,A,dagopvang,{x},{y}\n")
register_csv("type-with-capitals", READ, REGISTER + "\nF1,A,Housing First,4,{x},{y}\n")
register_csv(
    "duplicate-ids", REFUSE, REGISTER + "\nF1,A,dagopvang,4,{x},{y}\nF1,B,dagopvang,4,{x},{y}\n"
)
register_csv("all-outside-region", REFUSE, REGISTER + f"\nF1,A,dagopvang,4,{X_OUT},{Y_OUT}\n")
register_csv("arabic-digit-places", READ, REGISTER + "\nF1,A,dagopvang,١٠,{x},{y}\n")
register_csv("confidential-ja", READ, REGISTER + ",confidential\nF1,A,dagopvang,4,{x},{y},ja\n")
register_csv("places-decimal", READ, REGISTER + "\nF1,A,dagopvang,2.5,{x},{y}\n")
register_csv("upper-case-headers", READ, REGISTER.upper() + "\nF1,A,dagopvang,4,{x},{y}\n")
register_csv("no-location", REFUSE, "id,name,type,places\nF1,A,dagopvang,4\n")


@case("register", "confidential-coordinate-aliases", READ)
def _secret(folder: Path, _demo: Demo) -> dict[str, object]:
    lat, lon = _lat_lon(61_234.5, 391_876.5)
    path = folder / "register.csv"
    path.write_text(
        "id,type,places,X,Y,Latitude,Longitude,rd_x,Adres\n"
        f"V1,vrouwenopvang,8,61234.5,391876.5,{lat},{lon},61234.5,Geheimstraat 7\n"
        f"F1,dagopvang,4,{X},{Y},,,,\n",
        encoding="utf-8",
    )
    return {"--facilities": path, "secret": ("61234", "391876", str(lat)[:7], "Geheimstraat")}


# --- vector ---------------------------------------------------------------------------------


def _sites(n: int = 3, *, crs: object = 4326) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"id": [f"S{i}" for i in range(n)], "floor_area_m2": [300.0] * n},
        geometry=[Point(X + 200 * i, Y) for i in range(n)],
        crs=CRS_RD,
    )
    return frame.to_crs(crs)


def geojson(name: str, expect: str, edit: Callable[[dict], object] | None, **kw: object) -> None:
    """Register a GeoJSON inventory case: the demo sites as JSON, changed by ``edit``."""

    def make(folder: Path, _demo: Demo) -> dict[str, object]:
        collection = json.loads(_sites().to_json())
        result = edit(collection) if edit else collection
        path = folder / "sites.geojson"
        path.write_text(result if isinstance(result, str) else json.dumps(result or collection))
        return {"--candidates": path}

    CASES.append(Case("vector", name, expect, make, kw.get("named")))  # type: ignore[arg-type]


def _set(path: list[object], value: object) -> Callable[[dict], dict]:
    def edit(collection: dict) -> dict:
        target: object = collection
        for key in path[:-1]:
            target = target[key]  # type: ignore[index]
        target[path[-1]] = value  # type: ignore[index]
        return collection

    return edit


geojson("plain-points", READ, None)
geojson("properties-null", REFUSE, _set(["features", 1, "properties"], None))
geojson("properties-missing", REFUSE, lambda c: c["features"][2].pop("properties") and c)
geojson("truncated", REFUSE, lambda c: json.dumps(c)[:-40])
geojson("empty-collection", REFUSE, _set(["features"], []))
geojson("null-geometry", REFUSE, _set(["features", 0, "geometry"], None))
geojson("not-geojson-list", REFUSE, lambda _c: "[1, 2, 3]")


def _upper_case_id(collection: dict, *, keep_feature_id: bool = False) -> dict:
    for feature in collection["features"]:
        if not keep_feature_id:
            feature.pop("id", None)
        feature["properties"]["ID"] = feature["properties"].pop("id")
    return collection


geojson("upper-case-properties", READ, _upper_case_id)
# GDAL reads a feature's own "id" member as a column "id": beside a property "ID" these are two
# columns named alike, refused naming both.
geojson("feature-id-beside-ID-property", REFUSE, lambda c: _upper_case_id(c, keep_feature_id=True))
geojson("nested-10000-deep", REFUSE, lambda _c: "[" * 10_000 + "]" * 10_000)


@case("vector", "geojson-rd-without-crs", REFUSE)
def _rd_geojson(folder: Path, _demo: Demo) -> dict[str, object]:
    collection = json.loads(_sites(crs=CRS_RD).to_json())
    collection.pop("crs", None)
    path = folder / "sites.geojson"
    path.write_text(json.dumps(collection))
    return {"--candidates": path}


@case("vector", "polygons", READ)
def _polygons(folder: Path, _demo: Demo) -> dict[str, object]:
    square = Polygon([(X, Y), (X + 50, Y), (X + 50, Y + 50), (X, Y + 50)])
    path = folder / "sites.gpkg"
    gpd.GeoDataFrame({"id": ["P1"]}, geometry=[square], crs=CRS_RD).to_file(path)
    return {"--candidates": path}


@case("vector", "self-intersecting-polygon", REFUSE)
def _bowtie(folder: Path, _demo: Demo) -> dict[str, object]:
    bowtie = Polygon([(X, Y), (X + 50, Y + 50), (X + 50, Y), (X, Y + 50)])
    path = folder / "sites.gpkg"
    gpd.GeoDataFrame({"id": ["P1"]}, geometry=[bowtie], crs=CRS_RD).to_file(path)
    return {"--candidates": path}


@case("vector", "gpkg-two-layers", REFUSE)
def _two_layers(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "sites.gpkg"
    _sites(crs=CRS_RD).to_file(path, layer="a")
    _sites(crs=CRS_RD).to_file(path, layer="b")
    return {"--candidates": path}


@case("vector", "gpkg-two-layers-named", READ)
def _two_layers_named(folder: Path, demo: Demo) -> dict[str, object]:
    return {**_two_layers(folder, demo), "--layer": "b"}


@case("vector", "gpkg-unknown-layer", REFUSE)
def _unknown_layer(folder: Path, demo: Demo) -> dict[str, object]:
    return {**_two_layers(folder, demo), "--layer": "c"}


@case("vector", "gpkg-without-crs", REFUSE)
def _no_crs(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "sites.gpkg"
    with warnings.catch_warnings():  # geopandas warns that the file will lack a CRS
        warnings.simplefilter("ignore", UserWarning)
        _sites(crs=CRS_RD).set_crs(None, allow_override=True).to_file(path)
    return {"--candidates": path}


@case("vector", "zip-without-shapefile", REFUSE)
def _empty_zip(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "sites.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "geen shapefile")
    return {"--candidates": path}


@case("vector", "zipped-shapefile", READ)
def _zipped_shapefile(folder: Path, _demo: Demo) -> dict[str, object]:
    with warnings.catch_warnings():  # floor_area_m2 is cut to 10 characters, as users see
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        _sites(crs=CRS_RD).to_file(folder / "sites.shp")
    path = folder / "sites.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.glob("sites.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    return {"--candidates": path}


@case("vector", "damaged-gpkg", REFUSE)
def _damaged(folder: Path, _demo: Demo) -> dict[str, object]:
    path = folder / "sites.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 500)
    return {"--candidates": path}


# --- options --------------------------------------------------------------------------------


def option(name: str, expect: str, *args: str, named: str) -> None:
    """Register a case that adds ``args`` to a valid run."""
    CASES.append(Case("options", name, expect, lambda _f, _d: {"args": list(args)}, named))


option("top-zero", REFUSE, "--top", "0", named="--top")
option("top-negative", REFUSE, "--top", "-3", named="--top")
option("top-word", REFUSE, "--top", "tien", named="--top")
option("spacing-negative", REFUSE, "--min-spacing-m", "-5", named="--min-spacing-m")
option("spacing-nan", REFUSE, "--min-spacing-m", "nan", named="--min-spacing-m")
option("weight-unknown", REFUSE, "--weight", "bogus=1", named="bogus")
option("weight-malformed", REFUSE, "--weight", "x", named="--weight")
option("weight-word", REFUSE, "--weight", "reach_dagopvang=veel", named="reach_dagopvang")
option("constraint-malformed", REFUSE, "--constraint", "=", named="--constraint")
option("constraint-unknown", REFUSE, "--constraint", "bogus=1", named="bogus")
option("profile-unknown", REFUSE, "--profile", "hotel", named="hotel")
option("region-and-gemeenten", REFUSE, "--gemeenten", "GM9901", named="--gemeenten")
option("sensitivity-negative", REFUSE, "--sensitivity", "-1", named="--sensitivity")
option("default-places-negative", REFUSE, "--default-places", "-1", named="--default-places")
option("evenness-above-one", REFUSE, "--evenness", "2", named="--evenness")
option("max-per-buurt-zero", REFUSE, "--max-per-buurt", "0", named="--max-per-buurt")


@case("options", "out-wrong-suffix", REFUSE, named="--out")
def _out_txt(folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--out": folder / "uit.txt"}


@case("options", "out-missing-folder", REFUSE, named="bestaat-niet")
def _out_missing(folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--out": folder / "bestaat-niet" / "uit.geojson"}


@case("options", "out-is-a-folder", REFUSE, named="map.geojson")
def _out_folder(folder: Path, _demo: Demo) -> dict[str, object]:
    (folder / "map.geojson").mkdir()
    return {"--out": folder / "map.geojson"}


@case("options", "data-dir-missing", REFUSE, named="geen-data")
def _data_dir(folder: Path, _demo: Demo) -> dict[str, object]:
    return {"--data-dir": folder / "geen-data"}


# --- running ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _region_loaded_once() -> Iterator[None]:
    """Load the demo region's own layers once for the module (the input under test not).

    Every case reads its own input through the real CLI; only the region's buurten, stops,
    borders and the unchanged demo register are memoised (and copied per use), so 100+ cases
    take seconds, not minutes.
    """
    cache: dict[tuple, object] = {}

    def memoised(function: Callable, *, only: Callable[..., bool] = lambda *_a, **_k: True):
        def wrapper(*args: object, **kwargs: object) -> object:
            if not only(*args, **kwargs):
                return function(*args, **kwargs)
            key = (function.__name__, repr(args), repr(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = function(*args, **kwargs)
            value = cache[key]
            return value.copy() if hasattr(value, "copy") else value

        return wrapper

    def demo_register(path: object, **_kwargs: object) -> bool:
        return Path(str(path)).name == Path(DEMO_FACILITIES).name

    names = (
        "neighbourhoods_from_cbs",
        "kerncijfers_from_cbs",
        "stops_from_ovapi",
        "stations_from_chb",
        "gemeente_borders_from_cbs",
        "require_known_gemeenten",
    )
    with pytest.MonkeyPatch.context() as patch:
        for name in names:
            patch.setattr(workspace, name, memoised(getattr(workspace, name)))
        patch.setattr(
            workspace,
            "facilities_from_file",
            memoised(workspace.facilities_from_file, only=demo_register),
        )
        # A profile is frozen data: the same one serves every case.
        profile_loader = getattr(scenario_module, "load_profile", None)
        if profile_loader is not None:
            patch.setattr(scenario_module, "load_profile", memoised(profile_loader))
        yield


@pytest.fixture(scope="module")
def demo(demo_source: DataSource) -> Demo:
    lines = (demo_source.path / DEMO_CANDIDATES).read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    register = (demo_source.path / DEMO_FACILITIES).read_text(encoding="utf-8")
    return Demo(source=demo_source, rows=lines[1:13], register=register)


def _arguments(folder: Path, demo: Demo, overrides: dict[str, object]) -> list[str]:
    base = folder / "base.csv"
    base.write_text("\n".join([HEADER, *demo.rows]) + "\n", encoding="utf-8")
    options: dict[str, object] = {
        "--data-dir": demo.source.path,
        "--region": "demo",
        "--profile": "noaberhuuske",
        "--candidates": base,
        "--facilities": demo.source.path / DEMO_FACILITIES,
        "--out": folder / "uit.geojson",
    }
    options |= {k: v for k, v in overrides.items() if k.startswith("--")}
    args = ["score"]
    for flag, value in options.items():
        args += [flag, str(value)]
    # Options given again win (argparse keeps the last), e.g. another --profile.
    return args + list(overrides.get("args", []))  # type: ignore[call-overload]


#: Words of an English sentence that no Dutch message uses ("of", "in" and "is" are Dutch
#: too, and "a" names rows and layers: id A, layers a, b).
ENGLISH = frozenset(
    {
        "the",
        "and",
        "with",
        "without",
        "must",
        "cannot",
        "missing",
        "use",
        "give",
        "got",
        "not",
        "found",
        "invalid",
        "unknown",
        "column",
        "row",
        "file",
        "needs",
        "should",
        "please",
        "than",
        "more",
        "only",
        "has",
        "but",
        "rows",
        "columns",
        "holds",
        "this",
        "that",
        "are",
        "for",
        "to",
        "or",
    }
)


def english_words(message: str) -> list[str]:
    """The English words of a message, outside what it quotes (names, values, code, paths).

    Field, column and option names stay English by design (``'floor_area_m2'``,
    ``--out``, ``shortlisted``), so quoted text, options and snake_case names are skipped.
    """
    text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\S*[/_]\S*|--\S+", " ", message)
    return [word for word in re.findall(r"[a-z']+", text.lower()) if word in ENGLISH]


def test_english_words_tells_english_from_dutch_with_english_names():
    old = (
        "plekwijzer: fout: bad.csv: column 'x' has non-numeric value 'abc' in row 1: use a number."
    )
    new = (
        "plekwijzer: fout: bad.csv: kolom 'x' heeft een waarde die geen getal is ('abc') in rij "
        "1: vul een getal in."
    )
    assert english_words(old) == ["column", "has", "row", "use"]
    assert english_words("the CSV has a header but no data rows.") == [
        "the",
        "has",
        "but",
        "rows",
    ]
    assert english_words(new) == []
    # Names stay English: a column, a field, an option, a file.
    assert english_words("kolom 'use' bevat tekst; zet --max-per-buurt in the_file.csv") == []


@pytest.mark.parametrize("bad", CASES, ids=[f"{c.kind}-{c.name}" for c in CASES])
def test_every_input_gets_a_clean_answer(
    bad: Case, demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture
):
    overrides = bad.make(tmp_path, demo)
    code = cli.main(_arguments(tmp_path, demo, overrides))
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("plekwijzer: fout")]
    assert "Traceback" not in captured.err
    if bad.expect == READ:
        assert code == 0, captured.err
        assert not errors
        collection = json.loads((tmp_path / "uit.geojson").read_text(encoding="utf-8"))
        assert collection["features"]
        written = (tmp_path / "uit.geojson").read_text(encoding="utf-8")
        written += (tmp_path / "uit.scenario.json").read_text(encoding="utf-8")
        for secret in overrides.get("secret", ()):  # type: ignore[attr-defined]
            assert secret not in written, secret
        return
    assert code == 2, captured.err
    assert len(errors) == 1, captured.err
    # The one error line says which input: the file's name, or the option.
    flag = {"--candidates", "--facilities"} & set(overrides)
    named = bad.named or (Path(str(overrides[flag.pop()])).name if flag else None)
    assert named, "a case must say what its refusal names"
    assert named in errors[0], errors[0]
    assert not english_words(errors[0]), errors[0]
    assert not (tmp_path / "uit.geojson").exists()


def test_the_cases_cover_every_class_a_hundred_times_over():
    kinds = {c.kind for c in CASES}
    assert kinds == {"file", "csv", "numbers", "location", "register", "vector", "options"}
    assert len(CASES) >= 100
    assert len({(c.kind, c.name) for c in CASES}) == len(CASES)
