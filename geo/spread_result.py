"""Typed results of the spread analysis: indices, access, a report, a before/after pair.

:mod:`geo.spread` computes the parts, :mod:`geo.spread_report` assembles them into a
:class:`SpreadReport` (one register) or a :class:`ScenarioSpread` (the register before and
after adding new facilities). The CLI, the app, the council report and the exports read
these attributes; the JSON layout that ``plekwijzer spread --out FILE.json`` writes (issue 4,
read by users and checks) is made only at that edge, by ``to_json_dict``. Nothing here
carries coordinates: units are named by code.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from geo.labels import HEADLINE_INDEX

__all__ = [
    "INDEX_NAMES",
    "TABLE_COLUMNS",
    "Change",
    "FacilityAccess",
    "RegionIndices",
    "ScenarioSpread",
    "SpreadReport",
]

#: Columns of :func:`geo.spread.unit_table`, in order (also the JSON unit fields).
TABLE_COLUMNS = (
    "code",
    "name",
    "inhabitants",
    "facilities",
    "places",
    "per_10k",
    "fair_share",
    "surplus",
    "draagkracht",
)

#: The access figures a report keeps and writes (the per-buurt frame stays out of the JSON).
ACCESS_FIELDS = ("mean_distance_m", "share_within", "within_m", "facilities")


def _plain(value: Any) -> Any:
    """Return a JSON-ready scalar: numpy scalars as Python ones, NaN and infinity as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame, columns: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Return a frame as JSON-ready records, optionally only (and in the order of) ``columns``."""
    rows = frame.reset_index(drop=True).to_dict(orient="records")
    if columns is None:
        return [{str(k): _plain(v) for k, v in row.items()} for row in rows]
    return [{k: _plain(row.get(k)) for k in columns} for row in rows]


@dataclass(frozen=True)
class RegionIndices:
    """Evenness of a region's places per 10,000 inhabitants (lower is more even).

    Attributes
    ----------
    gini
        Gini of ``per_10k`` with every unit counting once.
    gini_pop_weighted
        Gini of ``per_10k`` weighted by inhabitants (every inhabitant counts once; equals
        1 - 2 x the area under the Lorenz curve); the headline index
        (:data:`geo.labels.HEADLINE_INDEX`).
    theil
        Theil's T of ``per_10k``, every unit counting once.
    theil_between, theil_within
        Its split over groups (gemeenten); NaN without groups.
    hoover
        Share of places that would have to move to match population shares.
    """

    gini: float
    gini_pop_weighted: float
    theil: float
    theil_between: float
    theil_within: float
    hoover: float

    def value(self, name: str) -> float:
        """Return one index by its name, e.g. ``HEADLINE_INDEX``.

        Parameters
        ----------
        name
            One of :data:`INDEX_NAMES`.

        Returns
        -------
        float
        """
        if name not in INDEX_NAMES:
            msg = f"unknown evenness index {name!r}; use one of {', '.join(INDEX_NAMES)}"
            raise KeyError(msg)
        value: float = getattr(self, name)
        return value

    @property
    def headline(self) -> float:
        """The headline index (:data:`geo.labels.HEADLINE_INDEX`)."""
        return self.value(HEADLINE_INDEX)

    def items(self) -> Iterator[tuple[str, float]]:
        """Yield ``(name, value)`` in :data:`INDEX_NAMES` order."""
        for name in INDEX_NAMES:
            yield name, getattr(self, name)

    def to_json_dict(self) -> dict[str, Any]:
        """Return the indices by name, NaN as None."""
        return {name: _plain(value) for name, value in self.items()}


#: Names of the evenness indices, in the order reports list them.
INDEX_NAMES: tuple[str, ...] = tuple(f.name for f in fields(RegionIndices))


@dataclass(frozen=True)
class FacilityAccess:
    """How far inhabitants live from the nearest facility (straight line from buurt points).

    Attributes
    ----------
    mean_distance_m
        Inhabitant-weighted mean distance in metres (NaN without facilities or inhabitants).
    share_within
        Share of inhabitants whose buurt point lies within ``within_m`` of a facility.
    within_m
        The reach in metres.
    facilities
        How many facilities were located.
    per_buurt
        ``code``, ``inhabitants``, ``distance_m``, ``within`` (plus ``wijkcode`` /
        ``gemeentecode`` when the buurten have them). No coordinates.
    """

    mean_distance_m: float
    share_within: float
    within_m: float
    facilities: int
    per_buurt: pd.DataFrame = field(repr=False, compare=False)

    def to_json_dict(self) -> dict[str, Any]:
        """Return the four figures (not the per-buurt frame), NaN as None."""
        return {name: _plain(getattr(self, name)) for name in ACCESS_FIELDS}


@dataclass(frozen=True)
class Change:
    """One figure before and after adding facilities.

    Attributes
    ----------
    before, after
        The figure without and with the new facilities (NaN when undefined).
    """

    before: float
    after: float

    @property
    def delta(self) -> float:
        """``after - before`` (NaN when either is)."""
        return self.after - self.before

    def to_json_dict(self) -> dict[str, Any]:
        """Return ``{"before", "after", "delta"}``, NaN as None."""
        return {
            "before": _plain(self.before),
            "after": _plain(self.after),
            "delta": _plain(self.delta),
        }


@dataclass(frozen=True)
class SpreadReport:
    """The spread of one register over a region's units at one level.

    Attributes
    ----------
    level
        ``"gemeente"``, ``"wijk"`` or ``"buurt"``.
    facility_type
        The facility type counted, or None for all.
    indices
        Evenness of the region.
    units
        One row per unit, columns :data:`TABLE_COLUMNS` (:func:`geo.spread.unit_table`).
    lorenz
        Lorenz curve points ``(inhabitants share, places share)`` from ``(0, 0)`` to
        ``(1, 1)``, least provided first.
    most_provided, least_provided
        Codes of the (at most) three units with the most resp. fewest places per 10,000.
    access
        Distance from inhabitants to the nearest facility.
    """

    level: str
    facility_type: str | None
    indices: RegionIndices
    units: pd.DataFrame = field(repr=False, compare=False)
    lorenz: tuple[tuple[float, float], ...] = field(repr=False)
    most_provided: tuple[str, ...]
    least_provided: tuple[str, ...]
    access: FacilityAccess

    @property
    def headline(self) -> float:
        """The headline evenness index (:data:`geo.labels.HEADLINE_INDEX`)."""
        return self.indices.headline

    def to_json_dict(self) -> dict[str, Any]:
        """Return the report as ``plekwijzer spread`` writes it (issue 4 layout).

        Returns
        -------
        dict
            ``level``, ``type`` (``"all"`` for every type), ``indices``, ``units`` (records
            of :data:`TABLE_COLUMNS`), ``lorenz``, ``most_provided``, ``least_provided`` and
            ``access``; NaN as None.
        """
        return {
            "level": self.level,
            "type": self.facility_type or "all",
            "indices": self.indices.to_json_dict(),
            "units": _records(self.units, TABLE_COLUMNS),
            "lorenz": [[_plain(x), _plain(y)] for x, y in self.lorenz],
            "most_provided": [_plain(c) for c in self.most_provided],
            "least_provided": [_plain(c) for c in self.least_provided],
            "access": self.access.to_json_dict(),
        }


@dataclass(frozen=True)
class ScenarioSpread:
    """The spread before and after adding new facilities (e.g. a shortlist) to a register.

    Attributes
    ----------
    before
        The existing register's spread.
    after
        The spread with the new facilities, same level, type and options.
    added
        How many facilities were added.
    units_change
        One row per unit in either run (:func:`geo.spread.compare_tables`): ``code``,
        ``name`` and for each numeric column ``c`` of the unit table ``c_before``,
        ``c_after``, ``c_delta``.
    """

    before: SpreadReport
    after: SpreadReport
    added: int
    units_change: pd.DataFrame = field(repr=False, compare=False)

    @property
    def level(self) -> str:
        """The level of both sides."""
        return self.before.level

    @property
    def facility_type(self) -> str | None:
        """The facility type counted on both sides, or None for all."""
        return self.before.facility_type

    def index_change(self, name: str) -> Change:
        """Return one evenness index before and after.

        Parameters
        ----------
        name
            One of :data:`INDEX_NAMES`, e.g. :data:`geo.labels.HEADLINE_INDEX`.

        Returns
        -------
        Change
        """
        return Change(self.before.indices.value(name), self.after.indices.value(name))

    @property
    def headline(self) -> Change:
        """The headline evenness index before and after."""
        return self.index_change(HEADLINE_INDEX)

    def index_changes(self) -> dict[str, Change]:
        """Return every evenness index before and after, in :data:`INDEX_NAMES` order."""
        return {name: self.index_change(name) for name in INDEX_NAMES}

    def access_change(self, name: str) -> Change:
        """Return one access figure (``share_within``, ``mean_distance_m`` …) before and after.

        Parameters
        ----------
        name
            One of ``mean_distance_m``, ``share_within``, ``within_m``, ``facilities``.

        Returns
        -------
        Change
        """
        if name not in ACCESS_FIELDS:
            msg = f"unknown access figure {name!r}; use one of {', '.join(ACCESS_FIELDS)}"
            raise KeyError(msg)
        return Change(getattr(self.before.access, name), getattr(self.after.access, name))

    def to_json_dict(self) -> dict[str, Any]:
        """Return the pair as ``plekwijzer spread --scenario`` writes it (issue 4 layout).

        Returns
        -------
        dict
            The ``before`` report's :meth:`SpreadReport.to_json_dict`, plus ``after`` (the
            same for the after side), ``delta`` (``indices`` and ``access`` as
            ``{"before", "after", "delta"}`` per figure, ``units`` as records of
            :attr:`units_change`) and ``added``.
        """
        return {
            **self.before.to_json_dict(),
            "after": self.after.to_json_dict(),
            "delta": {
                "indices": {k: c.to_json_dict() for k, c in self.index_changes().items()},
                "units": _records(self.units_change),
                "access": {k: self.access_change(k).to_json_dict() for k in ACCESS_FIELDS},
            },
            "added": self.added,
        }
