"""The spread report of a region: per-unit table, indices, Lorenz curve, before/after.

Ties :mod:`geo.spread` to the loaded layers; the CLI ``spread`` command and the app's
Spreiding tab both reach :func:`spread_report` and :func:`scenario_report` through
:class:`criteria.run.SpreadCache`. They return the typed results of
:mod:`geo.spread_result`. Nothing returned carries coordinates: units are named by code, so
confidential facilities stay hidden. New
facilities for the "after" side come from :func:`geo.facilities.facilities_from_sites` or
:func:`geo.facilities.facilities_from_shortlist`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo._errors import PlekwijzerInputError
from geo.neighbourhoods import aggregate_neighbourhoods
from geo.settings import FACILITY_TYPES, LEVEL_CODE_COLUMN, LEVELS
from geo.spread import (
    compare_tables,
    lorenz,
    most_and_least_provided,
    nearest_facility_access,
    region_indices,
    unit_table,
)
from geo.spread_result import ScenarioSpread, SpreadReport


def units_for_level(
    buurten: gpd.GeoDataFrame,
    *,
    level: str,
    published: pd.DataFrame | None = None,
    with_geometry: bool = True,
) -> gpd.GeoDataFrame:
    """Units of a level with draagkracht: buurten as they are, wijken / gemeenten aggregated.

    Draagkracht of a wijk or gemeente is the inhabitant-weighted mean of its buurten'.

    Parameters
    ----------
    buurten
        Buurten with ``draagkracht``.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.
    published
        CBS's own figures per unit (:func:`geo.neighbourhoods.kerncijfers_from_cbs`): their
        names and inhabitants replace the sums of rounded, partly suppressed buurt figures.
    with_geometry
        False to leave wijken / gemeenten without dissolved geometry (figures only).
    """
    if level not in LEVELS:
        msg = f"niveau {level!r} is onbekend: gebruik een van {', '.join(LEVELS)}."
        raise PlekwijzerInputError(msg)
    if level == "buurt":
        return buurten
    units = aggregate_neighbourhoods(buurten, level=level, with_geometry=with_geometry)
    key = LEVEL_CODE_COLUMN[level]
    weights = buurten["inhabitants"].where(buurten["draagkracht"].notna()).fillna(0)
    weighted = (buurten["draagkracht"].fillna(0) * weights).groupby(buurten[key]).sum()
    totals = weights.groupby(buurten[key]).sum()
    units["draagkracht"] = (weighted / totals.where(totals > 0)).reindex(units.index)
    if published is not None:
        rows = published[published["level"] == level].set_index("code")
        rows = rows[rows.index.isin(units.index)]
        for column in ("name", "inhabitants"):
            known = rows[column].dropna()
            units.loc[known.index, column] = known
    return units


def spread_report(
    buurten: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    level: str = "gemeente",
    facility_type: str | None = None,
    fair_share_correction: float = 0.0,
    access_within_m: float = 2_000.0,
    published: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> SpreadReport:
    """Describe the spread of facilities over a region's units.

    Parameters
    ----------
    buurten
        Buurten with ``draagkracht`` (see :func:`geo.workspace.load_region_data`).
    facilities
        The (anonymised) register, with buurt, wijk and gemeente codes.
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.
    facility_type
        One type, or None for all.
    fair_share_correction
        Draagkracht correction of the fair share, 0 (pure population share) to 1.
    access_within_m
        Distance for the share of inhabitants within reach of a facility.
    published
        CBS's published figures per unit, see :func:`units_for_level`.
    units
        The units of ``level`` (:func:`units_for_level` without geometry) when the caller
        already has them: they do not change with the facilities, so a before/after pair
        aggregates the buurten once.

    Returns
    -------
    geo.spread_result.SpreadReport
        Its :meth:`~geo.spread_result.SpreadReport.to_json_dict` is the JSON form.
    """
    if facility_type is not None and facility_type not in FACILITY_TYPES:
        msg = (
            f"onbekend type voorziening {facility_type!r}. Gebruik een van: "
            f"{', '.join(FACILITY_TYPES)}."
        )
        raise PlekwijzerInputError(msg)
    # Figures only: the report carries no unit shapes, and dissolving them is the slow part.
    if units is None:
        units = units_for_level(buurten, level=level, published=published, with_geometry=False)
    table = unit_table(
        units,
        facilities,
        level_code_column=LEVEL_CODE_COLUMN[level],
        facility_type=facility_type,
        draagkracht=units["draagkracht"],
        fair_share_correction=fair_share_correction,
    )
    # At gemeente level each unit is its own group: between = total, within = 0.
    groups = units["gemeentecode"]
    most, least = most_and_least_provided(table, n=3)
    shaped = buurten[buurten.geometry.notna()]
    return SpreadReport(
        level=level,
        facility_type=facility_type,
        indices=region_indices(table, groups=groups),
        units=table,
        lorenz=tuple((x, y) for x, y in lorenz(table)),
        most_provided=tuple(most["code"]),
        least_provided=tuple(least["code"]),
        access=nearest_facility_access(
            shaped, facilities, facility_type=facility_type, within_m=access_within_m
        ),
    )


def scenario_report(
    buurten: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    new_facilities: gpd.GeoDataFrame,
    *,
    before: SpreadReport | None = None,
    level: str = "gemeente",
    facility_type: str | None = None,
    fair_share_correction: float = 0.0,
    access_within_m: float = 2_000.0,
    published: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> ScenarioSpread:
    """Spread before, after adding ``new_facilities``, and the change in every number.

    Parameters
    ----------
    buurten
        Buurten with ``draagkracht``.
    facilities
        The existing register.
    new_facilities
        The facilities added (e.g. a shortlist, :func:`geo.facilities.facilities_from_sites`).
    before
        The :func:`spread_report` of ``facilities`` with the same options, when the caller
        already has it (it does not change with the shortlist); computed otherwise.
    level, facility_type, fair_share_correction, access_within_m, published, units
        As for :func:`spread_report`.

    Returns
    -------
    geo.spread_result.ScenarioSpread
        The report of the existing register, the report with the new facilities, and the
        unit table's change.
    """

    def report(register: gpd.GeoDataFrame) -> SpreadReport:
        return spread_report(
            buurten,
            register,
            level=level,
            facility_type=facility_type,
            fair_share_correction=fair_share_correction,
            access_within_m=access_within_m,
            published=published,
            units=units,
        )

    if before is None:
        before = report(facilities)
    after = report(gpd.GeoDataFrame(pd.concat([facilities, new_facilities]), crs=facilities.crs))
    return ScenarioSpread(
        before=before,
        after=after,
        added=len(new_facilities),
        units_change=compare_tables(before.units, after.units),
    )
