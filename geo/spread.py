"""Spread (distribution) analysis of facilities over gemeenten, wijken or buurten.

The unit table answers "how many places does each unit hold, and how many would be its fair
share"; :func:`region_indices` and :func:`lorenz` summarise the evenness of the region;
:func:`nearest_facility_access` measures how far inhabitants live from the nearest facility;
:func:`compare_tables` turns two unit tables (existing, existing + shortlist) into
before/after columns. The results are typed (:mod:`geo.spread_result`).

Confidential facilities (e.g. ``vrouwenopvang``) count in every total. Nothing returned
here carries coordinates: only unit codes, names and numbers. For distances a confidential
facility stands at the representative point of its buurt, so no distance reveals more than
the buurt it lies in (DESIGN §7).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from shapely import STRtree

from geo import nlformat
from geo._errors import CRSError, PlekwijzerInputError, UnknownValueError
from geo._validate import require_columns, require_crs_match
from geo.inequality import gini, gini_weighted, hoover, lorenz_curve, theil, theil_decomposition
from geo.settings import CONFIDENTIAL_TYPES, FACILITY_TYPES
from geo.spread_result import TABLE_COLUMNS, FacilityAccess, RegionIndices

__all__ = [
    "PER_INHABITANTS",
    "TABLE_COLUMNS",
    "compare_tables",
    "facility_counts",
    "fair_share",
    "lorenz",
    "most_and_least_provided",
    "nearest_facility_access",
    "region_indices",
    "unit_table",
]

#: Rates are expressed per this many inhabitants (``per_10k``).
PER_INHABITANTS = 10_000

FacilityType = str | Iterable[str] | None


def _select_facilities(facilities: pd.DataFrame, facility_type: FacilityType) -> pd.DataFrame:
    """Return the facilities of the requested type(s); ``None`` keeps all of them."""
    if facility_type is None:
        return facilities
    types = [facility_type] if isinstance(facility_type, str) else list(facility_type)
    unknown = sorted(set(types) - set(FACILITY_TYPES))
    if unknown:
        msg = (
            f"onbekend(e) type(n) voorziening {', '.join(unknown)}; kies uit "
            f"{', '.join(FACILITY_TYPES)}."
        )
        raise UnknownValueError(msg)
    require_columns(facilities, ["type"], source=None, what="voorzieningen kiezen per type")
    return facilities[facilities["type"].isin(types)]


def _inhabitants(units: pd.DataFrame) -> pd.Series:
    """Inhabitants as floats; a unit whose count is unknown (NaN) counts as 0 people."""
    return pd.to_numeric(units["inhabitants"], errors="raise").astype(float).fillna(0.0)


def facility_counts(
    units: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    level_code_column: str,
    facility_type: FacilityType = None,
) -> pd.DataFrame:
    """Count facilities and places per unit.

    Parameters
    ----------
    units
        One row per unit with a ``code`` column (GM…, WK… or BU… code).
    facilities
        Facility register with ``places`` and the column named by ``level_code_column``.
    level_code_column
        Register column holding the unit code at the level of ``units``: ``"gemeentecode"``,
        ``"wijkcode"`` or ``"buurtcode"``.
    facility_type
        A type or list of types from :data:`geo.settings.FACILITY_TYPES`; ``None`` for all.

    Returns
    -------
    pandas.DataFrame
        Columns ``facilities`` and ``places`` (int when all places are whole numbers),
        aligned to ``units.index``. Facilities whose code is not among ``units["code"]``
        (outside the region, or unassigned) are not counted.
    """
    require_columns(units, ["code"], source=None, what="voorzieningen tellen per gebied")
    selected = _select_facilities(facilities, facility_type)
    require_columns(
        selected, [level_code_column, "places"], source=None, what="voorzieningen tellen per gebied"
    )
    places = pd.to_numeric(selected["places"], errors="coerce")
    bad = places.isna() | (places < 0)
    if bad.any():
        ids = selected.loc[bad, "id"] if "id" in selected.columns else selected.index[bad]
        msg = (
            "kolom 'places' van het register ontbreekt of is negatief bij id "
            f"{', '.join(map(str, list(ids)[:5]))}; geef elke voorziening een aantal plaatsen ≥ 0."
        )
        raise PlekwijzerInputError(msg)
    by_code = pd.DataFrame({"code": selected[level_code_column], "places": places}).groupby("code")[
        "places"
    ]
    codes = units["code"]
    count = codes.map(by_code.size()).fillna(0).astype("int64")
    total = codes.map(by_code.sum()).fillna(0.0).astype(float)
    if (total == total.round()).all():
        total = total.astype("int64")
    return pd.DataFrame({"facilities": count, "places": total}, index=units.index)


def fair_share(
    places_total: float,
    inhabitants: pd.Series,
    *,
    draagkracht: pd.Series | None = None,
    correction: float = 0.0,
) -> pd.Series:
    """Places each unit would hold if the region's places followed its population.

    Without correction ``fair_i = P * h_i / sum h`` (``P`` regional places, ``h``
    inhabitants). With correction ``c`` in [0, 1] and draagkracht ``d`` (the Spreidingswet
    analogue: population share corrected by a welfare score)::

        factor_i = (1 - c) + c * d_i / d_bar,   d_bar = sum h_i d_i / sum h_i
        fair_i   = P * h_i * factor_i / sum_j h_j factor_j

    ``c = 0`` is pure population share; ``c = 1`` makes the share proportional to
    inhabitants x draagkracht; in between it blends the two. The factor is never negative
    for ``d >= 0``, and because ``d_bar`` is the population-weighted mean,
    ``sum h factor = sum h`` already; dividing by it keeps ``sum fair = P`` exactly.
    Units with unknown draagkracht (NaN) get factor 1 and ``d_bar`` is taken over the
    others; if no unit has a positive draagkracht every factor is 1.

    Parameters
    ----------
    places_total
        Places in the region.
    inhabitants
        Inhabitants per unit; NaN counts as 0.
    draagkracht
        Draagkracht per unit in [0, 1], aligned to ``inhabitants``; needed when
        ``correction > 0``.
    correction
        Strength ``c`` of the draagkracht correction, in [0, 1].

    Returns
    -------
    pandas.Series
        Named ``fair_share``, aligned to ``inhabitants``; NaN everywhere when the region has
        no inhabitants.
    """
    if not 0.0 <= correction <= 1.0:
        msg = (
            f"fair_share_correction moet tussen 0 en 1 liggen, kreeg {nlformat.given(correction)}."
        )
        raise PlekwijzerInputError(msg)
    h = inhabitants.astype(float).fillna(0.0)
    factor = pd.Series(1.0, index=h.index)
    if correction > 0:
        if draagkracht is None:
            msg = (
                f"fair_share_correction={nlformat.given(correction)} vraagt een draagkracht per "
                "gebied; geef draagkracht=draagkracht_index(units) of zet de correctie op 0."
            )
            raise PlekwijzerInputError(msg)
        d = draagkracht.astype(float)
        known = d.notna() & (h > 0)
        d_bar = (h[known] * d[known]).sum() / h[known].sum() if known.any() else math.nan
        if d_bar > 0:
            factor = ((1 - correction) + correction * d / d_bar).fillna(1.0)
    weight = h * factor
    if weight.sum() <= 0:
        return pd.Series(math.nan, index=h.index, name="fair_share")
    return (places_total * weight / weight.sum()).rename("fair_share")


def unit_table(
    units: pd.DataFrame,
    facilities: pd.DataFrame,
    *,
    level_code_column: str,
    facility_type: FacilityType = None,
    draagkracht: pd.Series | None = None,
    fair_share_correction: float = 0.0,
) -> pd.DataFrame:
    """One row per unit: facilities, places, places per 10,000, fair share and surplus.

    Parameters
    ----------
    units
        Gemeenten, wijken or buurten with ``code``, ``name`` and ``inhabitants``.
    facilities
        Facility register (``places`` and ``level_code_column``; ``type`` when filtering).
        Confidential facilities count like any other.
    level_code_column
        Register column matching ``units["code"]``: ``"gemeentecode"``, ``"wijkcode"`` or
        ``"buurtcode"``.
    facility_type
        A type or list of types; ``None`` for all facilities.
    draagkracht
        Draagkracht per unit (e.g. :func:`geo.draagkracht.draagkracht_index`), indexed like
        ``units``; ``None`` leaves the column NaN.
    fair_share_correction
        Strength ``c`` in [0, 1] of the draagkracht correction of the fair share; see
        :func:`fair_share`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`, index of ``units``. ``per_10k`` is places per 10,000
        inhabitants (NaN without inhabitants); ``fair_share`` sums to the regional places;
        ``surplus = places - fair_share`` (negative: a deficit).
    """
    require_columns(
        units, ["code", "name", "inhabitants"], source=None, what="de tabel van gebieden"
    )
    duplicated = units["code"].duplicated()
    if duplicated.any():
        msg = (
            f"gebieden met dubbele codes ({', '.join(map(str, units['code'][duplicated][:5]))}); "
            "geef één rij per gemeente, wijk of buurt."
        )
        raise PlekwijzerInputError(msg)
    counts = facility_counts(
        units, facilities, level_code_column=level_code_column, facility_type=facility_type
    )
    inhabitants = _inhabitants(units)
    d = pd.Series(math.nan, index=units.index, name="draagkracht")
    if draagkracht is not None:
        missing = units.index.difference(draagkracht.index)
        if len(missing):
            msg = (
                f"draagkracht ontbreekt voor {len(missing)} gebied(en) (index "
                f"{', '.join(map(str, missing[:5]))}); bereken haar op dezelfde tabel van gebieden."
            )
            raise PlekwijzerInputError(msg)
        d = draagkracht.reindex(units.index).astype(float).rename("draagkracht")
    per_10k = (counts["places"] / inhabitants * PER_INHABITANTS).where(inhabitants > 0)
    fair = fair_share(
        float(counts["places"].sum()),
        inhabitants,
        draagkracht=None if draagkracht is None else d,
        correction=fair_share_correction,
    )
    return pd.DataFrame(
        {
            "code": units["code"],
            "name": units["name"],
            "inhabitants": inhabitants,
            "facilities": counts["facilities"],
            "places": counts["places"],
            "per_10k": per_10k,
            "fair_share": fair,
            "surplus": counts["places"] - fair,
            "draagkracht": d,
        },
        index=units.index,
    )


def _groups(table: pd.DataFrame, groups: str | pd.Series | npt.ArrayLike) -> pd.Series:
    if isinstance(groups, str):
        require_columns(table, [groups], source=None, what="de Theil-ontleding")
        return table[groups]
    if isinstance(groups, pd.Series):
        return groups.reindex(table.index)
    labels = pd.Series(np.asarray(groups, dtype=object).ravel())
    if labels.size != len(table):
        msg = (
            f"groups heeft {labels.size} waarden voor {len(table)} gebieden; geef er één per "
            "gebied."
        )
        raise PlekwijzerInputError(msg)
    return labels.set_axis(table.index)


def region_indices(
    table: pd.DataFrame, *, groups: str | pd.Series | npt.ArrayLike | None = None
) -> RegionIndices:
    """Evenness of the region from a :func:`unit_table`.

    Rate indices (Gini, Theil) use ``per_10k`` over the units that have inhabitants; a unit
    without inhabitants has no rate. The Hoover index compares places with inhabitants over
    all units, so places in an unpopulated unit (e.g. an industrial estate) count there.

    Parameters
    ----------
    table
        Output of :func:`unit_table` (``inhabitants``, ``places``, ``per_10k``).
    groups
        Group per unit for the Theil decomposition, usually the gemeentecode: a column
        name of ``table``, a Series indexed like ``table`` or an array in row order.
        ``None`` leaves ``theil_between`` and ``theil_within`` NaN.

    Returns
    -------
    geo.spread_result.RegionIndices
        Gini (unweighted and population-weighted), Theil with its split over ``groups``
        and Hoover.
    """
    require_columns(
        table, ["inhabitants", "places", "per_10k"], source=None, what="de maten van de regio"
    )
    inhabitants = table["inhabitants"].astype(float).fillna(0.0)
    populated = (inhabitants > 0) & table["per_10k"].notna()
    rate = table.loc[populated, "per_10k"].astype(float)
    between = within = math.nan
    if groups is not None:
        parts = theil_decomposition(rate, _groups(table, groups)[populated])
        between, within = parts["between"], parts["within"]
    return RegionIndices(
        gini=gini(rate),
        gini_pop_weighted=gini_weighted(rate, inhabitants[populated]),
        theil=theil(rate),
        theil_between=between,
        theil_within=within,
        hoover=hoover(table["places"].astype(float), inhabitants),
    )


def lorenz(table: pd.DataFrame) -> list[list[float]]:
    """Lorenz curve of places over inhabitants from a :func:`unit_table`.

    Units are sorted by places per inhabitant; ``x`` is the cumulative share of
    inhabitants, ``y`` the cumulative share of places.

    Parameters
    ----------
    table
        Output of :func:`unit_table`.

    Returns
    -------
    list of [float, float]
        Points from ``[0, 0]`` to ``[1, 1]``; see :func:`geo.inequality.lorenz_curve`.
    """
    require_columns(table, ["inhabitants", "places"], source=None, what="de Lorenzcurve")
    return lorenz_curve(
        table["places"].astype(float), table["inhabitants"].astype(float).fillna(0.0)
    )


def most_and_least_provided(
    table: pd.DataFrame, *, n: int = 3, by: str = "per_10k"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the ``n`` units with the most and the fewest places per inhabitant.

    Parameters
    ----------
    table
        Output of :func:`unit_table`.
    n
        How many units per list.
    by
        ``"per_10k"`` (places per 10,000 inhabitants) or ``"surplus"`` (places above fair
        share). Units where it is NaN (no inhabitants) are left out; ties go by code.

    Returns
    -------
    most, least : pandas.DataFrame
        Each at most ``n`` rows of ``table``, most provided first resp. least provided
        first.
    """
    if by not in ("per_10k", "surplus"):
        msg = f"by moet 'per_10k' of 'surplus' zijn, kreeg {by!r}."
        raise PlekwijzerInputError(msg)
    require_columns(table, ["code", by], source=None, what="gebieden rangschikken")
    ranked = table[table[by].notna()]
    return (
        ranked.sort_values([by, "code"], ascending=[False, True]).head(n),
        ranked.sort_values([by, "code"], ascending=[True, True]).head(n),
    )


def _facility_points(buurten: gpd.GeoDataFrame, facilities: pd.DataFrame) -> gpd.GeoSeries:
    """Where each facility stands for distance purposes, in the CRS of ``buurten``.

    A non-confidential facility with a geometry stands at its point. A confidential one, or
    one without a geometry, stands at the representative point of its buurt, so that no
    distance reveals more than the buurt; when its buurt is not among ``buurten`` it is
    left out of the distances.
    """
    anchor = pd.Series(
        buurten.geometry.representative_point().to_numpy(), index=buurten["code"].to_numpy()
    )
    anchor = anchor[~anchor.index.duplicated()]
    confidential = pd.Series(False, index=facilities.index)
    if "confidential" in facilities.columns:
        confidential |= facilities["confidential"].fillna(True).astype(bool)
    if "type" in facilities.columns:
        confidential |= facilities["type"].isin(CONFIDENTIAL_TYPES)
    if isinstance(facilities, gpd.GeoDataFrame):
        own = facilities.geometry
        located = own.notna() & ~own.is_empty & ~confidential
    else:
        own = gpd.GeoSeries([None] * len(facilities), index=facilities.index)
        located = pd.Series(False, index=facilities.index)
    if "buurtcode" in facilities.columns:
        at_buurt = facilities["buurtcode"].map(anchor)
    else:
        at_buurt = pd.Series(None, index=facilities.index, dtype=object)
    points = gpd.GeoSeries(own.where(located, at_buurt), crs=buurten.crs)
    return points[points.notna() & ~points.is_empty]


def nearest_facility_access(
    buurten: gpd.GeoDataFrame,
    facilities: pd.DataFrame,
    *,
    facility_type: FacilityType = None,
    within_m: float = 2000.0,
) -> FacilityAccess:
    """Population-weighted straight-line distance from buurten to the nearest facility.

    Parameters
    ----------
    buurten
        Buurten with ``code``, ``inhabitants`` and polygons in a metric CRS (EPSG:28992);
        distance is measured from each buurt's representative point.
    facilities
        Facility register; a GeoDataFrame of points in the CRS of ``buurten``, or a plain
        frame with ``buurtcode`` only. Confidential facilities stand at their buurt's
        representative point (see module notes).
    facility_type
        A type or list of types; ``None`` for all facilities.
    within_m
        Distance in metres for ``share_within``.

    Returns
    -------
    geo.spread_result.FacilityAccess
        The inhabitant-weighted mean distance, the share within ``within_m``, the number of
        facilities located and a per-buurt frame (``code``, ``inhabitants``,
        ``distance_m``, ``within``, plus ``wijkcode`` / ``gemeentecode`` when ``buurten``
        has them, to aggregate to those levels). No coordinates.
    """
    require_columns(
        buurten,
        ["code", "inhabitants"],
        source=None,
        what="de afstand tot de dichtstbijzijnde voorziening",
    )
    if buurten.crs is None or not buurten.crs.is_projected:
        msg = (
            f"buurten zijn in {buurten.crs}, geen CRS in meters; afstanden vragen meters. Gebruik "
            "eerst `to_crs('EPSG:28992')`."
        )
        raise CRSError(msg)
    if isinstance(facilities, gpd.GeoDataFrame):
        require_crs_match(buurten, facilities, left_name="buurten", right_name="voorzieningen")
    if not within_m >= 0:
        msg = f"within_m moet een afstand in meters ≥ 0 zijn, kreeg {nlformat.given(within_m)}."
        raise PlekwijzerInputError(msg)
    points = _facility_points(buurten, _select_facilities(facilities, facility_type))
    origins = buurten.geometry.representative_point().to_numpy()
    distance = np.full(len(buurten), np.nan)
    if len(points):
        (origin_idx, _), dist = STRtree(points.to_numpy()).query_nearest(
            origins, return_distance=True, all_matches=False
        )
        distance[origin_idx] = dist
    inhabitants = _inhabitants(buurten).to_numpy()
    per_buurt = pd.DataFrame(
        {
            "code": buurten["code"].to_numpy(),
            "inhabitants": inhabitants,
            "distance_m": distance,
            "within": distance <= within_m,
        },
        index=buurten.index,
    )
    for column in ("wijkcode", "gemeentecode"):
        if column in buurten.columns:
            per_buurt[column] = buurten[column].to_numpy()
    reached = ~np.isnan(distance)
    weight = inhabitants[reached].sum()
    mean = float((distance[reached] * inhabitants[reached]).sum() / weight) if weight else math.nan
    total = inhabitants.sum()
    share = float(inhabitants[distance <= within_m].sum() / total) if total else math.nan
    return FacilityAccess(
        mean_distance_m=mean,
        share_within=share,
        within_m=float(within_m),
        facilities=len(points),
        per_buurt=per_buurt,
    )


def compare_tables(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Before/after columns of two unit tables (existing, existing + shortlist).

    Parameters
    ----------
    before, after
        Outputs of :func:`unit_table` for the same units.

    Returns
    -------
    pandas.DataFrame
        One row per unit (matched on ``code`` when both have it, else on the index) with
        ``name`` and, for each numeric column ``c``, ``c_before``, ``c_after``, ``c_delta``;
        a unit present in one table only gets NaN on the other side.

    Examples
    --------
    >>> before = pd.DataFrame({"code": ["GM1"], "name": ["Een"], "places": [2]})
    >>> compare_tables(before, before.assign(places=[5])).iloc[0].to_dict()
    {'code': 'GM1', 'name': 'Een', 'places_before': 2, 'places_after': 5, 'places_delta': 3}
    """
    key = "code" if "code" in before.columns and "code" in after.columns else None
    b = before.set_index(key) if key else before
    a = after.set_index(key) if key else after
    numeric = [
        c
        for c in b.columns
        if c in a.columns
        and pd.api.types.is_numeric_dtype(b[c])
        and pd.api.types.is_numeric_dtype(a[c])
        and not pd.api.types.is_bool_dtype(b[c])
    ]
    index = b.index.union(a.index, sort=False)
    out = pd.DataFrame(index=index)
    if "name" in b.columns or "name" in a.columns:
        names = b["name"] if "name" in b.columns else a["name"]
        out["name"] = names.reindex(index)
    for column in numeric:
        old, new = b[column].reindex(index), a[column].reindex(index)
        out[f"{column}_before"] = old
        out[f"{column}_after"] = new
        out[f"{column}_delta"] = new - old
    return out.rename_axis(key).reset_index() if key else out
