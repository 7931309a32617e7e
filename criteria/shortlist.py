"""Shortlist selection: the top N scored sites with minimum spacing and caps per area.

The selection is greedy by rank: walk the ranked candidates from best to worst and take a
site unless it lies closer than ``min_spacing_m`` to a site already taken, or its buurt or
gemeente already holds its cap. Distances use shapely 2's vectorised ``distance`` against
the picks so far, in a metric CRS (EPSG:28992).
"""

from __future__ import annotations

from collections import Counter
from numbers import Integral, Real

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import CRSError, GeometryError, MissingColumnError


def _check_count(value: object, *, parameter: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        msg = f"{parameter} must be a whole number ≥ {minimum}, got {value!r}"
        raise ValueError(msg)


def select_shortlist(
    scored: gpd.GeoDataFrame,
    *,
    top_n: int,
    min_spacing_m: float = 0.0,
    max_per_buurt: int | None = None,
    max_per_gemeente: int | None = None,
) -> pd.Series:
    """Pick up to ``top_n`` sites greedily by rank, honouring spacing and caps.

    Parameters
    ----------
    scored
        Candidates joined with their scoring result (``candidates.join(result)``): a
        ``rank`` column (1 = best, <NA> for excluded sites, which are never picked), a
        geometry in a metric CRS, and ``buurtcode`` / ``gemeentecode`` when capped. Sites
        whose buurt or gemeente code is missing are not held to that cap.
    top_n
        Largest number of sites to pick.
    min_spacing_m
        Smallest distance in meters between two picks; 0 disables the check.
    max_per_buurt, max_per_gemeente
        Largest number of picks within one buurt / gemeente; None for no cap.

    Returns
    -------
    pandas.Series
        Boolean Series named ``shortlisted``, aligned to ``scored.index``.

    Raises
    ------
    CRSError
        When spacing is asked for and the CRS is missing or geographic (degrees).
    MissingColumnError
        When ``rank`` or a capped code column is absent.
    GeometryError
        When spacing is asked for and a ranked site has no geometry.
    ValueError
        For a negative ``top_n``, spacing or a cap below 1.
    """
    _check_count(top_n, parameter="top_n", minimum=0)
    if (
        isinstance(min_spacing_m, bool)
        or not isinstance(min_spacing_m, Real)
        or not min_spacing_m >= 0
    ):
        msg = f"min_spacing_m must be a number of meters ≥ 0, got {min_spacing_m!r}"
        raise ValueError(msg)
    caps = {"buurtcode": max_per_buurt, "gemeentecode": max_per_gemeente}
    caps = {column: cap for column, cap in caps.items() if cap is not None}
    for column, cap in caps.items():
        _check_count(cap, parameter=f"cap on {column}", minimum=1)
    needed = ["rank", *caps]
    if missing := [c for c in needed if c not in scored.columns]:
        msg = (
            f"shortlist needs column(s) {', '.join(missing)}; join the scoring result "
            "(candidates.join(score_candidates(...))) and the neighbourhood codes first"
        )
        raise MissingColumnError(msg)

    ranks = scored["rank"].astype("Float64")
    ordered = ranks[ranks.notna()].sort_values(kind="stable").index
    positions = scored.index.get_indexer(ordered)
    geometry = None
    if min_spacing_m > 0:
        crs = scored.crs
        if crs is None or not crs.is_projected:
            shown = "no CRS" if crs is None else crs.to_string()
            msg = (
                f"min_spacing_m needs a metric CRS but the candidates have {shown}; "
                "use to_crs('EPSG:28992') first"
            )
            raise CRSError(msg)
        geometry = scored.geometry.to_numpy()
        if empty := [
            scored.index[p] for p in positions if geometry[p] is None or geometry[p].is_empty
        ]:
            msg = (
                f"ranked candidates without geometry cannot be spaced: {empty[:5]}; fix or drop "
                "them"
            )
            raise GeometryError(msg)

    counts = {column: Counter() for column in caps}
    codes = {column: scored[column].to_numpy() for column in caps}
    picked: list[int] = []
    for position in positions:
        if len(picked) >= top_n:
            break
        if any(
            not pd.isna(codes[column][position]) and counts[column][codes[column][position]] >= cap
            for column, cap in caps.items()
        ):
            continue
        if geometry is not None and picked:
            nearest = shapely.distance(geometry[picked], geometry[position]).min()
            if nearest < min_spacing_m:
                continue
        picked.append(position)
        for column in caps:
            code = codes[column][position]
            if not pd.isna(code):
                counts[column][code] += 1
    shortlisted = np.zeros(len(scored), dtype=bool)
    shortlisted[picked] = True
    return pd.Series(shortlisted, index=scored.index, name="shortlisted")
