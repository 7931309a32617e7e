"""Validation plumbing shared by the readers: one clear message per problem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _numbers, nlformat
from geo._errors import (
    CRSError,
    EmptyInputError,
    GeometryError,
    MissingColumnError,
    PlekwijzerInputError,
    describe_rows,
)
from geo.settings import CRS_RD

#: Generous bounding box of the Netherlands in RD New (metres), to catch swapped or foreign
#: coordinates.
RD_BOUNDS_M = (-10_000.0, 280_000.0, 320_000.0, 660_000.0)
#: The same box in lon/lat degrees.
WGS84_BOUNDS_DEG = (2.9, 50.6, 7.5, 53.8)

#: Files larger than this (200 MiB) are refused before parsing: reading a CSV of that size
#: takes about 1.5 GB of memory. A 1,000,000-row inventory is about 130 MiB.
MAX_FILE_BYTES = 200 * 2**20


def row_label(index_value: object) -> str:
    """Return how a row is named in messages: the 1-based data row of a file."""
    if isinstance(index_value, int | np.integer):
        return f"rij {int(index_value) + 1}"
    return f"rij {index_value}"


def check_file(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Path:
    """Refuse a missing, empty or oversized file with a message naming it.

    ``max_bytes`` lets a front end set a lower limit (e.g. for uploads to a shared app).
    """
    path = Path(path)
    if not path.exists():
        msg = f"bestand niet gevonden: {path}. Controleer het pad, of de instelling van de datamap."
        raise PlekwijzerInputError(msg, source=path)
    if path.is_dir():
        msg = f"{path} is een map; geef een bestand."
        raise PlekwijzerInputError(msg, source=path)
    if not path.is_file():
        # A device (/dev/zero), pipe or socket reports size 0 and may never end: refuse it
        # before anything reads from it.
        msg = (
            f"{path} is geen gewoon bestand (maar een apparaat, pipe of socket). Sla de gegevens "
            "op in een bestand en geef dat."
        )
        raise PlekwijzerInputError(msg, source=path)
    size = path.stat().st_size
    if size == 0:
        msg = "het bestand is leeg (0 bytes). Exporteer het opnieuw uit de bron."
        raise EmptyInputError(msg, source=path)
    if size > max_bytes:
        msg = (
            f"het bestand is {nlformat.number(size / 2**20)} MiB, meer dan de grens van "
            f"{nlformat.integer(max_bytes / 2**20)} MiB. Knip het eerst bij tot de regio "
            "(bijvoorbeeld in QGIS)."
        )
        raise PlekwijzerInputError(msg, source=path)
    return path


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str], *, source: str | Path | None, what: str
) -> None:
    """Raise naming every missing column and the columns that are present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns[:25]))
        msg = (
            f"kolom(men) {', '.join(missing)} ontbreken voor {what}. Aanwezig: {present}. Hernoem "
            "of voeg de kolom(men) toe."
        )
        raise MissingColumnError(msg, source=source)


def to_rd(frame: gpd.GeoDataFrame, *, source: str | Path | None) -> gpd.GeoDataFrame:
    """Return the layer in EPSG:28992; refuse a layer without a CRS rather than guess."""
    if frame.crs is None:
        msg = (
            "de laag heeft geen CRS. Sla haar op met haar CRS (EPSG:28992 voor RD New, "
            "EPSG:4326 voor lon/lat); Plekwijzer raadt er nooit een."
        )
        raise CRSError(msg, source=source)
    if frame.crs.equals(CRS_RD) or frame.crs.to_epsg() == 28992:
        return frame
    return frame.to_crs(CRS_RD)


def require_crs_match(
    left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, left_name: str, right_name: str
) -> None:
    """Raise when two layers are in different CRSs, naming both."""
    if left.crs is None or right.crs is None or not left.crs.equals(right.crs):
        msg = (
            f"CRS verschilt: {left_name} in {left.crs}, {right_name} in {right.crs}. Breng "
            "beide naar RD New met `to_crs('EPSG:28992')`."
        )
        raise CRSError(msg)


def require_valid_geometries(
    frame: gpd.GeoDataFrame, *, source: str | Path | None, id_column: str | None = None
) -> None:
    """Raise on missing or invalid geometries, naming the first rows."""
    missing = frame.geometry.isna() | frame.geometry.is_empty
    invalid = ~missing & ~frame.geometry.is_valid
    for mask, problem, fix in (
        (missing, "geen geometrie", "geef elke rij een plek"),
        (
            invalid,
            "ongeldige geometrie",
            "herstel die (QGIS 'Geometrieën repareren' of shapely make_valid)",
        ),
    ):
        if mask.any():
            rows = describe_rows(frame, mask, id_column=id_column)
            msg = f"{problem} in {rows}: {fix}."
            raise GeometryError(msg, source=source)


def require_in_bounds(
    frame: gpd.GeoDataFrame, *, source: str | Path | None, id_column: str | None = None
) -> None:
    """Raise when points lie outside the Netherlands (swapped or wrong coordinates)."""
    xmin, ymin, xmax, ymax = RD_BOUNDS_M
    geoms = frame.geometry.to_numpy()
    points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
    if not points.all():  # a million representative points of points would be a copy
        geoms = geoms.copy()
        geoms[~points] = shapely.point_on_surface(geoms[~points])
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    outside = pd.Series(~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)), index=frame.index)
    if outside.any():
        rows = describe_rows(frame, outside, id_column=id_column)
        msg = (
            f"plek buiten Nederland in {rows}. Controleer x/y (RD, meters) tegenover lat/lon "
            "(graden), en of ze niet verwisseld zijn."
        )
        raise GeometryError(msg, source=source)


def numeric_column(
    frame: pd.DataFrame,
    column: str,
    *,
    source: str | Path | None,
    id_column: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    decimal: str = _numbers.POINT,
) -> pd.Series:
    """Parse a column as numbers (see :mod:`geo._numbers`); raise naming bad rows.

    ``decimal`` is the file's notation, used when the column itself shows none.
    """
    values, _ = _numbers.parse_numbers(
        frame, column, default=decimal, source=source, id_column=id_column
    )
    for bound, outside, word in (
        (minimum, values < (minimum if minimum is not None else 0), "onder"),
        (maximum, values > (maximum if maximum is not None else 0), "boven"),
    ):
        if bound is not None and outside.any():
            rows = describe_rows(frame, outside, id_column=id_column)
            msg = (
                f"kolom '{column}' heeft waarde {nlformat.given(values[outside].iloc[0])} {word} "
                f"de aannemelijke grens {nlformat.given(bound)} in {rows}. Controleer de eenheid "
                "(m², meters) en verbeter de waarde."
            )
            raise PlekwijzerInputError(msg, source=source)
    return values.rename(column)
