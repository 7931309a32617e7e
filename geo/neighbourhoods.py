"""Neighbourhood layers: CBS buurten with indicators, and wijk / gemeente levels.

Two sources are read into one canonical layer (columns in
:data:`geo.settings.NEIGHBOURHOOD_COLUMNS`, EPSG:28992):

* the CBS kerncijfers table with approximate buurt polygons (the layout of ``../shared/data``
  and of the synthetic demo): :func:`neighbourhoods_from_cbs`;
* the official CBS wijk- en buurtkaart GeoPackage naming (``BU_CODE``, ``AANT_INW``, … in
  upper or lower case, ``-99999999`` as missing), e.g. the exact Dordrecht 2020 buurten:
  :func:`neighbourhoods_from_kwb_gpkg`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import _read, _validate, layer_cache
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.paths import KWB_BUURT_GEOMETRY, KWB_TABLE
from geo.settings import CBS_MISSING, COUNT_COLUMNS, CRS_RD, LEVEL_CODE_COLUMN, RATE_COLUMNS

#: Kerncijfers column -> canonical column.
_KERNCIJFERS_NAMES = {
    "inwoners": "inhabitants",
    "huishoudens": "households",
    "oppervlakteLandHa": "land_area_ha",
    "adressendichtheid": "address_density_per_km2",
    "stedelijkheid": "urbanity",
    "inkomenPerInwoner": "income_per_inhabitant_keur",
    "wozWaarde": "woz_value_keur",
    "koopwoningen": "owner_occupied_pct",
    "misdrijven_per1000": "crimes_per_1000",
    "goed_ervaren_gezondheid_pct": "good_health_pct",
    "afstandHuisarts": "distance_to_gp_km",
    "afstandSupermarkt": "distance_to_supermarket_km",
}

#: Official wijk- en buurtkaart column (lower case) -> canonical column.
_KWB_GPKG_NAMES = {
    "bu_code": "buurtcode",
    "bu_naam": "name",
    "wk_code": "wijkcode",
    "gm_code": "gemeentecode",
    "gm_naam": "gemeentenaam",
    "aant_inw": "inhabitants",
    "aantal_hh": "households",
    "opp_land": "land_area_ha",
    "oad": "address_density_per_km2",
    "sted": "urbanity",
    "g_ink_pi": "income_per_inhabitant_keur",
    "g_woz": "woz_value_keur",
    "woz": "woz_value_keur",
    "p_koopwon": "owner_occupied_pct",
    "g_afs_hp": "distance_to_gp_km",
    "g_afs_gs": "distance_to_supermarket_km",
}

INDICATOR_COLUMNS = (*COUNT_COLUMNS, *RATE_COLUMNS)
_KEY_COLUMNS = ("code", "name", "level", "buurtcode", "wijkcode", "gemeentecode", "gemeentenaam")


def neighbourhoods_from_cbs(
    source: DataSource, *, gemeenten: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Read CBS buurten (kerncijfers 2024 with approximate polygons) as the canonical layer.

    Buurten that the table has but the polygon file lacks keep their figures (they count in
    totals) with an empty geometry.

    Parameters
    ----------
    source
        The resolved data directory.
    gemeenten
        GM codes to keep; None keeps the whole country.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per buurt in EPSG:28992, index = buurtcode.
    """
    chosen = None if gemeenten is None else sorted(set(gemeenten))
    return layer_cache.cached_frame(
        "buurten",
        (source.file(KWB_TABLE), source.file(KWB_BUURT_GEOMETRY)),
        (source.synthetic, "all" if chosen is None else ",".join(chosen)),
        lambda: _neighbourhoods(source, chosen),
    )


def _neighbourhoods(source: DataSource, gemeenten: list[str] | None) -> gpd.GeoDataFrame:
    table = kerncijfers_from_cbs(source, gemeenten=gemeenten)
    buurten = table[table["level"] == "buurt"]
    geometry_path = source.file(KWB_BUURT_GEOMETRY)
    codes = tuple(buurten["code"])
    shapes = (
        _read.read_vector(geometry_path, layer="buurten")
        if gemeenten is None
        else _read_buurt_shapes(geometry_path, codes)
    )
    shapes = _validate.to_rd(shapes, source=geometry_path)[["buurtcode", "geometry"]]
    shapes = shapes.rename(columns={"buurtcode": "code"})
    frame = buurten.merge(shapes, on="code", how="left")
    frame["geometry_approximate"] = not source.synthetic
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_RD)
    return _canonical_order(frame.set_index("code", drop=False).rename_axis(None))


def _read_buurt_shapes(path: Path, codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not codes:
        return gpd.GeoDataFrame({"buurtcode": []}, geometry=[], crs=CRS_RD)
    # Filtering in GDAL keeps a regional read from parsing all 14,496 national polygons.
    quoted = ",".join(f"'{c}'" for c in codes if c.isalnum())
    return gpd.read_file(path, layer="buurten", where=f"buurtcode IN ({quoted})")


def kerncijfers_from_cbs(
    source: DataSource, *, gemeenten: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read the CBS kerncijfers table (gemeente, wijk and buurt rows), canonical names.

    Parameters
    ----------
    source
        The resolved data directory.
    gemeenten
        GM codes to keep; None keeps all.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, name, level, buurtcode, wijkcode, gemeentecode, gemeentenaam`` and the
        indicator columns; CBS-suppressed values are NaN.
    """
    path = source.file(KWB_TABLE)
    stat = path.stat()
    # One run asks for the table four or five times (region check, borders, buurten, the
    # published figures): read and canonicalise it once per file state.
    table = _canonical_kerncijfers(str(path), stat.st_size, stat.st_mtime_ns)
    if gemeenten is not None:
        table = table[table["gemeentecode"].isin(list(gemeenten))]
    return table.reset_index(drop=True)


@functools.lru_cache(maxsize=2)
def _canonical_kerncijfers(path: str, size: int, mtime_ns: int) -> pd.DataFrame:  # noqa: ARG001
    # ``size`` and ``mtime_ns`` are the cache key only: a changed file is read again.
    table = pd.read_parquet(path)
    _validate.require_columns(
        table,
        ["level", "code", "naam", "gemeentecode", "inwoners"],
        source=Path(path),
        what="de CBS-tabel kerncijfers",
    )
    table = table.rename(columns={"naam": "name", **_KERNCIJFERS_NAMES})
    for column in INDICATOR_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
        table[column] = _cbs_numeric(table[column])
    table["buurtcode"] = table["code"].where(table["level"] == "buurt")
    if "wijkcode" not in table.columns:
        table["wijkcode"] = None
    table["wijkcode"] = table["wijkcode"].where(table["level"] != "gemeente")
    return table[[*_KEY_COLUMNS, *INDICATOR_COLUMNS]]


def neighbourhoods_from_kwb_gpkg(
    path: str | Path,
    *,
    layer: str | None = None,
    gemeenten: Iterable[str] | None = None,
    drop_water: bool = True,
) -> gpd.GeoDataFrame:
    """Read buurten from a GeoPackage in the official CBS wijk- en buurtkaart naming.

    Column names are matched case-insensitively (``BU_CODE`` or ``bu_code``); CBS's
    ``-99999999`` (and the other negative secrecy codes) become NaN. Works on the exact
    Dordrecht 2020 buurten in ``../shared/data/dordrecht2020``.

    Parameters
    ----------
    path
        The GeoPackage (or any vector file) with one polygon per buurt.
    layer
        Layer name; None for the first layer.
    gemeenten
        GM codes to keep; None keeps all.
    drop_water
        Drop buurten marked ``h2o = 'JA'`` (water only, no inhabitants).

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical buurt layer in EPSG:28992, index = buurtcode.
    """
    raw = _read.read_vector(path, layer=layer)
    raw = raw.rename(columns={c: c.lower() for c in raw.columns if c != raw.geometry.name})
    _validate.require_columns(
        raw,
        ["bu_code", "gm_code", "aant_inw"],
        source=path,
        what="een buurtenlaag van de CBS wijk- en buurtkaart",
    )
    frame = _validate.to_rd(raw, source=path)
    if drop_water and "h2o" in frame.columns:
        frame = frame[frame["h2o"].astype("string").str.upper() != "JA"]
    if gemeenten is not None:
        frame = frame[frame["gm_code"].isin(list(gemeenten))]
    _validate.require_valid_geometries(frame, source=path, id_column="bu_code")
    frame = frame.rename(columns=_KWB_GPKG_NAMES)
    frame["code"] = frame["buurtcode"]
    frame["level"] = "buurt"
    if "name" not in frame.columns:
        frame["name"] = frame["code"]
    if "wijkcode" not in frame.columns:
        frame["wijkcode"] = "WK" + frame["code"].str[2:8]
    for column in INDICATOR_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
        frame[column] = _cbs_numeric(frame[column])
    if "gemeentenaam" not in frame.columns:
        frame["gemeentenaam"] = frame["gemeentecode"]
    frame["geometry_approximate"] = False
    frame = frame.set_index("code", drop=False).rename_axis(None)
    return _canonical_order(gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_RD))


def aggregate_neighbourhoods(
    buurten: gpd.GeoDataFrame, *, level: str, with_geometry: bool = True
) -> gpd.GeoDataFrame:
    """Aggregate buurten to wijk or gemeente level.

    Counts and areas are summed; rates are averaged weighted by inhabitants (over the buurten
    where both the rate and inhabitants are known); geometries are dissolved.

    Parameters
    ----------
    buurten
        The canonical buurt layer.
    level
        ``"wijk"`` or ``"gemeente"``.
    with_geometry
        False to skip dissolving the geometries (empty geometry): figures only, e.g. for a
        spread report, where dissolving 14,574 buurten into 342 gemeenten takes seconds.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit, index = its code, with the canonical columns.
    """
    key = _level_key(level)
    frame = pd.DataFrame(buurten.drop(columns=buurten.geometry.name))
    grouped = frame.groupby(key, sort=True)
    out = grouped[list(COUNT_COLUMNS)].sum(min_count=1)
    for rate in RATE_COLUMNS:
        weights = frame["inhabitants"].where(frame[rate].notna() & frame["inhabitants"].gt(0))
        numerator = (frame[rate] * weights).groupby(frame[key]).sum(min_count=1)
        out[rate] = numerator / weights.groupby(frame[key]).sum(min_count=1)
    out["gemeentecode"] = grouped["gemeentecode"].first()
    out["gemeentenaam"] = grouped["gemeentenaam"].first()
    out["wijkcode"] = out.index if level == "wijk" else None
    out["buurtcode"] = None
    out["code"] = out.index
    out["name"] = out["gemeentenaam"] if level == "gemeente" else out.index
    out["level"] = level
    out["geometry_approximate"] = grouped["geometry_approximate"].any()
    if with_geometry:
        shapes = buurten[[key, buurten.geometry.name]].dissolve(by=key)
        out = out.join(shapes)
    else:
        out[buurten.geometry.name] = None
    out = gpd.GeoDataFrame(out, geometry=buurten.geometry.name, crs=buurten.crs)
    return _canonical_order(out.rename_axis(None))


def neighbourhood_units(
    source: DataSource, *, level: str, gemeenten: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Return buurten, wijken or gemeenten of the CBS source for the given gemeenten.

    Wijk and gemeente rows take the figures CBS itself publishes for that level (exact,
    unlike sums of rounded and suppressed buurt figures) and geometries dissolved from the
    buurten; units CBS does not publish fall back to :func:`aggregate_neighbourhoods`.

    Parameters
    ----------
    source
        The resolved data directory.
    level
        ``"buurt"``, ``"wijk"`` or ``"gemeente"``.
    gemeenten
        GM codes to keep; None keeps all.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical layer of that level, index = code.
    """
    buurten = neighbourhoods_from_cbs(source, gemeenten=gemeenten)
    if level == "buurt":
        return buurten
    aggregated = aggregate_neighbourhoods(buurten, level=level)
    table = kerncijfers_from_cbs(source, gemeenten=gemeenten)
    published = table[table["level"] == level].set_index("code")
    published = published[published.index.isin(aggregated.index)]
    for column in (*INDICATOR_COLUMNS, "name"):
        aggregated.loc[published.index, column] = published[column].where(
            published[column].notna(), aggregated.loc[published.index, column]
        )
    return aggregated


def _level_key(level: str) -> str:
    """Code column of buurten that groups them into units of ``level`` (wijk or gemeente)."""
    if level not in ("wijk", "gemeente"):
        msg = (
            f"niveau {level!r} kan niet worden samengevoegd: gebruik 'wijk' of 'gemeente' (buurten "
            "zijn de laag zelf)."
        )
        raise PlekwijzerInputError(msg)
    return LEVEL_CODE_COLUMN[level]


def _cbs_numeric(values: pd.Series) -> pd.Series:
    """Numbers with CBS's negative secrecy codes (-99999999, -99999997, …) as NaN."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return numbers.mask(numbers <= CBS_MISSING + 10)


def _canonical_order(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    first = [*_KEY_COLUMNS, *INDICATOR_COLUMNS, "geometry_approximate"]
    rest = [c for c in frame.columns if c not in first and c != frame.geometry.name]
    return frame[[*first, *rest, frame.geometry.name]]
