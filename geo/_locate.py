"""Turn table rows into points: x/y in RD, lat/lon, or a buurtcode (buurt precision)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import _validate
from geo._errors import GeometryError, MissingColumnError, PlekwijzerInputError, UnknownValueError
from geo.settings import CRS_RD, CRS_WGS84

_X_NAMES = ("x", "x_rd", "rd_x")
_Y_NAMES = ("y", "y_rd", "rd_y")
_LAT_NAMES = ("lat", "latitude", "breedtegraad")
_LON_NAMES = ("lon", "lng", "longitude", "lengtegraad")
#: Every column name read as a coordinate (numbers, in the file's notation).
COORDINATE_NAMES = (*_X_NAMES, *_Y_NAMES, *_LAT_NAMES, *_LON_NAMES)
#: Further names of columns that locate a row more precisely than its buurt: coordinates,
#: geometries as text, addresses. Compared without case, spaces or punctuation.
# fmt: off
_LOCATION_WORDS = frozenset([
    *COORDINATE_NAMES,
    "xcoord", "ycoord", "xcoordinaat", "ycoordinaat", "xcoördinaat", "ycoördinaat",
    "rdx", "rdy", "xrd", "yrd", "easting", "northing", "long", "coordinates", "coordinaten",
    "coördinaten", "latlon", "latlng", "lonlat", "point", "punt", "geometry", "geom",
    "thegeom", "wkt", "geometrie", "shape", "location", "locatie", "address", "adres",
    "straat", "straatnaam", "street", "huisnummer", "housenumber", "huisletter",
    "toevoeging", "postcode", "postalcode", "zipcode", "postcodehuisnummer",
    "nummeraanduiding", "verblijfsobject", "vboid", "bagid", "adresseerbaarobject",
])
# fmt: on
#: Name beginnings that mark a location column too (``adres_regel1``, ``x_coord_rd``).
_LOCATION_PREFIXES = ("adres", "address", "straat", "street", "coord", "coörd", "geom", "wkt")


def _squeeze(name: object) -> str:
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


def location_columns(frame: pd.DataFrame) -> list[str]:
    """Return the columns that locate a row more precisely than its buurt, in any case.

    Coordinates under any name the readers understand (``X``, ``Latitude``, ``rd_x``, …),
    geometries written as text and address parts; the active geometry column is not listed.
    Used to clear them from confidential rows.

    Examples
    --------
    >>> location_columns(pd.DataFrame(columns=["id", "Latitude", "RD_X", "Y", "Adres", "type"]))
    ['Latitude', 'RD_X', 'Y', 'Adres']
    """
    geometry = getattr(frame, "_geometry_column_name", None)
    found = []
    for column in frame.columns:
        if column == geometry:
            continue
        squeezed = _squeeze(column)
        folded = str(column).strip().casefold()
        if (
            folded in _LOCATION_WORDS
            or squeezed in _LOCATION_WORDS
            or squeezed.startswith(_LOCATION_PREFIXES)
        ):
            found.append(column)
    return found


def _find(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def points_from_table(
    frame: pd.DataFrame,
    *,
    source: str | Path | None,
    buurten: gpd.GeoDataFrame | None,
    id_column: str = "id",
) -> gpd.GeoDataFrame:
    """Locate every row as a point in EPSG:28992.

    Per row the first available of: x/y (RD metres), lat/lon (degrees), ``buurtcode`` (placed
    at the buurt's representative point, ``location_precision = 'buurt'``).

    Raises
    ------
    MissingColumnError
        When the table has none of the location columns.
    PlekwijzerInputError
        When a row has no location, a coordinate is not numeric or lies outside the Netherlands,
        or a buurtcode is unknown.
    """
    x_col, y_col = _find(frame, _X_NAMES), _find(frame, _Y_NAMES)
    lat_col, lon_col = _find(frame, _LAT_NAMES), _find(frame, _LON_NAMES)
    bu_col = _find(frame, ("buurtcode", "bu_code"))
    if not ((x_col and y_col) or (lat_col and lon_col) or bu_col):
        msg = (
            "geen kolommen voor de plek: geef x en y (RD New, meters), of lat en lon (graden), of "
            "buurtcode (bijv. BU01530000) voor een plek op buurtniveau."
        )
        raise MissingColumnError(msg, source=source)
    n = len(frame)
    xs, ys = np.full(n, np.nan), np.full(n, np.nan)
    precision = np.full(n, None, dtype=object)
    if x_col and y_col:
        xs = np.array(_validate.numeric_column(frame, x_col, source=source, id_column=id_column))
        ys = np.array(_validate.numeric_column(frame, y_col, source=source, id_column=id_column))
        precision[~np.isnan(xs) & ~np.isnan(ys)] = "point"
    if lat_col and lon_col:
        lat = _validate.numeric_column(frame, lat_col, source=source, id_column=id_column)
        lon = _validate.numeric_column(frame, lon_col, source=source, id_column=id_column)
        use = (precision == None) & lat.notna().to_numpy() & lon.notna().to_numpy()  # noqa: E711
        if use.any():
            projected = gpd.GeoSeries(gpd.points_from_xy(lon[use], lat[use]), crs=CRS_WGS84).to_crs(
                CRS_RD
            )
            xs[use], ys[use] = projected.x.to_numpy(), projected.y.to_numpy()
            precision[use] = "point"
    codes = (
        frame[bu_col].astype("string").str.strip().str.upper()
        if bu_col
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    use_buurt = (precision == None) & codes.notna().to_numpy()  # noqa: E711
    if use_buurt.any():
        if buurten is None:
            msg = (
                "rijen met alleen een buurtcode hebben de buurtenlaag nodig; laad eerst een regio."
            )
            raise MissingColumnError(msg, source=source)
        anchors = buurten.set_index("buurtcode").geometry.representative_point()
        wanted = codes[use_buurt]
        unknown = ~wanted.isin(anchors.index)
        if unknown.any():
            rows = _validate.describe_rows(
                frame,
                pd.Series(use_buurt, index=frame.index) & codes.isin(wanted[unknown]),
                id_column=id_column,
            )
            msg = (
                f"buurtcode {wanted[unknown].iloc[0]!r} in {rows} is geen buurt van de gekozen "
                "regio (CBS-codes 2024). Verbeter de code of kies de goede regio."
            )
            raise UnknownValueError(msg, source=source)
        located = anchors.loc[wanted.to_numpy()]
        shapeless = located.isna().to_numpy() | located.is_empty.to_numpy()
        if shapeless.any():
            first = wanted.iloc[int(np.flatnonzero(shapeless)[0])]
            rows = _validate.describe_rows(
                frame,
                pd.Series(use_buurt, index=frame.index) & codes.isin(wanted[shapeless]),
                id_column=id_column,
            )
            msg = (
                f"buurtcode {first!r} in {rows} is een buurt zonder vlak in de buurtenlaag (enkele "
                "kleine CBS-buurten van 2024 hebben er geen), dus de plek is niet te bepalen; "
                "geef voor deze rijen x/y (RD) of lat/lon."
            )
            raise GeometryError(msg, source=source)
        xs[use_buurt], ys[use_buurt] = located.x.to_numpy(), located.y.to_numpy()
        precision[use_buurt] = "buurt"
    unlocated = pd.Series(precision == None, index=frame.index)  # noqa: E711
    if unlocated.any():
        rows = _validate.describe_rows(frame, unlocated, id_column=id_column)
        msg = f"geen plek in {rows}: vul x/y, lat/lon of buurtcode in."
        raise GeometryError(msg, source=source)
    located_frame = gpd.GeoDataFrame(
        frame.assign(location_precision=precision),
        geometry=gpd.points_from_xy(xs, ys),
        crs=CRS_RD,
    )
    _validate.require_in_bounds(located_frame, source=source, id_column=id_column)
    return located_frame


def check_ids(frame: pd.DataFrame, *, source: str | Path | None, id_column: str = "id") -> None:
    """Refuse empty or duplicate identifiers, naming the rows."""
    ids = frame[id_column].astype("string").str.strip()
    empty = ids.isna() | (ids == "")
    if empty.any():
        rows = _validate.describe_rows(frame, empty)
        msg = f"lege '{id_column}' in {rows}: geef elke rij een eigen id."
        raise PlekwijzerInputError(msg, source=source)
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        rows = _validate.describe_rows(frame, duplicated, id_column=id_column)
        msg = f"dubbele '{id_column}' in {rows}: elke id mag maar één keer voorkomen."
        raise PlekwijzerInputError(msg, source=source)
