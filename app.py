"""Plekwijzer — de interactieve kaart (Streamlit).

A thin view: the widgets become a :class:`criteria.scenario.Scenario`,
:func:`criteria.run.run_scenario` computes every figure (the same function the CLI calls),
and :mod:`geo.mapview` draws. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from criteria.profiles import Profile, list_profiles, load_profile
from criteria.run import ScenarioResult, run_scenario
from criteria.scenario import CoverageOptions, Scenario, ShortlistOptions
from criteria.weights import MAX_CONSISTENCY_RATIO, ahp_weights
from geo import mapdata, mapview, nlformat, presentation
from geo._errors import PlekwijzerError
from geo.datadir import DataSource, resolve_data_dir
from geo.facilities import public_view
from geo.labels import OPERATOR_LABELS as OPERATORS
from geo.labels import feature_label
from geo.neighbourhoods import kerncijfers_from_cbs
from geo.regions import Region, available_regions, load_region_presets, resolve_region
from geo.settings import DATA_DIR_ENV, FACILITY_TYPES
from geo.spread_report import units_for_level
from geo.workspace import RegionData, load_region_data

st.set_page_config(page_title="Plekwijzer", page_icon="🏠", layout="wide")
# Streamlit serves a declared component's directory at /component/<module>.<name>/; the map
# iframe lives at /component/streamlit_folium.st_folium/, so a relative URL reaches Leaflet
# without a CDN and independent of the server's base path.
components.declare_component("leaflet_assets", path=str(mapview.leaflet_asset_dir()))
LEAFLET_URL = f"../{Path(__file__).stem}.leaflet_assets"
# The Kaart tab's map: compact payloads drawn on a Leaflet canvas (geo/map_frontend).
site_map = components.declare_component("plekwijzer_map", path=str(mapview.frontend_dir()))
LEVELS = {"gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
INDICES = {"gini": "Gini", "gini_pop_weighted": "Gini (inwonergewogen)", "theil": "Theil"}
INDICES |= {"hoover": "Hoover"}
#: Largest upload the app reads: above this the CLI is the way (it streams from disk).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Most sites the site chooser lists (the best ones); the map reaches every site.
MAX_CHOOSER = 1_000
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


def read_upload(upload: Any) -> Upload | None:
    """Return an upload as ``(file name, bytes)``, refusing files too big for the app."""
    if upload is None:
        return None
    data = upload.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        msg = (
            f"{upload.name}: {len(data) / 2**20:.0f} MiB is more than the app reads "
            f"({MAX_UPLOAD_BYTES // 2**20} MiB); use the command line (plekwijzer score)"
        )
        raise PlekwijzerError(msg)
    return Path(upload.name).name, data


def upload_label(upload: Upload | None) -> str | None:
    """Name an upload in the scenario by file name and content hash, never by a path."""
    if upload is None:
        return None
    return f"upload:{upload[0]}#sha256:{hashlib.sha256(upload[1]).hexdigest()[:16]}"


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


@st.cache_resource(show_spinner="Berekenen…", max_entries=64)
def scenario_result(
    scenario: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> ScenarioResult:
    """Run a scenario on the cached region; shared between sessions, never mutated."""
    return run_scenario(scenario, data=region_data(source, region, *uploads)["data"])


@st.cache_resource(show_spinner=False, max_entries=8)
def report_pdf(
    scenario: Scenario, source: DataSource, region: Region, *uploads: Upload | None
) -> bytes:
    """Return the council report of a scenario as PDF, made once per scenario."""
    from criteria.council import council_pdf  # WeasyPrint loads only when a report is asked

    return council_pdf(scenario_result(scenario, source, region, *uploads))


def restore(scenario: Scenario, source: DataSource) -> None:
    """Set every control from an opened scenario (before the controls are drawn)."""
    state = st.session_state
    if scenario.region is not None:
        state["region_mode"], state["region"] = "Voorinstelling", scenario.region
    else:
        state["region_mode"], state["gemeenten"] = "Eigen keuze gemeenten", list(scenario.gemeenten)
    profile = load_profile(scenario.profile)
    state["profile"] = profile.name
    weights = profile.weights.to_dict() | dict(scenario.weights)
    for name, weight in weights.items():
        state[f"w_{profile.name}_{name}"] = round(float(weight), 2)
    for i, constraint in enumerate(profile.constraints):
        values = dict(scenario.constraint_values).get(constraint.name)
        for j, clause in enumerate(constraint.clauses):
            value = clause.value if values is None else values[j]
            state[f"c_{profile.name}_{i}_{j}"] = (
                list(value) if isinstance(value, tuple | list) else float(value)
            )
    options = scenario.shortlist
    state["top_n"], state["spacing"] = options.top_n, int(options.min_spacing_m)
    state["per_buurt"], state["per_gemeente"] = (
        options.max_per_buurt or 0,
        options.max_per_gemeente or 0,
    )
    state["evenness"] = options.evenness_weight
    state["sensitivity"] = scenario.sensitivity
    if scenario.candidates or scenario.facilities:
        state["_restore_note"] = (
            "Het scenario gebruikte eigen bestanden; upload dezelfde kandidatenlijst en "
            "hetzelfde register onder 'Eigen bestanden'."
        )
    if source.synthetic and scenario.region not in (None, "demo"):
        state["_restore_note"] = "Dit scenario hoort bij echte data; de app draait op de demo."


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
        scenario = Scenario.from_dict(json.loads(upload.getvalue()), source=upload.name)
        restore(scenario, source)
    except (PlekwijzerError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        st.sidebar.error(f"{upload.name}: geen bruikbaar scenario ({exc})")
        return
    st.rerun()


def pick_region(source: DataSource) -> Region:
    """Sidebar: a preset available in the data directory, or an own choice of gemeenten."""
    presets = available_regions(source) or list(load_region_presets().values())
    modes = ["Voorinstelling", "Eigen keuze gemeenten"]
    mode = st.sidebar.radio("Regio", modes, horizontal=True, key="region_mode")
    if mode == "Voorinstelling":
        titles = {r.name: r.title for r in presets}
        name = st.sidebar.selectbox(
            "Regio-voorinstelling", list(titles), format_func=titles.get, key="region"
        )
        return next(r for r in presets if r.name == name)
    names = gemeente_names(source)
    # Start the own choice from the preset shown last.
    last = next((r for r in presets if r.name == st.session_state.get("region")), presets[0])
    chosen = st.sidebar.multiselect(
        "Gemeenten",
        sorted(names, key=names.get),
        default=None if "gemeenten" in st.session_state else list(last.gemeenten),
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="gemeenten",
    )
    if not chosen:
        st.sidebar.warning("Kies minstens één gemeente.")
        st.stop()
    return resolve_region(gemeenten=chosen)


def tune_profile(profile: Profile, features: pd.DataFrame) -> dict[str, Any]:
    """Sidebar: weight sliders and constraint values; return the scenario's overrides."""
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
            weights[crit.name] = st.slider(
                crit.label,
                0.0,
                1.0,
                None if key in st.session_state else round(float(defaults.get(crit.name, 0)), 2),
                0.05,
                key=key,
                help=crit.help,
            )
    changed: dict[str, tuple[Any, ...]] = {}
    with st.sidebar.expander("Harde eisen"):
        for i, constraint in enumerate(profile.constraints):
            st.caption(f"**{constraint.label}** — {constraint.help}")
            values = []
            for j, clause in enumerate(constraint.clauses):
                key = f"c_{profile.name}_{i}_{j}"
                label = f"{feature_label(clause.feature)} {OPERATORS.get(clause.op, clause.op)}"
                if isinstance(clause.value, tuple | list):
                    seen = features[clause.feature].dropna().astype(str).unique().tolist()
                    options = sorted(set(clause.value) | set(seen))
                    default = None if key in st.session_state else list(clause.value)
                    values.append(tuple(st.multiselect(label, options, default=default, key=key)))
                else:
                    default = None if key in st.session_state else float(clause.value)
                    values.append(st.number_input(label, value=default, step=10.0, key=key))
            original = tuple(
                tuple(c.value) if isinstance(c.value, tuple | list) else float(c.value)
                for c in constraint.clauses
            )
            if tuple(values) != original:
                changed[constraint.name] = tuple(values)
    return {"weights": tuple(weights.items()), "constraint_values": tuple(changed.items())}


SAATY = (1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 7.0, 9.0)


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
            start = min(SAATY, key=lambda v, r=ratio: abs(np.log(v) - np.log(max(r, 1e-9))))
            pairs[(a, b)] = st.select_slider(
                f"{labels[a]} ↔ {labels[b]}",
                SAATY,
                value=start,
                format_func=_saaty_label,
                key=f"ahp_{profile.name}_{a}_{b}",
            )
    result = ahp_weights(names, pairs, max_consistency_ratio=float("inf"))
    ratio = nlformat.number(result.consistency_ratio, decimals=3)
    if result.consistency_ratio > MAX_CONSISTENCY_RATIO:
        worst = " ↔ ".join(labels[n] for n in result.worst_pair or ())
        st.error(
            f"Consistentieratio {ratio} is hoger dan 0,1: pas eerst het oordeel {worst} aan. "
            "Tot dan gelden de standaardgewichten."
        )
        return {}
    st.success(f"Consistentieratio {ratio} (≤ 0,1: consistent).")
    return {name: round(float(w), 4) for name, w in result.weights.items()}


def shortlist_options(container: Any) -> ShortlistOptions:
    """Shortlist controls (drawn in the Shortlist tab)."""
    cols = container.columns(5)
    top_n = cols[0].number_input("Aantal (top N)", 1, 100, 10, key="top_n")
    spacing = cols[1].number_input("Minimale afstand (m)", 0, 20_000, 1_000, 250, key="spacing")
    per_buurt = cols[2].number_input("Max per buurt (0 = geen)", 0, 50, 1, key="per_buurt")
    per_gm = cols[3].number_input("Max per gemeente (0 = geen)", 0, 50, 0, key="per_gemeente")
    evenness = cols[4].slider(
        "Gelijkmatige spreiding",
        0.0,
        1.0,
        0.0,
        0.1,
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
    st.bar_chart(
        frame.set_index("criterium")[["bijdrage_getal"]].rename(
            columns={"bijdrage_getal": "bijdrage"}
        ),
        horizontal=True,
        height=220,
    )
    st.dataframe(frame.drop(columns="bijdrage_getal"), hide_index=True, width="stretch")


def spread_metrics(report: dict[str, Any]) -> None:
    """Show the indices as metrics, with the before/after delta when the report has one."""
    cols = st.columns(len(INDICES))
    delta = report.get("delta", {}).get("indices", {})
    for col, (key, label) in zip(cols, INDICES.items(), strict=True):
        if key in delta:
            change = delta[key]
            col.metric(
                label,
                nlformat.number(change["after"], decimals=3),
                # Streamlit picks the arrow from a leading ASCII "-", not the minus sign.
                nlformat.number(change["delta"], decimals=3, signed=True).replace("−", "-"),
                delta_color="inverse",
                help=f"voor: {nlformat.number(change['before'], decimals=3)}",
            )
        else:
            col.metric(label, nlformat.number(report["indices"][key], decimals=3))


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
    open_scenario(source)
    if note := st.session_state.pop("_restore_note", None):
        st.sidebar.info(note)
    region = pick_region(source)
    titles = {name: load_profile(name).title for name in list_profiles()}
    profile_name = st.sidebar.selectbox(
        "Voorziening (profiel)", list(titles), format_func=titles.get, key="profile"
    )
    with st.sidebar.expander("Eigen bestanden"):
        types = ["csv", "geojson", "json", "gpkg"]
        cand_file = st.file_uploader("Kandidatenlijst (vastgoed)", types, key="up_cand")
        fac_file = st.file_uploader("Register voorzieningen", types, key="up_fac")
        roads_file = st.file_uploader(
            "Wegen (OSM, voor loopafstanden)", ["gpkg", "geojson", "osm"], key="up_roads"
        )
        dwellings_file = st.file_uploader(
            "Adrespunten (BAG, voor gemeten afstand tot woningen)", types, key="up_dwell"
        )
    header = st.container()  # title and summary, filled once the scenario has run
    tab_map, tab_short, tab_spread, tab_reach, tab_compare = st.tabs(
        ["Kaart", "Shortlist", "Spreiding", "Bereik", "Vergelijken"]
    )
    options_box = tab_short.container()
    started = time.perf_counter()
    try:
        uploads = tuple(read_upload(f) for f in (cand_file, fac_file, roads_file, dwellings_file))
        loaded = region_data(source, region, *uploads)
        overrides = tune_profile(load_profile(profile_name), loaded["data"].features)
        scenario = Scenario(
            profile=profile_name,
            region=None if region.name == "custom" else region.name,
            gemeenten=region.gemeenten if region.name == "custom" else (),
            shortlist=shortlist_options(options_box),
            sensitivity=int(
                options_box.number_input(
                    "Robuustheid: aantal gewichtstrekkingen (0 = uit)",
                    0,
                    5000,
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
    header.title(f"Plekwijzer — {region.title}")
    header.caption(
        f"{len(data.buurten)} buurten · {len(data.candidates)} kandidaatlocaties · "
        f"{len(data.facilities)} bestaande voorzieningen · profiel {result.profile.title}"
    )
    for warning in result.scoring.warnings:
        header.warning(warning)
    for note in data.notes:
        header.info(note)
    with tab_map:
        map_tab(result, loaded, names, started)
        zoekgebieden_layer(result, source)
    with tab_short:
        shortlist_tab(result, names, source, uploads)
    with tab_spread:
        spread_tab(result, source, uploads)
    with tab_reach:
        reach_tab(result, source, uploads)
    with tab_compare:
        compare_tab(result, source, uploads, names)


def map_layers(data: RegionData) -> dict[str, Any]:
    """Return the region's map layers, simplified once (:func:`region_data` caches them).

    A weight change redraws only the sites; buurten, outlines and the register stay as built.
    """
    shaped = data.buurten[data.buurten.geometry.notna()]
    outlines = shaped.dissolve("gemeentecode").reset_index()[["gemeentecode", "geometry"]]
    return {
        "areas": mapdata.AreaShapes.from_layer(data.buurten),
        "outlines": mapdata.AreaShapes.from_layer(outlines, tolerance_m=50.0, close_gaps_m=25.0),
        "facilities": mapdata.facility_payload(public_view(data.facilities), data.buurten),
    }


def _site_status(score: float, *, excluded: bool) -> str:
    return "uitgesloten" if excluded else "score " + nlformat.number(score, decimals=2)


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
    from criteria.scenario import profile_spec_json
    from geo.surface import score_overlay
    from geo.zoekgebieden import AreaOptions, surface_zoekgebieden, zoekgebieden_geojson

    with st.expander("Zoekgebieden: geschiktheid per cel, zonder inventaris"):
        names = dict(
            zip(run.data.buurten["gemeentecode"], run.data.buurten["gemeentenaam"], strict=False)
        )
        cols = st.columns(5)
        gemeente = cols[0].selectbox(
            "Gemeente van de zoekgebieden", sorted(names), format_func=names.get, key="zg_gm"
        )
        cell_m = cols[1].selectbox("Cel (m)", [100, 50, 25], index=1, key="zg_cel")
        min_score = cols[2].slider("Score minstens", 0.0, 1.0, 0.6, 0.05, key="zg_score")
        min_area = cols[3].number_input(
            "Oppervlak minstens (m²)", 0, 10**7, 5000, 1000, key="zg_m2"
        )
        top = int(cols[4].number_input("Beste K", 1, 50, 8, key="zg_top"))
        if not st.toggle("Zoekgebieden berekenen en tonen", key="zg_aan"):
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
                key, gemeente, profile_spec_json(run.profile), float(cell_m), run.data
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
    cols = st.columns([2, 1, 1])
    layer = cols[0].selectbox(
        "Kleurvlak buurten", list(layers), format_func=layers.get, key="choropleth"
    )
    tiles = cols[1].toggle("PDOK-achtergrondkaart", value=True, key="tiles")
    show_facilities = cols[2].toggle("Bestaande voorzieningen", value=True, key="show_fac")
    table = run.table
    # A click arrives as the map's value before the map is drawn again: select the site
    # first, so the map rings it and the chooser shows it in this same run.
    click = st.session_state.get("kaart") or {}
    if click and click != st.session_state.get("_last_click"):
        st.session_state["_last_click"] = click
        if str(click.get("id")) in table.index:
            st.session_state["site"] = str(click["id"])
    if st.session_state.get("site") not in table.index:
        st.session_state.pop("site", None)
    # The chooser lists the best sites (a list of 20,000 helps nobody and costs a second on
    # every rerun); any other site is chosen by a click on the map and added.
    ids = list(table.sort_values(["excluded", "rank"]).index[:MAX_CHOOSER])
    selected = st.session_state.get("site", ids[0] if ids else None)
    if selected is not None and selected not in ids:
        ids.append(selected)
    areas: mapdata.AreaShapes = loaded["areas"]
    sites = mapdata.site_payload(table)
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
        if layer:
            legend(
                mapview.legend_items(areas.attributes[layer], layer), mapview.CHOROPLETHS[layer][0]
            )
        legend(mapview.score_legend(sites.span), "Score locatie")
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
            key="site",
            format_func=labels.get,
        )
        show_explanation(run, chosen, names)


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
    eligible = int((~run.table["excluded"]).sum())
    gini = run.spread["delta"]["indices"]["gini"]
    before, after = (nlformat.number(gini[k], decimals=3) for k in ("before", "after"))
    st.caption(
        f"{eligible} van {len(run.table)} kandidaten voldoen aan de harde eisen. Gini van "
        f"plaatsen per 10.000 over gemeenten: nu {before}, met deze shortlist {after}."
    )
    if run.sensitivity is not None:
        mc = run.sensitivity["monte_carlo"]
        text = (
            f"Robuustheid ({mc['n']} gewichtstrekkingen, ±20%): de nummer 1 blijft eerste in "
            f"{nlformat.percent(mc['top_site_share'])} van de trekkingen; gemiddelde "
            f"rangcorrelatie {nlformat.number(mc['mean_spearman'], decimals=2)}."
        )
        if flip := run.sensitivity["smallest_flip"]["smallest"]:
            label = run.profile.labels.get(flip["criterion"], flip["criterion"])
            text += (
                f" Kleinste gewichtswijziging die de nummer 1 verdringt: {label} van "
                f"{nlformat.number(flip['weight'], decimals=2)} naar "
                f"{nlformat.number(flip['critical_weight'], decimals=2)}."
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
    """Spreiding: per unit, the indices and Lorenz curve, before/after the shortlist."""
    cols = st.columns(3)
    level = cols[0].radio(
        "Niveau", list(LEVELS), format_func=LEVELS.get, horizontal=True, key="level"
    )
    kind = cols[1].selectbox(
        "Type voorziening",
        ["", *FACILITY_TYPES],
        format_func=lambda t: t or "alle typen",
        key="spread_type",
    )
    with_short = cols[2].toggle("Met huidige shortlist (voor/na)", value=True, key="with_short")
    try:
        report = run.spread_at(level, facility_type=kind or None)
    except PlekwijzerError as exc:
        st.error(str(exc))
        return
    if with_short and report["added"]:
        shown = report["after"]
        st.caption(
            f"Na: bestaand register plus {report['added']} shortlistlocaties "
            f"({run.profile.title}); delta t.o.v. nu."
        )
    else:
        report = shown = {k: v for k, v in report.items() if k not in ("after", "delta")}
    spread_metrics(report)
    units = shown["units"]
    left, right = st.columns([3, 2])
    with left:
        shapes = unit_shapes(source, run.region, level, *uploads).join(
            units.set_index("code")[["per_10k", "fair_share", "surplus"]], on="code"
        )
        fmap = mapview.base_map(shapes.total_bounds, tiles=False)
        mapview.add_choropleth(
            fmap,
            shapes,
            column="per_10k",
            tooltip_columns={
                "per_10k": "Plaatsen per 10.000",
                "surplus": "Boven/onder eerlijk deel",
            },
        )
        mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
        st_folium(fmap, height=420, width=None, key="spreidingskaart", returned_objects=[])
        legend(mapview.legend_items(shapes["per_10k"], "per_10k"), "Plaatsen per 10.000")
    with right:
        curve = pd.DataFrame(shown["lorenz"], columns=["aandeel inwoners", "Lorenz"])
        curve["gelijke spreiding"] = curve["aandeel inwoners"]
        st.line_chart(curve.set_index("aandeel inwoners"), height=300)
        access = shown["access"]
        st.metric(
            f"Inwoners binnen {access['within_m'] / 1000:.0f} km van een voorziening",
            f"{access['share_within']:.0%}",
        )
    st.dataframe(presentation.unit_table(units), hide_index=True, width="stretch")


def reach_tab(run: ScenarioResult, source: DataSource, uploads: Uploads) -> None:
    """Bereik: how many new places, and where, so that every inhabited buurt has one in reach."""
    cols = st.columns([2, 2, 1])
    reach_km = cols[0].slider("Bereik (km, hemelsbreed)", 1.0, 15.0, 3.0, 0.5, key="reach_km")
    mode = cols[1].radio("Doel", ["Alle kernen", "N plekken"], horizontal=True, key="reach_mode")
    sites = None
    if mode == "N plekken":
        sites = int(cols[2].number_input("N", 1, 50, 5, key="reach_sites"))
    options = CoverageOptions(reach_m=reach_km * 1000, sites=sites)
    try:
        plan = scenario_result(
            run.scenario.replace(coverage=options), source, run.region, *uploads
        ).coverage
    except PlekwijzerError as exc:
        st.error(str(exc))
        return
    assert plan is not None  # the scenario asks for coverage
    cover = plan.result
    metrics = st.columns(3)
    metrics[0].metric("Nieuwe plekken", len(cover.sites), help=f"naast {cover.existing} bestaande")
    metrics[1].metric(
        "Inwoners binnen bereik nu", nlformat.percent(cover.covered_before, decimals=1)
    )
    metrics[2].metric(
        "Met deze plekken",
        nlformat.percent(cover.covered_after, decimals=1),
        nlformat.number((cover.covered_after - cover.covered_before) * 100, signed=True).replace(
            "−", "-"
        )
        + " procentpunt",
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
    mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
    st_folium(fmap, height=480, width=None, key="bereikkaart", returned_objects=[])
    legend(
        [("#1565c0", "nieuwe plek"), ("#9e9e9e", "bestaand"), ("#b71c1c", "buurt buiten bereik")],
        "Bereik",
    )


def compare_tab(
    run: ScenarioResult,
    source: DataSource,
    uploads: Uploads,
    names: dict[str, str],
) -> None:
    """Vergelijken: two gemeenten, or the current weights against the profile defaults."""
    mode = st.radio(
        "Vergelijk", ["Twee gemeenten", "Twee scenario's"], horizontal=True, key="compare_mode"
    )
    if mode == "Twee gemeenten":
        codes = sorted(names, key=names.get)
        units = run.spread_at("gemeente")["units"].set_index("code")
        pairs = zip(st.columns(2), (0, min(1, len(codes) - 1)), "ab", strict=True)
        for col, default, side in pairs:
            code = col.selectbox(
                "Gemeente", codes, index=default, format_func=names.get, key=f"cmp_gm_{side}"
            )
            unit = units.loc[code]
            sites = run.table[run.table["gemeentecode"] == code]
            col.subheader(names[code])
            col.metric("Inwoners", nlformat.integer(unit["inhabitants"]))
            col.metric("Plaatsen per 10.000", nlformat.number(unit["per_10k"]))
            surplus = nlformat.number(unit["surplus"], signed=True).replace("−", "-")
            col.metric(
                "Plaatsen t.o.v. eerlijk deel",
                nlformat.integer(unit["places"]),
                f"{surplus} (eerlijk deel {nlformat.number(unit['fair_share'])})",
                delta_color="off",
            )
            col.metric("Draagkracht", nlformat.number(unit["draagkracht"], decimals=2))
            col.metric(
                "Kandidaten geschikt / shortlist",
                f"{int((~sites['excluded']).sum())} / {int(sites['shortlisted'].sum())}",
            )
        return
    default = run.scenario.replace(weights=(), constraint_values=())
    default_run = scenario_result(default, source, run.region, *uploads)
    shared = set(run.shortlist["id"]) & set(default_run.shortlist["id"])
    st.metric("Gedeelde shortlistlocaties", f"{len(shared)} van {len(run.shortlist)}")
    for col, (title, scenario) in zip(
        st.columns(2), (("Huidige gewichten", run), ("Standaard profiel", default_run)), strict=True
    ):
        col.subheader(title)
        labels = scenario.profile.labels
        col.caption(
            ", ".join(
                f"{labels.get(k, k)} {nlformat.percent(v)}"
                for k, v in scenario.scoring.weights.items()
            )
        )
        short = scenario.shortlist
        col.dataframe(
            pd.DataFrame(
                {
                    "rang": short["rank"].astype(int),
                    "id": short["id"],
                    "naam": short["name"],
                    "score": [nlformat.number(s, decimals=3) for s in short["score"]],
                }
            ),
            hide_index=True,
            width="stretch",
        )


if __name__ == "__main__":
    main()
