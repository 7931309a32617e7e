"""Read what people actually export: CSV from Dutch Excel, shapefiles, multi-layer GeoPackages.

Both readers return a frame with ``attrs["notes"]``: what the reader decided that the user
should know (numbers read in Dutch notation, shapefile columns renamed, file read as
Windows-1252). Messages name the file by its own name only and never pass on the text of
GDAL or sqlite errors, which names internals the user cannot act on.

CSV:

* encoding UTF-8 (with or without BOM), else Windows-1252 (what Dutch Excel saves), noted;
  a workbook (``.xlsx``) or other binary file is refused;
* separator ``;``, ``,``, tab or ``|``, whichever the header line holds most of (outside
  quotes);
* duplicate column names (case-insensitive) are refused, naming them; an unnamed column is
  dropped when it is empty (a trailing separator) and refused otherwise;
* number columns (those the caller names) are parsed with the notation decided per column
  and per file (:mod:`geo._numbers`).

Vector files (GeoJSON, GeoPackage, Shapefile as ``.shp`` or ``.zip``, FlatGeobuf):

* a file with several layers is refused listing them, unless ``layer`` names one;
* shapefile column names cut to 10 characters (``floor_area``, ``plot_area_``) get their full
  name back (:data:`SHAPEFILE_NAMES`), noted;
* a GeoJSON without a ``crs`` member whose coordinates are RD metres gets a message about
  the CRS (GDAL reads such a file as degrees).
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio

from geo import _numbers
from geo._errors import CRSError, EmptyInputError, PlekwijzerInputError
from geo._validate import RD_BOUNDS_M, check_file

#: Full column names that a shapefile (DBF, 10 characters) cuts short.
SHAPEFILE_NAMES = (
    "floor_area_m2",
    "plot_area_m2",
    "location_precision",
    "confidential",
    "gemeentecode",
    "breedtegraad",
    "lengtegraad",
)
_SEPARATORS = (";", ",", "\t", "|")
_NULLS = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]
_SHAPEFILE_SUFFIXES = {".shp", ".zip", ".dbf"}


def read_csv(path: str | Path, *, numeric: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV with every column as text, and the named number columns as floats.

    Parameters
    ----------
    path
        The file.
    numeric
        Column names (matched case-insensitively) to parse as numbers.

    Returns
    -------
    pandas.DataFrame
        Columns stripped of spaces; ``attrs["notes"]`` as in the module notes.

    Raises
    ------
    PlekwijzerInputError
        On a binary file, duplicate or unnamed columns, a row with more fields than the
        header, no data rows, or a value that is not a number in a number column.
    """
    path = check_file(path)
    notes: list[str] = []
    encoding = _encoding(path)
    if encoding != "utf-8-sig":
        notes.append(
            "gelezen als Windows-1252-tekst (geen UTF-8); sla op als 'CSV UTF-8' voor zekerheid."
        )
    header = _header_line(path, encoding)
    separator = max(_SEPARATORS, key=lambda s: _count_outside_quotes(header, s))
    names = [n.strip() for n in next(csv.reader([header], delimiter=separator), [])]
    _refuse_duplicates(names, source=path)
    frame = _parse_csv(path, separator=separator, encoding=encoding)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = _drop_unnamed(frame, names, source=path)
    if frame.empty:
        msg = "the CSV has a header but no data rows."
        raise EmptyInputError(msg, source=path)
    wanted = {n.lower() for n in numeric}
    columns = [c for c in frame.columns if c.lower() in wanted]
    default = _numbers.file_notation(frame, columns, separator=separator)
    for column in columns:
        values, note = _numbers.parse_numbers(frame, column, default=default, source=path)
        frame[column] = values
        if note:
            notes.append(note)
    frame.attrs["notes"] = notes
    release_arrow_memory()
    return frame


def release_arrow_memory() -> None:
    """Hand memory Arrow's allocator keeps for reuse back to the system.

    String work on a million-row table (regular expressions, strips) leaves hundreds of MB
    cached in Arrow's pool, which would add to the peak of every later step.
    """
    pa.default_memory_pool().release_unused()


def list_layers(path: Path) -> list[str]:
    """Return the layer names of a vector file; refuse a file GDAL cannot open."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise _unreadable(path) from exc


def read_vector(
    path: str | Path,
    *,
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer of a vector file (see module notes); refuse an empty one.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, Shapefile (``.shp`` or zipped), FlatGeobuf.
    layer
        The layer to read; needed when the file has several.
    bbox
        Only features intersecting this box (in the file's CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        With ``attrs["notes"]``.
    """
    path = check_file(path)
    if path.suffix.lower() == ".zip":
        _require_shapefile_in_zip(path)
    layers = list_layers(path)
    if layer is None and len(layers) > 1:
        msg = (
            f"the file holds {len(layers)} layers: {', '.join(layers)}. Say which one to "
            "read (--layer NAME)."
        )
        raise PlekwijzerInputError(msg, source=path)
    if layer is not None and layer not in layers:
        msg = f"the file has no layer {layer!r}; its layers are: {', '.join(layers)}."
        raise PlekwijzerInputError(msg, source=path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = gpd.read_file(path, layer=layer, bbox=bbox, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(path) from exc
    except (pyogrio.errors.FieldError, pyogrio.errors.GeometryError, ValueError) as exc:
        msg = (
            "a column or geometry of the file cannot be read (damaged or unusual types). "
            "Export it again as GeoPackage or GeoJSON."
        )
        raise PlekwijzerInputError(msg, source=path) from exc
    if frame.empty:
        msg = "the layer holds no features."
        raise EmptyInputError(msg, source=path)
    notes: list[str] = []
    if path.suffix.lower() in _SHAPEFILE_SUFFIXES:
        frame, renamed = _restore_shapefile_names(frame)
        if renamed:
            pairs = ", ".join(f"{short} -> {full}" for short, full in renamed.items())
            notes.append(f"shapefile-kolomnamen (ingekort tot 10 tekens) gelezen als: {pairs}.")
    _refuse_degrees_that_are_metres(frame, source=path)
    frame.attrs["notes"] = notes
    return frame


def _encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``cp1252``; refuse binaries."""
    with path.open("rb") as handle:
        start = handle.read(4096)
        if start.startswith(b"PK\x03\x04"):
            msg = (
                "this is a workbook or zip archive, not a CSV. Save it from Excel as "
                "'CSV UTF-8 (door komma's gescheiden)'."
            )
            raise PlekwijzerInputError(msg, source=path)
        if b"\x00" in start:
            msg = "this is not a text file. Save the table as CSV (UTF-8)."
            raise PlekwijzerInputError(msg, source=path)
        decoder = codecs.getincrementaldecoder("utf-8")()
        block = start
        try:
            while block:
                decoder.decode(block)
                block = handle.read(1 << 20)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _header_line(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    msg = "the CSV holds no header and no rows. Add a header row and data."
    raise EmptyInputError(msg, source=path)


def _count_outside_quotes(line: str, separator: str) -> int:
    return len(re.sub(r'"[^"]*"', "", line).split(separator)) - 1


def _refuse_duplicates(names: list[str], *, source: Path) -> None:
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            continue
        key = name.lower()
        if key in seen:
            msg = (
                f"duplicate column name {name!r} (columns {seen[key]} and {position}): rename "
                "or remove one, Plekwijzer cannot tell which to use."
            )
            raise PlekwijzerInputError(msg, source=source)
        seen[key] = position


def _parse_csv(path: Path, *, separator: str, encoding: str) -> pd.DataFrame:
    options = {
        "sep": separator,
        "dtype": str,
        "encoding": encoding,
        "keep_default_na": False,
        "na_values": _NULLS,
    }
    try:
        return pd.read_csv(path, engine="pyarrow", **options)
    except pd.errors.EmptyDataError as exc:
        msg = "the CSV holds no header and no rows. Add a header row and data."
        raise EmptyInputError(msg, source=path) from exc
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        pass
    # The C parser names the line of a ragged row; the fast parser does not.
    try:
        return pd.read_csv(path, engine="c", **options)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, saw = found.groups()
            msg = (
                f"line {line} has {saw} fields where the header has {expected}: check the "
                f"separator ({separator!r}) and the quotes in that line."
            )
        else:
            msg = "cannot parse as CSV. Save it as CSV (UTF-8) with one header row."
        raise PlekwijzerInputError(msg, source=path) from exc
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        msg = "cannot parse as CSV. Save it as CSV (UTF-8) with one header row."
        raise PlekwijzerInputError(msg, source=path) from exc


def _drop_unnamed(frame: pd.DataFrame, names: list[str], *, source: Path) -> pd.DataFrame:
    unnamed = [
        column
        for position, column in enumerate(frame.columns)
        if position >= len(names) or not names[position]
    ]
    for column in unnamed:
        values = frame[column].dropna()
        if len(values):
            position = list(frame.columns).index(column) + 1
            msg = (
                f"column {position} has no name but holds values (e.g. {values.iloc[0]!r}): "
                "give it a header."
            )
            raise PlekwijzerInputError(msg, source=source)
    return frame.drop(columns=unnamed)


def _unreadable(path: Path) -> PlekwijzerInputError:
    msg = (
        f"cannot read {path.suffix or 'the file'} as a vector file: it is damaged or of "
        "another type. Export it again as GeoPackage (.gpkg) or GeoJSON (.geojson)."
    )
    return PlekwijzerInputError(msg, source=path)


def _require_shapefile_in_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        msg = "not a valid zip archive. Zip the shapefile again (.shp, .shx, .dbf, .prj)."
        raise PlekwijzerInputError(msg, source=path) from exc
    if not any(n.lower().endswith(".shp") for n in names):
        msg = "the zip holds no shapefile (.shp). Zip the .shp with its .shx, .dbf and .prj."
        raise PlekwijzerInputError(msg, source=path)


def _restore_shapefile_names(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict]:
    present = {str(c).lower() for c in frame.columns}
    renamed = {}
    for full in SHAPEFILE_NAMES:
        short = full[:10]
        match = next((c for c in frame.columns if str(c).lower() == short), None)
        if match is not None and full not in present:
            renamed[match] = full
    return frame.rename(columns=renamed), renamed


def _refuse_degrees_that_are_metres(frame: gpd.GeoDataFrame, *, source: Path) -> None:
    """GeoJSON without ``crs`` is read as lon/lat: catch RD metres read as degrees."""
    if frame.crs is None or not frame.crs.is_geographic:
        return
    xmin, ymin, xmax, ymax = frame.total_bounds
    if max(abs(xmin), abs(xmax)) <= 180 and max(abs(ymin), abs(ymax)) <= 90:
        return
    rx0, ry0, rx1, ry1 = RD_BOUNDS_M
    looks_rd = rx0 <= xmin and xmax <= rx1 and ry0 <= ymin and ymax <= ry1
    guess = "RD New metres (EPSG:28992)" if looks_rd else "metres of a projected CRS"
    msg = (
        f"the coordinates (x {xmin:.0f}…{xmax:.0f}, y {ymin:.0f}…{ymax:.0f}) look like "
        f"{guess}, but the file does not say so and is read as degrees (GeoJSON without a "
        "'crs' member means lon/lat). Export it as GeoJSON in EPSG:4326, or as GeoPackage "
        "with its CRS."
    )
    raise CRSError(msg, source=source)
