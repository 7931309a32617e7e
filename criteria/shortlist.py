"""Shortlist selection: the top N scored sites with spacing, caps and optional evenness.

One greedy loop serves both modes. At each pick every still-eligible site gets a value and
the best is taken:

- by score (``evenness`` None or weight 0): the value is the site's rank, so the walk is the
  ranked list from best to worst;
- evenness-aware (DESIGN §5): ``(1 - w) * score + w * gain / max_gain``, where ``gain`` is
  how much the population-weighted Gini of places per 10,000 inhabitants over the units
  (gemeenten) falls when the site's places are added on top of the existing register and
  the earlier picks.

After a pick, sites closer than ``min_spacing_m`` to it and sites in a buurt or gemeente that
reached its cap stop being eligible. Distances are metric (EPSG:28992). Every eligible site
ranked above the last pick but not picked says why (``skip_reason``), so a shortlist of ranks
1, 2, 3, 5, 9 explains the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from criteria._errors import ShortlistOptionError
from geo import nlformat
from geo._errors import CRSError, GeometryError, MissingColumnError
from geo.inequality import gini_weighted

#: Why a better-ranked site was not picked, by the rule that made it ineligible.
_KEEP, _SPACING, _PER_BUURT, _PER_GEMEENTE = 0, 1, 2, 3
_CAP_KIND = {"buurtcode": _PER_BUURT, "gemeentecode": _PER_GEMEENTE}


@dataclass(frozen=True)
class EvennessTarget:
    """What the evenness-aware mode weighs a pick against.

    Attributes
    ----------
    weight
        0 = score only, 1 = evenness only.
    unit_column
        The site column naming its unit (``"gemeentecode"``).
    codes
        Unit codes.
    inhabitants
        Inhabitants per unit, aligned to ``codes``.
    existing_places
        Places already there per unit, aligned to ``codes``.
    places_per_site
        Places one new site adds.
    """

    weight: float
    unit_column: str
    codes: tuple[str, ...]
    inhabitants: tuple[float, ...]
    existing_places: tuple[float, ...]
    places_per_site: float

    @classmethod
    def from_units(
        cls,
        units: pd.DataFrame,
        existing_places: pd.Series,
        *,
        weight: float,
        places_per_site: float,
        unit_column: str = "gemeentecode",
    ) -> EvennessTarget:
        """Build the target from a unit table (``code``, ``inhabitants``).

        Parameters
        ----------
        units
            Units with ``code`` and ``inhabitants``.
        existing_places
            Existing places per unit code; units not named have none.
        weight
            The evenness weight, 0..1.
        places_per_site
            Places one new site adds.
        unit_column
            The site column naming its unit.

        Returns
        -------
        EvennessTarget
        """
        codes = units["code"].astype(str)
        return cls(
            weight=weight,
            unit_column=unit_column,
            codes=tuple(codes),
            inhabitants=tuple(units["inhabitants"].fillna(0).astype(float)),
            existing_places=tuple(existing_places.reindex(codes).fillna(0).astype(float)),
            places_per_site=float(places_per_site),
        )


@dataclass(frozen=True)
class Picks:
    """The outcome of :func:`pick_sites`, aligned to the scored table's index.

    Attributes
    ----------
    shortlisted
        Boolean, named ``shortlisted``.
    pick_order
        1 for the first pick, 2 for the next …; <NA> for sites not picked.
    evenness_gain
        The Gini reduction a site brought when picked (NaN otherwise, and without evenness).
    skip_reason
        For an eligible site ranked above the last pick but not picked, why, in Dutch
        (``"overgeslagen: binnen 2 km van #3 (op 1,2 km)"``, ``"overgeslagen: max. per buurt
        bereikt"``); None for every other site. ``#3`` is the pick's number in the
        shortlist in rank order, as the app and the report number it.
    """

    shortlisted: pd.Series
    pick_order: pd.Series
    evenness_gain: pd.Series
    skip_reason: pd.Series


def _check_count(value: object, *, parameter: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        msg = f"{parameter} moet een heel getal ≥ {minimum} zijn, kreeg {nlformat.given(value)}."
        raise ShortlistOptionError(msg)


def _check_options(
    scored: gpd.GeoDataFrame,
    *,
    top_n: int,
    min_spacing_m: float,
    caps: dict[str, int],
    evenness: EvennessTarget | None,
) -> None:
    _check_count(top_n, parameter="top_n", minimum=0)
    if (
        isinstance(min_spacing_m, bool)
        or not isinstance(min_spacing_m, Real)
        or not 0 <= min_spacing_m < float("inf")
    ):
        msg = (
            f"min_spacing_m moet een aantal meters ≥ 0 zijn, kreeg {nlformat.given(min_spacing_m)}."
        )
        raise ShortlistOptionError(msg)
    for column, cap in caps.items():
        _check_count(cap, parameter=f"het maximum per {column}", minimum=1)
    needed = ["rank", *caps]
    if evenness is not None:
        if not 0.0 <= evenness.weight <= 1.0:
            msg = (
                "het gewicht voor spreiding (evenness) moet tussen 0 en 1 liggen, kreeg "
                f"{nlformat.given(evenness.weight)}."
            )
            raise ShortlistOptionError(msg)
        needed += ["score", evenness.unit_column]
    if missing := [c for c in needed if c not in scored.columns]:
        msg = (
            f"de shortlist vraagt kolom(men) {', '.join(missing)}; voeg eerst de uitkomst van de "
            "scores (candidates.join(score(...).table)) en de buurtcodes toe."
        )
        raise MissingColumnError(msg)


def _metric_geometry(scored: gpd.GeoDataFrame, ranked: np.ndarray) -> np.ndarray:
    crs = scored.crs
    if crs is None or not crs.is_projected:
        shown = "no CRS" if crs is None else crs.to_string()
        msg = (
            f"min_spacing_m vraagt een CRS in meters, maar de kandidaten hebben {shown}; gebruik "
            "eerst to_crs('EPSG:28992')."
        )
        raise CRSError(msg)
    geometry: np.ndarray = scored.geometry.to_numpy()
    bad = ranked & (shapely.is_missing(geometry) | shapely.is_empty(geometry))
    if bad.any():
        empty = list(scored.index[bad][:5])
        msg = (
            "gerangschikte kandidaten zonder geometrie kunnen niet op afstand worden gezet: "
            f"{empty}; verbeter ze of laat ze weg."
        )
        raise GeometryError(msg)
    return geometry


class _Spread:
    """Places per unit as picks are added; the Gini gain of adding a site to each unit."""

    def __init__(self, target: EvennessTarget, sites: pd.Series) -> None:
        self.target = target
        inhabitants = np.asarray(target.inhabitants, dtype=float)
        self.populated = inhabitants > 0
        self.inhabitants = inhabitants[self.populated]
        self.places = np.asarray(target.existing_places, dtype=float)
        position = {code: i for i, code in enumerate(target.codes)}
        self.unit_of_site = sites.map(position).to_numpy(dtype=float)

    def _gini(self, places: np.ndarray) -> float:
        rate = places[self.populated] / self.inhabitants * 10_000
        return gini_weighted(rate, self.inhabitants)

    def gains(self, rows: np.ndarray) -> np.ndarray:
        """Gini reduction per row when one site is added to its unit (one Gini per unit)."""
        base = self._gini(self.places)
        units = self.unit_of_site[rows]
        gain = np.zeros(len(rows))
        for unit in np.unique(units[~np.isnan(units)]):
            trial = self.places.copy()
            trial[int(unit)] += self.target.places_per_site
            gain[units == unit] = base - self._gini(trial)
        return gain

    def add(self, row: int) -> None:
        unit = self.unit_of_site[row]
        if not np.isnan(unit):
            self.places[int(unit)] += self.target.places_per_site


def pick_sites(
    scored: gpd.GeoDataFrame,
    *,
    top_n: int,
    min_spacing_m: float = 0.0,
    max_per_buurt: int | None = None,
    max_per_gemeente: int | None = None,
    evenness: EvennessTarget | None = None,
) -> Picks:
    """Pick up to ``top_n`` sites greedily, honouring spacing, caps and evenness.

    Parameters
    ----------
    scored
        Candidates joined with their scoring result: ``rank`` (1 = best, <NA> for excluded
        sites, which are never picked), ``score`` with evenness, a geometry in a metric CRS
        when spacing, and ``buurtcode`` / ``gemeentecode`` when capped. Sites whose code is
        missing are not held to that cap.
    top_n
        Largest number of sites to pick.
    min_spacing_m
        Smallest distance in meters between two picks; 0 disables the check.
    max_per_buurt, max_per_gemeente
        Largest number of picks within one buurt / gemeente; None for no cap.
    evenness
        Trade score against a more even spread; None (or weight 0) picks by rank.

    Returns
    -------
    Picks

    Raises
    ------
    CRSError
        When spacing is asked for and the CRS is missing or geographic (degrees).
    MissingColumnError
        When ``rank``, ``score`` or a capped code column is absent.
    GeometryError
        When spacing is asked for and a ranked site has no geometry.
    ShortlistOptionError
        For a negative ``top_n`` or spacing, a cap below 1, an evenness weight outside 0..1.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> sites = gpd.GeoDataFrame(
    ...     {"rank": [2, 1, 3]}, geometry=[Point(0, 0), Point(50, 0), Point(900, 0)],
    ...     crs="EPSG:28992", index=["a", "b", "c"])
    >>> pick_sites(sites, top_n=2, min_spacing_m=100).shortlisted.tolist()
    [False, True, True]
    """
    given = {"buurtcode": max_per_buurt, "gemeentecode": max_per_gemeente}
    caps = {column: cap for column, cap in given.items() if cap is not None}
    _check_options(scored, top_n=top_n, min_spacing_m=min_spacing_m, caps=caps, evenness=evenness)
    ranks = scored["rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    eligible = ~np.isnan(ranks)
    geometry = _metric_geometry(scored, eligible) if min_spacing_m > 0 else None
    spread = None
    if evenness is not None and evenness.weight > 0:
        spread = _Spread(evenness, scored[evenness.unit_column])
        scores = scored["score"].to_numpy(dtype=float)
    codes = {column: scored[column].to_numpy() for column in caps}
    taken: dict[tuple[str, object], int] = {}
    order = np.full(len(scored), -1)
    gain_at_pick = np.full(len(scored), np.nan)
    # The first rule that took a site out, the pick that did it and the distance to it.
    skip_kind = np.full(len(scored), _KEEP)
    skip_pick = np.full(len(scored), -1)
    skip_distance = np.full(len(scored), np.nan)
    for number in range(1, top_n + 1):
        rows = np.flatnonzero(eligible)
        if rows.size == 0:
            break
        if spread is None:
            best = rows[np.argmin(ranks[rows])]
        else:
            gains = spread.gains(rows)
            top_gain = gains.max()
            scaled = gains / top_gain if top_gain > 0 else np.zeros_like(gains)
            weight = spread.target.weight
            value = (1 - weight) * scores[rows] + weight * scaled
            # Ties go to the better-ranked site, as in the score-only walk.
            candidates = rows[value == value.max()]
            best = candidates[np.argmin(ranks[candidates])]
            gain_at_pick[best] = gains[np.searchsorted(rows, best)]
            spread.add(best)
        order[best] = number
        eligible[best] = False
        if geometry is not None:
            distance = shapely.distance(geometry, geometry[best])
            close = eligible & (distance < min_spacing_m)
            skip_kind[close], skip_pick[close] = _SPACING, best
            skip_distance[close] = distance[close]
            eligible &= ~close
        for column, cap in caps.items():
            code = codes[column][best]
            if pd.isna(code):
                continue
            taken[(column, code)] = taken.get((column, code), 0) + 1
            if taken[(column, code)] >= cap:
                full = eligible & (codes[column] == code)
                skip_kind[full], skip_pick[full] = _CAP_KIND[column], best
                eligible &= ~full
    picked = order > 0
    reasons = _skip_reasons(
        ranks, picked, skip_kind, skip_pick, skip_distance, min_spacing_m=min_spacing_m
    )
    return Picks(
        shortlisted=pd.Series(picked, index=scored.index, name="shortlisted"),
        pick_order=pd.Series(order, index=scored.index, name="pick_order")
        .where(picked)
        .astype("Int64"),
        evenness_gain=pd.Series(gain_at_pick, index=scored.index, name="evenness_gain"),
        skip_reason=pd.Series(reasons, index=scored.index, name="skip_reason", dtype=object),
    )


def _skip_reasons(
    ranks: np.ndarray,
    picked: np.ndarray,
    kind: np.ndarray,
    by_pick: np.ndarray,
    distance: np.ndarray,
    *,
    min_spacing_m: float,
) -> np.ndarray:
    """Say, for each site ranked above the last pick but not picked, why (else None)."""
    reasons = np.full(len(ranks), None, dtype=object)
    if not picked.any():
        return reasons
    worst = np.nanmax(ranks[picked])
    with np.errstate(invalid="ignore"):  # NaN ranks (excluded sites) compare False
        skipped = np.flatnonzero(~picked & (ranks < worst))
    # Picks are numbered in rank order, as the shortlist table and the report show them.
    picks = np.flatnonzero(picked)
    number = {row: i + 1 for i, row in enumerate(picks[np.argsort(ranks[picks], kind="stable")])}
    spacing = nlformat.distance(min_spacing_m)
    for row in skipped:
        if kind[row] == _SPACING:
            reasons[row] = (
                f"overgeslagen: binnen {spacing} van #{number[by_pick[row]]} "
                f"(op {nlformat.distance(distance[row])})"
            )
        elif kind[row] == _PER_BUURT:
            reasons[row] = "overgeslagen: max. per buurt bereikt"
        elif kind[row] == _PER_GEMEENTE:
            reasons[row] = "overgeslagen: max. per gemeente bereikt"
        else:  # still eligible: the evenness-aware mode preferred sites in other gemeenten
            reasons[row] = "overgeslagen: voorrang voor gelijkmatiger spreiding"
    return reasons
