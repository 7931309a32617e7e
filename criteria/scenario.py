"""The scenario: one typed, frozen description of a question, shared by every front end.

The app turns its widgets into a :class:`Scenario`, the CLI its flags; both hand it to
:func:`criteria.run.run_scenario`. The ``.scenario.json`` written beside every export is the
same object plus a record of the result (:mod:`criteria.scenario_file` writes and reads
it), so ``plekwijzer score --scenario FILE`` and the app's "scenario openen" bring back
exactly what was shown.

Examples
--------
>>> s = Scenario(profile="tussenvoorziening", region="twente", weights=(("ov_access", 0.3),))
>>> s.load_profile().weighting  # a weight override makes the weights direct
'direct'
>>> s.replace(weights=()).load_profile().weighting
'ahp'
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from criteria import limits
from criteria._errors import PlanError, ShortlistOptionError
from criteria.profiles import Clause, Profile, load_profile, profile_from_dict
from geo import nlformat
from geo._errors import PlekwijzerInputError

#: Layout of the scenario file (:mod:`criteria.scenario_file`); layouts 1 and 2 still load.
SCENARIO_VERSION = 3
SPREAD_LEVELS = ("gemeente", "wijk", "buurt")


@dataclass(frozen=True)
class ShortlistOptions:
    """How the shortlist is picked: top N, spacing in metres, caps, evenness."""

    top_n: int = 10
    min_spacing_m: float = 0.0
    max_per_buurt: int | None = None
    max_per_gemeente: int | None = None
    #: 0 picks by score; above 0 trades score against a more even spread over gemeenten.
    evenness_weight: float = 0.0

    def __post_init__(self) -> None:
        checks = (
            ("top_n", self.top_n, 0),
            ("max_per_buurt", self.max_per_buurt, 1),
            ("max_per_gemeente", self.max_per_gemeente, 1),
        )
        for name, value, minimum in checks:
            if value is None and name != "top_n":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                msg = f"{name} moet een heel getal ≥ {minimum} zijn, kreeg {nlformat.given(value)}."
                raise ShortlistOptionError(msg)
        if not 0 <= self.min_spacing_m < float("inf"):
            msg = (
                "min_spacing_m moet een aantal meters ≥ 0 zijn, kreeg "
                f"{nlformat.given(self.min_spacing_m)}."
            )
            raise ShortlistOptionError(msg)
        if not 0 <= self.evenness_weight <= 1:
            msg = (
                "het gewicht voor spreiding (evenness) moet tussen 0 en 1 liggen, kreeg "
                f"{nlformat.given(self.evenness_weight)}."
            )
            raise ShortlistOptionError(msg)


@dataclass(frozen=True)
class CoverageOptions:
    """A coverage question: reach in metres and, for MCLP, the number of new sites."""

    reach_m: float
    #: None: the fewest new sites reaching every inhabited buurt (LSCP); N: MCLP.
    sites: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.reach_m < float("inf"):
            msg = (
                "het bereik moet een aantal meters boven 0 zijn, kreeg "
                f"{nlformat.given(self.reach_m)}."
            )
            raise ShortlistOptionError(msg)
        if self.sites is not None and (isinstance(self.sites, bool) or self.sites < 1):
            msg = f"sites moet een heel getal ≥ 1 zijn, kreeg {nlformat.given(self.sites)}."
            raise ShortlistOptionError(msg)

    @property
    def model(self) -> str:
        """``"lscp"`` (cover everyone) or ``"mclp"`` (cover most with N sites)."""
        return "lscp" if self.sites is None else "mclp"


@dataclass(frozen=True)
class PlanOptions:
    """A regional plan: N new places over the gemeenten by a fair-share key (criteria.plan).

    ``key`` is ``inwoners``, ``draagkracht`` (``data/fair_share.toml``) or a CSV path;
    ``count_types`` is ``all``, ``same`` (the profile's type) or types joined by commas;
    ``evenness`` 1 is as close to the key as eligible sites allow, 0 the best sites only.
    """

    places: int
    key: str = "inwoners"
    count_types: str = "all"
    evenness: float = 1.0
    min_spacing_m: float = 0.0
    max_per_buurt: int | None = None
    #: CBC stops here and the plan states its optimality gap.
    time_limit_s: float = 20.0

    def __post_init__(self) -> None:
        if isinstance(self.places, bool) or not isinstance(self.places, int) or self.places < 1:
            msg = f"places moet een heel getal ≥ 1 zijn, kreeg {nlformat.given(self.places)}."
            raise PlanError(msg)
        if self.max_per_buurt is not None and (
            isinstance(self.max_per_buurt, bool) or self.max_per_buurt < 1
        ):
            msg = (
                "max_per_buurt moet een heel getal ≥ 1 zijn, kreeg "
                f"{nlformat.given(self.max_per_buurt)}."
            )
            raise PlanError(msg)
        if not 0 <= self.evenness <= 1:
            msg = f"evenness moet tussen 0 en 1 liggen, kreeg {nlformat.given(self.evenness)}."
            raise PlanError(msg)
        if not 0 <= self.min_spacing_m < float("inf"):
            msg = (
                "min_spacing_m moet een aantal meters ≥ 0 zijn, kreeg "
                f"{nlformat.given(self.min_spacing_m)}."
            )
            raise PlanError(msg)
        if not 0 < self.time_limit_s < float("inf"):
            msg = (
                "time_limit_s moet een aantal seconden boven 0 zijn, kreeg "
                f"{nlformat.given(self.time_limit_s)}."
            )
            raise PlanError(msg)
        if not self.key or not self.count_types:
            msg = (
                "een verdeelplan heeft een sleutel (inwoners, draagkracht of een CSV) en "
                "count_types nodig."
            )
            raise PlanError(msg)


@dataclass(frozen=True)
class SurfaceOptions:
    """A surface and its zoekgebieden (``plekwijzer surface``; the report page "Zoekgebieden").

    ``gemeenten`` lays the cells over those gemeenten of the scenario's region (None: the
    whole region); the other fields are the options of ``plekwijzer surface``, ranged by
    :mod:`criteria.limits` as the CLI ranges them.
    """

    gemeenten: tuple[str, ...] | None = None
    cell_m: float = 25.0
    min_score: float = 0.6
    min_area_m2: float = 0.0
    top: int | None = None
    min_distance_m: float = 1000.0

    def __post_init__(self) -> None:
        checks = (
            ("cell_m", self.cell_m, limits.SURFACE_CELL_M),
            ("min_score", self.min_score, limits.SURFACE_MIN_SCORE),
            ("min_area_m2", self.min_area_m2, limits.SURFACE_AREA_M2),
            ("min_distance_m", self.min_distance_m, limits.SURFACE_DISTANCE_M),
            ("top", self.top, limits.CAP),
        )
        for name, value, allowed in checks:
            if value is not None and (problem := allowed.problem(value)):
                msg = f"surface.{name}: {problem}"
                raise PlekwijzerInputError(msg)
        if self.gemeenten is not None and not self.gemeenten:
            msg = "surface.gemeenten: noem minstens één gemeentecode, of laat het weg (de regio)"
            raise PlekwijzerInputError(msg)


def _frozen(value: Any) -> Any:
    """Turn lists (JSON arrays) into tuples so scenario fields stay hashable."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Scenario:
    """Everything that decides a run's figures.

    Attributes
    ----------
    profile
        A shipped profile name or the path of a profile TOML file.
    region, gemeenten
        A preset name, or an own choice of CBS gemeente codes (then ``region`` is None).
    weights
        Weight overrides ``(criterion, weight)``, applied on top of the profile.
    constraint_values
        Constraint overrides ``(constraint name, (value per clause, …))``.
    shortlist
        Top N, spacing, caps and evenness.
    candidates, facilities, roads, dwellings, sensitive_osm
        Input files: inventory, register, roads (walking network, main roads), address
        points (measured distance to homes), OSM schools and childcare; the inventory and
        register take the illustrative or demo files when None and ``use_defaults``.
    candidates_layer, facilities_layer
        The layer to read from a GeoPackage with several.
    default_places
        Places for register rows with none given (None: such rows are refused).
    data_dir
        The data directory (None: ``$PLEKWIJZER_DATA``, ``../shared/data`` or the demo).
    use_defaults
        Take the illustrative / demo inventory and register when none is given.
    spread_level
        Units of the before/after spread: ``gemeente``, ``wijk`` or ``buurt``.
    sensitivity
        Monte Carlo weight draws (0: no sensitivity analysis).
    coverage
        A coverage question (reach, number of new sites), or None.
    plan
        A regional plan (places, fair-share key, evenness), or None.
    rasters
        Raster criteria as ``(name, GeoTIFF)`` pairs (``--raster NAME=FILE``).
    surface
        A surface with its zoekgebieden (cell size, thresholds), or None.
    profile_spec
        An inline profile (canonical JSON, without the overrides) used instead of the named
        one, e.g. from an older scenario file whose profile has changed since. Either way
        the effective profile is this base with ``weights`` and ``constraint_values``
        applied: one truth, so a hand-edited weight in a scenario file changes the run.
    """

    profile: str
    region: str | None = None
    gemeenten: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    constraint_values: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    shortlist: ShortlistOptions = field(default_factory=ShortlistOptions)
    candidates: str | None = None
    facilities: str | None = None
    roads: str | None = None
    dwellings: str | None = None
    sensitive_osm: str | None = None
    candidates_layer: str | None = None
    facilities_layer: str | None = None
    default_places: float | None = None
    data_dir: str | None = None
    use_defaults: bool = False
    spread_level: str = "gemeente"
    sensitivity: int = 0
    coverage: CoverageOptions | None = None
    profile_spec: str | None = None
    plan: PlanOptions | None = None
    #: Raster criteria ``(name, file)``: features ``raster_<name>`` and ``buurt_raster_<name>``
    #: (issue 20); a profile's criterion or rule on them reads these files.
    rasters: tuple[tuple[str, str], ...] = ()
    #: A surface and its zoekgebieden (``plekwijzer surface``): the report's page
    #: "Zoekgebieden" when set.
    surface: SurfaceOptions | None = None

    def __post_init__(self) -> None:
        if (self.region is None) == (not self.gemeenten):
            msg = (
                "een scenario heeft óf een regio-voorinstelling óf een lijst gemeentecodes, niet "
                "allebei."
            )
            raise PlekwijzerInputError(msg)
        if self.spread_level not in SPREAD_LEVELS:
            msg = (
                f"spreidingsniveau {self.spread_level!r}: gebruik een van "
                f"{', '.join(SPREAD_LEVELS)}."
            )
            raise PlekwijzerInputError(msg)
        if problem := limits.SENSITIVITY.problem(self.sensitivity):
            msg = f"sensitivity (gewichtstrekkingen): {problem}"
            raise PlekwijzerInputError(msg)

    def load_profile(self) -> Profile:
        """Return the effective profile: the inline or named one with the overrides applied.

        Returns
        -------
        Profile
        """
        base = (
            load_profile(self.profile)
            if self.profile_spec is None
            else profile_from_dict(json.loads(self.profile_spec), source=self.profile)
        )
        return apply_overrides(
            base,
            weights=dict(self.weights),
            constraint_values=dict(self.constraint_values),
        )

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with some fields changed.

        Parameters
        ----------
        **changes
            Field values, as for the constructor.

        Returns
        -------
        Scenario
        """
        return dataclasses.replace(self, **changes)


def apply_overrides(
    profile: Profile,
    *,
    weights: Mapping[str, float] | None = None,
    constraint_values: Mapping[str, Any] | None = None,
) -> Profile:
    """Return the profile with weight and constraint-value overrides applied.

    Parameters
    ----------
    profile
        The base profile.
    weights
        Criterion -> weight.
    constraint_values
        Constraint name -> one value per clause: a number, or for ``in`` clauses a list (or
        comma-separated text).

    Returns
    -------
    Profile
    """
    if constraint_values:
        spec = profile.to_dict()
        by_name = {c["name"]: c for c in spec["constraint"]}
        for name, values in typed_constraint_values(profile, constraint_values):
            for clause, value in zip(by_name[name]["any_of"], values, strict=True):
                clause["value"] = value
        profile = profile_from_dict(spec, source=profile.source)
    if weights:
        profile = profile.with_weights(weights)
    return profile


def typed_constraint_values(
    profile: Profile, constraint_values: Mapping[str, Any]
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Return rule overrides checked and typed like the values they replace.

    Parameters
    ----------
    profile
        The base profile.
    constraint_values
        Constraint name -> one value per clause: a number, or for ``in`` clauses a list (or
        comma-separated text); text from the CLI is read as the clause needs.

    Returns
    -------
    tuple
        ``(name, (value per clause, …))``: numbers as float, lists as tuples of text.

    Raises
    ------
    PlekwijzerInputError
        For an unknown rule, a wrong number of values, or a value outside the feature's
        domain (a negative area or distance), naming the rule and the allowed range.
    """
    by_name = {c.name: c for c in profile.constraints}
    if unknown := [name for name in constraint_values if name not in by_name]:
        msg = (
            f"geen harde eis {', '.join(map(repr, unknown))} in profiel {profile.name!r}; "
            f"geldige namen: {', '.join(by_name)}"
        )
        raise PlekwijzerInputError(msg)
    typed = []
    for name, values in constraint_values.items():
        clauses = by_name[name].clauses
        if isinstance(values, str) or len(values) != len(clauses):
            count = 1 if isinstance(values, str) else len(values)
            msg = (
                f"harde eis {name!r} heeft {len(clauses)} voorwaarde(n), maar er zijn {count} "
                "waarden gegeven: geef er één per voorwaarde"
            )
            raise PlekwijzerInputError(msg)
        coerced = tuple(
            _coerce(value, clause=clause, constraint=name)
            for clause, value in zip(clauses, values, strict=True)
        )
        typed.append((name, coerced))
    return tuple(typed)


def _coerce(value: Any, *, clause: Clause, constraint: str) -> Any:
    """Give an override the type of the value it replaces, within the feature's domain.

    Text from the CLI is read as a number (or, for ``in`` clauses, a comma-separated list);
    a number outside what the feature can be (a negative area or distance) is refused,
    since the rule would then silently exclude nothing or everything.
    """
    like, feature = clause.value, clause.feature
    rule = f"harde eis {constraint!r} ({feature} {clause.op} …)"
    if isinstance(like, str):
        if not str(value).strip():
            msg = f"{rule} vraagt een waarde, bijv. {like}"
            raise PlekwijzerInputError(msg)
        return str(value).strip()
    if isinstance(like, list | tuple):
        items = value.split(",") if isinstance(value, str) else list(value)
        kept = [str(item).strip() for item in items if str(item).strip()]
        if not kept:
            msg = f"{rule} vraagt minstens één waarde, bijv. {','.join(map(str, like[:2]))}"
            raise PlekwijzerInputError(msg)
        return tuple(kept)  # a tuple keeps the scenario hashable (the app caches on it)
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        msg = f"{rule} vraagt een getal, kreeg {value!r}"
        raise PlekwijzerInputError(msg) from err
    if problem := limits.rule_value_problem(feature, number):
        msg = f"{rule}: {problem}"
        raise PlekwijzerInputError(msg)
    return number
