"""The region as a hard boundary: which points lie inside the chosen gemeenten.

Candidates and facilities are placed in the region's buurten (:func:`locate_in_region`). A
point that lies outside the chosen gemeenten, outside the Netherlands or in water gets a
Dutch ``outside_region_reason`` (NaN inside); the criteria engine never ranks such a candidate
and the spread analysis does not count such a facility.

The rule (the buurt polygons in ``../shared/data`` are approximate, about 60 m, and the gemeente
borders are PDOK's generalised 2022 borders, so neither decides alone near a border):

1. A point inside the border of a chosen gemeente is inside the region. When it falls in a gap
   between the approximate buurten it gets the nearest buurt of the region.
2. A point within :data:`BORDER_TOLERANCE_M` of the region's border that lies in (or within
   :data:`BUURT_SNAP_M` of) a buurt of the region is inside: at that distance neither layer can
   say on which side it lies, and the buurt layer of the analysis is the tie-breaker.
3. Otherwise a point inside another current gemeente is outside (*"buiten de regio: in gemeente
   Hengelo (GM0164)"*), and a point in no gemeente at all lies in open water or abroad.
4. Gemeente borders of 2022 whose code no longer exists (merged since) do not decide: there,
   and wherever no border layer is available (or it lacks the region's gemeenten), a point is
   inside when it lies in or within :data:`BUURT_SNAP_M` of a buurt of the region.
5. A point whose buurt has no land (``land_area_ha == 0``, a water buurt) lies in water.

Points outside the generous bounding box of the Netherlands never get this far: the readers
refuse them as wrong coordinates (swapped x/y, lat/lon given as x/y).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _read, _validate, layer_cache, nlformat
from geo._errors import EmptyInputError, PlekwijzerInputError
from geo.datadir import DataSource
from geo.paths import GEMEENTE_BORDERS, KWB_TABLE

#: Distance in metres from the region's border within which the buurt layer decides (rule 2).
BORDER_TOLERANCE_M = 100.0
#: Points this close to a buurt polygon belong to it (approximate polygons leave small gaps).
BUURT_SNAP_M = 250.0
#: Name of the column the locating step adds.
REASON_COLUMN = "outside_region_reason"
_CODES = ("buurtcode", "wijkcode", "gemeentecode")

#: Reasons a note on points left out names one by one; the rest are counted as "elders".
MAX_REASONS_SHOWN = 3
REASON_OTHER_GEMEENTE = "buiten de regio: in gemeente {name} ({code})"
REASON_NO_GEMEENTE = "buiten de regio: in geen Nederlandse gemeente (open water of buitenland)"
REASON_NO_BUURT = "buiten de regio: niet in of bij een buurt van de gekozen gemeenten"
REASON_WATER = "buiten de regio: in water (buurt {code} heeft geen land)"


def gemeente_borders_from_cbs(source: DataSource) -> gpd.GeoDataFrame | None:
    """Read the gemeente borders of the data directory, or None when it has none.

    The whole country is read (345 generalised polygons, about 0.1 s), so that a site far
    outside the region is still named by its gemeente.

    Parameters
    ----------
    source
        The data directory (the 2022 generalised borders, or the demo's own).

    Returns
    -------
    geopandas.GeoDataFrame or None
        ``gemeentecode``, ``gemeentenaam`` and ``current`` (the code still exists in the
        kerncijfers table; False for gemeenten merged since), EPSG:28992.
    """
    if not source.has(GEMEENTE_BORDERS):
        return None
    path = source.file(GEMEENTE_BORDERS)
    try:
        return layer_cache.cached_frame(
            "borders", (path, source.file(KWB_TABLE)), (), lambda: _borders(source, path)
        )
    except EmptyInputError:
        return None


def _borders(source: DataSource, path: Path) -> gpd.GeoDataFrame:
    raw = _read.read_vector(path, layer="gemeenten")
    _validate.require_columns(raw, ["statcode"], source=path, what="gemeentegrenzen")
    frame = _validate.to_rd(raw, source=path)
    from geo.neighbourhoods import kerncijfers_from_cbs

    table = kerncijfers_from_cbs(source)
    current = set(table.loc[table["level"] == "gemeente", "code"])
    names = frame["statnaam"] if "statnaam" in frame.columns else frame["statcode"]
    return gpd.GeoDataFrame(
        {
            "gemeentecode": frame["statcode"].astype(str).to_numpy(),
            "gemeentenaam": names.astype(str).to_numpy(),
            "current": frame["statcode"].isin(current).to_numpy(),
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )


def locate_in_region(
    points: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    borders: gpd.GeoDataFrame | None = None,
    gemeenten: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Add the region's ``buurtcode``, ``wijkcode``, ``gemeentecode`` and the outside reason.

    Parameters
    ----------
    points
        Points in the CRS of ``buurten`` (EPSG:28992).
    buurten
        The region's buurten (``buurtcode``, ``wijkcode``, ``gemeentecode``, polygons).
    borders
        Gemeente borders (:func:`gemeente_borders_from_cbs`); None decides by buurten only.
    gemeenten
        The chosen gemeente codes; default: those of ``buurten``.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``points`` with the three codes (missing outside the region) and
        ``outside_region_reason`` (a Dutch reason, missing inside). See the module notes.
    """
    _validate.require_crs_match(points, buurten, left_name="de punten", right_name="buurten")
    chosen = set(buurten["gemeentecode"].dropna() if gemeenten is None else gemeenten)
    out = points.drop(columns=[c for c in (*_CODES, REASON_COLUMN) if c in points.columns])
    geoms = out.geometry.to_numpy()
    n = len(out)
    keys = buurten[buurten.geometry.notna() & ~buurten.geometry.is_empty]
    keys = keys[keys["gemeentecode"].isin(chosen)].reset_index(drop=True)
    buurt_pos = _nearest_within(geoms, keys.geometry.to_numpy(), BUURT_SNAP_M)
    has_buurt = buurt_pos >= 0
    reasons = np.full(n, None, dtype=object)
    if borders is not None and bool(borders["gemeentecode"].isin(chosen).any()):
        region_border = borders[borders["gemeentecode"].isin(chosen)].geometry.union_all()
        border_pos = _containing(geoms, borders.geometry.to_numpy())
        found = border_pos >= 0
        code = np.full(n, None, dtype=object)
        code[found] = borders["gemeentecode"].to_numpy()[border_pos[found]]
        current = np.zeros(n, dtype=bool)
        current[found] = borders["current"].to_numpy(dtype=bool)[border_pos[found]]
        in_region = found & np.isin(code, list(chosen))
        undecided = ~in_region & has_buurt
        near = np.zeros(n, dtype=bool)
        if undecided.any():
            near[undecided] = shapely.distance(geoms[undecided], region_border) <= (
                BORDER_TOLERANCE_M
            )
        inside = in_region | near | (found & ~current & has_buurt)
        names = borders.set_index("gemeentecode")["gemeentenaam"]
        other = ~inside & found & current
        reasons[other] = [
            REASON_OTHER_GEMEENTE.format(name=names.get(c, c), code=c) for c in code[other]
        ]
        reasons[~inside & ~found] = REASON_NO_GEMEENTE
        reasons[~inside & found & ~current] = REASON_NO_BUURT
        # Inside the border but in a gap of the approximate buurten: the nearest buurt.
        gap = in_region & ~has_buurt
        if gap.any() and len(keys):
            buurt_pos[gap] = _nearest_within(geoms[gap], keys.geometry.to_numpy(), None)
    else:
        inside = has_buurt
        reasons[~inside] = REASON_NO_BUURT
    located = inside & (buurt_pos >= 0)
    for column in _CODES:
        values = np.full(n, None, dtype=object)
        values[located] = keys[column].to_numpy()[buurt_pos[located]]
        out[column] = values
    if "land_area_ha" in keys.columns:
        land = np.full(n, np.nan)
        land[located] = keys["land_area_ha"].to_numpy(dtype=float)[buurt_pos[located]]
        water = located & (land == 0)
        reasons[water] = [REASON_WATER.format(code=c) for c in out["buurtcode"].to_numpy()[water]]
        for column in _CODES:
            out.loc[water, column] = None
    out[REASON_COLUMN] = pd.Series(reasons, index=out.index, dtype=object)
    return out


def require_inside(
    located: pd.DataFrame,
    *,
    what: str,
    region_label: str,
    source: str | Path | None = None,
) -> None:
    """Refuse a layer of which no point lies inside the region, saying where they do lie.

    Parameters
    ----------
    located
        The output of :func:`locate_in_region`.
    what
        What the points are, for the message ("candidates", "facilities").
    region_label
        The region as the user chose it (``twente`` or ``GM0153, GM0164``).
    source
        The file the points came from.
    """
    reasons = located[REASON_COLUMN]
    if len(located) and reasons.notna().all():
        common = reasons.value_counts().head(2)
        where = "; ".join(
            f"{count} {reason.removeprefix('buiten de regio: ')}"
            for reason, count in common.items()
        )
        msg = (
            f"geen van de {nlformat.integer(len(located))} {what} ligt in de gekozen regio "
            f"({region_label}): {where}. Kies de regio die bij het bestand past (--region of "
            "--gemeenten), of controleer de coördinaten."
        )
        raise PlekwijzerInputError(msg, source=source)


def outside_summary(
    located: pd.DataFrame, *, what: tuple[str, str], id_column: str = "id"
) -> str | None:
    """One line for the user on the points left out as outside the region, or None.

    ``what`` is the singular and plural noun (``("facility", "facilities")``). Where they
    lie comes first, counted per reason (the first reason alone read as if all lay there);
    then the rows, by position and id, never by coordinates.

    Examples
    --------
    >>> located = pd.DataFrame(
    ...     {"id": ["a", "b", "c", "d"], REASON_COLUMN: [None, *[REASON_OTHER_GEMEENTE.format(
    ...         name=n, code=c) for n, c in [("Borne", "GM0147"), ("Borne", "GM0147"),
    ...         ("Losser", "GM0168")]]]})
    >>> outside_summary(located, what=("voorziening", "voorzieningen"))
    '3 voorzieningen buiten de regio weggelaten: 2 in gemeente Borne (GM0147) en 1 in gemeente Losser (GM0168) (rij 2 (id b), rij 3 (id c), rij 4 (id d)).'
    """  # noqa: E501 - a doctest's output is one line
    outside = located[REASON_COLUMN].notna()
    if not outside.any():
        return None
    rows = _validate.describe_rows(located, outside, id_column=id_column)
    count = int(outside.sum())
    noun = what[0] if count == 1 else what[1]
    reasons = located.loc[outside, REASON_COLUMN].str.removeprefix("buiten de regio: ")
    if count == 1:
        return f"1 {noun} buiten de regio weggelaten: {reasons.iloc[0]} ({rows})."
    counted = reasons.value_counts(sort=True)
    parts = [f"{n} {reason}" for reason, n in counted.head(MAX_REASONS_SHOWN).items()]
    if len(counted) > MAX_REASONS_SHOWN:
        parts.append(f"{int(counted.iloc[MAX_REASONS_SHOWN:].sum())} elders")
    where = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]
    return f"{count} {noun} buiten de regio weggelaten: {where} ({rows})."


def _containing(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Position of the first polygon containing each point, -1 where none does.

    A point on the shared edge of two polygons lies in neither ("within" is strict); the
    nearest-polygon step of :func:`_nearest_within` then gives it the first of the two.
    """
    result = np.full(len(points), -1, dtype=np.int64)
    if len(points) and len(polygons):
        # The tree holds the points and each polygon queries it: GEOS prepares the query
        # geometry, so every polygon is prepared once instead of walked for every point
        # (several times faster for a surface's hundreds of thousands of cells).
        poly_idx, point_idx = shapely.STRtree(points).query(polygons, predicate="contains")
        _assign_first(result, point_idx, poly_idx)
    return result


def _nearest_within(
    points: np.ndarray, polygons: np.ndarray, max_distance: float | None
) -> np.ndarray:
    """Position of the polygon containing (or nearest to) each point, -1 beyond the limit.

    Points on a shared border of two polygons get the first, deterministically.
    """
    result = _containing(points, polygons)
    rest = np.flatnonzero(result < 0)
    if not len(rest) or not len(polygons):
        return result
    # Nearest-polygon search is slow on a million points: only for those in no polygon.
    point_idx, poly_idx = shapely.STRtree(polygons).query_nearest(
        points[rest], max_distance=max_distance, all_matches=True, return_distance=False
    )
    found = np.full(len(rest), -1, dtype=np.int64)
    _assign_first(found, point_idx, poly_idx)
    result[rest] = found
    return result


def _assign_first(result: np.ndarray, point_idx: np.ndarray, poly_idx: np.ndarray) -> None:
    """Set ``result[point] = `` the lowest polygon position among that point's matches."""
    order = np.lexsort((poly_idx, point_idx))
    points, first = np.unique(point_idx[order], return_index=True)
    result[points] = poly_idx[order][first]
