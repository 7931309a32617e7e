"""The ``.scenario.json`` file: one layout, each fact once, checked like the CLI options.

Both front ends write and read scenarios here. Layout 3 is the :class:`Scenario` itself —
region or gemeenten, the profile (a shipped name, a TOML path as given, or an inline spec)
with its weight and rule overrides, shortlist options, inputs, spread level, sensitivity,
coverage, plan, raster criteria, surface (zoekgebieden) — plus one ``result`` record
(shortlist ids, when, which versions, warnings)::

    {"plekwijzer_scenario": 3, "region": "twente", "gemeenten": null,
     "profile": "skaeve_huse", "profile_sha256": "…", "weights": {"ov_access": 0.3},
     "constraints": {"plot_size": [800]},
     "shortlist": {"top_n": 8, "min_spacing_m": 2000.0, …},
     "inputs": {"data_dir": "../shared/data", "candidates": "twente.csv",
                "facilities": {"file": "register.csv", "sha256": "…"}, …},
     "spread_level": "gemeente", "sensitivity": 0, "coverage": null, "plan": null,
     "rasters": {}, "surface": {"gemeenten": null, "cell_m": 25.0, "min_score": 0.6, …},
     "result": {"shortlist": ["A1", …], "created": "…", "versions": {…}, "warnings": []}}

One truth: the effective profile is always the named (or inline) profile with the
overrides applied, so a hand-edited weight changes the run. ``profile_sha256`` fingerprints
the decision part of the profile the run used; when today's profile of that name differs,
the file is refused (delete the line to run with today's profile) rather than giving other
figures silently. The ``result`` record is checked against a rerun (:func:`rerun_note`).

No server path is written: the data directory is named by its source (``../shared/data``,
``$PLEKWIJZER_DATA``, ``demo``) or kept as the user gave it, input paths as given, and an
upload in the app as ``{"file": name, "sha256": hex}``; reopened, the app and the CLI ask
for that file and check its hash. Layouts 1 and 2 still load; a newer layout is refused.

Reading is bounded: at most :data:`MAX_SCENARIO_BYTES`, nesting at most :data:`MAX_DEPTH`
(checked before the JSON parser recurses), a byte-order mark accepted, ``NaN`` and
``Infinity`` refused, every field typed and ranged as its CLI option
(:mod:`criteria.limits`), unknown fields refused naming the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.metadata
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from criteria import _scenario_checks as chk
from criteria._errors import ProfileError, ScenarioFileError, ShortlistOptionError
from criteria._scenario_checks import not_finite_field, parse_bounded
from criteria.profiles import Profile, load_profile, profile_from_dict
from criteria.scenario import (
    SCENARIO_VERSION,
    CoverageOptions,
    PlanOptions,
    Scenario,
    ShortlistOptions,
    SurfaceOptions,
    typed_constraint_values,
)
from criteria.scenario_inputs import (
    INPUT_FILES,
    UploadRef,
    base_profile,
    data_dir_name,
    profile_fingerprint,
)
from geo._errors import PlekwijzerError

if TYPE_CHECKING:
    from criteria.coverage_plan import CoveragePlan
    from geo.datadir import DataSource

__all__ = [
    "MAX_DEPTH",
    "MAX_SCENARIO_BYTES",
    "SCENARIO_VERSION",
    "ResultRecord",
    "ScenarioFile",
    "read_scenario_file",
    "rerun_note",
    "scenario_data",
    "scenario_file_dict",
    "scenario_from_bytes",
    "scenario_from_data",
]

#: Largest scenario file read (a written one is a few kB; the shortlist ids dominate).
MAX_SCENARIO_BYTES = 5 * 1024 * 1024
#: Deepest nesting of objects and lists read (a written file nests 4 deep).
MAX_DEPTH = 32
#: Most objects and lists read (a written file has a few dozen; a plan record a few hundred).
MAX_CONTAINERS = 100_000
_VERSIONED = ("plekwijzer", "geopandas", "shapely", "pyproj", "pandas", "numpy")


# --- writing ------------------------------------------------------------------------------


def scenario_data(
    scenario: Scenario,
    *,
    inputs: Mapping[str, str] | None = None,
    data_dir: str | None = None,
    fingerprint: bool = False,
) -> dict[str, Any]:
    """Return the scenario in layout 3, without the ``result`` record.

    Parameters
    ----------
    scenario
        The scenario.
    inputs
        What the run read, by option; uploads (``upload:NAME#sha256:HEX``) found here are
        recorded for options the scenario itself leaves empty (the app's uploads).
    data_dir
        The name of the data directory (default: the scenario's own setting).
    fingerprint
        Add ``profile_sha256``, the fingerprint of the named profile (loads it).

    Returns
    -------
    dict
        JSON-ready; :func:`scenario_from_data` gives the scenario back.
    """
    recorded: dict[str, Any] = {"data_dir": scenario.data_dir if data_dir is None else data_dir}
    for option in INPUT_FILES:
        given = getattr(scenario, option)
        ref = UploadRef.parse(given) or (
            UploadRef.parse((inputs or {}).get(option)) if given is None else None
        )
        recorded[option] = {"file": ref.file, "sha256": ref.sha256} if ref else given
    recorded |= {
        "candidates_layer": scenario.candidates_layer,
        "facilities_layer": scenario.facilities_layer,
        "default_places": scenario.default_places,
        "use_defaults": scenario.use_defaults,
    }
    profile: dict[str, Any] = {"profile": scenario.profile}
    if scenario.profile_spec is not None:
        profile = {"profile": json.loads(scenario.profile_spec)}
    elif fingerprint:
        profile["profile_sha256"] = profile_fingerprint(base_profile(scenario))
    return {
        "plekwijzer_scenario": SCENARIO_VERSION,
        "region": scenario.region,
        "gemeenten": list(scenario.gemeenten) if scenario.region is None else None,
        **profile,
        "weights": dict(scenario.weights),
        "constraints": _rule_values_out(scenario),
        "shortlist": dataclasses.asdict(scenario.shortlist),
        "inputs": recorded,
        "spread_level": scenario.spread_level,
        "sensitivity": scenario.sensitivity,
        "coverage": None if scenario.coverage is None else dataclasses.asdict(scenario.coverage),
        "plan": None if scenario.plan is None else dataclasses.asdict(scenario.plan),
        "rasters": dict(scenario.rasters),
        "surface": _surface_out(scenario.surface),
    }


def _surface_out(options: SurfaceOptions | None) -> dict[str, Any] | None:
    if options is None:
        return None
    data = dataclasses.asdict(options)
    data["gemeenten"] = None if options.gemeenten is None else list(options.gemeenten)
    return data


def _rule_values_out(scenario: Scenario) -> dict[str, list[Any]]:
    """Rule overrides as JSON, typed like the values they replace (CLI text becomes 800.0)."""
    if not scenario.constraint_values:
        return {}
    values = dict(scenario.constraint_values)
    try:
        typed = typed_constraint_values(base_profile(scenario), values)
    except PlekwijzerError:  # recorded as given; reading the file names the problem
        typed = scenario.constraint_values
    return {name: [list(v) if isinstance(v, tuple | list) else v for v in vs] for name, vs in typed}


def scenario_file_dict(
    scenario: Scenario,
    *,
    source: DataSource,
    inputs: Mapping[str, str],
    shortlist_ids: Sequence[str],
    warnings: Sequence[str] = (),
    coverage: CoveragePlan | None = None,
) -> dict[str, Any]:
    """Return the ``.scenario.json`` of a run: the scenario and a record of its result.

    Parameters
    ----------
    scenario
        The question asked.
    source
        The data directory used (named, never written as a path of this machine).
    inputs
        What the run read, by option (uploads among them).
    shortlist_ids
        The shortlist, in rank order.
    warnings
        Messages the run gave.
    coverage
        The coverage plan, when the scenario asked for one.

    Returns
    -------
    dict
        JSON-ready, in layout :data:`SCENARIO_VERSION`.
    """
    name = data_dir_name(scenario, source)
    data = scenario_data(scenario, inputs=inputs, data_dir=name, fingerprint=True)
    versions: dict[str, str | None] = {}
    for package in _VERSIONED:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    versions["python"] = platform.python_version()
    result: dict[str, Any] = {
        "shortlist": [str(i) for i in shortlist_ids],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "synthetic_data": source.synthetic,
        "versions": versions,
        "warnings": list(warnings),
    }
    if coverage is not None:
        cover = coverage.result
        result["coverage"] = {
            "model": cover.model,
            "reach_kind": coverage.reach_kind,
            "new_sites": [site.id for site in cover.sites],
        }
    return data | {"result": result}


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRecord:
    """What a scenario file records of the run that wrote it (checked against a rerun)."""

    shortlist: tuple[str, ...] = ()
    created: str | None = None
    synthetic_data: bool | None = None
    versions: tuple[tuple[str, str | None], ...] = ()
    warnings: tuple[str, ...] = ()
    coverage_sites: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file read: the scenario, its result record, the layout it was written in."""

    scenario: Scenario
    result: ResultRecord | None
    version: int


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Read and check a ``.scenario.json`` file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    ScenarioFile

    Raises
    ------
    ScenarioFileError
        With one line naming the file, the field and the fix.
    """
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_SCENARIO_BYTES + 1)
    except FileNotFoundError as err:
        msg = "scenariobestand niet gevonden; controleer het pad"
        raise ScenarioFileError(msg, source=path) from err
    except OSError as err:
        msg = f"kan het scenariobestand niet lezen ({err.strerror}); is het een .scenario.json?"
        raise ScenarioFileError(msg, source=path) from err
    return scenario_from_bytes(raw, source=path)


def scenario_from_bytes(raw: bytes, *, source: str | Path | None = None) -> ScenarioFile:
    """Read a scenario from the bytes of a file (an upload in the app).

    Parameters
    ----------
    raw
        The file's content.
    source
        The file name, named in messages.

    Returns
    -------
    ScenarioFile
    """
    data = parse_bounded(
        raw,
        source=source,
        max_bytes=MAX_SCENARIO_BYTES,
        max_depth=MAX_DEPTH,
        max_containers=MAX_CONTAINERS,
    )
    return scenario_from_data(data, source=source)


def scenario_from_data(data: Any, *, source: str | Path | None = None) -> ScenarioFile:
    """Check parsed scenario data of any layout and build the scenario.

    Parameters
    ----------
    data
        The parsed JSON: layout 3, 2 (with a ``scenario`` member) or 1.
    source
        The file, named in messages.

    Returns
    -------
    ScenarioFile

    Raises
    ------
    ScenarioFileError
        For a newer layout, an unknown field, a value of the wrong type or out of range.
    """
    if not isinstance(data, dict):
        msg = "geen Plekwijzer-scenario (een JSON-object verwacht); gebruik een .scenario.json"
        raise ScenarioFileError(msg, source=source)
    if found := not_finite_field(data):
        field, text = found
        msg = f"{text} is geen getal dat JSON toestaat; schrijf een eindig getal"
        raise ScenarioFileError(msg, field=field, source=source)
    version = data.get("plekwijzer_scenario")
    if version is None and isinstance(data.get("scenario"), dict):
        inner = data["scenario"]
        if "plekwijzer_scenario" in inner:
            return scenario_from_data(inner, source=source)
        version = 2
    if version is None:
        msg = (
            "geen Plekwijzer-scenario (geen versie 'plekwijzer_scenario'); gebruik een "
            ".scenario.json van `plekwijzer score` of de app"
        )
        raise ScenarioFileError(msg, source=source)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        msg = f"{version!r} is geen opmaakversie; schrijf het scenario opnieuw"
        raise ScenarioFileError(msg, field="plekwijzer_scenario", source=source)
    if version > SCENARIO_VERSION:
        msg = (
            f"opmaak {version} komt van een nieuwere Plekwijzer (deze leest tot en met "
            f"{SCENARIO_VERSION}); werk Plekwijzer bij om het te openen"
        )
        raise ScenarioFileError(msg, field="plekwijzer_scenario", source=source)
    if version in (1, 2):
        from criteria._scenario_layouts import from_layout_1, from_layout_2

        data = (from_layout_1 if version == 1 else from_layout_2)(data, source=source)
    return ScenarioFile(*_from_layout_3(data, source=source), version=version)


def _from_layout_3(
    data: Mapping[str, Any], *, source: str | Path | None
) -> tuple[Scenario, ResultRecord | None]:
    try:
        fields = chk.LAYOUT_3(dict(data), "")
    except chk.FieldError as bad:
        raise ScenarioFileError(bad.problem, field=bad.field, source=source) from None
    if fields["profile"] is None:
        msg = 'ontbreekt: noem een profiel, bijv. "profile": "noaberhuuske"'
        raise ScenarioFileError(msg, field="profile", source=source)
    region, gemeenten = _region(fields, source=source)
    inputs = fields["inputs"] or chk.INPUTS({}, "inputs")
    base, spec = _profile(fields, source=source)
    try:
        scenario = Scenario(
            profile=base.name if spec else fields["profile"],
            profile_spec=spec,
            region=region,
            gemeenten=gemeenten,
            weights=tuple(fields["weights"].items()),
            constraint_values=tuple(fields["constraints"].items()),
            shortlist=ShortlistOptions(**(fields["shortlist"] or {})),
            coverage=None if fields["coverage"] is None else CoverageOptions(**fields["coverage"]),
            plan=_plan_options(fields["plan"], source=source),
            rasters=tuple(fields["rasters"].items()),
            surface=_surface_options(fields["surface"], source=source),
            spread_level=fields["spread_level"],
            sensitivity=fields["sensitivity"],
            **inputs,
        )
    except ShortlistOptionError as err:
        raise ScenarioFileError(str(err), field="shortlist", source=source) from err
    except PlekwijzerError as err:
        raise ScenarioFileError(str(err), field="", source=source) from err
    scenario = _checked_overrides(scenario, base, source=source)
    return scenario, _result_record(fields["result"])


def _plan_options(
    fields: Mapping[str, Any] | None, *, source: str | Path | None
) -> PlanOptions | None:
    if fields is None:
        return None
    if fields["places"] is None:
        msg = 'ontbreekt: geef het aantal nieuwe plaatsen, bijv. "places": 40'
        raise ScenarioFileError(msg, field="plan.places", source=source)
    cap = fields["max_per_buurt"]
    whole = {"places": int(fields["places"]), "max_per_buurt": None if cap is None else int(cap)}
    return PlanOptions(**{**fields, **whole})


def _surface_options(
    fields: Mapping[str, Any] | None, *, source: str | Path | None
) -> SurfaceOptions | None:
    from geo.regions import parse_gemeente_codes

    if fields is None:
        return None
    gemeenten = fields["gemeenten"]
    try:
        if gemeenten is not None:
            gemeenten = tuple(parse_gemeente_codes(gemeenten))
    except PlekwijzerError as err:
        raise ScenarioFileError(str(err), field="surface.gemeenten", source=source) from err
    top = fields["top"]
    try:
        return SurfaceOptions(
            **{**fields, "gemeenten": gemeenten, "top": None if top is None else int(top)}
        )
    except PlekwijzerError as err:
        raise ScenarioFileError(str(err), field="surface", source=source) from err


def _region(fields: Mapping[str, Any], *, source: str | Path | None) -> tuple[Any, tuple[str, ...]]:
    from geo.regions import parse_gemeente_codes, resolve_region

    region, gemeenten = fields["region"], fields["gemeenten"]
    if (region is None) == (not gemeenten):
        msg = 'geef "region": een voorinstelling, of "gemeenten": een lijst codes (niet allebei)'
        raise ScenarioFileError(msg, field="region", source=source)
    try:
        if region is not None:
            resolve_region(region)
            return region, ()
        return None, tuple(parse_gemeente_codes(gemeenten))
    except PlekwijzerError as err:
        field = "region" if region is not None else "gemeenten"
        raise ScenarioFileError(str(err), field=field, source=source) from err


def _profile(fields: Mapping[str, Any], *, source: str | Path | None) -> tuple[Profile, Any]:
    """Return the base profile (no overrides) and, for an inline spec, its canonical JSON."""
    given = fields["profile"]
    try:
        if isinstance(given, dict):
            base = profile_from_dict(given)
            spec: str | None = json.dumps(base.to_dict(), sort_keys=True)
        else:
            base, spec = load_profile(given), None
    except ProfileError as err:
        raise ScenarioFileError(str(err), field="profile", source=source) from err
    except (TypeError, AttributeError) as err:  # a spec of the wrong shape somewhere inside
        msg = f"geen bruikbaar profiel ({err}); noem een meegeleverd profiel of herstel het"
        raise ScenarioFileError(msg, field="profile", source=source) from err
    recorded = fields["profile_sha256"]
    if recorded is not None and recorded.lower() != profile_fingerprint(base):
        name = base.name if isinstance(given, dict) else given
        msg = (
            f"het profiel {name!r} is niet het profiel waarmee dit scenario draaide (eisen, "
            "transformaties of gewichten zijn sindsdien veranderd, of hier bewerkt); haal "
            "profile_sha256 weg om met dit profiel te rekenen"
        )
        raise ScenarioFileError(msg, field="profile_sha256", source=source)
    return base, spec


def _checked_overrides(scenario: Scenario, base: Profile, *, source: str | Path | None) -> Scenario:
    """Apply the weight and rule overrides now, so a bad one is named before any data is read.

    Returns the scenario with its rule values typed as the values they replace.
    """
    for name in dict(scenario.weights):
        if name not in base.criterion_names:
            msg = (
                f"geen criterium met die naam in profiel {base.name!r}; geldige namen: "
                f"{', '.join(base.criterion_names)}"
            )
            raise ScenarioFileError(msg, field=f"weights.{name}", source=source)
    constraint_names = [c.name for c in base.constraints]
    for name in dict(scenario.constraint_values):
        if name not in constraint_names:
            msg = (
                f"geen harde eis met die naam in profiel {base.name!r}; geldige namen: "
                f"{', '.join(constraint_names) or '(geen)'}"
            )
            raise ScenarioFileError(msg, field=f"constraints.{name}", source=source)
    typed: list[tuple[str, tuple[Any, ...]]] = []
    for name, values in scenario.constraint_values:
        try:
            typed += typed_constraint_values(base, {name: values})
        except PlekwijzerError as err:
            raise ScenarioFileError(str(err), field=f"constraints.{name}", source=source) from err
    scenario = scenario.replace(constraint_values=tuple(typed))
    try:
        scenario.load_profile()
    except PlekwijzerError as err:
        raise ScenarioFileError(str(err), field="weights", source=source) from err
    return scenario


def _result_record(result: Mapping[str, Any] | None) -> ResultRecord | None:
    if result is None:
        return None
    coverage = result["coverage"]
    return ResultRecord(
        shortlist=tuple(result["shortlist"]),
        created=result["created"],
        synthetic_data=result["synthetic_data"],
        versions=tuple(result["versions"].items()),
        warnings=tuple(result["warnings"]),
        coverage_sites=None if coverage is None else tuple(coverage["new_sites"]),
    )


def rerun_note(
    record: ResultRecord | None, shortlist_ids: Sequence[str], *, synthetic: bool | None = None
) -> str | None:
    """Say how a rerun differs from the run its file records (None: the same).

    Parameters
    ----------
    record
        The file's result record.
    shortlist_ids
        The rerun's shortlist, in rank order.
    synthetic
        Whether the rerun's data are the synthetic demo.

    Returns
    -------
    str or None
        One line: other data (real against synthetic), or another shortlist.
    """
    if record is None:
        return None
    if None not in (synthetic, record.synthetic_data) and synthetic != record.synthetic_data:
        now, then = ("synthetische", "echte") if synthetic else ("echte", "synthetische")
        return f"het scenario draaide op {then} data (result.synthetic_data); nu op {now} data"
    if not record.shortlist or tuple(shortlist_ids) == record.shortlist:
        return None
    created = f" van {record.created}" if record.created else ""
    return (
        f"de shortlist verschilt van die in het scenariobestand{created} "
        f"(result.shortlist {', '.join(record.shortlist[:3])}… nu "
        f"{', '.join(list(shortlist_ids)[:3])}…): het scenario is bewerkt, of de "
        "invoerbestanden, de data of de versie van Plekwijzer verschillen"
    )
