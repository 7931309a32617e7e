"""Facility profiles: hard constraints, soft criteria and weights, kept as TOML data files.

A profile is data, never code: it is read with :mod:`tomllib` and validated field by field.
Every error names the profile file, the criterion or constraint and the fix. The shipped
profiles live in ``criteria/profiles/<name>.toml``; the schema::

    name = "skaeve_huse"              # required; the profile's own name
    facility_type = "skaeve_huse"     # the facility type it sites (geo.settings.FACILITY_TYPES);
                                      # default: name, when name is a facility type
    title = "Skaeve Huse"             # default: name
    description = "..."
    aggregation = "weighted_sum"      # or "geometric_mean"
    weighting = "direct"              # or "rank_sum", "rank_reciprocal", "ahp"

    [[constraint]]                    # hard rule; a candidate failing one is excluded
    feature = "distance_to_dwelling_m"
    op = ">="                         # >=, <=, >, <, ==, !=, in, not in
    value = 100                       # a list for in / not in
    missing = "check"                 # or "exclude": what an unknown (NaN) value does
    rationale = "..."                 # required, shown in the exclusion reason
    label = "Minstens 100 m van woningen"   # Dutch name for people (default: name)
    help = "..."                      # Dutch explanation for people (default: rationale)

    [[constraint]]                    # passes when any clause passes
    rationale = "..."
    any_of = [{ feature = "plot_area_m2", op = ">=", value = 30 },
              { feature = "floor_area_m2", op = ">=", value = 15 }]

    [[criterion]]                     # soft criterion
    name = "ov_access"
    feature = "distance_to_bus_tram_stop_m"
    transform = { kind = "distance_decay", half_distance_m = 400 }
    weight = 0.2                      # weighting = "direct"
    rank = 1                          # weighting = "rank_sum" / "rank_reciprocal" (ties allowed)
    optional = false                  # true: dropped (weights renormalised) if column absent
    rationale = "..."                 # required
    label = "Bereikbaar met ov"       # Dutch name on sliders, charts, report (default: name)
    help = "..."                      # Dutch explanation (default: rationale)

    [ahp]                             # weighting = "ahp": each pair once, a vs b on 1/9 … 9
    pairwise = [["ov_access", "draagkracht", 2], ...]

Hard rules decide on measured data only (DESIGN §5, issue 9). An unknown (NaN) value never
excludes a site by default (``missing = "check"``): the site is flagged "te controleren" with
the rule and the reason, and still ranks. ``missing = "exclude"`` is the explicit opt-in for a
recorded attribute whose absence itself disqualifies a site; even then a value whose source
is an estimate (see :mod:`criteria.constraints`) only flags. The older values ``"fail"`` and
``"pass"`` are still read, both as ``"check"``: a missing value is never silently passed,
nor silently excluded.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from numbers import Real
from pathlib import Path
from typing import Any

import pandas as pd

from criteria._errors import ProfileError, WeightError
from criteria.transforms import validate_transform
from criteria.weights import (
    ahp_weights,
    direct_weights,
    rank_reciprocal_weights,
    rank_sum_weights,
)
from geo import nlformat
from geo._errors import parse_failure
from geo.settings import FACILITY_TYPES

#: Constraint operators understood in profiles.
OPERATORS: tuple[str, ...] = (">=", "<=", ">", "<", "==", "!=", "in", "not in")
#: Aggregation rules understood in profiles (computed by :meth:`CriteriaMatrix.scores
#: <criteria.matrix.CriteriaMatrix.scores>`): compensatory weighted sum, non-compensatory
#: weighted geometric mean.
AGGREGATIONS: tuple[str, ...] = ("weighted_sum", "geometric_mean")
#: Weighting methods understood in profiles.
WEIGHTINGS: tuple[str, ...] = ("direct", "rank_sum", "rank_reciprocal", "ahp")
#: Policies for an unknown (NaN) feature value in a constraint: ``"check"`` flags the site
#: "te controleren" (the default), ``"exclude"`` excludes it; ``"fail"`` and ``"pass"`` are
#: older spellings, both read as ``"check"``.
MISSING_POLICIES: tuple[str, ...] = ("check", "exclude", "fail", "pass")
#: The policies under which an unknown value excludes a site.
EXCLUDING_POLICIES: frozenset[str] = frozenset({"exclude"})

_TOP_KEYS = {
    "name",
    "facility_type",
    "title",
    "description",
    "aggregation",
    "weighting",
    "constraint",
    "criterion",
    "ahp",
}
_TEXT_KEYS = {"label", "help"}
_CRITERION_KEYS = {
    "name",
    "feature",
    "transform",
    "weight",
    "rank",
    "optional",
    "rationale",
} | _TEXT_KEYS
_CLAUSE_KEYS = {"feature", "op", "value", "missing"}
_CONSTRAINT_KEYS = _CLAUSE_KEYS | {"name", "rationale", "any_of"} | _TEXT_KEYS
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Clause:
    """One comparison ``feature op value`` of a constraint."""

    feature: str
    op: str
    value: Any
    missing: str = "check"

    def describe(self) -> str:
        """Return the rule as text, e.g. ``distance_to_dwelling_m >= 100``."""
        value = (
            f"[{', '.join(map(str, self.value))}]" if self.op in ("in", "not in") else self.value
        )
        return f"{self.feature} {self.op} {value}"


@dataclass(frozen=True)
class Constraint:
    """A hard rule: a candidate passes when any of its clauses passes.

    Attributes
    ----------
    name
        Label of the constraint (default: its rule as text).
    clauses
        The comparisons; one for a plain constraint, several for ``any_of``.
    rationale
        One line saying why the rule exists; quoted in every exclusion reason.
    label
        Dutch name for people (app, report); defaults to ``name``.
    help
        Dutch explanation for people; defaults to ``rationale``.
    """

    name: str
    clauses: tuple[Clause, ...]
    rationale: str
    label: str = ""
    help: str = ""

    def __post_init__(self) -> None:
        _default_texts(self)

    @property
    def features(self) -> tuple[str, ...]:
        """Features the constraint reads."""
        return tuple(c.feature for c in self.clauses)


@dataclass(frozen=True)
class Criterion:
    """A soft criterion: a feature, its transform to 0 to 1 and its weight (or rank).

    Attributes
    ----------
    name
        Identifier, used in the output columns ``raw__<name>`` etc.
    feature
        Column of the feature table the criterion reads.
    transform
        The transform table, e.g. ``{"kind": "linear", "lower": 0, "upper": 1}``.
    weight
        Direct weight (``weighting = "direct"``), else None.
    rank
        Importance rank, 1 = most important (rank-based weighting), else None.
    optional
        When True the criterion is dropped if the feature column is absent.
    rationale
        One line saying why the criterion matters.
    label
        Dutch name for people (sliders, charts, tables, report); defaults to ``name``.
    help
        Dutch explanation for people; defaults to ``rationale``.
    """

    name: str
    feature: str
    transform: Mapping[str, Any]
    weight: float | None
    rank: float | None
    optional: bool
    rationale: str
    label: str = ""
    help: str = ""

    def __post_init__(self) -> None:
        _default_texts(self)


def _default_texts(spec: Constraint | Criterion) -> None:
    """Fill an empty label with the name and an empty help with the rationale."""
    # Frozen dataclass: the defaults are set once, at construction.
    if not spec.label:
        object.__setattr__(spec, "label", spec.name)
    if not spec.help:
        object.__setattr__(spec, "help", spec.rationale)


@dataclass(frozen=True)
class Profile:
    """A validated facility profile, built by :func:`load_profile` or :func:`profile_from_dict`.

    Attributes
    ----------
    name, title, description
        Identifier, display title and a short description.
    aggregation
        ``"weighted_sum"`` or ``"geometric_mean"``.
    weighting
        ``"direct"``, ``"rank_sum"``, ``"rank_reciprocal"`` or ``"ahp"``.
    constraints, criteria
        Hard rules and soft criteria.
    ahp_pairwise
        ``(a, b, value)`` judgements when ``weighting = "ahp"``, else empty.
    source
        The file the profile was read from, if any.
    facility_type
        The facility type the profile sites (one of :data:`geo.settings.FACILITY_TYPES`); a
        copied profile with a name of its own keeps its type here. None when the profile
        names none and its name is no facility type: it scores, but a spread, evenness or
        coverage step asks for the type (:meth:`require_facility_type`).
    """

    name: str
    title: str
    description: str
    aggregation: str
    weighting: str
    constraints: tuple[Constraint, ...]
    criteria: tuple[Criterion, ...]
    ahp_pairwise: tuple[tuple[str, str, float], ...] = ()
    source: str | None = None
    facility_type: str | None = None

    def require_facility_type(self) -> str:
        """Return the facility type, or say how to name it when the profile has none.

        Returns
        -------
        str

        Raises
        ------
        ProfileError
            When the profile names no facility type.
        """
        if self.facility_type is None:
            msg = (
                f"profiel {self.name!r} noemt geen type voorziening; voeg facility_type = "
                f'"noaberhuuske" (of een ander uit {", ".join(FACILITY_TYPES)}) toe.'
            )
            raise ProfileError(msg, source=self.source)
        return self.facility_type

    @property
    def criterion_names(self) -> list[str]:
        """Names of the soft criteria, in profile order."""
        return [c.name for c in self.criteria]

    @property
    def labels(self) -> dict[str, str]:
        """Dutch label of every criterion and constraint, by name."""
        specs: tuple[Constraint | Criterion, ...] = (*self.constraints, *self.criteria)
        return {c.name: c.label for c in specs}

    @property
    def weights(self) -> pd.Series:
        """Normalised weights named ``weight``, indexed by criterion name (sum 1)."""
        try:
            if self.weighting == "direct":
                return direct_weights({c.name: c.weight for c in self.criteria})
            if self.weighting == "ahp":
                pairs = {(a, b): v for a, b, v in self.ahp_pairwise}
                return ahp_weights(self.criterion_names, pairs).weights
            groups: dict[float, list[str]] = {}
            for c in self.criteria:
                if c.rank is None:
                    # Only a profile built by hand can get here: _criterion demands a rank.
                    msg = (
                        "heeft geen rank; voeg rank = <getal ≥ 1> toe (weighting = "
                        f"{self.weighting!r})."
                    )
                    raise WeightError(msg, item=f"criterium {c.name!r}")
                groups.setdefault(c.rank, []).append(c.name)
            ranking = [groups[r] for r in sorted(groups)]
            method = rank_sum_weights if self.weighting == "rank_sum" else rank_reciprocal_weights
            return method(ranking).reindex(self.criterion_names)
        except ProfileError as err:
            raise err.located(source=self.source) from err

    def with_weights(self, overrides: Mapping[str, float] | pd.Series) -> Profile:
        """Return a copy with some weights replaced, as a directly weighted profile.

        The profile's current normalised weights are taken (whatever its weighting method),
        the given ones replace theirs, and the result is a ``weighting = "direct"`` profile;
        weights are normalised again when scoring.

        Parameters
        ----------
        overrides
            Criterion name -> new non-negative weight.

        Returns
        -------
        Profile
            A new profile; this one is unchanged.

        Raises
        ------
        ProfileError
            For an unknown criterion name (the message lists the valid ones).
        WeightError
            For a negative or non-numeric weight, or when all weights become zero.
        """
        updates = dict(overrides.items())
        if unknown := [k for k in updates if k not in self.criterion_names]:
            msg = (
                f"geen criterium {', '.join(map(repr, unknown))} in profiel {self.name!r}; geldige "
                f"namen: {', '.join(self.criterion_names)}."
            )
            raise ProfileError(msg, source=self.source)
        merged = self.weights.to_dict() | updates
        direct_weights(merged)  # refuse negative or all-zero weights now
        criteria = tuple(
            dataclasses.replace(c, weight=float(merged[c.name]), rank=None) for c in self.criteria
        )
        return dataclasses.replace(self, weighting="direct", criteria=criteria, ahp_pairwise=())

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain data in the TOML layout (for scenario files).

        Returns
        -------
        dict
            Data that :func:`profile_from_dict` turns back into an equal profile.
        """
        data: dict[str, Any] = {
            "name": self.name,
            **({"facility_type": self.facility_type} if self.facility_type else {}),
            "title": self.title,
            "description": self.description,
            "aggregation": self.aggregation,
            "weighting": self.weighting,
            "constraint": [
                {
                    "name": k.name,
                    "label": k.label,
                    "help": k.help,
                    "rationale": k.rationale,
                    "any_of": [dataclasses.asdict(c) for c in k.clauses],
                }
                for k in self.constraints
            ],
            "criterion": [
                {key: value for key, value in dataclasses.asdict(c).items() if value is not None}
                for c in self.criteria
            ],
        }
        if self.ahp_pairwise:
            data["ahp"] = {"pairwise": [list(p) for p in self.ahp_pairwise]}
        return data


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _text(table: Mapping[str, Any], key: str, *, item: str, default: str | None = None) -> str:
    """Return a required (or defaulted) non-empty string field."""
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        msg = f'{key!r} moet een niet-lege tekst zijn, kreeg {value!r}; voeg {key} = "..." toe.'
        raise ProfileError(msg, item=item)
    return value


def _texts(table: Mapping[str, Any], *, item: str) -> dict[str, str]:
    """Return the optional Dutch ``label`` and ``help``; when given, non-empty text."""
    return {key: _text(table, key, item=item) for key in ("label", "help") if key in table}


def _check_keys(table: Any, allowed: set[str], *, item: str) -> None:
    """Refuse a non-table or a table with unknown (misspelt) keys."""
    if not isinstance(table, Mapping):
        msg = f"moet een tabel zijn, kreeg {table!r}."
        raise ProfileError(msg, item=item)
    if unknown := sorted(set(table) - allowed):
        msg = (
            f"onbekende sleutel {', '.join(map(repr, unknown))}; toegestane sleutels: "
            f"{', '.join(sorted(allowed))}."
        )
        raise ProfileError(msg, item=item)


def _clause(table: Any, *, item: str, missing: str) -> Clause:
    """Validate one ``feature op value`` comparison."""
    _check_keys(table, _CLAUSE_KEYS, item=item)
    feature = _text(table, "feature", item=item)
    op = table.get("op")
    if op not in OPERATORS:
        msg = f"onbekende operator {op!r}; gebruik een van {', '.join(OPERATORS)}."
        raise ProfileError(msg, item=item)
    if "value" not in table:
        msg = f"heeft een waarde nodig om {feature} mee te vergelijken."
        raise ProfileError(msg, item=item)
    value = table["value"]
    if op in ("in", "not in"):
        if not isinstance(value, list | tuple) or not value:
            msg = f"operator {op!r} vraagt een niet-lege lijst als waarde, kreeg {value!r}."
            raise ProfileError(msg, item=item)
        value = tuple(value)
    elif op in ("==", "!="):
        if not (_is_number(value) or isinstance(value, str)):
            msg = (
                f"operator {op!r} vraagt een getal of een tekst als waarde, kreeg "
                f"{nlformat.given(value)}."
            )
            raise ProfileError(msg, item=item)
    elif not _is_number(value):
        msg = f"operator {op!r} vraagt een getal als waarde, kreeg {nlformat.given(value)}."
        raise ProfileError(msg, item=item)
    policy = table.get("missing", missing)
    if policy not in MISSING_POLICIES:
        msg = (
            "missing moet 'check' of 'exclude' zijn (de oudere 'fail' en 'pass' lezen als "
            f"'check'), kreeg {policy!r}."
        )
        raise ProfileError(msg, item=item)
    return Clause(feature=feature, op=op, value=value, missing=policy)


def _constraint(table: Any, *, number: int) -> Constraint:
    """Validate one ``[[constraint]]`` table."""
    label = table.get("name") if isinstance(table, Mapping) else None
    item = f"harde eis {label!r}" if isinstance(label, str) else f"harde eis {number}"
    _check_keys(table, _CONSTRAINT_KEYS, item=item)
    if "any_of" in table:
        if set(table) & {"feature", "op", "value"}:
            msg = "geef óf feature/op/value óf any_of, niet allebei."
            raise ProfileError(msg, item=item)
        clauses_in = table["any_of"]
        if not isinstance(clauses_in, list) or not clauses_in:
            msg = (
                "any_of moet een niet-lege lijst van tabellen {feature, op, value} zijn, kreeg "
                f"{clauses_in!r}."
            )
            raise ProfileError(msg, item=item)
        policy = table.get("missing", "check")
        clauses = tuple(_clause(c, item=item, missing=policy) for c in clauses_in)
    else:
        plain = {key: value for key, value in table.items() if key in _CLAUSE_KEYS}
        clauses = (_clause(plain, item=item, missing="check"),)
    name = table.get("name", " or ".join(c.describe() for c in clauses))
    item = f"harde eis {name!r}"
    return Constraint(
        name=str(name),
        clauses=clauses,
        rationale=_text(table, "rationale", item=item),
        **_texts(table, item=item),
    )


def _criterion(table: Any, *, number: int, weighting: str) -> Criterion:
    """Validate one ``[[criterion]]`` table."""
    item = f"criterium {number}"
    _check_keys(table, _CRITERION_KEYS, item=item)
    name = _text(table, "name", item=item)
    item = f"criterium {name!r}"
    if not _NAME.match(name):
        msg = (
            f"naam {name!r} moet een naam zonder spaties zijn (letters, cijfers, liggende "
            "streepjes)."
        )
        raise ProfileError(msg, item=item)
    feature = _text(table, "feature", item=item)
    try:
        transform = validate_transform(table.get("transform"))
    except ProfileError as err:
        raise err.located(item=item) from err
    weight = table.get("weight")
    rank = table.get("rank")
    if weighting == "direct":
        if weight is None:
            msg = "heeft geen weight; voeg weight = <getal ≥ 0> toe (weighting = 'direct')."
            raise WeightError(msg, item=item)
        if not _is_number(weight) or weight < 0:
            msg = f"weight moet een getal ≥ 0 zijn, kreeg {nlformat.given(weight)}."
            raise WeightError(msg, item=item)
    elif weight is not None:
        msg = (
            f"heeft een weight maar weighting = {weighting!r}; haal het weg of gebruik weighting = "
            "'direct'."
        )
        raise WeightError(msg, item=item)
    if weighting in ("rank_sum", "rank_reciprocal"):
        if not _is_number(rank) or rank < 1:
            msg = (
                f"heeft rank = <getal ≥ 1> nodig (1 = belangrijkst) bij weighting = {weighting!r}, "
                f"kreeg {nlformat.given(rank)}."
            )
            raise WeightError(msg, item=item)
    elif rank is not None:
        msg = (
            f"heeft een rank maar weighting = {weighting!r}; haal hem weg of gebruik een weging op "
            "rangorde."
        )
        raise WeightError(msg, item=item)
    optional = table.get("optional", False)
    if not isinstance(optional, bool):
        msg = f"optional moet true of false zijn, kreeg {optional!r}."
        raise ProfileError(msg, item=item)
    return Criterion(
        name=name,
        feature=feature,
        transform=transform,
        weight=None if weight is None else float(weight),
        rank=None if rank is None else float(rank),
        optional=optional,
        rationale=_text(table, "rationale", item=item),
        **_texts(table, item=item),
    )


def _ahp_pairs(table: Any, names: list[str]) -> tuple[tuple[str, str, float], ...]:
    """Validate the ``[ahp]`` table: ``pairwise = [[a, b, value], ...]``."""
    _check_keys(table, {"pairwise"}, item="[ahp]")
    rows = table.get("pairwise")
    if not isinstance(rows, list) or not rows:
        msg = "pairwise moet een lijst van rijen [criterium_a, criterium_b, waarde] zijn."
        raise ProfileError(msg, item="[ahp]")
    pairs = []
    for row in rows:
        if not (isinstance(row, list | tuple) and len(row) == 3 and _is_number(row[2])):
            msg = f"elke rij van pairwise is [criterium_a, criterium_b, waarde], kreeg {row!r}."
            raise ProfileError(msg, item="[ahp]")
        pairs.append((str(row[0]), str(row[1]), float(row[2])))
    ahp_weights(names, {(a, b): v for a, b, v in pairs})  # raises on gaps and inconsistency
    return tuple(pairs)


def profile_from_dict(data: Mapping[str, Any], *, source: str | Path | None = None) -> Profile:
    """Validate profile data (as read from TOML) and build a :class:`Profile`.

    Parameters
    ----------
    data
        The profile tables; see the module docstring for the schema.
    source
        The file the data came from; named in every error message.

    Returns
    -------
    Profile
        The validated profile.

    Raises
    ------
    ProfileError
        For a missing or unknown key, an unknown transform or operator, a missing or
        negative weight, inconsistent AHP judgements; the message names the file and the
        criterion or constraint.
    """
    try:
        _check_keys(data, _TOP_KEYS, item="profiel")
        name = _text(data, "name", item="profiel")
        facility_type = data.get("facility_type")
        if facility_type is None:
            # The shipped profiles are named after the type they site.
            facility_type = name if name in FACILITY_TYPES else None
        elif facility_type not in FACILITY_TYPES:
            msg = (
                f"onbekend facility_type {facility_type!r}; gebruik een van "
                f"{', '.join(FACILITY_TYPES)}."
            )
            raise ProfileError(msg, item="profiel")
        aggregation = data.get("aggregation", "weighted_sum")
        if aggregation not in AGGREGATIONS:
            msg = (
                f"onbekende aggregation {aggregation!r}; gebruik een van {', '.join(AGGREGATIONS)}."
            )
            raise ProfileError(msg, item="profiel")
        weighting = data.get("weighting", "direct")
        if weighting not in WEIGHTINGS:
            msg = f"onbekende weighting {weighting!r}; gebruik een van {', '.join(WEIGHTINGS)}."
            raise ProfileError(msg, item="profiel")
        raw_criteria = data.get("criterion", [])
        if not isinstance(raw_criteria, list) or not raw_criteria:
            msg = "heeft geen tabellen [[criterion]]; voeg minstens één zacht criterium toe."
            raise ProfileError(msg, item="profiel")
        criteria = tuple(
            _criterion(t, number=i, weighting=weighting) for i, t in enumerate(raw_criteria, 1)
        )
        names = [c.name for c in criteria]
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            msg = (
                f"namen van criteria moeten uniek zijn; {', '.join(duplicates)} komen meer dan "
                "eens voor."
            )
            raise ProfileError(msg, item="profiel")
        raw_constraints = data.get("constraint", [])
        if not isinstance(raw_constraints, list):
            msg = "constraint moet een lijst van tabellen [[constraint]] zijn."
            raise ProfileError(msg, item="profiel")
        constraints = tuple(_constraint(t, number=i) for i, t in enumerate(raw_constraints, 1))
        if weighting == "ahp":
            if "ahp" not in data:
                msg = (
                    "weighting = 'ahp' vraagt een tabel [ahp] met pairwise = [[a, b, waarde], ...]."
                )
                raise WeightError(msg, item="profiel")
            pairs = _ahp_pairs(data["ahp"], names)
        elif "ahp" in data:
            msg = (
                f"heeft een tabel [ahp] maar weighting = {weighting!r}; haal haar weg of gebruik "
                "'ahp'."
            )
            raise WeightError(msg, item="profiel")
        else:
            pairs = ()
        profile = Profile(
            name=name,
            title=_text(data, "title", item="profiel", default=name),
            description=str(data.get("description", "")),
            aggregation=aggregation,
            weighting=weighting,
            constraints=constraints,
            criteria=criteria,
            ahp_pairwise=pairs,
            source=None if source is None else str(source),
            facility_type=facility_type,
        )
        profile.weights  # noqa: B018  # computing the weights validates them (e.g. all zero)
    except ProfileError as err:
        raise err.located(source=source) from err
    return profile


def _profile_dir() -> Path:
    return Path(str(resources.files("criteria") / "profiles"))


def list_profiles() -> list[str]:
    """Names of the profiles shipped in ``criteria/profiles``.

    Returns
    -------
    list of str
        Sorted profile names, usable with :func:`load_profile`.
    """
    return sorted(p.stem for p in _profile_dir().glob("*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and validate a profile by shipped name (``"skaeve_huse"``) or from a TOML file.

    Parameters
    ----------
    name_or_path
        A name from :func:`list_profiles`, or the path of a ``.toml`` file.

    Returns
    -------
    Profile
        The validated profile.

    Raises
    ------
    ProfileError
        For an unknown name, an unreadable or invalid TOML file, or invalid content.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
    else:
        path = _profile_dir() / f"{text}.toml"
        if not path.is_file():
            msg = (
                f"onbekend profiel {text!r}; meegeleverde profielen: {', '.join(list_profiles())}, "
                "of geef het pad naar een .toml-bestand."
            )
            raise ProfileError(msg)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as err:
        msg = "profielbestand niet gevonden; controleer het pad."
        raise ProfileError(msg, source=path) from err
    except tomllib.TOMLDecodeError as err:
        msg = f"geen geldige TOML ({parse_failure(err)}); verbeter de schrijfwijze."
        raise ProfileError(msg, source=path) from err
    except (OSError, UnicodeDecodeError) as err:
        msg = f"kan het profiel niet lezen ({err})."
        raise ProfileError(msg, source=path) from err
    return profile_from_dict(data, source=path)


def with_shipped_texts(profile: Profile) -> Profile:
    """Fill labels and help left at their defaults from the shipped profile of the same name.

    A scenario file written before profiles carried Dutch ``label`` and ``help`` (or a user
    copy of a shipped profile without them) would otherwise show criterion ids to people.
    Only texts equal to their default (label = name, help = rationale) are replaced, and
    only for criteria and constraints the shipped profile has under the same name.

    Parameters
    ----------
    profile
        Any profile.

    Returns
    -------
    Profile
        A new profile; this one unchanged when its name is not a shipped profile.
    """
    if profile.name not in list_profiles():
        return profile
    shipped = load_profile(profile.name)
    specs: tuple[Constraint | Criterion, ...] = (*shipped.constraints, *shipped.criteria)
    known = {c.name: c for c in specs}

    def filled(spec: Any) -> Any:
        source = known.get(spec.name)
        if source is None or type(source) is not type(spec):
            return spec
        return dataclasses.replace(
            spec,
            label=source.label if spec.label == spec.name else spec.label,
            help=source.help if spec.help == spec.rationale else spec.help,
        )

    return dataclasses.replace(
        profile,
        constraints=tuple(filled(c) for c in profile.constraints),
        criteria=tuple(filled(c) for c in profile.criteria),
    )
