"""Plekwijzer — de interactieve kaart (Streamlit).

A thin view over :mod:`geo` and :mod:`criteria`: it loads a region once (cached), rescored on
every change, and draws with :mod:`geo.mapview`. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from criteria._errors import ProfileError
from criteria.profiles import Profile, list_profiles, load_profile, profile_from_dict
from criteria.run import ScoringRun, ShortlistOptions, run_scoring, scenario_dict
from geo import mapview
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource, resolve_data_dir
from geo.facilities import public_view
from geo.neighbourhoods import kerncijfers_from_cbs
from geo.regions import Region, available_regions, load_region_presets, resolve_region
from geo.settings import DATA_DIR_ENV, FACILITY_TYPES
from geo.spread_report import facilities_from_sites, scenario_report, spread_report, units_for_level
from geo.workspace import RegionData, load_region_data

st.set_page_config(page_title="Plekwijzer", page_icon="🏠", layout="wide")
# Streamlit serves a declared component's directory at /component/<module>.<name>/; the map
# iframe lives at /component/streamlit_folium.st_folium/, so a relative URL reaches Leaflet
# without a CDN and independent of the server's base path.
components.declare_component("leaflet_assets", path=str(mapview.leaflet_asset_dir()))
LEAFLET_URL = f"../{Path(__file__).stem}.leaflet_assets"
LEVELS = {"gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
INDICES = {
    "gini": "Gini",
    "gini_pop_weighted": "Gini (inwonergewogen)",
    "theil": "Theil",
    "hoover": "Hoover",
}
USER_ERRORS = (PlekwijzerInputError, ProfileError)


@st.cache_resource(show_spinner=False)
def data_source(env_value: str | None) -> DataSource:  # noqa: ARG001 - the cache key only
    """Resolve the data directory, cached per value of ``$PLEKWIJZER_DATA``."""
    return resolve_data_dir(None)


@st.cache_resource(show_spinner=False)
def gemeente_names(source: DataSource) -> dict[str, str]:
    """Return ``{GM code: name}`` of every gemeente in the data directory."""
    table = kerncijfers_from_cbs(source)
    rows = table[table["level"] == "gemeente"]
    return dict(zip(rows["gemeentecode"], rows["name"], strict=True))


def upload_path(upload: Any) -> str | None:
    """Write an upload once to a temp file named by its content hash; return the path."""
    if upload is None:
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / "plekwijzer_uploads" / f"{digest}_{Path(upload.name).name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return str(path)


@st.cache_resource(show_spinner="Regio laden…", max_entries=8)
def region_data(
    source: DataSource, region: Region, cand: str | None, fac: str | None
) -> dict[str, Any]:
    """Load a region and its display layers once per (data, region, uploads).

    Uploads are passed as paths named by their content hash, so new content is a new key.
    An own choice of gemeenten within one preset, without uploads, is that preset's data cut
    to the chosen gemeenten (draagkracht stays scaled over the preset's buurten).
    """
    data = None
    if region.name == "custom" and not (cand or fac):
        chosen = set(region.gemeenten)
        home = next((p for p in load_region_presets().values() if chosen <= set(p.gemeenten)), None)
        if home is not None:
            data = subset(region_data(source, home, None, None)["data"], region)
    if data is None:
        data = load_region_data(region, source, candidates_path=cand, facilities_path=fac)
    shown = mapview.display_layer(data.buurten)
    gemeenten_rd = data.buurten[data.buurten.geometry.notna()].dissolve("gemeentecode")
    outlines = mapview.display_layer(
        gemeenten_rd.reset_index()[["gemeentecode", "geometry"]],
        tolerance_m=50.0,
        close_gaps_m=25.0,
    )
    public = public_view(data.facilities).to_crs("EPSG:4326")
    return {
        "data": data,
        "buurten": shown,
        "outlines": outlines,
        "public": public,
        "bounds": shown.total_bounds,
    }


def subset(data: RegionData, region: Region) -> RegionData:
    """Cut a loaded region to the gemeenten of ``region``."""

    def keep(frame: Any) -> Any:
        return frame[frame["gemeentecode"].isin(region.gemeenten).to_numpy()]

    return dataclasses.replace(
        data,
        region=region,
        buurten=keep(data.buurten),
        features=keep(data.features),
        candidates=data.candidates.loc[keep(data.features).index],
        facilities=keep(data.facilities),
    )


def pick_region(source: DataSource) -> Region:
    """Sidebar: a preset available in the data directory, or an own choice of gemeenten."""
    presets = available_regions(source) or list(load_region_presets().values())
    mode = st.sidebar.radio("Regio", ["Voorinstelling", "Eigen keuze gemeenten"], horizontal=True)
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
        default=list(last.gemeenten),
        format_func=lambda c: f"{names[c]} ({c})",
        key="gemeenten",
    )
    if not chosen:
        st.sidebar.warning("Kies minstens één gemeente.")
        st.stop()
    return resolve_region(gemeenten=chosen)


def tune_profile(profile: Profile, features: pd.DataFrame) -> tuple[Profile, dict[str, float]]:
    """Sidebar: weight sliders and constraint parameters; return the tuned profile and weights."""
    defaults = profile.weights
    weights = {}
    with st.sidebar.expander("Gewichten", expanded=True):
        for crit in profile.criteria:
            weights[crit.name] = st.slider(
                crit.name.replace("_", " "),
                0.0,
                1.0,
                round(float(defaults.get(crit.name, 0)), 2),
                0.05,
                key=f"w_{profile.name}_{crit.name}",
                help=crit.rationale,
            )
    spec = profile.to_dict()
    with st.sidebar.expander("Harde eisen"):
        for i, (constraint, raw) in enumerate(
            zip(profile.constraints, spec.get("constraint", []), strict=True)
        ):
            st.caption(f"**{constraint.name}** — {constraint.rationale}")
            clauses = raw.get("any_of") or [raw]
            for j, clause in enumerate(clauses):
                key = f"c_{profile.name}_{i}_{j}"
                label = f"{clause['feature']} {clause['op']}"
                if isinstance(clause["value"], list):
                    seen = features[clause["feature"]].dropna().astype(str).unique().tolist()
                    options = sorted(set(clause["value"]) | set(seen))
                    clause["value"] = st.multiselect(
                        label, options, default=clause["value"], key=key
                    )
                elif isinstance(clause["value"], int | float):
                    clause["value"] = st.number_input(
                        label, value=float(clause["value"]), step=10.0, key=key
                    )
    return profile_from_dict(spec, source=profile.source), weights


def shortlist_options() -> ShortlistOptions:
    """Shortlist controls (drawn in the Shortlist tab)."""
    cols = st.columns(4)
    top_n = cols[0].number_input("Aantal (top N)", 1, 100, 10, key="top_n")
    spacing = cols[1].number_input("Minimale afstand (m)", 0, 20_000, 1_000, 250, key="spacing")
    per_buurt = cols[2].number_input("Max per buurt (0 = geen)", 0, 50, 1, key="per_buurt")
    per_gm = cols[3].number_input("Max per gemeente (0 = geen)", 0, 50, 0, key="per_gemeente")
    return ShortlistOptions(
        top_n=int(top_n),
        min_spacing_m=float(spacing),
        max_per_buurt=int(per_buurt) or None,
        max_per_gemeente=int(per_gm) or None,
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


def site_label(run: ScoringRun, site_id: str) -> str:
    """``id · name (score)`` for the site chooser."""
    row = run.table.loc[site_id]
    score = "uitgesloten" if row["excluded"] else f"score {row['score']:.2f}"
    return f"{site_id} · {row['name']} ({score})"


def show_explanation(run: ScoringRun, site_id: str, names: dict[str, str]) -> None:
    """Show the reason behind a site's score: contributions chart, table and exclusion reasons."""
    row = run.table.loc[site_id]
    st.markdown(f"**{row['name']}** — {row['use']}, {names.get(row['gemeentecode'], '')}")
    if row["excluded"]:
        st.error(
            "Uitgesloten door harde eis(en):\n\n"
            + "\n".join(f"- {reason}" for reason in row["exclusion_reasons"])
        )
    else:
        st.metric("Score", f"{row['score']:.3f}", help=f"rang {int(row['rank'])}")
    parts = run.explanation(site_id)
    frame = pd.DataFrame(
        {
            "criterium": list(parts),
            "ruwe waarde": [p["raw"] for p in parts.values()],
            "0–1": [p["transformed"] for p in parts.values()],
            "gewicht": [p["weight"] for p in parts.values()],
            "bijdrage": [p["contribution"] for p in parts.values()],
        }
    ).set_index("criterium")
    st.bar_chart(frame[["bijdrage"]], horizontal=True, height=220)
    st.dataframe(frame.style.format(precision=2), width="stretch")


def spread_metrics(report: dict[str, Any]) -> None:
    """Show the indices as metrics, with the before/after delta when the report has one."""
    cols = st.columns(len(INDICES))
    delta = report.get("delta", {}).get("indices", {})
    for col, (key, label) in zip(cols, INDICES.items(), strict=True):
        if key in delta:
            change = delta[key]
            col.metric(
                label,
                f"{change['after']:.3f}",
                f"{change['delta']:+.3f}",
                delta_color="inverse",
                help=f"voor: {change['before']:.3f}",
            )
        else:
            col.metric(label, f"{report['indices'][key]:.3f}")


def main() -> None:
    """Draw the app."""
    try:
        source = data_source(os.environ.get(DATA_DIR_ENV))
    except USER_ERRORS as exc:
        st.error(str(exc))
        st.stop()
    st.sidebar.title("Plekwijzer")
    if source.synthetic:
        st.sidebar.warning("Data: SYNTHETISCH (demoregio, geen echte plekken)")
    else:
        st.sidebar.success("Data: echte open data (CBS kerncijfers 2024)")
    st.sidebar.caption(f"Map: `{source.path}` (via {source.origin})")
    region = pick_region(source)
    titles = {name: load_profile(name).title for name in list_profiles()}
    profile_name = st.sidebar.selectbox(
        "Voorziening (profiel)", list(titles), format_func=titles.get, key="profile"
    )
    with st.sidebar.expander("Eigen bestanden"):
        cand_file = st.file_uploader(
            "Kandidatenlijst (vastgoed)", ["csv", "geojson", "json", "gpkg"], key="up_cand"
        )
        fac_file = st.file_uploader(
            "Register voorzieningen", ["csv", "geojson", "json", "gpkg"], key="up_fac"
        )
    try:
        loaded = region_data(source, region, upload_path(cand_file), upload_path(fac_file))
        profile, weights = tune_profile(load_profile(profile_name), loaded["data"].features)
    except USER_ERRORS as exc:
        st.error(str(exc))
        st.stop()
    data: RegionData = loaded["data"]
    names = dict(zip(data.buurten["gemeentecode"], data.buurten["gemeentenaam"], strict=False))
    if cand_file is None and not source.synthetic:
        st.sidebar.info(
            "Kandidaten en register: ILLUSTRATIEF (verzonnen voorbeeld); upload "
            "eigen bestanden voor echte plekken."
        )
    st.title(f"Plekwijzer — {region.title}")
    st.caption(
        f"{len(data.buurten)} buurten · {len(data.candidates)} kandidaatlocaties · "
        f"{len(data.facilities)} bestaande voorzieningen · profiel {profile.title}"
    )
    tab_map, tab_short, tab_spread, tab_compare = st.tabs(
        ["Kaart", "Shortlist", "Spreiding", "Vergelijken"]
    )
    with tab_short:
        options = shortlist_options()
    started = time.perf_counter()
    try:
        run = run_scoring(data.features, profile, weights=weights, options=options)
    except USER_ERRORS as exc:
        st.error(str(exc))
        st.stop()
    for warning in run.warnings:
        st.warning(warning)
    with tab_map:
        map_tab(run, loaded, names, started)
    with tab_short:
        shortlist_tab(run, data, region, names)
    with tab_spread:
        spread_tab(run, data, loaded)
    with tab_compare:
        compare_tab(run, data, profile, options, names)


def map_tab(run: ScoringRun, loaded: dict[str, Any], names: dict[str, str], started: float) -> None:
    """Kaart: sites by score over a buurt choropleth, with the chosen site explained."""
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
    fmap = mapview.base_map(loaded["bounds"], tiles=tiles)
    mapview.add_choropleth(
        fmap,
        loaded["buurten"],
        column=layer or None,
        tooltip_columns={
            "gemeentenaam": "Gemeente",
            "inhabitants": "Inwoners",
            "facilities": "Voorzieningen",
            "draagkracht": "Draagkracht",
        },
    )
    mapview.add_outlines(fmap, loaded["outlines"])
    if show_facilities:
        mapview.add_facilities(fmap, loaded["public"], loaded["buurten"])
    sites = mapview.site_layer(run.table.to_crs("EPSG:4326"))
    mapview.use_local_assets(fmap, base_url=LEAFLET_URL)
    left, right = st.columns([3, 2])
    with left:
        clicked = st_folium(
            fmap,
            height=560,
            width=None,
            key="kaart",
            feature_group_to_add=sites,
            returned_objects=["last_object_clicked_tooltip"],
        )
        # Scoring, building the map and rendering it to Leaflet script, all on the server.
        elapsed = time.perf_counter() - started
        st.caption(f"Herberekend en kaart opgebouwd in {elapsed:.2f} s (server).")
        if layer:
            legend(
                mapview.legend_items(loaded["buurten"][layer], layer), mapview.CHOROPLETHS[layer][0]
            )
        legend(
            mapview.score_legend(mapview.score_range(run.table)),
            "Score locatie",
        )
    tip = (clicked or {}).get("last_object_clicked_tooltip") or ""
    site_id = tip.split(" · ")[0].strip()
    if site_id in run.table.index and tip != st.session_state.get("_last_tip"):
        st.session_state["_last_tip"] = tip
        st.session_state["site"] = site_id
    ids = list(run.table.sort_values(["excluded", "rank"]).index)
    if st.session_state.get("site") not in ids:
        st.session_state.pop("site", None)
    with right:
        st.subheader("Waarom deze score?")
        chosen = st.selectbox(
            "Locatie (of klik op de kaart)",
            ids,
            key="site",
            format_func=lambda s: site_label(run, s),
        )
        show_explanation(run, chosen, names)


def shortlist_tab(run: ScoringRun, data: RegionData, region: Region, names: dict[str, str]) -> None:
    """Shortlist: the picked sites and the downloads."""
    short = run.shortlist
    st.subheader(f"Shortlist: {len(short)} locaties")
    table = pd.DataFrame(
        {
            "rang": short["rank"].astype(int),
            "id": short["id"],
            "naam": short["name"],
            "gebruik": short["use"],
            "gemeente": short["gemeentecode"].map(names),
            "buurt": short["buurtcode"],
            "score": short["score"].round(3),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    eligible = int((~run.table["excluded"]).sum())
    st.caption(f"{eligible} van {len(run.table)} kandidaten voldoen aan de harde eisen.")
    scenario = scenario_dict(
        run,
        region={"name": region.name, "gemeenten": list(region.gemeenten)},
        data={"data_dir": str(data.source.path), "synthetic": data.source.synthetic, **data.inputs},
    )
    cols = st.columns(2)
    cols[0].download_button(
        "Download GeoJSON (alle locaties, met shortlist)",
        json.dumps(run.feature_collection(), ensure_ascii=False),
        f"plekwijzer_{region.name}_{run.profile.name}.geojson",
        "application/geo+json",
        key="dl_geojson",
    )
    cols[1].download_button(
        "Download scenario (JSON)",
        json.dumps(scenario, ensure_ascii=False, indent=2),
        f"plekwijzer_{region.name}_{run.profile.name}_scenario.json",
        "application/json",
        key="dl_scenario",
    )


def spread_tab(run: ScoringRun, data: RegionData, loaded: dict[str, Any]) -> None:
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
    options = {"level": level, "facility_type": kind or None}
    try:
        if with_short and len(run.shortlist):
            new = facilities_from_sites(
                run.shortlist, facility_type=run.profile.name, buurten=data.buurten
            )
            report = scenario_report(data.buurten, data.facilities, new, **options)
            shown = report["after"]
            st.caption(
                f"Na: bestaand register plus {report['added']} shortlistlocaties "
                f"({run.profile.title}); delta t.o.v. nu."
            )
        else:
            report = shown = spread_report(data.buurten, data.facilities, **options)
    except USER_ERRORS as exc:
        st.error(str(exc))
        return
    spread_metrics(report)
    units = shown["units"]
    left, right = st.columns([3, 2])
    with left:
        # Unit shapes depend only on the region: kept with the cached region layers.
        key = f"units_{level}"
        if key not in loaded:
            loaded[key] = mapview.display_layer(
                units_for_level(data.buurten, level=level),
                tolerance_m=30.0,
                close_gaps_m=25.0 if level != "buurt" else 0.0,
            )
        shapes = loaded[key]
        shapes = shapes.join(
            units.set_index("code")[["per_10k", "fair_share", "surplus"]], on="code"
        )
        fmap = mapview.base_map(loaded["bounds"], tiles=False)
        mapview.add_choropleth(
            fmap,
            shapes,
            column="per_10k",
            tooltip_columns={
                "per_10k": "Plaatsen per 10.000",
                "surplus": "Boven/onder eerlijk deel",
            },
        )
        mapview.add_outlines(fmap, loaded["outlines"])
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
    st.dataframe(
        units.rename(
            columns={
                "code": "code",
                "name": "naam",
                "inhabitants": "inwoners",
                "facilities": "voorzieningen",
                "places": "plaatsen",
                "per_10k": "per 10.000",
                "fair_share": "eerlijk deel",
                "surplus": "boven/onder",
            }
        ).round(2),
        hide_index=True,
        width="stretch",
    )


def compare_tab(
    run: ScoringRun,
    data: RegionData,
    profile: Profile,
    options: ShortlistOptions,
    names: dict[str, str],
) -> None:
    """Vergelijken: two gemeenten, or the current weights against the profile defaults."""
    mode = st.radio(
        "Vergelijk", ["Twee gemeenten", "Twee scenario's"], horizontal=True, key="compare_mode"
    )
    if mode == "Twee gemeenten":
        codes = sorted(names, key=names.get)
        units = spread_report(data.buurten, data.facilities, level="gemeente")["units"]
        units = units.set_index("code")
        pairs = zip(st.columns(2), (0, min(1, len(codes) - 1)), "ab", strict=True)
        for col, default, side in pairs:
            code = col.selectbox(
                "Gemeente", codes, index=default, format_func=names.get, key=f"cmp_gm_{side}"
            )
            unit = units.loc[code]
            sites = run.table[run.table["gemeentecode"] == code]
            col.subheader(names[code])
            col.metric("Inwoners", f"{unit['inhabitants']:,.0f}".replace(",", "."))
            col.metric("Plaatsen per 10.000", f"{unit['per_10k']:.1f}")
            col.metric(
                "Plaatsen t.o.v. eerlijk deel",
                f"{unit['places']:.0f}",
                f"{unit['surplus']:+.1f} (eerlijk deel {unit['fair_share']:.1f})",
                delta_color="off",
            )
            col.metric("Draagkracht", f"{unit['draagkracht']:.2f}")
            col.metric(
                "Kandidaten geschikt / shortlist",
                f"{int((~sites['excluded']).sum())} / {int(sites['shortlisted'].sum())}",
            )
        return
    default_run = run_scoring(data.features, load_profile(profile.name), options=options)
    shared = set(run.shortlist["id"]) & set(default_run.shortlist["id"])
    st.metric("Gedeelde shortlistlocaties", f"{len(shared)} van {len(run.shortlist)}")
    for col, (title, scenario) in zip(
        st.columns(2), (("Huidige gewichten", run), ("Standaard profiel", default_run)), strict=True
    ):
        col.subheader(title)
        col.caption(", ".join(f"{k} {v:.2f}" for k, v in scenario.weights.items()))
        short = scenario.shortlist
        col.dataframe(
            pd.DataFrame(
                {
                    "rang": short["rank"].astype(int),
                    "id": short["id"],
                    "naam": short["name"],
                    "score": short["score"].round(3),
                }
            ),
            hide_index=True,
            width="stretch",
        )


if __name__ == "__main__":
    main()
