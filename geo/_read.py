"""Read what people actually export: CSV from Dutch Excel, shapefiles, multi-layer GeoPackages.

Both readers return a frame with ``attrs["notes"]``: what the reader decided that the user
should know (numbers read in Dutch notation, shapefile columns renamed, file read as
Windows-1252). Messages name the file by its own name only and never pass on the text of
GDAL or sqlite errors, which names internals the user cannot act on.

CSV:

* encoding UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"), else
  Windows-1252 (what Dutch Excel saves), noted; a workbook (``.xlsx``) or other binary file
  is refused;
* separator ``;``, ``,``, tab or ``|``, whichever the header line holds most of (outside
  quotes); Excel's ``sep=;`` first line names it and is skipped;
* column names are trimmed and case-folded (`` ID `` is ``id``); duplicates are refused,
  naming them; an unnamed column is dropped when it is empty (a trailing separator) and
  refused otherwise;
* sizes are bounded so that every file is answered in seconds: at most
  :data:`MAX_COLUMNS` columns, :data:`MAX_LINE_BYTES` bytes a line and
  :data:`MAX_FIELD_CHARS` characters a field, each refused naming the limit;
* number columns (those the caller names) are parsed with the notation decided per column
  and per file (:mod:`geo._numbers`).

Vector files (GeoJSON, GeoPackage, Shapefile as ``.shp`` or ``.zip``, FlatGeobuf):

* a file with several layers is refused listing them, unless ``layer`` names one;
* shapefile column names cut to 10 characters (``floor_area``, ``plot_area_``) get their full
  name back (:data:`SHAPEFILE_NAMES`), noted;
* a GeoJSON without a ``crs`` member whose coordinates are RD metres gets a message about
  the CRS (GDAL reads such a file as degrees);
* a GeoJSON feature without properties (``"properties": null`` or none) is refused naming
  the feature: GDAL would give it empty attributes and an id taken from the feature id;
* with ``fold_names``, column names are trimmed and case-folded as for CSV.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import os
import re
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio

from geo import _numbers, nlformat
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
_GEOJSON_SUFFIXES = {".geojson", ".json"}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Excel writes ``sep=;`` as the first line of a CSV to name its separator.
_EXCEL_SEP = re.compile(r'^"?sep=(.)"?\s*$', re.IGNORECASE)

#: Most columns a CSV may have. An inventory or register needs about ten; a wider header is a
#: wrong separator or another kind of table, and parsing 100,000 columns takes minutes.
MAX_COLUMNS = 1_000
#: Longest line of a CSV in bytes (UTF-8; twice that for UTF-16). A longer line is a file
#: without line breaks, a quote left open, or not a table.
MAX_LINE_BYTES = 1_000_000
#: Longest value of one field in characters: names and addresses are far shorter.
MAX_FIELD_CHARS = 10_000
#: GeoJSON files up to this size are parsed to check every feature has properties.
_PARSE_GEOJSON_BYTES = 20 * 2**20


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
    if encoding == "cp1252":
        notes.append(
            "gelezen als Windows-1252-tekst (geen UTF-8); sla op als 'CSV UTF-8' voor zekerheid."
        )
    header, skip = _header_line(path, encoding)
    if header.lstrip("\ufeff \t").startswith(("{", "[")):
        msg = (
            "dit lijkt JSON (GeoJSON?), geen CSV. Geef een GeoJSON-bestand de extensie .geojson, "
            "of sla de tabel op als CSV."
        )
        raise PlekwijzerInputError(msg, source=path)
    named = _EXCEL_SEP.match(header)
    if named:
        skip += 1
        separator = named.group(1)
        header, _ = _header_line(path, encoding, skip=skip)
    else:
        separator = max(_SEPARATORS, key=lambda s: _count_outside_quotes(header, s))
    written = next(csv.reader([header], delimiter=separator), [])
    _refuse_wide(written, source=path)
    _refuse_duplicates(written, source=path)
    names = [fold_name(n) for n in written]
    frame = _parse_csv(path, separator=separator, encoding=encoding, skip=skip)
    frame.columns = [fold_name(str(c)) for c in frame.columns]
    frame = _drop_unnamed(frame, names, source=path)
    if frame.empty:
        msg = "de CSV heeft een kopregel maar geen rijen met gegevens."
        raise EmptyInputError(msg, source=path)
    _refuse_long_fields(frame, source=path)
    wanted = {fold_name(n) for n in numeric}
    columns = [c for c in frame.columns if c in wanted]
    default = _numbers.file_notation(frame, columns, separator=separator)
    for column in columns:
        values, note = _numbers.parse_numbers(frame, column, default=default, source=path)
        frame[column] = values
        if note:
            notes.append(note)
    frame.attrs["notes"] = notes
    release_arrow_memory()
    return frame


def fold_name(name: str) -> str:
    """Return a column name as readers compare it: trimmed and case-folded."""
    return name.strip().casefold()


def release_arrow_memory() -> None:
    """Hand memory Arrow's allocator keeps for reuse back to the system.

    String work on a million-row table (regular expressions, strips) leaves hundreds of MB
    cached in Arrow's pool, which would add to the peak of every later step.
    """
    pa.default_memory_pool().release_unused()


def _use_jemalloc() -> None:
    """Make jemalloc Arrow's allocator, unless the user chose one (``ARROW_DEFAULT_MEMORY_POOL``).

    Every text column of pandas 3 lives in Arrow memory. Arrow's default, mimalloc, keeps
    freed pages for reuse; jemalloc hands them back, which lowered the peak of scoring
    1,000,000 sites by about 200 MB (1,000,000-row ``plekwijzer score``, ``make bench``).
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(NotImplementedError, AttributeError):  # a build without it
        pa.set_memory_pool(pa.jemalloc_memory_pool())


_use_jemalloc()


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
    fold_names: bool = False,
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
    fold_names
        Trim and case-fold the column names (the user's own files, whose names the readers
        compare with their vocabulary); refuse names that then coincide.

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
            f"het bestand heeft {nlformat.integer(len(layers))} lagen: {', '.join(layers)}. Zeg "
            "welke gelezen moet worden (--layer NAAM)."
        )
        raise PlekwijzerInputError(msg, source=path)
    if layer is not None and layer not in layers:
        msg = f"het bestand heeft geen laag {layer!r}; de lagen zijn: {', '.join(layers)}."
        raise PlekwijzerInputError(msg, source=path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = gpd.read_file(path, layer=layer, bbox=bbox, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(path) from exc
    except (pyogrio.errors.FieldError, pyogrio.errors.GeometryError, ValueError) as exc:
        msg = (
            "een kolom of geometrie van het bestand is onleesbaar (beschadigd of een ongewoon "
            "type). Exporteer het opnieuw als GeoPackage of GeoJSON."
        )
        raise PlekwijzerInputError(msg, source=path) from exc
    if frame.empty:
        msg = "de laag heeft geen objecten."
        raise EmptyInputError(msg, source=path)
    if path.suffix.lower() in _GEOJSON_SUFFIXES:
        _refuse_features_without_properties(path, count=len(frame))
    if fold_names:
        geometry = frame.geometry.name
        _refuse_duplicates([str(c) for c in frame.columns if c != geometry], source=path)
        frame.columns = [c if c == geometry else fold_name(str(c)) for c in frame.columns]
        frame = frame.set_geometry(geometry)
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
    """Return ``utf-16``, ``utf-8-sig`` or ``cp1252``; refuse binaries and overlong lines.

    UTF-16 needs its byte-order mark; else the file is UTF-8 when all of it decodes as
    such. The same pass measures the lines (:data:`MAX_LINE_BYTES`).
    """
    with path.open("rb") as handle:
        start = handle.read(4096)
        if start.startswith(b"PK\x03\x04"):
            msg = (
                "dit is een werkmap of zip-archief, geen CSV. Sla het in Excel op als 'CSV UTF-8 "
                "(door komma's gescheiden)'."
            )
            raise PlekwijzerInputError(msg, source=path)
        utf16 = start.startswith(_UTF16_BOMS)
        if b"\x00" in start and not utf16:
            msg = "dit is geen tekstbestand. Sla de tabel op als CSV (UTF-8)."
            raise PlekwijzerInputError(msg, source=path)
        lines = _LineMeter(limit=MAX_LINE_BYTES * (2 if utf16 else 1), source=path)
        decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")()
        encoding = "utf-16" if utf16 else "utf-8-sig"
        block = start
        while block:
            lines.add(block)
            if encoding != "cp1252":
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    if utf16:
                        raise _not_text(path) from exc
                    encoding = "cp1252"
            block = handle.read(1 << 20)
        lines.finish()
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if utf16:
                raise _not_text(path) from exc
            encoding = "cp1252"
    return encoding


def _not_text(path: Path) -> PlekwijzerInputError:
    msg = "dit is geen tekstbestand. Sla de tabel op als CSV (UTF-8)."
    return PlekwijzerInputError(msg, source=path)


class _LineMeter:
    """Measure line lengths block by block (a vectorised scan), refusing the first too long."""

    def __init__(self, *, limit: int, source: Path) -> None:
        self.limit, self.source = limit, source
        self.lines = 0  # complete lines seen
        self.open = 0  # bytes of the line not yet ended

    def add(self, block: bytes) -> None:
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A)
        if not ends.size:
            self.open += len(block)
            self._check(self.open, self.lines + 1)
            return
        self._check(self.open + int(ends[0]), self.lines + 1)
        lengths = np.diff(ends) - 1
        if lengths.size and lengths.max() > self.limit:
            first = int(np.flatnonzero(lengths > self.limit)[0])
            self._check(int(lengths[first]), self.lines + first + 2)
        self.lines += int(ends.size)
        self.open = len(block) - int(ends[-1]) - 1

    def finish(self) -> None:
        self._check(self.open, self.lines + 1)

    def _check(self, length: int, line: int) -> None:
        if length > self.limit:
            msg = (
                f"regel {nlformat.integer(line)} is langer dan {nlformat.integer(self.limit)} "
                "bytes, de grens voor één rij: het bestand heeft geen regeleinden, een niet "
                "gesloten aanhalingsteken, of is geen tabel. Sla het op als CSV (UTF-8) met één "
                "rij per regel."
            )
            raise PlekwijzerInputError(msg, source=self.source)


def _header_line(path: Path, encoding: str, *, skip: int = 0) -> tuple[str, int]:
    """Return the first non-blank line after ``skip`` lines, and how many lines precede it."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for number, line in enumerate(handle):
            if number >= skip and line.strip():
                return line.rstrip("\r\n"), number
    msg = "de CSV heeft geen kopregel en geen rijen. Voeg een kopregel en gegevens toe."
    raise EmptyInputError(msg, source=path)


def _refuse_wide(names: list[str], *, source: Path) -> None:
    if len(names) > MAX_COLUMNS:
        msg = (
            f"de kopregel heeft {nlformat.integer(len(names))} kolommen, meer dan de grens van "
            f"{nlformat.integer(MAX_COLUMNS)}: een inventaris of register heeft er ongeveer tien "
            "nodig. Controleer het scheidingsteken, of houd alleen de kolommen over die "
            "Plekwijzer leest."
        )
        raise PlekwijzerInputError(msg, source=source)


def _refuse_long_fields(frame: pd.DataFrame, *, source: Path) -> None:
    for position, column in enumerate(frame.columns, start=1):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            continue
        lengths = values.astype("string").str.len().fillna(0)
        if lengths.max() > MAX_FIELD_CHARS:
            row = int(np.flatnonzero((lengths > MAX_FIELD_CHARS).to_numpy())[0])
            msg = (
                f"kolom '{column}' (kolom {position}) heeft in rij {nlformat.integer(row + 1)} een "
                f"waarde van {nlformat.integer(lengths.iloc[row])} tekens, meer dan de grens van "
                f"{nlformat.integer(MAX_FIELD_CHARS)}: controleer de aanhalingstekens in die rij, "
                "of maak de waarde korter."
            )
            raise PlekwijzerInputError(msg, source=source)


def _refuse_features_without_properties(path: Path, *, count: int) -> None:
    """Refuse a GeoJSON feature whose ``properties`` is null or absent, naming it.

    Files up to :data:`_PARSE_GEOJSON_BYTES` are parsed again to look (a fraction of a
    second); in larger ones a byte scan decides whether to: a ``"properties": null``, or
    fewer ``"properties"`` members than features.
    """
    data = path.read_bytes()
    if len(data) > _PARSE_GEOJSON_BYTES:
        suspicious = re.search(rb'"properties"\s*:\s*null', data) is not None
        if not suspicious and data.count(b'"properties"') >= count:
            return
    try:
        collection = json.loads(data)
    except (ValueError, RecursionError):
        return  # GDAL read it; a file json cannot parse is not one we can name features in
    features = collection.get("features") if isinstance(collection, dict) else None
    for number, feature in enumerate(features if isinstance(features, list) else [], start=1):
        if isinstance(feature, dict) and not isinstance(feature.get("properties"), dict):
            ident = feature.get("id")
            named = f" (id {ident!r})" if isinstance(ident, str | int) else ""
            written = (
                f'"properties": {json.dumps(feature["properties"])}'
                if "properties" in feature
                else 'geen "properties"'
            )
            msg = (
                f"object {number}{named} heeft geen eigenschappen ({written}): geef het zijn "
                "attributen (minstens id), of haal het weg."
            )
            raise PlekwijzerInputError(msg, source=path)


def _count_outside_quotes(line: str, separator: str) -> int:
    return len(re.sub(r'"[^"]*"', "", line).split(separator)) - 1


def _refuse_duplicates(names: list[str], *, source: Path) -> None:
    """Refuse two columns whose names are equal once trimmed and case-folded, naming both."""
    seen: dict[str, tuple[int, str]] = {}
    for position, name in enumerate(names, start=1):
        key = fold_name(name)
        if not key:
            continue
        if key in seen:
            first, other = seen[key]
            alike = (
                ""
                if other.strip() == name.strip()
                else ", gelijk als hoofdletters en spaties niet tellen"
            )
            msg = (
                f"dubbele kolomnaam {key!r} (kolom {first} {other.strip()!r} en kolom {position} "
                f"{name.strip()!r}{alike}): hernoem of verwijder er een, Plekwijzer weet niet "
                "welke te gebruiken."
            )
            raise PlekwijzerInputError(msg, source=source)
        seen[key] = (position, name)


def _parse_csv(path: Path, *, separator: str, encoding: str, skip: int = 0) -> pd.DataFrame:
    options = {
        "sep": separator,
        "dtype": str,
        "encoding": encoding,
        "keep_default_na": False,
        "na_values": _NULLS,
        "skiprows": skip,
    }
    try:
        return pd.read_csv(path, engine="pyarrow", **options)
    except pd.errors.EmptyDataError as exc:
        msg = "de CSV heeft geen kopregel en geen rijen. Voeg een kopregel en gegevens toe."
        raise EmptyInputError(msg, source=path) from exc
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        pass
    # The C parser names the line of a ragged row; the fast parser does not.
    try:
        return pd.read_csv(path, engine="c", **options)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        quote = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if quote:
            opened = int(quote.group(1)) + 1  # rows count from 0, skipped lines included
            msg = (
                f'een aanhalingsteken (") geopend in regel {opened} wordt nooit gesloten, dus de '
                "rest van het bestand leest als één waarde: sluit of verwijder dat "
                "aanhalingsteken."
            )
        elif found:
            expected, line, saw = found.groups()
            msg = (
                f"regel {line} heeft {saw} velden waar de kopregel er {expected} heeft: controleer "
                f"het scheidingsteken ({separator!r}) en de aanhalingstekens in die regel."
            )
        else:
            msg = "niet te lezen als CSV. Sla het op als CSV (UTF-8) met één kopregel."
        raise PlekwijzerInputError(msg, source=path) from exc
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        msg = "niet te lezen als CSV. Sla het op als CSV (UTF-8) met één kopregel."
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
                f"kolom {position} heeft geen naam maar wel waarden (bijv. {values.iloc[0]!r}): "
                "geef haar een kopje."
            )
            raise PlekwijzerInputError(msg, source=source)
    return frame.drop(columns=unnamed)


def _unreadable(path: Path) -> PlekwijzerInputError:
    msg = (
        f"kan {path.suffix or 'het bestand'} niet lezen als vectorbestand: het is beschadigd of "
        "van een ander soort. Exporteer het opnieuw als GeoPackage (.gpkg) of GeoJSON (.geojson)."
    )
    return PlekwijzerInputError(msg, source=path)


def _require_shapefile_in_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as exc:
        msg = "geen geldig zip-archief. Zip de shapefile opnieuw (.shp, .shx, .dbf, .prj)."
        raise PlekwijzerInputError(msg, source=path) from exc
    if not any(n.lower().endswith(".shp") for n in names):
        msg = (
            "het zip-bestand bevat geen shapefile (.shp). Zip de .shp samen met .shx, .dbf en .prj."
        )
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
    guess = "RD New-meters (EPSG:28992)" if looks_rd else "meters van een geprojecteerd CRS"
    msg = (
        f"de coördinaten (x {nlformat.integer(xmin)}…{nlformat.integer(xmax)}, y "
        f"{nlformat.integer(ymin)}…{nlformat.integer(ymax)}) lijken {guess}, maar het bestand zegt "
        "dat niet en wordt gelezen als graden (GeoJSON zonder 'crs' betekent lon/lat). Exporteer "
        "het als GeoJSON in EPSG:4326, of als GeoPackage met zijn CRS."
    )
    raise CRSError(msg, source=source)
