"""Hard constraints decided on measured data: who is excluded, who must be checked.

A hard rule decides only on measured data (DESIGN §5, issue 9). For any feature column ``F``
the feature table may carry a text column ``source__F`` saying per row how the value was
obtained (:data:`SOURCES`):

- ``"measured"``: measured or recorded, e.g. the distance to BAG address points;
- ``"network"``: measured over a walking network;
- ``"estimate"``: estimated, e.g. from a buurt figure;
- ``"straight_line"``: a straight-line distance times a detour factor standing in for a
  walking distance.

No ``source__F`` column, or an empty cell in it, means measured. A clause decides a row only
when its value is known and not an estimate; otherwise the clause is undecided. A constraint
(it passes when any of its clauses passes) then, per row:

- passes when some clause passes on measured data;
- fails, and the site is excluded, when every clause fails on measured data;
- otherwise is unverified: the site is flagged "te controleren" with the rule and the reason,
  is not excluded and still ranks through the soft criteria (on the estimate).

An unknown (NaN) value is undecided too, unless the clause says ``missing = "exclude"``; an
estimate never excludes, whatever ``missing`` says. One location rule is built in: a row whose
:data:`OUTSIDE_REGION` column holds a text is excluded with that text as its reason, whatever
the profile and its ``missing`` policies say.

:func:`evaluate_constraints` works on all rows at once and builds no text;
:func:`exclusion_reasons` and :func:`check_entries` build the texts for the rows asked for only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from criteria._errors import FeatureTableError, ProfileError
from criteria.profiles import EXCLUDING_POLICIES, Clause, Constraint, Profile

#: Prefix of the per-row source column of a feature: ``source__<feature>``.
SOURCE_PREFIX = "source__"
#: How a feature value was obtained; absent or empty means ``"measured"``.
SOURCES: tuple[str, ...] = ("measured", "network", "estimate", "straight_line")
#: Sources a hard rule never excludes on.
UNVERIFIED_SOURCES: frozenset[str] = frozenset({"estimate", "straight_line"})
#: Column with the reason a candidate lies outside the chosen region (None/NaN when inside).
OUTSIDE_REGION = "outside_region_reason"

#: Dutch names of features read by constraints, used in the "te controleren" reasons.
FEATURE_LABELS_NL: dict[str, str] = {
    "measured_distance_to_dwelling_m": "afstand tot woningen",
    "distance_to_dwelling_m": "afstand tot woningen",
    "distance_to_sensitive_m": "afstand tot gevoelige functies",
    "distance_to_sensitive_function_m": "afstand tot gevoelige functies",
    "proxy_address_density_per_km2": "adressendichtheid rond de plek",
    "buurt_address_density_per_km2": "adressendichtheid van de buurt",
    "addresses_within_100m": "adressen binnen 100 m",
    "addresses_within_250m": "adressen binnen 250 m",
    "plot_area_m2": "perceeloppervlak",
    "floor_area_m2": "vloeroppervlak",
    "use": "gebruik",
}

_UNITS = (
    ("_per_km2", " per km²"),
    ("_per_10k", " per 10.000"),
    ("_per_1000", " per 1.000"),
    ("_m2", " m²"),
    ("_km", " km"),
    ("_m", " m"),
)
_OPS_NL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}
_COMPARE = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


@dataclass(frozen=True, eq=False)
class ConstraintMasks:
    """Outcome of every constraint for every row, as boolean masks (no text).

    Attributes
    ----------
    failed
        Shape (rows, constraints): the constraint fails on measured data.
    unverified
        Shape (rows, constraints): neither passed nor failed on measured data (an estimate
        or an unknown value decides it).
    outside_region
        Shape (rows,): the row has an :data:`OUTSIDE_REGION` reason.
    """

    failed: np.ndarray
    unverified: np.ndarray
    outside_region: np.ndarray

    @property
    def excluded(self) -> np.ndarray:
        """Rows excluded: outside the region or failing a constraint on measured data."""
        return self.outside_region | self.failed.any(axis=1)

    @property
    def needs_check(self) -> np.ndarray:
        """Rows not excluded but with an unverified constraint ("te controleren")."""
        return ~self.excluded & self.unverified.any(axis=1)


def source_labels(features: pd.DataFrame, feature: str) -> pd.Series | None:
    """Return the validated ``source__<feature>`` column (empty cells read as measured).

    Parameters
    ----------
    features
        The feature table.
    feature
        The feature column whose source is asked for.

    Returns
    -------
    pandas.Series or None
        Text per row, one of :data:`SOURCES`; None when the table has no source column.

    Raises
    ------
    FeatureTableError
        When the source column holds a value outside :data:`SOURCES`.
    """
    column = SOURCE_PREFIX + feature
    if column not in features.columns:
        return None
    values = features[column]
    known = values.notna()
    if unknown := sorted(set(pd.unique(values[known])) - set(SOURCES), key=str):
        msg = (
            f"kolom {column!r} bevat {', '.join(map(repr, unknown[:5]))}; elke waarde moet een van "
            f"{', '.join(SOURCES)} zijn (of leeg voor gemeten)."
        )
        raise FeatureTableError(msg)
    return values.where(known, "measured")


def _undecided_sources(features: pd.DataFrame, feature: str) -> np.ndarray | None:
    sources = source_labels(features, feature)
    return None if sources is None else sources.isin(UNVERIFIED_SOURCES).to_numpy()


def _clause_outcome(
    clause: Clause, features: pd.DataFrame, *, profile: Profile, item: str
) -> tuple[np.ndarray, np.ndarray]:
    """Return (passes, fails) of one clause on the rows it decides; the rest is undecided."""
    column = features[clause.feature]
    missing = column.isna().to_numpy()
    if clause.op in _COMPARE:
        try:
            numbers = pd.to_numeric(column, errors="raise").to_numpy(dtype="float64")
        except (TypeError, ValueError) as err:
            msg = (
                f"operator {clause.op!r} vraagt getallen, maar kolom {clause.feature!r} bevat "
                "tekst; gebruik == of in."
            )
            raise ProfileError(msg, source=profile.source, item=item) from err
        with np.errstate(invalid="ignore"):
            passed = _COMPARE[clause.op](numbers, clause.value)
    elif clause.op in ("in", "not in"):
        passed = column.isin(list(clause.value)).to_numpy()
        if clause.op == "not in":
            passed = ~passed
    else:
        passed = (column == clause.value).to_numpy(dtype=bool, na_value=False)
        if clause.op == "!=":
            passed = ~passed
    passed = passed & ~missing
    undecided = (
        missing.copy() if clause.missing not in EXCLUDING_POLICIES else np.zeros_like(missing)
    )
    if (estimated := _undecided_sources(features, clause.feature)) is not None:
        undecided |= estimated
    return passed & ~undecided, ~passed & ~undecided


def outside_region(features: pd.DataFrame) -> np.ndarray:
    """Rows whose :data:`OUTSIDE_REGION` column holds a (non-empty) reason."""
    if OUTSIDE_REGION not in features.columns:
        return np.zeros(len(features), dtype=bool)
    reasons = features[OUTSIDE_REGION]
    outside: np.ndarray = (reasons.notna() & reasons.astype(object).ne("")).to_numpy(dtype=bool)
    return outside


def evaluate_constraints(features: pd.DataFrame, profile: Profile) -> ConstraintMasks:
    """Decide every constraint of a profile for every row, vectorised, building no text.

    Parameters
    ----------
    features
        The feature table, with every column the constraints read.
    profile
        The profile whose constraints are evaluated.

    Returns
    -------
    ConstraintMasks
        Failed and unverified masks per constraint, and the outside-region mask.

    Raises
    ------
    ProfileError
        When a comparison needs numbers but the column holds text.
    FeatureTableError
        When a ``source__`` column holds an unknown source.
    """
    n = len(features)
    failed = np.zeros((n, len(profile.constraints)), dtype=bool)
    unverified = np.zeros_like(failed)
    for number, constraint in enumerate(profile.constraints):
        item = f"harde eis {constraint.name!r}"
        passes = np.zeros(n, dtype=bool)
        fails = np.ones(n, dtype=bool)
        for clause in constraint.clauses:
            clause_passes, clause_fails = _clause_outcome(
                clause, features, profile=profile, item=item
            )
            passes |= clause_passes
            fails &= clause_fails
        failed[:, number] = fails
        unverified[:, number] = ~passes & ~fails
    return ConstraintMasks(
        failed=failed, unverified=unverified, outside_region=outside_region(features)
    )


def constraint_columns(features: pd.DataFrame, profile: Profile) -> list[str]:
    """Columns the reason texts read: constraint features, their sources, the region reason."""
    columns = []
    for constraint in profile.constraints:
        for feature in constraint.features:
            columns += [feature, SOURCE_PREFIX + feature]
    columns.append(OUTSIDE_REGION)
    return [c for c in dict.fromkeys(columns) if c in features.columns]


@lru_cache(maxsize=1024)
def _unit(feature: str) -> str:
    """Return the unit a feature name's suffix carries (``_m`` -> `` m``), or ``""``."""
    return next((u for suffix, u in _UNITS if feature.endswith(suffix)), "")


def format_nl(value: Any, feature: str = "") -> str:
    """Format a value in nl-NL notation (1.234,5) with the unit its feature name carries.

    Parameters
    ----------
    value
        A number or a text.
    feature
        Feature name whose suffix gives the unit (``_m`` -> ``m``, ``_m2`` -> ``m²``).

    Returns
    -------
    str
        E.g. ``"1.250 m"`` or ``"12,5 m²"``.

    Examples
    --------
    >>> format_nl(1234.6, "distance_to_dwelling_m"), format_nl(12.5, "floor_area_m2")
    ('1.235 m', '12,5 m²')
    """
    if isinstance(value, int | float | np.integer | np.floating) and math.isfinite(value):
        number = float(value)
        whole = number.is_integer() or abs(number) >= 100
        text = f"{value:,.0f}" if whole else f"{value:,.3g}"
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    else:
        text = str(value)
    return text + _unit(feature)


def _label(feature: str) -> str:
    return FEATURE_LABELS_NL.get(feature, feature)


def _rule_nl(clause: Clause, *, named: bool) -> str:
    """Return the rule in Dutch: ``≥ 100 m``, or ``afstand tot woningen ≥ 100 m`` if named."""
    if clause.op in ("in", "not in"):
        word = "een van" if clause.op == "in" else "geen van"
        text = f"{word}: {', '.join(map(str, clause.value))}"
    else:
        text = f"{_OPS_NL[clause.op]} {format_nl(clause.value, clause.feature)}"
    return f"{_label(clause.feature)} {text}" if named else text


def _reasons(constraint: Constraint, features: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """Exclusion reason of one failed constraint for the rows (positions) given.

    Rows with the same values share one text object: a million excluded sites hold a few
    thousand distinct reasons, not a million copies.
    """
    parts = []
    for clause in constraint.clauses:
        rule = _rule_nl(clause, named=False)
        label = _label(clause.feature)
        values = features[clause.feature].to_numpy()[rows]
        known: dict[Any, str] = {}
        unknown = f"{label} onbekend, eis {rule}"
        texts = []
        for value in values:
            if pd.isna(value):
                texts.append(unknown)
                continue
            text = known.get(value)
            if text is None:
                text = known[value] = f"{label} {format_nl(value, clause.feature)}, eis {rule}"
            texts.append(text)
        parts.append(texts)
    title = constraint.label or constraint.name
    joined: dict[tuple[str, ...], str] = {}
    return [
        joined.get(texts) or joined.setdefault(texts, f"{title}: {' of '.join(texts)}")
        for texts in zip(*parts, strict=True)
    ]


def exclusion_reasons(
    features: pd.DataFrame, profile: Profile, masks: ConstraintMasks, rows: np.ndarray
) -> list[list[str]]:
    """Exclusion reasons of the rows (positions) given; empty lists for rows not excluded.

    Parameters
    ----------
    features
        The feature table (or the :func:`constraint_columns` of it).
    profile
        The profile the masks were evaluated with.
    masks
        From :func:`evaluate_constraints` on the same rows.
    rows
        Positions of the rows wanted.

    Returns
    -------
    list of list of str
        Per row: the outside-region reason first (if any), then one text per failed
        constraint in Dutch, ``"<rule label>: <feature> <value>, eis <rule>"``, e.g.
        ``"Minstens 100 m van woningen: afstand tot woningen 66 m, eis ≥ 100 m"``.
    """
    rows = np.asarray(rows, dtype=np.intp)
    texts: list[tuple[str, ...]] = [()] * len(rows)
    outside = np.flatnonzero(masks.outside_region[rows])
    if outside.size:
        reasons = features[OUTSIDE_REGION].to_numpy()[rows[outside]]
        for row, reason in zip(outside, reasons, strict=True):
            texts[row] = (str(reason),)
    for number, constraint in enumerate(profile.constraints):
        at = np.flatnonzero(masks.failed[rows, number])
        for row, text in zip(at, _reasons(constraint, features, rows[at]), strict=True):
            texts[row] = (*texts[row], text)
    return _shared_lists(texts, list)


def _shared_lists(
    keys: list[tuple[Any, ...]], make: Callable[[tuple[Any, ...]], list[Any]]
) -> list[Any]:
    """Return ``make(key)`` per row, one list object for all rows with an equal key.

    A million candidates have a few thousand distinct reason lists: sharing them keeps the
    scoring table hundreds of MB smaller. The lists are read-only by convention (nothing
    changes a row's reasons after scoring).
    """
    made: dict[tuple[Any, ...], list[Any]] = {}
    out = []
    for key in keys:
        value = made.get(key)
        if value is None:
            value = made[key] = make(key)
        out.append(value)
    return out


def _clause_status(clause: Clause, value: Any, source: str) -> str | None:
    """Why one clause is undecided for a row, in Dutch; None when it is decided."""
    label = _label(clause.feature)
    if source in UNVERIFIED_SOURCES and not pd.isna(value):
        shown = format_nl(value, clause.feature)
        if source == "straight_line":
            return f"{label} niet over het netwerk gemeten (hemelsbreed × omwegfactor: {shown})"
        return f"{label} niet gemeten (schatting: {shown})"
    if pd.isna(value) and (
        clause.missing not in EXCLUDING_POLICIES or source in UNVERIFIED_SOURCES
    ):
        return f"{label} onbekend: geen gegevens"
    return None


def check_entries(
    features: pd.DataFrame, profile: Profile, masks: ConstraintMasks, rows: np.ndarray
) -> list[list[dict[str, str]]]:
    """Build the "te controleren" checks of the rows (positions) given; empty when unflagged.

    Parameters
    ----------
    features
        The feature table (or the :func:`constraint_columns` of it).
    profile
        The profile the masks were evaluated with.
    masks
        From :func:`evaluate_constraints` on the same rows.
    rows
        Positions of the rows wanted.

    Returns
    -------
    list of list of dict
        Per row ``[{"rule": <constraint name>, "reason": <Dutch text>}, ...]``, e.g.
        ``"afstand tot woningen niet gemeten (schatting: 45 m); regel: ≥ 100 m"``; empty for
        rows that are excluded or have no unverified constraint.
    """
    rows = np.asarray(rows, dtype=np.intp)
    entries: list[tuple[tuple[str, str], ...]] = [()] * len(rows)
    flagged = masks.needs_check[rows]
    for number, constraint in enumerate(profile.constraints):
        at = np.flatnonzero(flagged & masks.unverified[rows, number])
        if not at.size:
            continue
        named = len(constraint.clauses) > 1
        rule = " of ".join(_rule_nl(c, named=named) for c in constraint.clauses)
        columns = []
        for clause in constraint.clauses:
            values = features[clause.feature].to_numpy()[rows[at]]
            column = SOURCE_PREFIX + clause.feature
            labels = (
                features[column].to_numpy()[rows[at]]
                if column in features.columns
                else np.full(len(at), "measured", dtype=object)
            )
            # One call per distinct (value, source): equal rows share the text object.
            status: dict[tuple[Any, Any], str | None] = {}
            statuses = [
                status[key]
                if (key := (v, s)) in status
                else status.setdefault(key, _clause_status(clause, v, s))
                for v, s in zip(values, labels, strict=True)
            ]
            columns.append(statuses)
        reasons: dict[tuple[str | None, ...], str] = {}
        for row, row_statuses in zip(at, zip(*columns, strict=True), strict=True):
            reason = reasons.get(row_statuses)
            if reason is None:
                why = " en ".join(s for s in row_statuses if s is not None)
                reason = reasons[row_statuses] = f"{why}; regel: {rule}"
            entries[row] = (*entries[row], (constraint.name, reason))
    return _shared_lists(entries, lambda key: [{"rule": n, "reason": r} for n, r in key])
