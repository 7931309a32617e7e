"""Plekwijzer — de interactieve kaart (Streamlit).

A thin view: the widgets become a :class:`criteria.scenario.Scenario`,
:func:`criteria.run.run_scenario` computes every figure (the same function the CLI calls),
and :mod:`geo.mapview` draws. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from criteria.compare import IN_BOTH, ONLY_A, ONLY_B, compare_runs
from criteria.coverage_plan import CoveragePlan
from criteria.limits import MAX_SENSITIVITY
from criteria.plan_result import PlanResult
from criteria.profiles import Profile, list_profiles, load_profile
from criteria.run import Prepared, ScenarioResult, prepare, prepare_key, run_scenario
from criteria.scenario import CoverageOptions, PlanOptions, Scenario, ShortlistOptions
from criteria.scenario_file import scenario_from_bytes
from criteria.scenario_inputs import UploadRef, data_dir_name, expected_uploads
from criteria.weights import MAX_CONSISTENCY_RATIO, ahp_weights
from geo import chartspecs, mapdata, mapstyle, mapview, nlformat, presentation
from geo._errors import PlekwijzerError
from geo.datadir import DataSource, resolve_data_dir
from geo.export import geojson_dict
from geo.facilities import public_view
from geo.labels import (
    HEADLINE_INDEX,
    HEADLINE_LABEL,
    INDEX_LABELS,
    facility_phrase,
    feature_label,
    type_label,
)
from geo.labels import OPERATOR_LABELS as OPERATORS
from geo.legend import shared_classes
from geo.neighbourhoods import kerncijfers_from_cbs
from geo.presentation import parse_number
from geo.regions import Region, available_regions, load_region_presets, resolve_region
from geo.settings import DATA_DIR_ENV, DEFAULT_PLACES, FACILITY_TYPES
from geo.spread_report import units_for_level
from geo.spread_result import ScenarioSpread, SpreadReport
from geo.workspace import RegionData, load_region_data

if TYPE_CHECKING:  # what st.tabs returns; Streamlit does not export the class by name
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.elements.lib.mutable_tab_container import TabContainer

st.set_page_config(page_title="Plekwijzer", page_icon="🏠", layout="wide")
# Streamlit serves a declared component's directory at /component/<module>.<name>/; the map
# iframe lives at /component/streamlit_folium.st_folium/, so a relative URL reaches Leaflet
# without a CDN and independent of the server's base path.
components.declare_component("leaflet_assets", path=str(mapview.leaflet_asset_dir()))
LEAFLET_URL = f"../{Path(__file__).stem}.leaflet_assets"
# The Kaart tab's map: compact payloads drawn on a Leaflet canvas (geo/map_frontend).
site_map = components.declare_component("plekwijzer_map", path=str(mapview.frontend_dir()))
LEVELS = {"gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
#: The headline first, under its one name; the unweighted Gini only under its own.
INDICES = {HEADLINE_INDEX: HEADLINE_LABEL, "gini": "Gini ongewogen", "theil": "Theil"}
INDICES |= {"hoover": "Hoover"}
#: Largest upload the app reads: above this the CLI is the way (it streams from disk).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Most sites an uploaded inventory may hold. The map draws every site in the browser and
#: redraws on each change: 200,000 sites took minutes per change on the shared server, while
#: the CLI scores 1,000,000 in under 2 GB (`make bench`, BENCH score_1m_peak_rss).
MAX_UPLOAD_SITES = 50_000
#: Most sites the site chooser lists (the best ones); the map reaches every site.
MAX_CHOOSER = 1_000
#: Slider positions. Streamlit's st.slider formats numbers with sprintf ("0.30"): the app's
#: sliders are select_sliders over these positions, labelled by geo.nlformat ("0,30").
WEIGHT_STEPS = chartspecs.slider_steps(0.0, 1.0, 0.01)
EVENNESS_STEPS = chartspecs.slider_steps(0.0, 1.0, 0.1)
REACH_KM_STEPS = chartspecs.slider_steps(1.0, 15.0, 0.5)
PLAN_EVENNESS_STEPS = chartspecs.slider_steps(0.0, 1.0, 0.05)
#: The tabs, in their order for a one-gemeente region; ``tab_row`` moves the plan first for a
#: region of several gemeenten, where it is the answer the app opens on.
TABS = ("Kaart", "Shortlist", "Spreiding", "Bereik", "Vergelijken", "Verdeelplan")
MAP_TAB, PLAN_TAB = "Kaart", "Verdeelplan"
#: Session key of the selected tab (``st.tabs`` keeps it; tests select a tab through it).
TAB_KEY = "tab"


def weight_steps(base: float, restored: float | None = None) -> list[float]:
    """Return a weight slider's positions.

    Every 0,01, the profile's own weight exactly, and the weight an opened scenario set (so
    a hand-edited 0,372 runs as 0,372, not 0,37).
    """
    positions = (base,) if restored is None else (base, restored)
    return sorted({*WEIGHT_STEPS, *map(weight_position, positions)})


def weight_position(weight: float) -> float:
    """Return a weight's slider position: the 0,01 step it is up to float noise, else itself.

    A profile's weights are normalised (0,24999999999999994): a position of its own so
    close to the step 0,25 could only be told apart from it by its 17th digit.
    """
    step = round(weight, 2)
    return step if math.isclose(weight, step, rel_tol=0.0, abs_tol=1e-9) else weight


def weight_label(value: float) -> str:
    """Return a weight slider position's label: 0,01 steps with two decimals, others in full.

    Streamlit sends a select_slider's label back on every rerun, not its position: the
    profile's 0,125 labelled "0,13" beside the step 0,13 came back as 0,13 on the next
    rerun, so the untouched app no longer gave the CLI's answer.

    Examples
    --------
    >>> [weight_label(w) for w in (0.12, 0.125, 0.13, 0.372)]
    ['0,12', '0,125', '0,13', '0,372']
    """
    decimals = next((d for d in range(2, 7) if round(value, d) == value), 6)
    return nlformat.number(value, decimals=decimals)


def kept(key: str, default: Any) -> Any:
    """Return a keyed control's start value: what the session holds, else ``default``.

    Passed to the control instead of None when the session holds a value: a rerun asked
    before the browser had drawn the control (a tab chosen during the first run) then told
    the browser to show its first option, a weight of 0 or an empty number, and the next
    change sent that back.
    """
    return st.session_state.get(key, default)


def _dutch(decimals: int, unit: str = "") -> Any:
    """Return a slider label function: the number in nl-NL notation, with a unit."""
    return lambda value: nlformat.number(value, decimals=decimals) + unit


Upload = tuple[str, bytes]
Uploads = tuple[Upload | None, ...]


@st.cache_resource(show_spinner=False)
def data_source(env_value: str | None) -> DataSource:  # noqa: ARG001 - the cache key only
    """Resolve the data directory, cached per value of ``$PLEKWIJZER_DATA``."""
    return resolve_data_dir(None)


@st.cache_resource(show_spinner=False)
def gemeente_names(source: DataSource) -> dict[str, str]:
    """Return ``{GM code: name}`` of every gemeente in the data directory."""
    rows = kerncijfers_from_cbs(source).query("level == 'gemeente'")
    return dict(zip(rows["gemeentecode"], rows["name"], strict=True))


@st.cache_resource(show_spinner=False)
def region_presets(source: DataSource) -> list[Region]:
    """Return the seed regions the data directory covers (else every seed region).

    Cached: finding them reads CBS's kerncijfers, a twentieth of a second on every rerun.
    """
    return available_regions(source) or list(load_region_presets().values())


@st.cache_data(show_spinner=False)
def profile_titles(names: tuple[str, ...]) -> dict[str, str]:
    """Return ``{profile name: title}`` of the shipped profiles, read once per set of names."""
    return {name: load_profile(name).title for name in names}


def read_upload(upload: Any, *, max_sites: int | None = None) -> Upload | None:
    """Return an upload as ``(file name, bytes)``, refusing files too big for the app.

    ``max_sites`` bounds the rows of a CSV inventory before anything is parsed (a line
    count; other formats are counted once read, see :func:`refuse_too_many_sites`).
    """
    if upload is None:
        return None
    data = upload.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        msg = (
            f"{upload.name}: {nlformat.integer(len(data) / 2**20)} MiB is meer dan de app "
            f"leest ({MAX_UPLOAD_BYTES // 2**20} MiB); gebruik de opdrachtregel "
            "(plekwijzer score)"
        )
        raise PlekwijzerError(msg)
    if max_sites is not None and Path(upload.name).suffix.lower() in {".csv", ".txt"}:
        refuse_too_many_sites(upload.name, max(data.count(b"\n") - 1, 0), max_sites)
    return Path(upload.name).name, data


def refuse_too_many_sites(name: str, sites: int, max_sites: int = MAX_UPLOAD_SITES) -> None:
    """Refuse an inventory with more sites than the app draws, pointing to the CLI."""
    if sites > max_sites:
        msg = (
            f"{name}: {nlformat.integer(sites)} locaties is meer dan de app toont "
            f"({nlformat.integer(max_sites)}: de kaart tekent elke locatie opnieuw bij elke "
            "wijziging). Verklein de lijst, of gebruik de opdrachtregel: plekwijzer score "
            "--candidates BESTAND (1 miljoen locaties past)."
        )
        raise PlekwijzerError(msg)


def upload_label(upload: Upload | None) -> str | None:
    """Name an upload by file name, content hash and the day it was read, never by a path."""
    if upload is None:
        return None
    return UploadRef(upload[0], hashlib.sha256(upload[1]).hexdigest()).label


@contextmanager
def private_files(*uploads: Upload | None) -> Iterator[list[str | None]]:
    """Yield upload paths in a private (0700) temporary folder, deleted on exit.

    The readers take paths; the bytes rest on disk only while they are read, readable by
    this account alone.
    """
    with tempfile.TemporaryDirectory(prefix="plekwijzer-") as folder:
        paths: list[str | None] = []
        for number, upload in enumerate(uploads):
            if upload is None:
                paths.append(None)
                continue
            # One subfolder per upload keeps the user's own file name in every message.
            path = Path(folder) / str(number) / upload[0]
            path.parent.mkdir(mode=0o700)
            path.write_bytes(upload[1])
            paths.append(str(path))
        yield paths


@st.cache_resource(show_spinner="Regio laden…", max_entries=8)
def region_data(
    source: DataSource,
    region: Region,
    cand: Upload | None,
    fac: Upload | None,
    roads: Upload | None = None,
    dwellings: Upload | None = None,
) -> dict[str, Any]:
    """Load a region and its display layers once per (data, region, upload contents)."""
    with private_files(cand, fac, roads, dwellings) as paths:
        data = load_region_data(
            region,
            source,
            candidates_path=paths[0],
            facilities_path=paths[1],
            roads_path=paths[2],
            dwellings_path=paths[3],
        )
    labels = {
        "candidates": upload_label(cand),
        "facilities": upload_label(fac),
        "roads": upload_label(roads),
        "dwellings": upload_label(dwellings),
    }
    inputs = data.inputs | {key: label for key, label in labels.items() if label}
    data = dataclasses.replace(data, inputs=inputs)
    return {"data": data} | map_layers(data)


@st.cache_resource(show_spinner=False, max_entries=32)
def unit_shapes(source: DataSource, region: Region, level: str, *uploads: Upload | None) -> Any:
    """Display shapes of a level's units, once per region."""
    buurten = region_data(source, region, *uploads)["data"].buurten
    return mapview.display_layer(
        units_for_level(buurten, level=level),
        tolerance_m=30.0,
        close_gaps_m=25.0 if level != "buurt" else 0.0,
    )


@st.cache_resource(show_spinner="Voorbereiden…", max_entries=16)
def prepared_stage(
    key: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> Prepared:
    """Stage 1 of a scenario (criteria matrix, spread before), once per everything but weights.

    ``key`` is :func:`criteria.run.prepare_key` of the scenario: weights, shortlist options,
    sensitivity and coverage are not part of it, so moving a slider reuses the stage.
    """
    return prepare(key, region_data(source, region, *uploads)["data"])


@st.cache_resource(show_spinner="Berekenen…", max_entries=64)
def scenario_result(
    scenario: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> ScenarioResult:
    """Weigh and decide a scenario on its prepared stage; shared between sessions, never mutated."""
    return prepared_stage(prepare_key(scenario), source, region, *uploads).run(scenario)


@st.cache_resource(show_spinner="Bereik plannen…", max_entries=32)
def coverage_plan(
    scenario: Scenario,
    options: CoverageOptions,
    source: DataSource,
    region: Region,
    *uploads: Upload | None,
) -> CoveragePlan:
    """Plan the Bereik tab's coverage on a run's scored sites (prepared stage, no rescoring)."""
    run = scenario_result(scenario, source, region, *uploads)
    return run.prepared.cover(run.scoring, options)


@st.cache_resource(show_spinner=False, max_entries=8)
def report_pdf(
    scenario: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> bytes:
    """Return the council report of a scenario as PDF, made once per scenario."""
    from criteria.council import council_pdf  # WeasyPrint loads only when a report is asked

    return council_pdf(scenario_result(scenario, source, region, *uploads))


#: Uploads the app reads, in the order of ``region_data``'s arguments, and their labels.
UPLOAD_INPUTS = {
    "candidates": "Kandidatenlijst (vastgoed)",
    "facilities": "Register voorzieningen",
    "roads": "Wegen (OSM, voor loopafstanden)",
    "dwellings": "Adrespunten (BAG, voor gemeten afstand tot woningen)",
}


def _in_app_range(field: str, value: float, low: float, high: float) -> float:
    """Refuse a scenario value the app's control cannot show (the CLI runs it)."""
    if not low <= value <= high:
        msg = (
            f"veld {field}: {nlformat.number(value)} past niet in de app "
            f"({nlformat.number(low)} tot {nlformat.number(high)}); draai dit scenario met "
            "plekwijzer score --scenario"
        )
        raise PlekwijzerError(msg)
    return value


def restore(scenario: Scenario, source: DataSource) -> None:
    """Set every control from an opened scenario (before the controls are drawn).

    Every value is applied exactly or the scenario is refused with one line naming the
    field: a profile the app does not ship, or a value outside a control's range.
    """
    if scenario.profile_spec is not None or scenario.profile not in list_profiles():
        msg = (
            f"veld profile: de app kent alleen de meegeleverde profielen, niet "
            f"{scenario.profile!r} zoals het scenario het vastlegt; draai het met "
            "plekwijzer score --scenario"
        )
        raise PlekwijzerError(msg)
    presets = region_presets(source)
    if scenario.region is not None and scenario.region not in {r.name for r in presets}:
        msg = (
            f"veld region: {scenario.region!r} zit niet in de data van deze app "
            f"({', '.join(r.name for r in presets)})"
        )
        raise PlekwijzerError(msg)
    profile = load_profile(scenario.profile)
    options = scenario.shortlist
    values: dict[str, Any] = {
        "top_n": _in_app_range("shortlist.top_n", options.top_n, 1, 100),
        "spacing": _in_app_range("shortlist.min_spacing_m", options.min_spacing_m, 0, 20_000),
        "per_buurt": _in_app_range("shortlist.max_per_buurt", options.max_per_buurt or 0, 0, 50),
        "per_gemeente": _in_app_range(
            "shortlist.max_per_gemeente", options.max_per_gemeente or 0, 0, 50
        ),
        "evenness": chartspecs.nearest_step(options.evenness_weight, EVENNESS_STEPS),
        "sensitivity": scenario.sensitivity,
    }
    if scenario.coverage is not None:
        reach = scenario.coverage
        values["reach_km"] = chartspecs.nearest_step(
            _in_app_range("coverage.reach_m", reach.reach_m / 1000, 1, 15), REACH_KM_STEPS
        )
        values["reach_mode"] = "Alle bewoonde buurten" if reach.sites is None else "N plekken"
        values["reach_sites"] = _in_app_range("coverage.sites", reach.sites or 5, 1, 50)
    if values["spacing"] != int(values["spacing"]):
        msg = "veld shortlist.min_spacing_m: de app neemt hele meters; draai het met de CLI"
        raise PlekwijzerError(msg)
    overrides = dict(scenario.weights)
    for name, weight in overrides.items():
        _in_app_range(f"weights.{name}", weight, 0, 1)
    state = st.session_state
    if scenario.region is not None:
        state["region_mode"], state["region"] = "Voorinstelling", scenario.region
    else:
        state["region_mode"], state["gemeenten"] = "Eigen keuze gemeenten", list(scenario.gemeenten)
    state["profile"] = profile.name
    weights = profile.weights.to_dict() | dict(scenario.weights)
    for name, weight in weights.items():
        # Exact: the profile's weight and the scenario's own are positions of the slider;
        # the restored one stays a position for the session, so the options do not change.
        state[f"w_{profile.name}_{name}"] = weight_position(float(weight))
        state[f"_restored_w_{profile.name}_{name}"] = float(weight)
    for i, constraint in enumerate(profile.constraints):
        rule = dict(scenario.constraint_values).get(constraint.name)
        for j, clause in enumerate(constraint.clauses):
            value = clause.value if rule is None else rule[j]
            state[f"c_{profile.name}_{i}_{j}"] = (
                list(value) if isinstance(value, tuple | list) else float(value)
            )
    whole = {"top_n", "spacing", "per_buurt", "per_gemeente", "sensitivity", "reach_sites"}
    state.update({key: int(v) if key in whole else v for key, v in values.items()})
    state["level"] = scenario.spread_level
    state["_expected_uploads"] = {
        option: ref for option, ref in expected_uploads(scenario).items() if option in UPLOAD_INPUTS
    }
    state["_restore_note"] = " ".join(_restore_notes(scenario, source, state["_expected_uploads"]))


def _restore_notes(
    scenario: Scenario, source: DataSource, uploads: dict[str, UploadRef]
) -> list[str]:
    """Say what of an opened scenario the user must still do, or what the app cannot apply."""
    notes = []
    if uploads:
        named = ", ".join(ref.file for ref in uploads.values())
        notes.append(
            f"Het scenario gebruikte eigen bestanden ({named}); upload dezelfde bestanden onder "
            "'Eigen bestanden'."
        )
    elif any(getattr(scenario, option) for option in UPLOAD_INPUTS):
        notes.append(
            "Het scenario gebruikte eigen bestanden op de computer waar het draaide; upload "
            "ze onder 'Eigen bestanden'."
        )
    unused = [
        field
        for field in (
            "default_places",
            "candidates_layer",
            "facilities_layer",
            "sensitive_osm",
            "plan",
            "surface",
        )
        if getattr(scenario, field, None) is not None
    ]
    if unused:
        notes.append(
            f"Het scenario zet {', '.join(unused)}; de app kent die instellingen niet. Draai "
            "het met plekwijzer score --scenario voor precies dezelfde uitkomst."
        )
    here = data_dir_name(scenario.replace(data_dir=None), source)
    if scenario.data_dir not in (None, here):
        notes.append(f"Het scenario las zijn data uit {scenario.data_dir}; de app uit {here}.")
    if source.synthetic and scenario.region not in (None, "demo"):
        notes.append("Dit scenario hoort bij echte data; de app draait op de demo.")
    return notes


def open_scenario(source: DataSource) -> None:
    """Sidebar: open a ``.scenario.json``; its controls are restored once per file."""
    upload = st.sidebar.file_uploader("Scenario openen (.scenario.json)", ["json"], key="up_scn")
    if upload is None:
        return
    digest = hashlib.sha256(upload.getvalue()).hexdigest()
    if st.session_state.get("_restored") == digest:
        return
    st.session_state["_restored"] = digest
    try:
        # Bounded like the CLI: size, depth, BOM, NaN, unknown fields, newer layouts.
        opened = scenario_from_bytes(upload.getvalue(), source=Path(upload.name).name)
        restore(opened.scenario, source)
    except PlekwijzerError as exc:
        st.sidebar.error(f"Geen bruikbaar scenario: {exc}")
        return
    st.rerun()


def upload_label_for(option: str) -> str:
    """Return an upload control's label, naming the file an opened scenario asks for."""
    ref = st.session_state.get("_expected_uploads", {}).get(option)
    label = UPLOAD_INPUTS[option]
    return label if ref is None else f"{label} — het scenario vraagt: {ref.file}"


def check_uploads(uploads: Uploads) -> None:
    """Compare uploads with the files an opened scenario used (sha256); stop on a mismatch."""
    expected = st.session_state.get("_expected_uploads", {})
    for option, upload in zip(UPLOAD_INPUTS, uploads, strict=False):
        ref = expected.get(option)
        if ref is None or upload is None:
            continue
        if not ref.matches(hashlib.sha256(upload[1]).hexdigest()):
            st.error(
                f"{upload[0]} is niet hetzelfde bestand als {ref.file} in het scenario (de "
                "sha256-controle verschilt). Upload het bestand van het scenario, of kies "
                "'Ander bestand gebruiken'."
            )
            if st.button("Ander bestand gebruiken", key=f"forget_{option}"):
                expected.pop(option)
                st.rerun()
            st.stop()


def pick_region(source: DataSource) -> Region:
    """Sidebar: a preset available in the data directory, or an own choice of gemeenten."""
    presets = region_presets(source)
    modes = ["Voorinstelling", "Eigen keuze gemeenten"]
    mode = st.sidebar.radio("Regio", modes, horizontal=True, key="region_mode")
    if mode == "Voorinstelling":
        titles = {r.name: r.title for r in presets}
        name = st.sidebar.selectbox(
            "Regio-voorinstelling", list(titles), format_func=titles.__getitem__, key="region"
        )
        return next(r for r in presets if r.name == name)
    names = gemeente_names(source)
    # Start the own choice from the preset shown last.
    last = next((r for r in presets if r.name == st.session_state.get("region")), presets[0])
    chosen = st.sidebar.multiselect(
        "Gemeenten",
        sorted(names, key=names.__getitem__),
        default=kept("gemeenten", list(last.gemeenten)),
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="gemeenten",
    )
    if not chosen:
        st.sidebar.warning("Kies minstens één gemeente.")
        st.stop()
    return resolve_region(gemeenten=chosen)


def tune_profile(profile: Profile, features: pd.DataFrame) -> dict[str, Any]:
    """Sidebar: weight sliders and constraint values; return the scenario's overrides.

    A slider starts at the profile's weight exactly (not rounded), and only the weights the
    user moved away from it become overrides: untouched controls give the profile itself,
    the same scenario as ``plekwijzer score`` without ``--weight``.
    """
    defaults = profile.weights
    weights = {}
    with st.sidebar.expander("Gewichten", expanded=True):
        method = st.radio(
            "Weging", ["Schuifjes", "Paarsgewijs (AHP)"], horizontal=True, key="weighting"
        )
        if method != "Schuifjes":
            weights = ahp_widgets(profile)
        for crit in profile.criteria if method == "Schuifjes" else ():
            key = f"w_{profile.name}_{crit.name}"
            base = weight_position(float(defaults[crit.name]))
            # The profile's own weight is a position of the slider, so an untouched slider
            # is the profile exactly; the other positions step by 0,01.
            value = st.select_slider(
                crit.label,
                weight_steps(base, st.session_state.get(f"_restored_{key}")),
                value=kept(key, base),
                format_func=weight_label,
                key=key,
                help=crit.help,
            )
            if value != base:
                weights[crit.name] = float(value)
    changed: dict[str, tuple[Any, ...]] = {}
    with st.sidebar.expander("Harde eisen"):
        for i, constraint in enumerate(profile.constraints):
            st.caption(f"**{constraint.label}** — {constraint.help}")
            values: list[Any] = []
            for j, clause in enumerate(constraint.clauses):
                key = f"c_{profile.name}_{i}_{j}"
                label = f"{feature_label(clause.feature)} {OPERATORS.get(clause.op, clause.op)}"
                if isinstance(clause.value, tuple | list):
                    seen = features[clause.feature].dropna().astype(str).unique().tolist()
                    options = sorted(set(clause.value) | set(seen))
                    default = kept(key, list(clause.value))
                    values.append(tuple(st.multiselect(label, options, default=default, key=key)))
                else:
                    start = kept(key, float(clause.value))
                    values.append(st.number_input(label, value=start, step=10.0, key=key))
            original = tuple(
                tuple(c.value) if isinstance(c.value, tuple | list) else float(c.value)
                for c in constraint.clauses
            )
            if tuple(values) != original:
                changed[constraint.name] = tuple(values)
    return {"weights": tuple(weights.items()), "constraint_values": tuple(changed.items())}


SAATY = (1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 7.0, 9.0)


def _nearest_saaty(ratio: float) -> float:
    """Return the Saaty value nearest to a weight ratio (on a log scale)."""
    return min(SAATY, key=lambda v: abs(np.log(v) - np.log(max(ratio, 1e-9))))


def _saaty_label(value: float) -> str:
    if value == 1:
        return "even belangrijk"
    return f"links {value:.0f}×" if value > 1 else f"rechts {1 / value:.0f}×"


def ahp_widgets(profile: Profile) -> dict[str, float]:
    """Pairwise judgements on Saaty's scale; return the AHP weights when consistent enough."""
    names = profile.criterion_names
    labels = profile.labels
    base = profile.weights
    pairs = {}
    st.caption("Hoeveel belangrijker is het linker criterium dan het rechter?")
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            ratio = float(base[a] / base[b]) if base[b] > 0 else 9.0
            start = _nearest_saaty(ratio)
            pairs[(a, b)] = st.select_slider(
                f"{labels[a]} ↔ {labels[b]}",
                SAATY,
                value=start,
                format_func=_saaty_label,
                key=f"ahp_{profile.name}_{a}_{b}",
            )
    result = ahp_weights(names, pairs, max_consistency_ratio=float("inf"))
    ratio_text = nlformat.number(result.consistency_ratio, decimals=3)
    if result.consistency_ratio > MAX_CONSISTENCY_RATIO:
        worst = " ↔ ".join(labels[n] for n in result.worst_pair or ())
        st.error(
            f"Consistentieratio {ratio_text} is hoger dan 0,1: pas eerst het oordeel {worst} aan. "
            "Tot dan gelden de standaardgewichten."
        )
        return {}
    st.success(f"Consistentieratio {ratio_text} (≤ 0,1: consistent).")
    return {name: round(float(w), 4) for name, w in result.weights.items()}


def shortlist_options(container: Any) -> ShortlistOptions:
    """Shortlist controls (drawn in the Shortlist tab)."""
    cols = container.columns(5)
    top_n = cols[0].number_input("Aantal (top N)", 1, 100, 10, key="top_n")
    spacing = cols[1].number_input("Minimale afstand (m)", 0, 20_000, 1_000, 250, key="spacing")
    per_buurt = cols[2].number_input("Max per buurt (0 = geen)", 0, 50, 1, key="per_buurt")
    per_gm = cols[3].number_input("Max per gemeente (0 = geen)", 0, 50, 0, key="per_gemeente")
    evenness = cols[4].select_slider(
        "Gelijkmatige spreiding",
        EVENNESS_STEPS,
        value=kept("evenness", 0.0),
        format_func=_dutch(1),
        key="evenness",
        help="0 = alleen score; hoger = voorkeur voor gemeenten met weinig plaatsen per "
        "10.000 inwoners (verlaagt de Gini).",
    )
    return ShortlistOptions(
        top_n=int(top_n),
        min_spacing_m=float(spacing),
        max_per_buurt=int(per_buurt) or None,
        max_per_gemeente=int(per_gm) or None,
        evenness_weight=float(evenness),
    )


def legend(items: list[tuple[str, str]], title: str) -> None:
    """Draw a small HTML legend of coloured boxes."""
    boxes = " ".join(
        f"<span style='white-space:nowrap;margin-right:10px'><span style='display:inline-block;"
        f"width:12px;height:12px;background:{c};border:1px solid #555'></span> {label}</span>"
        for c, label in items
    )
    st.markdown(
        f"<div style='font-size:0.8rem'><b>{title}</b>: {boxes}</div>", unsafe_allow_html=True
    )


def show_explanation(run: ScenarioResult, site_id: str, names: dict[str, str]) -> None:
    """Show the reason behind a site's score: contributions, checks and exclusion reasons."""
    row = run.table.loc[site_id]
    st.markdown(f"**{row['name']}** — {row['use']}, {names.get(row['gemeentecode'], '')}")
    if row["excluded"]:
        st.error(
            "Uitgesloten door harde eis(en):\n\n"
            + "\n".join(f"- {reason}" for reason in row["exclusion_reasons"])
        )
    else:
        st.metric(
            "Score",
            nlformat.number(row["score"], decimals=3),
            help=f"rang {int(row['rank'])} van {int(run.table['rank'].max())}",
        )
    checks = row.get("checks")
    if isinstance(checks, list) and checks:
        labels = run.profile.labels
        st.warning(
            "Te controleren:\n\n"
            + "\n".join(f"- **{labels.get(c['rule'], c['rule'])}**: {c['reason']}" for c in checks)
        )
    if "stability" in row and pd.notna(row["stability"]):
        st.caption(
            f"Stabiel: in {nlformat.percent(row['stability'])} van de gewichtstrekkingen (±20%) "
            f"in de top {run.scenario.shortlist.top_n}."
        )
    frame = presentation.explanation_table(run.scoring.explanation(site_id), run.profile.labels)
    st.altair_chart(contribution_chart(frame), width="stretch")
    st.caption("De tabel onder de kaart geeft per criterium de waarde, de bron en het gewicht.")


def contribution_chart(frame: pd.DataFrame) -> Any:
    """Bars of each criterion's contribution to the score, full labels, nl-NL axis."""
    import altair as alt

    data = frame[["criterium", "bijdrage", "bijdrage_getal"]].assign(
        # Long labels wrap onto lines ("|" splits them) rather than being cut, which made
        # two criteria read "Weinig voorzieni…" alike.
        regels=["|".join(textwrap.wrap(label, 26)) or label for label in frame["criterium"]]
    )
    return (
        alt.Chart(data)
        .mark_bar(color="#1565c0")
        .encode(
            x=alt.X(
                "bijdrage_getal:Q",
                title="bijdrage aan de score",
                axis=alt.Axis(
                    labelExpr="replace(format(datum.value, '.2f'), '.', ',')", tickCount=5
                ),
            ),
            y=alt.Y(
                "regels:N",
                sort=None,
                title=None,
                axis=alt.Axis(
                    labelLimit=0, labelOverlap=False, labelExpr="split(datum.label, '|')"
                ),
            ),
            tooltip=[alt.Tooltip("criterium:N"), alt.Tooltip("bijdrage:N", title="bijdrage")],
        )
        .properties(height=42 * len(data) + 40)
    )


def spread_metrics(report: ScenarioSpread | SpreadReport) -> None:
    """Show the indices as metrics, "met shortlist" with the change from "nu" when there is one.

    A change that rounds to zero is shown as such: grey, without an arrow.
    """
    cols = st.columns(len(INDICES))
    for col, (key, label) in zip(cols, INDICES.items(), strict=True):
        if isinstance(report, ScenarioSpread):
            change = report.index_change(key)
            shown = nlformat.number(change.delta, decimals=3, signed=True)
            zero = presentation.parse_number(shown) == 0
            before = nlformat.number(change.before, decimals=3)
            col.metric(
                label,
                nlformat.number(change.after, decimals=3),
                # Streamlit picks the arrow from a leading ASCII "-", not the minus sign.
                "0,000" if zero else shown.replace("−", "-"),
                delta_color="off" if zero else "inverse",
                delta_arrow="off" if zero else "auto",
                delta_description=f"t.o.v. nu ({before})",
                help=f"Met shortlist {nlformat.number(change.after, decimals=3)}, nu {before}"
                "; lager is gelijkmatiger.",
            )
        else:
            col.metric(label, nlformat.number(report.indices.value(key), decimals=3))


def main() -> None:
    """Draw the app."""
    try:
        source = data_source(os.environ.get(DATA_DIR_ENV))
    except PlekwijzerError as exc:
        st.error(str(exc))
        st.stop()
    st.sidebar.title("Plekwijzer")
    if source.synthetic:
        st.sidebar.warning("Data: SYNTHETISCH (demoregio, geen echte plekken)")
    else:
        st.sidebar.success("Data: echte open data (CBS kerncijfers 2024)")
    # Which gemeenten have real address points and roads is known once the region is loaded.
    layers_box = st.sidebar.container()
    open_scenario(source)
    if note := st.session_state.pop("_restore_note", ""):
        st.sidebar.info(note)
    region = pick_region(source)
    titles = profile_titles(tuple(list_profiles()))
    profile_name = st.sidebar.selectbox(
        "Voorziening (profiel)", list(titles), format_func=titles.__getitem__, key="profile"
    )
    if profile_name is None:  # no profile shipped: nothing to score
        st.error("Geen profielen gevonden in criteria/profiles.")
        st.stop()
    with st.sidebar.expander(
        "Eigen bestanden", expanded=bool(st.session_state.get("_expected_uploads"))
    ):
        types = ["csv", "geojson", "json", "gpkg"]
        cand_file = st.file_uploader(upload_label_for("candidates"), types, key="up_cand")
        fac_file = st.file_uploader(upload_label_for("facilities"), types, key="up_fac")
        roads_file = st.file_uploader(
            upload_label_for("roads"), ["gpkg", "geojson", "osm"], key="up_roads"
        )
        dwellings_file = st.file_uploader(upload_label_for("dwellings"), types, key="up_dwell")
    header = st.container()  # title and summary, filled once the scenario has run
    tab_box = st.container()  # the tab row, drawn once the sidebar's controls are
    started = time.perf_counter()
    try:
        uploads = (
            read_upload(cand_file, max_sites=MAX_UPLOAD_SITES),
            *(read_upload(f) for f in (fac_file, roads_file, dwellings_file)),
        )
        check_uploads(uploads)
        loaded = region_data(source, region, *uploads)
        if uploads[0] is not None:  # GeoJSON and GeoPackage inventories are counted once read
            refuse_too_many_sites(uploads[0][0], len(loaded["data"].candidates))
        overrides = tune_profile(load_profile(profile_name), loaded["data"].features)
        # A tab chosen while the first run was still drawing the weight sliders reran the
        # app before the browser had their values: they came back at 0. So the row comes
        # after them.
        tabs = open_tabs(region, tab_box)
        # The shortlist options are part of the scenario every tab shows: drawn in every run,
        # open tab or not, so their values never drop out of the session.
        options_box = tabs["Shortlist"].container()
        scenario = Scenario(
            profile=profile_name,
            region=None if region.name == "custom" else region.name,
            gemeenten=region.gemeenten if region.name == "custom" else (),
            shortlist=shortlist_options(options_box),
            sensitivity=int(
                options_box.number_input(
                    "Robuustheid: aantal gewichtstrekkingen (0 = uit)",
                    0,
                    MAX_SENSITIVITY,
                    0,
                    250,
                    key="sensitivity",
                    help="Trekt gewichten ±20% rond de gekozen gewichten en telt hoe vaak elke "
                    "locatie in de top N blijft (stabiliteit).",
                )
            ),
            use_defaults=True,
            **overrides,
        )
        result = scenario_result(scenario, source, region, *uploads)
    except PlekwijzerError as exc:
        st.error(str(exc))
        st.stop()
    data = result.data
    names = dict(zip(data.buurten["gemeentecode"], data.buurten["gemeentenaam"], strict=False))
    if cand_file is None and not source.synthetic:
        st.sidebar.info(
            "Kandidaten en register: ILLUSTRATIEF (verzonnen voorbeeld); upload "
            "eigen bestanden voor echte plekken."
        )
    for line in data.layers.lines_nl(names):
        layers_box.caption(line)
    header.title(f"Plekwijzer — {region_heading(region, names)}")
    header.caption(
        f"{len(data.buurten)} buurten · {len(data.candidates)} kandidaatlocaties · "
        f"{len(data.facilities)} bestaande voorzieningen · profiel {result.profile.title}"
    )
    for warning in result.scoring.warnings:
        header.warning(warning)
    for note in data.notes:
        header.info(note)

    def kaart() -> None:
        map_tab(result, loaded, names, started)
        zoekgebieden_layer(result, source)

    views: dict[str, Callable[[], None]] = {
        "Kaart": kaart,
        "Shortlist": lambda: shortlist_tab(result, names, source, uploads),
        "Spreiding": lambda: spread_tab(result, source, uploads),
        "Bereik": lambda: reach_tab(result, source, uploads),
        "Vergelijken": lambda: compare_tab(result, source, uploads, names),
        "Verdeelplan": lambda: plan_tab(result, source, uploads),
    }
    # Only the open tab runs: a hidden tab's maps, plans and downloads cost a rerun nothing.
    for label, view in views.items():
        if tabs[label].open:
            with tabs[label]:
                view()


def region_heading(region: Region, names: dict[str, str]) -> str:
    """Return the region as the page title names it: an own choice by its gemeenten.

    "Eigen keuze" alone did not say which gemeenten were chosen; more than three are
    counted rather than listed, so the title stays one line.

    Examples
    --------
    >>> from geo.regions import resolve_region
    >>> region_heading(resolve_region(None, gemeenten=["GM0153"]), {"GM0153": "Enschede"})
    'Eigen keuze: Enschede'
    """
    if region.name != "custom":
        return region.title
    if len(region.gemeenten) > 3:
        return f"{region.title} ({len(region.gemeenten)} gemeenten)"
    chosen = [names.get(code, code) for code in region.gemeenten]
    return f"{region.title}: " + (
        chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " en " + chosen[-1]
    )


def tab_row(region: Region) -> tuple[list[str], str]:
    """Return the tabs in their order and the tab a region opens on.

    A region of several gemeenten opens on the plan (places per gemeente by a fair-share
    key, issue 17), first in the row; one gemeente has nothing to share out and opens on
    the map. The ranked list stays one click away on Shortlist.
    """
    if len(region.gemeenten) > 1:
        return [PLAN_TAB, *(label for label in TABS if label != PLAN_TAB)], PLAN_TAB
    return list(TABS), MAP_TAB


def open_tabs(region: Region, box: DeltaGenerator) -> dict[str, TabContainer]:
    """Draw the tab row in ``box``; return its containers by label, only the selected one open.

    The tabs rerun the app on a switch, so a run draws one tab's content. The row is a new
    widget when its order or default changes (one gemeente ↔ several), which Streamlit
    would open on its default: the tab the user chose is carried over, and one never chosen
    follows the new region's default.
    """
    labels, default = tab_row(region)
    row = (tuple(labels), default)
    last = st.session_state.get("_tab_row")
    if last is not None and last != row:
        chosen = st.session_state.get("_tab_chosen")
        st.session_state[TAB_KEY] = chosen if chosen in labels and chosen != last[1] else default
    containers = box.tabs(labels, key=TAB_KEY, on_change="rerun", default=default)
    st.session_state["_tab_row"] = row
    st.session_state["_tab_chosen"] = st.session_state[TAB_KEY]
    return dict(zip(labels, containers, strict=True))


def map_layers(data: RegionData) -> dict[str, Any]:
    """Return the region's map layers, simplified once (:func:`region_data` caches them).

    A weight change redraws only the sites; buurten, outlines and the register stay as built.
    """
    shaped = data.buurten[data.buurten.geometry.notna()]
    outlines = shaped.dissolve("gemeentecode").reset_index()[["gemeentecode", "geometry"]]
    return {
        "areas": mapdata.AreaShapes.from_layer(data.buurten),
        "outlines": mapdata.AreaShapes.from_layer(outlines, tolerance_m=50.0, close_gaps_m=25.0),
        "facilities": mapdata.facility_payload(public_view(data.facilities)),
    }


def _site_status(score: float, *, excluded: bool) -> str:
    return "uitgesloten" if excluded else "score " + nlformat.number(score, decimals=2)


def site_key(run: ScenarioResult) -> str:
    """Session key of the site chooser: one per region, inventory and profile."""
    scope = (run.region.name, run.region.gemeenten, run.inputs.get("candidates"))
    digest = hashlib.sha256(repr(scope).encode()).hexdigest()[:10]
    return f"site_{run.profile.name}_{digest}"


def site_labels(table: pd.DataFrame, ids: list[str]) -> dict[str, str]:
    """``{id: "id · name (score)"}`` of the given sites, for the site chooser."""
    rows = table.loc[ids]
    texts = zip(ids, rows["name"].astype(str), rows["score"], rows["excluded"], strict=True)
    return {
        i: f"{i} · {name} ({_site_status(score, excluded=out)})" for i, name, score, out in texts
    }


@st.cache_resource(show_spinner="Zoekgebieden berekenen…", max_entries=4)
def gemeente_surface(
    key: str,  # noqa: ARG001 - the cache key of the region's run (_data is not hashed)
    gemeente: str,
    profile_json: str,
    cell_m: float,
    _data: RegionData,
) -> Any:
    """Return the surface of one gemeente, scored in the region's run (``key``: its inputs)."""
    from criteria.profiles import profile_from_dict
    from criteria.surface import compute_surface
    from geo.boundary import gemeente_borders_from_cbs
    from geo.surface import SurfaceLayers

    layers = SurfaceLayers(
        region=_data.region,
        source=_data.source,
        buurten=_data.buurten,
        stops=_data.stops,
        stations=_data.stations,
        facilities=_data.facilities,
        borders=gemeente_borders_from_cbs(_data.source),
    )
    area = _data.buurten[_data.buurten["gemeentecode"] == gemeente]
    profile = profile_from_dict(json.loads(profile_json))
    return compute_surface(layers, profile, cell_m=cell_m, area=area)


def zoekgebieden_layer(run: ScenarioResult, source: DataSource) -> None:
    """Zoekgebieden: where a facility could go at all in one gemeente, without an inventory."""
    from geo.surface import score_overlay
    from geo.zoekgebieden import AreaOptions, surface_zoekgebieden, zoekgebieden_geojson

    with st.expander("Zoekgebieden: geschiktheid per cel, zonder inventaris"):
        names = dict(
            zip(run.data.buurten["gemeentecode"], run.data.buurten["gemeentenaam"], strict=False)
        )
        cols = st.columns(5)
        gemeente = cols[0].selectbox(
            "Gemeente van de zoekgebieden",
            sorted(names),
            format_func=names.__getitem__,
            key="zg_gm",
            persist_state="page",
        )
        cell_m = cols[1].selectbox(
            "Cel (m)", [100, 50, 25], index=1, key="zg_cel", persist_state="page"
        )
        min_score = cols[2].slider(
            "Score minstens", 0.0, 1.0, 0.6, 0.05, key="zg_score", persist_state="page"
        )
        min_area = cols[3].number_input(
            "Oppervlak minstens (m²)", 0, 10**7, 5000, 1000, key="zg_m2", persist_state="page"
        )
        top = int(cols[4].number_input("Beste K", 1, 50, 8, key="zg_top", persist_state="page"))
        if not st.toggle("Zoekgebieden berekenen en tonen", key="zg_aan", persist_state="page"):
            st.caption(
                "Scoort elke cel van de gemeente met hetzelfde profiel en dezelfde regels als "
                "een locatie op die plek; regels over het gebouw of perceel gelden niet per cel."
            )
            return
        key = json.dumps(
            [str(source.path), run.region.name, *run.region.gemeenten, run.data.inputs]
        )
        try:
            surface = gemeente_surface(
                key,
                gemeente,
                json.dumps(run.profile.to_dict(), sort_keys=True),
                float(cell_m),
                run.data,
            )
            options = AreaOptions(min_score=min_score, min_area_m2=float(min_area), top=top)
            areas = surface_zoekgebieden(surface, run.data.buurten, options=options)
        except PlekwijzerError as exc:
            st.error(str(exc))
            return
        summary = surface.summary()
        image, bounds = score_overlay(surface.geotiff)
        (south, west), (north, east) = bounds
        fmap = mapview.base_map((west, south, east, north), tiles=False)
        folium.raster_layers.ImageOverlay(image, bounds=bounds, interactive=False).add_to(fmap)
        if len(areas):
            shown = areas.to_crs("EPSG:4326").assign(
                opp=[f"{nlformat.integer(a)} m²" for a in areas["area_m2"]],
                beste=[nlformat.number(b, decimals=2) for b in areas["best_score"]],
            )
            folium.GeoJson(
                shown[["rank", "opp", "beste", "buurtnaam", "geometry"]],
                style_function=lambda _: {"color": "#3b1f8f", "weight": 2, "fillOpacity": 0},
                tooltip=folium.GeoJsonTooltip(
                    ["rank", "opp", "beste", "buurtnaam"],
                    ["Zoekgebied", "Oppervlak", "Beste score", "Buurt"],
                ),
            ).add_to(fmap)
        mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
        st_folium(fmap, height=480, width=None, key="zoekkaart", returned_objects=[])
        legend(
            [("#238443", "geschikt (hoge score)"), ("#f7fcb9", "minder geschikt"),
             ("#c8c8c8", "uitgesloten door een harde regel"), ("#3b1f8f", "zoekgebied")],
            "Zoekgebieden",
        )  # fmt: skip
        not_applied = ", ".join(run.profile.labels.get(n, n) for n in summary["dropped_rules"])
        st.caption(
            f"{nlformat.integer(summary['cells'])} cellen van {cell_m} m; "
            f"{nlformat.integer(summary['excluded'])} uitgesloten, "
            f"{nlformat.integer(summary['te_controleren'])} te controleren. Gescoord zoals een "
            "locatie op die plek in deze regio (zonder geüploade wegen of adrespunten: "
            "loopafstand hemelsbreed × 1,3, afstand tot woningen geschat). Niet per cel "
            f"toegepast: {not_applied or 'geen'}."
        )
        table = pd.DataFrame(
            {
                "Zoekgebied": areas["rank"],
                "Oppervlak (m²)": [nlformat.integer(a) for a in areas["area_m2"]],
                "Gemiddelde score": [nlformat.number(v, decimals=2) for v in areas["mean_score"]],
                "Beste score": [nlformat.number(v, decimals=2) for v in areas["best_score"]],
                "Buurt (beste cel)": areas["buurtnaam"],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
        left, right = st.columns(2)
        left.download_button(
            "Geschiktheidskaart (GeoTIFF)", surface.geotiff, "zoekgebieden.tif", "image/tiff"
        )
        right.download_button(
            "Zoekgebieden (GeoJSON)",
            json.dumps(zoekgebieden_geojson(areas), ensure_ascii=False),
            "zoekgebieden.geojson",
            "application/geo+json",
        )


def map_tab(
    run: ScenarioResult, loaded: dict[str, Any], names: dict[str, str], started: float
) -> None:
    """Kaart: sites by score over a buurt choropleth, with the chosen site explained.

    The map is the ``plekwijzer_map`` component: each layer goes to the browser as one
    compact payload (:mod:`geo.mapdata`) drawn on a canvas. A click on a site comes back as
    the component's value ``{"id", "click"}`` and selects the site in the explanation panel.
    """
    layers = {
        "draagkracht": "Draagkracht",
        "facilities_per_10k": "Voorzieningen per 10.000",
        "inhabitants": "Inwoners",
        "": "Geen (alleen grenzen)",
    }
    cols = st.columns([3, 3, 2, 2])
    layer = cols[0].selectbox(
        "Kleurvlak buurten",
        list(layers),
        format_func=layers.__getitem__,
        key="choropleth",
        persist_state="page",
    )
    # Colour the sites by score or by one criterion's transformed value (0–1), as
    # suitability tools show each criterion layer beside the combined one.
    criterion_labels = {"": "Score (alle criteria)"} | {
        name: f"Criterium: {label}"
        for name, label in run.profile.labels.items()
        if f"transformed__{name}" in run.table.columns
    }
    colour_by = cols[1].selectbox(
        "Kleur locaties",
        list(criterion_labels),
        format_func=criterion_labels.__getitem__,
        key="site_colour",
        persist_state="page",
    )
    tiles = cols[2].toggle("PDOK-achtergrondkaart", value=True, key="tiles", persist_state="page")
    show_facilities = cols[3].toggle(
        "Bestaande voorzieningen", value=True, key="show_fac", persist_state="page"
    )
    table = run.table
    # A click arrives as the map's value before the map is drawn again: select the site
    # first, so the map rings it and the chooser shows it in this same run.
    # The chooser's state belongs to one region, inventory and profile: ids repeat between
    # regions (ILL-0001 in Twente and in Drechtsteden) and a site eligible under one profile
    # may be excluded under another, so a switch starts at the best site, never a stale one.
    key = site_key(run)
    # Streamlit forgets a widget's state in a run that does not draw it (another region
    # shown); the choice is kept beside it, so coming back shows the site chosen there.
    kept = f"_{key}"
    if key not in st.session_state and st.session_state.get(kept) in table.index:
        st.session_state[key] = st.session_state[kept]
    click = st.session_state.get("kaart") or {}
    if click and click != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = click
        if str(click.get("id")) in table.index:
            st.session_state[key] = str(click["id"])
    if st.session_state.get(key) not in table.index:
        st.session_state.pop(key, None)
    # The chooser lists the best sites (a list of 20,000 helps nobody and costs a second on
    # every rerun); any other site is chosen by a click on the map and added.
    ids = list(table.sort_values(["excluded", "rank"]).index[:MAX_CHOOSER])
    selected = st.session_state.get(key, ids[0] if ids else None)
    if selected is not None and selected not in ids:
        ids.append(selected)
    areas: mapdata.AreaShapes = loaded["areas"]
    sites = mapdata.site_payload(
        table,
        colour_by=colour_by or None,
        label=run.profile.labels.get(colour_by, colour_by) if colour_by else "",
    )
    left, right = st.columns([3, 2])
    with left:
        site_map(
            leaflet_url=LEAFLET_URL,
            height=560,
            view_key=areas.key,
            bounds=list(areas.bounds),
            tiles=tiles,
            areas=areas.payload(
                column=layer or None,
                tooltip_columns={
                    "gemeentenaam": "Gemeente",
                    "inhabitants": "Inwoners",
                    "facilities": "Voorzieningen",
                    "draagkracht": "Draagkracht",
                },
            ),
            outlines=loaded["outlines"].payload(
                name_column=None,
                style={"color": "#263238", "weight": 2.5, "fill": False, "interactive": False},
            ),
            facilities=loaded["facilities"] if show_facilities else None,
            sites=sites.meta(),
            site_numbers=sites.numbers,
            selected=selected,
            key="kaart",
            default=None,
        )
        # Scoring and the map payloads, on the server; the browser draws in its own time.
        elapsed = time.perf_counter() - started
        seconds = nlformat.number(elapsed, decimals=2)
        st.caption(f"Herberekend en kaart opgebouwd in {seconds} s (server).")
        groups = [("Locaties", mapstyle.site_items(sites.span, value_label=sites.value_label))]
        if show_facilities:
            facility_legend = mapstyle.facility_items(loaded["facilities"])
            groups.append(("Bestaande voorzieningen", facility_legend))
        if layer:
            classes = mapview.legend_items(areas.attributes[layer], layer)
            groups.append((mapview.CHOROPLETHS[layer][0], mapstyle.class_items(classes)))
        st.markdown(mapstyle.legend_html(groups), unsafe_allow_html=True)
    labels = site_labels(table, ids)
    with right:
        st.subheader("Waarom deze score?")
        if len(table) > MAX_CHOOSER:
            st.caption(
                f"De keuzelijst toont de beste {nlformat.integer(MAX_CHOOSER)} van "
                f"{nlformat.integer(len(table))} locaties; klik op de kaart voor een andere."
            )
        chosen = st.selectbox(
            "Locatie (of klik op de kaart)",
            ids,
            key=key,
            format_func=labels.__getitem__,
        )
        if chosen is None:  # no candidates at all
            return
        st.session_state[kept] = chosen
        show_explanation(run, chosen, names)
    # The criteria table at full width: in the side panel its "bron" column was cut off.
    st.markdown(f"**Per criterium** — {table.loc[chosen, 'name']}")
    st.dataframe(
        presentation.explanation_table(run.scoring.explanation(chosen), run.profile.labels).drop(
            columns="bijdrage_getal"
        ),
        hide_index=True,
        width="stretch",
    )


def shortlist_tab(
    run: ScenarioResult, names: dict[str, str], source: DataSource, uploads: Uploads
) -> None:
    """Shortlist: the picks, their effect on the spread, their stability, the downloads."""
    short = run.shortlist
    st.subheader(f"Shortlist: {len(short)} locaties")
    buurten = run.data.buurten
    buurt_names = dict(zip(buurten["buurtcode"], buurten["name"], strict=False))
    st.dataframe(
        presentation.shortlist_table(short, names, buurt_names), hide_index=True, width="stretch"
    )
    skipped = presentation.skipped_table(run.table, names, buurt_names)
    if len(skipped):
        # Ranks 1, 2, 3, 5, 9 … on the list: say for each gap why that site was passed over.
        with st.expander(
            f"Overgeslagen: {len(skipped)} locaties met een hogere rang dan de laatste keuze"
        ):
            st.caption(
                "Nr. is de plaats op de shortlist, rang de plaats op score. Een locatie valt "
                "af als ze te dicht bij een eerder gekozen locatie ligt (minimale afstand) "
                "of als haar buurt of gemeente al het maximum heeft."
            )
            st.dataframe(skipped, hide_index=True, width="stretch")
    eligible = int((~run.table["excluded"]).sum())
    gini = run.spread.headline
    before, after = (nlformat.number(v, decimals=3) for v in (gini.before, gini.after))
    st.caption(
        f"{eligible} van {len(run.table)} kandidaten voldoen aan de harde eisen. "
        f"{HEADLINE_LABEL} over gemeenten: nu {before}, met deze shortlist {after}."
    )
    if run.sensitivity is not None:
        mc = run.sensitivity.monte_carlo
        text = (
            f"Robuustheid ({mc.n} gewichtstrekkingen, ±20%): de nummer 1 blijft eerste in "
            f"{nlformat.percent(mc.top_site_share)} van de trekkingen; gemiddelde "
            f"rangcorrelatie {nlformat.number(mc.mean_spearman, decimals=2)}."
        )
        if (flip := run.sensitivity.smallest_flip.smallest) is not None:
            label = run.profile.labels.get(flip.criterion, flip.criterion)
            text += (
                f" Kleinste gewichtswijziging die de nummer 1 verdringt: {label} van "
                f"{nlformat.number(flip.weight, decimals=2)} naar "
                f"{nlformat.number(flip.critical_weight, decimals=2)}."
            )
        st.info(text)
    cols = st.columns(3)
    stem = f"plekwijzer_{run.region.name}_{run.profile.name}"
    cols[0].download_button(
        "Download GeoJSON (alle locaties, met shortlist)",
        json.dumps(run.feature_collection(), ensure_ascii=False),
        f"{stem}.geojson",
        "application/geo+json",
        key="dl_geojson",
    )
    cols[1].download_button(
        "Download scenario (JSON)",
        json.dumps(run.scenario_file(), ensure_ascii=False, indent=2),
        f"{stem}.scenario.json",
        "application/json",
        key="dl_scenario",
    )
    if cols[2].button("Maak raadsrapport (PDF)", key="make_report"):
        with st.spinner("Rapport maken…"):
            pdf = report_pdf(run.scenario, source, run.region, *uploads)
        cols[2].download_button(
            "Download raadsrapport (PDF)", pdf, f"{stem}_raadsrapport.pdf", "application/pdf",
            key="dl_report",
        )  # fmt: skip


def spread_tab(run: ScenarioResult, source: DataSource, uploads: Uploads) -> None:
    """Spreiding: per unit, the indices and Lorenz curve, now and with the shortlist.

    Every figure says whether it shows "nu" (the register) or "met shortlist"; the two maps
    share one classification, so a colour means the same on both.
    """
    cols = st.columns(3)
    level = cols[0].radio(
        "Niveau",
        list(LEVELS),
        format_func=LEVELS.get,
        horizontal=True,
        key="level",
        persist_state="page",
    )
    kind = cols[1].selectbox(
        "Type voorziening",
        ["", *FACILITY_TYPES],
        format_func=lambda t: type_label(t) if t else "alle typen",
        key="spread_type",
        persist_state="page",
    )
    with_short = cols[2].toggle(
        "Met huidige shortlist (voor/na)", value=True, key="with_short", persist_state="page"
    )
    if level == "gemeente" and len(run.region.gemeenten) < 2:
        # One unit: every index is 0 and the two maps differ in colour by a rounding.
        st.info("Deze regio heeft één gemeente: over gemeenten valt niets te spreiden. Kies "
                "niveau Wijk of Buurt.")  # fmt: skip
        return
    try:
        report = run.spread_at(level, facility_type=kind or None)
    except PlekwijzerError as exc:
        st.error(str(exc))
        return
    now = report.before
    after = report.after if with_short and report.added else None
    if after is not None:
        st.markdown(
            "**Spreidingsmaten met shortlist** (verschil t.o.v. nu; lager is gelijkmatiger)"
        )
        st.caption(
            f"Nu: het bestaande register. Met shortlist: het register plus {report.added} "
            f"shortlistlocaties ({run.profile.title})."
        )
        spread_metrics(report)
    else:
        st.markdown("**Spreidingsmaten nu** (het bestaande register, zonder shortlist)")
        spread_metrics(now)
    versions = [("Nu", now)] + ([("Met shortlist", after)] if after is not None else [])
    classes = shared_classes(*(v.units["per_10k"] for _, v in versions))
    shapes = unit_shapes(source, run.region, level, *uploads)
    places = place_labels(source, run.region, *uploads)
    for col, (title, version) in zip(st.columns(len(versions)), versions, strict=True):
        with col:
            st.markdown(f"**Plaatsen per 10.000 inwoners — {title.lower()}**")
            shown = shapes.join(
                version.units.set_index("code")[["per_10k", "fair_share", "surplus"]],
                on="code",
            )
            fmap = mapview.base_map(shown.total_bounds, tiles=False)
            mapview.add_choropleth(
                fmap,
                shown,
                column="per_10k",
                classes=classes,
                tooltip_columns={
                    "per_10k": f"Plaatsen per 10.000 ({title.lower()})",
                    "fair_share": f"Eerlijk deel ({title.lower()})",
                    "surplus": f"Boven/onder eerlijk deel ({title.lower()})",
                },
            )
            mapview.add_place_labels(fmap, places)
            mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
            st_folium(
                fmap,
                height=400,
                width=None,
                key=f"spreidingskaart_{title.lower().replace(' ', '_')}",
                returned_objects=[],
            )
    items = mapview.legend_items(now.units["per_10k"], "per_10k", classes=classes)
    legend(items, "Plaatsen per 10.000 (zelfde klassen op beide kaarten)")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Lorenzcurve** — " + " en ".join(t.lower() for t, _ in versions))
        st.altair_chart(lorenz_chart(versions), width="stretch")
    with right:
        access = now.access
        # Bereik counts the profile's own type only: the heading names what is counted here,
        # so the two shares never read as two answers to one question. A heading wraps where
        # a metric label of this length was cut off.
        within = f"binnen {nlformat.distance(access.within_m)} {facility_phrase(kind or None)}"
        st.markdown(f"**Inwoners {within}**")
        st.metric(
            "Nu",
            nlformat.share(access.share_within),
        )
        if after is not None:
            change = (after.access.share_within - access.share_within) * 100
            shown_change = nlformat.number(change, decimals=1, signed=True)
            zero = presentation.parse_number(shown_change) == 0
            st.metric(
                "Met shortlist",
                nlformat.share(after.access.share_within),
                ("0,0" if zero else shown_change.replace("−", "-")) + " procentpunt",
                delta_color="off" if zero else "normal",
                delta_arrow="off" if zero else "auto",
            )
    gemeenten = None
    if level != "gemeente":
        buurten = run.data.buurten
        codes = buurten["buurtcode" if level == "buurt" else "wijkcode"]
        gemeenten = dict(zip(codes, buurten["gemeentenaam"], strict=False))
    st.dataframe(
        presentation.unit_table(
            now.units,
            after=None if after is None else after.units,
            gemeenten=gemeenten,
        ),
        hide_index=True,
        width="stretch",
        # Codes and names in full (auto-sizing cut "BU01470000" to "BU0147…").
        column_config={
            "code": st.column_config.TextColumn(width="small"),
            "naam": st.column_config.TextColumn(width="medium"),
        },
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def place_labels(source: DataSource, region: Region, *uploads: Upload | None) -> Any:
    """Gemeente names at a point inside each gemeente (EPSG:4326), for the spread maps."""
    shapes = unit_shapes(source, region, "gemeente", *uploads)
    return shapes[["name", shapes.geometry.name]].set_geometry(
        mapview.label_points(shapes.geometry)
    )


def lorenz_chart(versions: list[tuple[str, SpreadReport]]) -> Any:
    """Draw the Lorenz curve of each version ("Nu", "Met shortlist") and the equality line."""
    import altair as alt

    frames = [
        pd.DataFrame(v.lorenz, columns=["inwoners", "plaatsen"]).assign(reeks=t.lower())
        for t, v in versions
    ]
    line = pd.DataFrame({"inwoners": [0.0, 1.0], "plaatsen": [0.0, 1.0]})
    data = pd.concat([*frames, line.assign(reeks="gelijke spreiding")], ignore_index=True)
    dutch = "replace(format(datum.value, '.1f'), '.', ',')"
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X(
                "inwoners:Q",
                title="aandeel inwoners (cumulatief, minst voorzien eerst)",
                axis=alt.Axis(labelExpr=dutch),
            ),
            y=alt.Y(
                "plaatsen:Q",
                # Two lines: on one, the title was longer than the plot and was cut off.
                title=["aandeel plaatsen", "(cumulatief)"],
                axis=alt.Axis(labelExpr=dutch),
            ),
            color=alt.Color(
                "reeks:N",
                title=None,
                scale=alt.Scale(
                    domain=["nu", "met shortlist", "gelijke spreiding"],
                    range=["#1565c0", "#e65100", "#9e9e9e"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.condition(
                alt.datum.reeks == "gelijke spreiding", alt.value([4, 3]), alt.value([1, 0])
            ),
        )
        .properties(height=300)
    )


def reach_tab(run: ScenarioResult, source: DataSource, uploads: Uploads) -> None:
    """Bereik: how many new places, and where, so that every inhabited buurt has one in reach."""
    cols = st.columns([2, 2, 1])
    reach_km = cols[0].select_slider(
        "Bereik (km, hemelsbreed)",
        REACH_KM_STEPS,
        value=kept("reach_km", 3.0),
        format_func=_dutch(1, " km"),
        key="reach_km",
        persist_state="page",
    )
    # The plan covers every buurt with inhabitants (CBS), not kernen as such.
    mode = cols[1].radio(
        "Doel",
        ["Alle bewoonde buurten", "N plekken"],
        horizontal=True,
        key="reach_mode",
        persist_state="page",
    )
    sites = None
    if mode == "N plekken":
        sites = int(cols[2].number_input("N", 1, 50, 5, key="reach_sites", persist_state="page"))
    options = CoverageOptions(reach_m=reach_km * 1000, sites=sites)
    try:
        plan = coverage_plan(run.scenario, options, source, run.region, *uploads)
    except PlekwijzerError as exc:
        st.error(str(exc))
        return
    cover = plan.result
    # Only the profile's own type counts (Spreiding counts every type): the heading says so.
    kind = facility_phrase(run.prepared.facility_type)
    st.markdown(f"**Inwoners binnen {nlformat.distance(options.reach_m)} {kind}** (hemelsbreed)")
    metrics = st.columns(3)
    metrics[0].metric("Nieuwe plekken", len(cover.sites), help=f"naast {cover.existing} bestaande")
    now, then = nlformat.share(cover.covered_before), nlformat.share(cover.covered_after)
    metrics[1].metric("Nu", now)
    # The change between the two shares as shown (both rounded down), so the three agree.
    change = parse_number(then.rstrip("%")) - parse_number(now.rstrip("%"))
    metrics[2].metric(
        "Met deze plekken",
        then,
        nlformat.number(change, signed=True).replace("−", "-") + " procentpunt",
    )
    st.caption(plan.summary_nl())
    layers = {k: v.to_crs("EPSG:4326") for k, v in plan.map_layers(run.data.buurten).items()}
    shapes = unit_shapes(source, run.region, "buurt", *uploads)
    fmap = mapview.base_map(shapes.total_bounds, tiles=False)
    folium.GeoJson(
        shapes[["geometry"]],
        style_function=lambda _: {"color": "#455a64", "weight": 0.6, "fillOpacity": 0.0},
        interactive=False,
    ).add_to(fmap)
    if len(layers["uncovered"]):
        folium.GeoJson(
            layers["uncovered"][["name", "inhabitants", "geometry"]],
            style_function=lambda _: {"color": "#b71c1c", "weight": 1, "fillOpacity": 0.5},
            tooltip=folium.GeoJsonTooltip(["name", "inhabitants"], ["Buiten bereik", "Inwoners"]),
        ).add_to(fmap)
    folium.GeoJson(
        layers["reach"][["role", "geometry"]],
        style_function=lambda f: {
            "color": "#1565c0" if f["properties"]["role"] == "nieuw" else "#616161",
            "weight": 1,
            "fillOpacity": 0.08,
        },
        interactive=False,
    ).add_to(fmap)
    for _, site in layers["sites"].iterrows():
        new = site["role"] == "nieuw"
        label = f"#{site['cover_rank']} {site['name']}" if new else f"bestaand: {site['name']}"
        folium.CircleMarker(
            [site.geometry.y, site.geometry.x],
            radius=6,
            color="#000",
            weight=1,
            fill=True,
            fill_color="#1565c0" if new else "#9e9e9e",
            fill_opacity=1,
            tooltip=label,
        ).add_to(fmap)
    mapview.add_place_labels(fmap, place_labels(source, run.region, *uploads))
    mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
    st_folium(fmap, height=480, width=None, key="bereikkaart", returned_objects=[])
    legend(
        [("#1565c0", "nieuwe plek"), ("#9e9e9e", "bestaand"), ("#b71c1c", "buurt buiten bereik")],
        "Bereik",
    )
    new_sites = plan.new_site_table(run.table, run.data.buurten)
    st.subheader(f"Nieuwe plekken ({len(new_sites)})")
    if new_sites.empty:
        st.info("Er zijn geen nieuwe plekken nodig of mogelijk bij dit bereik.")
        return
    st.dataframe(
        presentation.new_sites_table(new_sites),
        hide_index=True,
        width="stretch",
        # What each new place adds first: last, it was scrolled out of sight.
        column_order=[
            "nr.", "naam", "gemeente", "extra inwoners in bereik", "inwoners in bereik",
            "score", "buurt", "gebruik", "id",
        ],
    )  # fmt: skip
    stem = f"plekwijzer_{run.region.name}_{run.profile.name}_bereik_{int(options.reach_m)}m"
    downloads = st.columns(2)
    downloads[0].download_button(
        "Download nieuwe plekken (GeoJSON)",
        json.dumps(
            geojson_dict(new_sites, properties=[c for c in new_sites.columns if c != "geometry"]),
            ensure_ascii=False,
        ),
        f"{stem}.geojson",
        "application/geo+json",
        key="dl_reach_geojson",
    )
    downloads[1].download_button(
        "Download nieuwe plekken (CSV)",
        presentation.sites_csv(new_sites),
        f"{stem}.csv",
        "text/csv",
        key="dl_reach_csv",
    )


COMPARE_MODES = ("Twee gemeenten", "Huidig en standaardprofiel", "Twee scenariobestanden")


@st.cache_resource(show_spinner="Verdeelplan berekenen…", max_entries=32)
def plan_result(
    scenario: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> PlanResult:
    """Solve a scenario's regional plan once per scenario (shared, never mutated)."""
    from criteria.plan import plan_scenario  # PuLP loads only when a plan is asked

    return plan_scenario(scenario_result(scenario, source, region, *uploads))


def plan_tab(run: ScenarioResult, source: DataSource, uploads: Uploads) -> None:
    """Verdeelplan: N new places over the gemeenten by a fair-share key (issue 17)."""
    from criteria.fair_share import key_names, load_key
    from geo.report.charts import frontier_chart

    if len(run.region.gemeenten) < 2:
        st.info("Een verdeelplan verdeelt plaatsen over gemeenten: kies een regio van meer dan "
                "één gemeente. De shortlist staat op het tabblad Shortlist.")  # fmt: skip
        return
    per_site = DEFAULT_PLACES.get(run.prepared.facility_type, 1)
    cols = st.columns([1, 2, 2, 1])
    places = int(
        cols[0].number_input(
            "Nieuwe plaatsen", 1, 5000, 10 * per_site, key="plan_n", persist_state="page"
        )
    )
    keys = key_names()
    key = cols[1].selectbox(
        "Verdeelsleutel",
        keys,
        format_func=lambda k: load_key(k).label,
        key="plan_key",
        persist_state="page",
    )
    evenness = cols[2].select_slider(
        "Evenwichtigheid",
        PLAN_EVENNESS_STEPS,
        value=kept("plan_evenness", 1.0),
        format_func=_dutch(2),
        key="plan_evenness",
        persist_state="page",
        help="1 = zo dicht bij de sleutel als de geschikte locaties toelaten; 0 = alleen de "
        "beste locaties.",
    )
    spacing = float(
        cols[3].number_input(
            "Afstand (m)", 0, 20_000, 0, 250, key="plan_spacing", persist_state="page"
        )
    )
    options = PlanOptions(places=places, key=key, evenness=evenness, min_spacing_m=spacing)
    try:
        plan = plan_result(run.scenario.replace(plan=options), source, run.region, *uploads)
    except PlekwijzerError as exc:
        st.error(str(exc))
        return
    metrics = st.columns(3)
    metrics[0].metric(
        HEADLINE_LABEL,
        nlformat.number(plan.index_after, decimals=3),
        # Streamlit reads the arrow from an ASCII minus; lower is more even (green).
        nlformat.number(plan.index_after - plan.index_before, decimals=3, signed=True).replace(
            "−", "-"
        ),
        delta_color="inverse",
        help=f"Nu {nlformat.number(plan.index_before, decimals=3)}, over de gemeenten.",
    )
    metrics[1].metric(
        "Gemiddelde geschiktheid",
        nlformat.number(plan.mean_score, decimals=3),
        help="De beste locaties zonder sleutel: "
        + nlformat.number(plan.mean_score_best, decimals=3),
    )
    metrics[2].metric(
        "Geplande plaatsen",
        f"{nlformat.integer(plan.planned_places)} op {len(plan.site_ids)} locaties",
    )
    gap = "" if plan.status == "optimaal" else f", marge {nlformat.percent(plan.gap)}"
    st.caption(
        f"Sleutel: {plan.key_label}. Oplossing {plan.status}{gap} (PuLP/CBC). Eerlijk aandeel = "
        "sleutel × (bestaande + nieuwe plaatsen); doel = eerlijk aandeel − bestaand, nooit onder "
        "0. De lijst van beste locaties staat op het tabblad Shortlist."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Gemeente": g.naam,
                    "Sleutel": nlformat.percent(g.share, decimals=1),
                    "Bestaand": nlformat.integer(g.existing),
                    "Doel": nlformat.number(g.target),
                    "Gepland": nlformat.integer(g.planned),
                    "Tekort": nlformat.number(g.shortfall),
                    "Reden": g.reason or "",
                }
                for g in plan.gemeenten
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.image(
        frontier_chart(
            [(p.evenness, p.index_after, p.mean_score) for p in plan.frontier],
            chosen=(plan.evenness, plan.index_after, plan.mean_score),
            index_before=plan.index_before,
        ),
        caption="De prijs van evenwichtigheid: elk punt een plan bij evenwichtigheid 0 tot 1.",
    )  # fmt: skip


def compare_tab(
    run: ScenarioResult,
    source: DataSource,
    uploads: Uploads,
    names: dict[str, str],
) -> None:
    """Vergelijken: two gemeenten, the current weights and the defaults, or two saved files."""
    mode = st.radio(
        "Vergelijk", COMPARE_MODES, horizontal=True, key="compare_mode", persist_state="page"
    )
    if mode == "Twee gemeenten":
        compare_gemeenten(run, names)
        return
    if mode == "Huidig en standaardprofiel":
        # The profile as it is, on the same inputs: with nothing moved that is this very run.
        default = run.scenario.replace(
            weights=(), constraint_values=(), profile_spec=None, sensitivity=0
        )
        touched = run.scenario.weights or run.scenario.constraint_values
        default_run = (
            scenario_result(default, source, run.region, *uploads)
            if touched or run.scenario.profile_spec
            else run
        )
        show_comparison(
            run, default_run, ("Huidige gewichten", "Standaardprofiel"), source, uploads
        )
        return
    st.caption(
        "Open twee scenariobestanden (.scenario.json, gemaakt met 'Download scenario' of "
        "`plekwijzer score`). Elk scenario wordt opnieuw doorgerekend met de data van nu."
    )
    kept_files = compare_files(run.region)
    runs = []
    for col, side in zip(st.columns(2), "AB", strict=True):
        # A new key per "sluiten": the browser's uploader shows no file afterwards either.
        key = f"cmp_file_{side.lower()}_{st.session_state.get(COMPARE_CLEARED_KEY, 0)}"
        col.file_uploader(
            f"Scenario {side}", ["json"], key=key, on_change=keep_compare_file, args=(key, side)
        )
        if side not in kept_files:
            continue
        name, raw = kept_files[side]
        if st.session_state.get(key) is None:  # the tab was left: the uploader forgot it
            col.caption(f"Geopend: {name}")
        try:
            scenario = scenario_from_bytes(raw, source=name).scenario
            runs.append((name, saved_scenario_result(scenario, source, uploads)))
        except (PlekwijzerError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            col.error(f"{name}: geen bruikbaar scenario ({exc})")
            return
    if kept_files:
        st.button("Scenariobestanden sluiten", key="cmp_clear", on_click=forget_compare_files)
    if len(runs) < 2:
        st.info("Kies twee scenariobestanden om te vergelijken.")
        return
    (name_a, run_a), (name_b, run_b) = runs
    show_comparison(run_a, run_b, (name_a, name_b), source, uploads)


#: Session key of the Vergelijken tab's opened scenario files: ``(region, {side: Upload})``.
COMPARE_FILES_KEY = "_cmp_files"
#: Session key counting how often the files were closed (part of the uploaders' keys).
COMPARE_CLEARED_KEY = "_cmp_cleared"


def compare_files(region: Region) -> dict[str, Upload]:
    """Return the scenario files opened for comparison in this region, by side ("A", "B").

    ``st.file_uploader`` forgets its file when its tab is not drawn, so the files are kept
    here from its change callback. They belong to one region: another region starts empty.
    """
    held = st.session_state.get(COMPARE_FILES_KEY)
    if held is None or held[0] != region:
        st.session_state[COMPARE_FILES_KEY] = (region, {})
    files: dict[str, Upload] = st.session_state[COMPARE_FILES_KEY][1]
    return files


def keep_compare_file(key: str, side: str) -> None:
    """Keep the file chosen for ``side`` (the uploader's callback), or forget it when removed."""
    files = st.session_state[COMPARE_FILES_KEY][1]
    upload = st.session_state.get(key)
    if upload is None:  # removed with the uploader's ×
        files.pop(side, None)
    else:
        files[side] = (upload.name, upload.getvalue())


def forget_compare_files() -> None:
    """Close both scenario files (the button's callback)."""
    st.session_state[COMPARE_FILES_KEY][1].clear()
    st.session_state[COMPARE_CLEARED_KEY] = st.session_state.get(COMPARE_CLEARED_KEY, 0) + 1


def saved_scenario_result(scenario: Scenario, source: DataSource, uploads: Uploads) -> Any:
    """Run a scenario read from a file: on the app's cached data when it names none of its own.

    A scenario made in the app with uploaded files names them by content hash: it runs on
    the files uploaded now when they are the same ones, and says what to upload otherwise.
    A scenario naming its own files or data directory (the CLI's) loads those.
    """
    options = ("candidates", "facilities", "roads", "dwellings")
    named = [getattr(scenario, option) for option in options]
    current = [upload_label(upload) for upload in uploads]
    for value, now in zip(named, current, strict=True):
        if value and value.startswith("upload:") and value != now:
            file_name = value.removeprefix("upload:").split("#")[0]
            msg = (
                f"dit scenario gebruikte het geüploade bestand {file_name!r}; upload hetzelfde "
                "bestand onder 'Eigen bestanden' in de zijbalk"
            )
            raise PlekwijzerError(msg)
    own_files = any(value and not value.startswith("upload:") for value in named)
    own_data = scenario.data_dir is not None and Path(scenario.data_dir) != source.path
    if own_files or own_data or scenario.sensitive_osm:
        return file_scenario_result(scenario)
    region = resolve_region(scenario.region, gemeenten=scenario.gemeenten or None)
    used = tuple(upload if value else None for upload, value in zip(uploads, named, strict=True))
    return scenario_result(scenario, source, region, *used)


@st.cache_resource(show_spinner="Scenario doorrekenen…", max_entries=8)
def file_scenario_result(scenario: Scenario) -> ScenarioResult:
    """Run a scenario on the files and data directory it names (as the CLI would)."""
    return run_scenario(scenario)


def compare_gemeenten(run: ScenarioResult, names: dict[str, str]) -> None:
    """Two gemeenten side by side: inhabitants, places now, fair share, candidates."""
    codes = sorted(names, key=names.__getitem__)
    if len(codes) < 2:  # the same gemeente twice says nothing
        st.info("Deze regio heeft één gemeente: kies onder Regio meer gemeenten om er twee te "
                "vergelijken, of vergelijk het huidige en het standaardprofiel.")  # fmt: skip
        return
    units = run.spread_at("gemeente").before.units.set_index("code")
    pairs = zip(st.columns(2), (0, min(1, len(codes) - 1)), "ab", strict=True)
    for col, default, side in pairs:
        code = col.selectbox(
            "Gemeente",
            codes,
            index=default,
            format_func=names.__getitem__,
            key=f"cmp_gm_{side}",
            persist_state="page",
        )
        if code is None:
            continue
        unit = units.loc[code]
        sites = run.table[run.table["gemeentecode"] == code]
        col.subheader(names[code])
        col.metric("Inwoners", nlformat.integer(unit["inhabitants"]))
        col.metric("Plaatsen per 10.000 — nu", nlformat.number(unit["per_10k"]))
        surplus = nlformat.number(unit["surplus"], signed=True).replace("−", "-")
        col.metric(
            "Plaatsen t.o.v. eerlijk deel — nu",
            nlformat.integer(unit["places"]),
            f"{surplus} (eerlijk deel {nlformat.number(unit['fair_share'])})",
            delta_color="off",
        )
        col.metric("Draagkracht", nlformat.number(unit["draagkracht"], decimals=2))
        col.metric(
            "Kandidaten geschikt / shortlist",
            f"{int((~sites['excluded']).sum())} / {int(sites['shortlisted'].sum())}",
        )


def show_comparison(
    a: ScenarioResult,
    b: ScenarioResult,
    titles: tuple[str, str],
    source: DataSource,
    uploads: Uploads,
) -> None:
    """Show two runs: their settings, the indices, per gemeente, the shortlists and a map."""
    compared = compare_runs(a, b)
    st.metric("Gedeelde shortlistlocaties", f"{compared.shared} van {len(a.shortlist)}")
    for col, side, title, result in zip(st.columns(2), "AB", titles, (a, b), strict=True):
        col.markdown(f"**{side}: {title}**")
        labels = result.profile.labels
        options = result.scenario.shortlist
        evenness = (
            f", gelijkmatige spreiding {nlformat.number(options.evenness_weight, decimals=1)}"
            if options.evenness_weight
            else ""
        )
        col.caption(
            f"{result.region.title} · {result.profile.title} · top {options.top_n}, minimaal "
            f"{nlformat.distance(options.min_spacing_m)} uit elkaar{evenness} · gewichten: "
            + ", ".join(
                f"{labels.get(k, k)} {nlformat.percent(v)}"
                for k, v in result.scoring.weights.items()
            )
        )
    index_table, gemeente_table, site_table = presentation.comparison_tables(
        compared.indices, compared.gemeenten, compared.sites, INDEX_LABELS
    )
    st.markdown("**Gelijkmatigheid van de spreiding** (lager is gelijkmatiger)")
    st.dataframe(index_table, hide_index=True, width="stretch")
    st.markdown("**Per gemeente** — nu en met de shortlist van A en van B")
    st.dataframe(gemeente_table, hide_index=True, width="stretch")
    st.markdown("**Shortlists** — welke locaties staan op welke lijst")
    st.dataframe(site_table, hide_index=True, width="stretch")
    st.markdown("**Kaart van beide shortlists**")
    regions = {a.region.name: a.region, b.region.name: b.region}
    shapes = pd.concat(
        [unit_shapes(source, region, "gemeente", *uploads) for region in regions.values()]
    )
    fmap = mapview.base_map(shapes.total_bounds, tiles=False)
    folium.GeoJson(
        shapes[["geometry"]],
        style_function=lambda _: {"color": "#263238", "weight": 1.5, "fillOpacity": 0.0},
        interactive=False,
    ).add_to(fmap)
    for region in regions.values():
        mapview.add_place_labels(fmap, place_labels(source, region, *uploads))
    sites = compared.sites.to_crs("EPSG:4326")
    for site_id, site in sites.iterrows():
        colour = COMPARE_COLOURS[site["in"]]
        numbers = " · ".join(
            f"{side} #{int(site[f'{side.lower()}_number'])}"
            for side in "AB"
            if pd.notna(site[f"{side.lower()}_number"])
        )
        folium.CircleMarker(
            [site.geometry.y, site.geometry.x],
            radius=7,
            color="#000",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.95,
            tooltip=f"{site_id} · {site['name']} ({numbers})",
        ).add_to(fmap)
    mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
    st_folium(fmap, height=460, width=None, key="vergelijkkaart", returned_objects=[])
    legend(
        [(COMPARE_COLOURS[k], f"op de shortlist van {k.removeprefix('alleen ')}") for k in
         (ONLY_A, ONLY_B)] + [(COMPARE_COLOURS[IN_BOTH], "op beide shortlists")],
        "Shortlists",
    )  # fmt: skip


#: Site colours on the comparison map by membership (ColorBrewer Set1-like, colour-blind safe
#: pair blue/orange, both in purple).
COMPARE_COLOURS = {ONLY_A: "#1f78b4", ONLY_B: "#ff7f00", IN_BOTH: "#6a3d9a"}


if __name__ == "__main__":
    main()
