"""The scenario: one typed, frozen description of a question, shared by every front end.

The app turns its widgets into a :class:`Scenario`, the CLI its flags; both hand it to
:func:`criteria.run.run_scenario`. The ``.scenario.json`` written beside every export is the
same object (:meth:`Scenario.to_dict`) plus an informational record of the result, so
``plekwijzer score --scenario FILE`` and the app's "scenario openen" bring back exactly what
was shown.

Examples
--------
>>> s = Scenario(profile="noaberhuuske", region="twente", weights=(("ov_access", 0.3),))
>>> Scenario.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from criteria._errors import ShortlistOptionError
from criteria.profiles import Profile, load_profile, profile_from_dict
from geo._errors import PlekwijzerInputError

#: Version of the scenario file layout; files of version 1 (no overrides) still load.
SCENARIO_VERSION = 2
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
                msg = f"{name} must be a whole number ≥ {minimum}, got {value!r}"
                raise ShortlistOptionError(msg)
        if not 0 <= self.min_spacing_m < float("inf"):
            msg = f"min_spacing_m must be a number of metres ≥ 0, got {self.min_spacing_m!r}"
            raise ShortlistOptionError(msg)
        if not 0 <= self.evenness_weight <= 1:
            msg = f"evenness weight must lie in 0..1, got {self.evenness_weight!r}"
            raise ShortlistOptionError(msg)


@dataclass(frozen=True)
class CoverageOptions:
    """A coverage question: reach in metres and, for MCLP, the number of new sites."""

    reach_m: float
    #: None: the fewest new sites reaching every inhabited buurt (LSCP); N: MCLP.
    sites: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.reach_m < float("inf"):
            msg = f"reach must be a number of metres above 0, got {self.reach_m!r}"
            raise ShortlistOptionError(msg)
        if self.sites is not None and (isinstance(self.sites, bool) or self.sites < 1):
            msg = f"sites must be a whole number ≥ 1, got {self.sites!r}"
            raise ShortlistOptionError(msg)

    @property
    def model(self) -> str:
        """``"lscp"`` (cover everyone) or ``"mclp"`` (cover most with N sites)."""
        return "lscp" if self.sites is None else "mclp"


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
    profile_spec
        The effective profile (overrides applied) as canonical JSON, recorded in a scenario
        file so a rerun does not depend on today's copy of the TOML; when set, it is used as
        it is and ``profile``, ``weights`` and ``constraint_values`` are only a record.
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

    def __post_init__(self) -> None:
        if (self.region is None) == (not self.gemeenten):
            msg = "a scenario needs either a region preset or a list of gemeente codes, not both"
            raise PlekwijzerInputError(msg)
        if self.spread_level not in SPREAD_LEVELS:
            msg = f"spread level {self.spread_level!r}: use one of {', '.join(SPREAD_LEVELS)}"
            raise PlekwijzerInputError(msg)
        if isinstance(self.sensitivity, bool) or self.sensitivity < 0:
            msg = f"sensitivity must be a number of draws ≥ 0, got {self.sensitivity!r}"
            raise PlekwijzerInputError(msg)

    def load_profile(self) -> Profile:
        """Return the effective profile: the recorded or named one with the overrides.

        Returns
        -------
        Profile
        """
        if self.profile_spec is not None:
            # The recorded profile already carries the overrides.
            return profile_from_dict(json.loads(self.profile_spec), source=self.profile)
        return apply_overrides(
            load_profile(self.profile),
            weights=dict(self.weights),
            constraint_values=dict(self.constraint_values),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as JSON-ready data (the ``scenario`` part of the file).

        Returns
        -------
        dict
        """
        data = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        data["weights"] = dict(self.weights)
        data["constraint_values"] = {k: _plain(v) for k, v in self.constraint_values}
        data["shortlist"] = dataclasses.asdict(self.shortlist)
        data["coverage"] = None if self.coverage is None else dataclasses.asdict(self.coverage)
        data["profile_spec"] = None if self.profile_spec is None else json.loads(self.profile_spec)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | Path | None = None) -> Scenario:
        """Build a scenario from :meth:`to_dict` data or a whole scenario file.

        Parameters
        ----------
        data
            The ``scenario`` member of a scenario file, or the :meth:`to_dict` data.
        source
            The file the data came from, named in error messages.

        Returns
        -------
        Scenario

        Raises
        ------
        PlekwijzerInputError
            For a file that is not a scenario, or an unknown or malformed field.
        """
        if "scenario" in data and isinstance(data["scenario"], Mapping):
            data = data["scenario"]
        elif data.get("plekwijzer_scenario") == 1:
            data = _from_version_1(data)
        known = {f.name for f in dataclasses.fields(cls)}
        if "profile" not in data:
            msg = "not a Plekwijzer scenario (no 'scenario.profile'); use a .scenario.json file"
            raise PlekwijzerInputError(msg, source=source)
        if unknown := sorted(set(data) - known):
            msg = f"unknown scenario field(s) {', '.join(unknown)}; remove them"
            raise PlekwijzerInputError(msg, source=source)
        fields = dict(data)
        try:
            fields["weights"] = tuple(
                (str(k), float(v)) for k, v in data.get("weights", {}).items()
            )
            fields["constraint_values"] = tuple(
                (str(k), _frozen(v)) for k, v in data.get("constraint_values", {}).items()
            )
            fields["shortlist"] = ShortlistOptions(**data.get("shortlist", {}))
            coverage = data.get("coverage")
            fields["coverage"] = None if coverage is None else CoverageOptions(**coverage)
            fields["gemeenten"] = tuple(data.get("gemeenten") or ())
            spec = data.get("profile_spec")
            fields["profile_spec"] = None if spec is None else json.dumps(spec, sort_keys=True)
            return cls(**fields)
        except (TypeError, AttributeError, ValueError) as err:
            if isinstance(err, PlekwijzerInputError) and getattr(err, "source", None):
                raise
            msg = f"malformed scenario ({err}); write it with `plekwijzer score` or the app"
            raise PlekwijzerInputError(msg, source=source) from err

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a ``.scenario.json`` file.

        Parameters
        ----------
        path
            The file.

        Returns
        -------
        Scenario
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            msg = "scenariobestand niet gevonden; controleer het pad"
            raise PlekwijzerInputError(msg, source=path) from err
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            msg = f"cannot read the scenario file ({type(err).__name__}); is it a .scenario.json?"
            raise PlekwijzerInputError(msg, source=path) from err
        if not isinstance(data, dict):
            msg = "not a Plekwijzer scenario (expected a JSON object)"
            raise PlekwijzerInputError(msg, source=path)
        return cls.from_dict(data, source=path)

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


def _from_version_1(data: Mapping[str, Any]) -> dict[str, Any]:
    """Read a scenario file of layout 1 (before the Scenario type): its profile is complete."""
    region = data.get("region") or {}
    inputs = data.get("data") or {}
    shortlist = {k: v for k, v in (data.get("shortlist") or {}).items() if k != "ids"}

    def given(key: str) -> str | None:
        value = inputs.get(key)
        return None if value in (None, "none", "None") else str(value)

    custom = region.get("name") in (None, "custom")
    spec = data.get("profile") or {}
    return {
        "profile": spec.get("name", ""),
        "region": None if custom else region.get("name"),
        "gemeenten": list(region.get("gemeenten") or ()) if custom else [],
        "shortlist": shortlist,
        "candidates": given("candidates"),
        "facilities": given("facilities"),
        "roads": given("roads"),
        "data_dir": given("data_dir"),
        "profile_spec": spec,
    }


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
        if unknown := [name for name in constraint_values if name not in by_name]:
            msg = (
                f"no constraint named {', '.join(map(repr, unknown))} in profile "
                f"{profile.name!r}; valid names are {', '.join(by_name)}"
            )
            raise PlekwijzerInputError(msg)
        for name, values in constraint_values.items():
            clauses = by_name[name]["any_of"]
            if len(values) != len(clauses):
                msg = f"constraint {name!r} has {len(clauses)} clause(s), got {len(values)} values"
                raise PlekwijzerInputError(msg)
            for clause, value in zip(clauses, values, strict=True):
                clause["value"] = _coerce(value, like=clause["value"], constraint=name)
        profile = profile_from_dict(spec, source=profile.source)
    if weights:
        profile = profile.with_weights(weights)
    return profile


def _coerce(value: Any, *, like: Any, constraint: str) -> Any:
    """Give an override the type of the value it replaces (text from the CLI included)."""
    if isinstance(like, list | tuple):
        items = value.split(",") if isinstance(value, str) else list(value)
        return [str(item).strip() for item in items if str(item).strip()]
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        msg = f"constraint {constraint!r} needs a number, got {value!r}"
        raise PlekwijzerInputError(msg) from err


def profile_spec_json(profile: Profile) -> str:
    """Return the canonical JSON of a profile, for :attr:`Scenario.profile_spec`.

    Parameters
    ----------
    profile
        The effective profile.

    Returns
    -------
    str
    """
    return json.dumps(profile.to_dict(), sort_keys=True)
