"""Scenario files of layouts 1 and 2, turned into layout 3 data (then checked as such).

Layout 1 (before the Scenario type) held a complete profile and region and data records;
layout 2 a ``scenario`` member beside a top-level record, with the effective profile (the
overrides already applied) as ``profile_spec``. Both become a layout-3 dict for
:mod:`criteria.scenario_file` to check: the profile by name and overrides when today's
profile of that name with those overrides is the recorded one, else the recorded spec
itself; an upload recorded as ``upload:NAME#sha256:HEX`` becomes ``{"file", "sha256"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from criteria._errors import ScenarioFileError
from criteria.profiles import profile_from_dict
from criteria.scenario import SCENARIO_VERSION, Scenario
from criteria.scenario_inputs import INPUT_FILES, UploadRef, decision_spec
from geo._errors import PlekwijzerError


def _spec_or_name(
    name: str, spec: Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Return layout-3 profile fields for an older file's effective profile spec.

    The name and overrides are kept when today's profile of that name with the overrides
    gives the recorded spec; otherwise the recorded spec itself is the profile (it already
    carries the overrides).
    """
    if not spec:
        return {"profile": name, **overrides}
    try:
        recorded = profile_from_dict(spec)
        today = Scenario(profile=name, region="demo", **_override_fields(overrides))
        if decision_spec(today.load_profile().to_dict()) == decision_spec(recorded.to_dict()):
            return {"profile": name, **overrides}
    except (PlekwijzerError, TypeError, ValueError):
        pass  # not a profile today, or not the same: the recorded spec decides
    return {"profile": dict(spec)}


def _object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Return a member that should be an object, or an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _override_fields(overrides: Mapping[str, Any]) -> dict[str, Any]:
    weights = overrides.get("weights") or {}
    rules = overrides.get("constraints") or {}
    return {
        "weights": tuple((str(k), float(v)) for k, v in weights.items()),
        "constraint_values": tuple(
            (str(k), tuple(tuple(x) if isinstance(x, list) else x for x in v))
            for k, v in rules.items()
        ),
    }


def from_layout_2(data: Mapping[str, Any], *, source: str | Path | None) -> dict[str, Any]:
    """Layout 2: the scenario member, the record at the top level, the spec with overrides."""
    inner = data.get("scenario")
    if not isinstance(inner, dict):
        msg = "een bestand in opmaak 2 heeft een object 'scenario' nodig; schrijf het opnieuw"
        raise ScenarioFileError(msg, field="scenario", source=source)
    known = {
        "profile", "region", "gemeenten", "weights", "constraint_values", "shortlist",
        *INPUT_FILES, "candidates_layer", "facilities_layer", "default_places", "data_dir",
        "use_defaults", "spread_level", "sensitivity", "coverage", "profile_spec",
    }  # fmt: skip
    if unknown := [key for key in inner if key not in known]:
        msg = "onbekend veld; haal het weg"
        raise ScenarioFileError(msg, field=f"scenario.{unknown[0]}", source=source)
    recorded = _object(data, "data")
    inputs: dict[str, Any] = {"data_dir": inner.get("data_dir")}
    for option in INPUT_FILES:
        given = inner.get(option)
        if given is None and (ref := UploadRef.parse(recorded.get(option))) is not None:
            given = {"file": ref.file, "sha256": ref.sha256}
        inputs[option] = given
    for key in ("candidates_layer", "facilities_layer", "default_places", "use_defaults"):
        if key in inner:
            inputs[key] = inner[key]
    overrides = {
        "weights": inner.get("weights") or {},
        "constraints": inner.get("constraint_values") or {},
    }
    if not isinstance(inner.get("profile"), str):
        msg = "ontbreekt: noem het profiel"
        raise ScenarioFileError(msg, field="scenario.profile", source=source)
    spec = inner.get("profile_spec")
    layout = {
        "plekwijzer_scenario": SCENARIO_VERSION,
        "region": inner.get("region"),
        "gemeenten": inner.get("gemeenten") or None,
        **_spec_or_name(inner["profile"], spec if isinstance(spec, dict) else None, overrides),
        "inputs": inputs,
    }
    for key in ("shortlist", "spread_level", "sensitivity", "coverage"):
        if key in inner:
            layout[key] = inner[key]
    return layout | _old_result(data)


def _old_result(data: Mapping[str, Any]) -> dict[str, Any]:
    shortlist = _object(data, "shortlist")
    record = {
        "shortlist": shortlist.get("ids"),
        "created": data.get("created"),
        "versions": data.get("versions"),
        "warnings": data.get("warnings"),
    }
    kept = {key: value for key, value in record.items() if value is not None}
    return {"result": kept} if kept else {}


def from_layout_1(data: Mapping[str, Any], *, source: str | Path | None) -> dict[str, Any]:
    """Layout 1 (before the Scenario type): a complete profile, region and data records."""
    region = _object(data, "region")
    inputs = _object(data, "data")
    shortlist = _object(data, "shortlist")
    spec = _object(data, "profile")
    if not isinstance(spec.get("name"), str):
        msg = "een bestand in opmaak 1 heeft zijn profiel nodig; schrijf het opnieuw"
        raise ScenarioFileError(msg, field="profile", source=source)

    def given(key: str) -> Any:
        value = inputs.get(key)
        return None if value in (None, "none", "None") else value

    custom = region.get("name") in (None, "custom")
    return {
        "plekwijzer_scenario": SCENARIO_VERSION,
        "region": None if custom else region.get("name"),
        "gemeenten": list(region.get("gemeenten") or ()) if custom else None,
        **_spec_or_name(spec["name"], spec, {}),
        "shortlist": {k: v for k, v in shortlist.items() if k != "ids"},
        "inputs": {
            "data_dir": given("data_dir"),
            **{key: given(key) for key in ("candidates", "facilities", "roads")},
        },
    } | _old_result(data)
