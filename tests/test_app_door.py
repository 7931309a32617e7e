"""The app through the one door (issue 16), with AppTest.

A slider move weighs the prepared stage again and builds no criteria matrix; untouched
controls send no weight at all, so the app gives exactly the answer of ``plekwijzer score``;
the site chooser belongs to one region and profile.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import cli
import criteria.run as run_module
from criteria.profiles import list_profiles, load_profile
from geo.datasets.demo import ensure_demo_data
from geo.datasets.illustrative import illustrative_paths
from geo.presentation import parse_number
from geo.settings import DATA_DIR_ENV

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CHOOSER = "Locatie (of klik op de kaart)"
#: The app's shortlist defaults as `plekwijzer score` flags.
APP_FLAGS = ["--top", "10", "--min-spacing-m", "1000", "--max-per-buurt", "1"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_data(tmp_path_factory.mktemp("doordemo") / "demo")


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Record every criteria-matrix build and every scenario run (the app runs in-process).

    The app's caches are process-wide: they are emptied first, so that what the app computes
    in this test is seen here.
    """
    st.cache_resource.clear()
    calls: dict[str, list[Any]] = {"builds": [], "runs": []}
    build, run = run_module.build_matrix, run_module.Prepared.run

    def counting_build(*args: Any, **kwargs: Any) -> Any:
        calls["builds"].append(args[1].name)
        return build(*args, **kwargs)

    def recording_run(self: Any, scenario: Any) -> Any:
        calls["runs"].append(scenario)
        return run(self, scenario)

    monkeypatch.setattr(run_module, "build_matrix", counting_build)
    monkeypatch.setattr(run_module.Prepared, "run", recording_run)
    return calls


def show(at: AppTest, tab: str) -> AppTest:
    """Open a tab and run: the app runs only the open tab's content."""
    at.session_state["tab"] = tab
    return at.run()


def chooser(at: AppTest) -> Any:
    return next(s for s in at.selectbox if s.label == CHOOSER)


def explained(at: AppTest) -> str:
    """The explanation panel's first line: ``**name** — use, gemeente``."""
    return next(m.value for m in at.markdown if m.value.startswith("**") and " — " in m.value)


def test_a_weight_change_weighs_again_and_builds_no_matrix(demo_dir, monkeypatch, spies):
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    assert spies["builds"] == [at.selectbox(key="profile").value]  # one stage 1, on start
    assert spies["runs"][-1].weights == ()  # untouched: the profile itself
    profile = load_profile(at.selectbox(key="profile").value)
    first = profile.criteria[0]
    slider = next(s for s in at.sidebar.select_slider if s.label == first.label)
    assert slider.value == profile.weights[first.name]  # exact, not rounded
    slider.set_value(0.95).run()
    assert not at.exception, at.exception
    assert spies["builds"] == [profile.name]  # a weight change builds no matrix
    assert spies["runs"][-1].weights == ((first.name, 0.95),)  # only the moved weight
    # The other tabs reuse the prepared stage: comparison and reach build nothing either.
    show(at, "Vergelijken").radio(key="compare_mode").set_value("Huidig en standaardprofiel")
    show(at, "Bereik").select_slider(key="reach_km").set_value(4.0).run()
    assert not at.exception, at.exception
    assert spies["builds"] == [profile.name]
    # A hard rule is stage 1: changing it builds the matrix once.
    rule = at.sidebar.number_input[0]
    rule.set_value(rule.value + 1).run()
    assert spies["builds"] == [profile.name, profile.name]


def _app_answer(at: AppTest) -> dict[str, Any]:
    shortlist = next(
        d.value
        for d in show(at, "Shortlist").dataframe
        if "rang" in d.value and "gebruik" in d.value
    )
    labels = chooser(show(at, "Kaart")).options
    ranked = [label for label in labels if "uitgesloten" not in label]
    return {
        "shortlist": [
            (int(r), i, parse_number(s))
            for r, i, s in zip(shortlist["rang"], shortlist["id"], shortlist["score"], strict=True)
        ],
        "ranked": [label.split(" · ")[0] for label in ranked],
        "scores": [parse_number(label.rsplit("score ", 1)[1].rstrip(")")) for label in ranked],
    }


def _cli_answer(tmp_path: Path, source: Path, region: str, profile: str) -> dict[str, Any]:
    paths = illustrative_paths(region)
    out = tmp_path / f"{region}_{profile}.geojson"
    args = ["score", "--region", region, "--profile", profile, "--data-dir", str(source)]
    args += ["--candidates", str(paths["candidates"]), "--facilities", str(paths["facilities"])]
    assert cli.main([*args, *APP_FLAGS, "--out", str(out)]) == 0
    sites = [f["properties"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]
    ranked = sorted((p for p in sites if not p["excluded"]), key=lambda p: p["rank"])
    short = [p for p in ranked if p["shortlisted"]]
    return {
        "shortlist": [(p["rank"], p["id"], round(p["score"], 3)) for p in short],
        "ranked": [p["id"] for p in ranked][:1000],
        "scores": [round(p["score"], 2) for p in ranked][:1000],
    }


@pytest.mark.shared_data
def test_untouched_app_gives_the_cli_answer_for_every_profile_and_region(
    shared_source, tmp_path, monkeypatch, spies
):
    monkeypatch.setenv(DATA_DIR_ENV, str(shared_source.path))
    at = AppTest.from_file(APP, default_timeout=180).run()
    for region in ("twente", "drechtsteden"):
        at.selectbox(key="region").set_value(region).run()
        for profile in list_profiles():
            at.selectbox(key="profile").set_value(profile).run()
            assert not at.exception, at.exception
            assert spies["runs"][-1].weights == ()
            from_app = _app_answer(at)
            from_cli = _cli_answer(tmp_path, shared_source.path, region, profile)
            assert from_app["shortlist"] == from_cli["shortlist"], (region, profile)
            assert from_app["ranked"] == from_cli["ranked"], (region, profile)
            assert from_app["scores"] == from_cli["scores"], (region, profile)
        # Nothing touched: the profile's weights and the current ones are the same run.
        show(at, "Vergelijken").radio(key="compare_mode").set_value("Huidig en standaardprofiel")
        at.run()
        assert next(m.value for m in at.metric if m.label == "Gedeelde shortlistlocaties") == (
            "10 van 10"
        )
        # The shortlist table of the comparison: every site on both lists, none on one only.
        sites = at.dataframe[-1].value.astype(str).to_numpy().ravel().tolist()
        assert not [cell for cell in sites if cell.startswith("alleen")], sites


def _region_names(at: AppTest) -> set[str]:
    """Gemeente names of the region shown (the spread table of the Vergelijken tab)."""
    gemeenten = next(s for s in at.selectbox if s.key == "cmp_gm_a")
    return {gemeenten.format_func(code) for code in gemeenten.options}


@pytest.mark.shared_data
def test_the_site_chooser_belongs_to_one_region_and_profile(shared_source, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(shared_source.path))
    at = AppTest.from_file(APP, default_timeout=180).run()
    show(at, "Kaart")  # the chooser's tab stays open across regions and profiles
    at.selectbox(key="region").set_value("twente").run()
    at.selectbox(key="profile").set_value("noaberhuuske").run()
    site = chooser(at)
    picked = site.options[3].split(" · ")[0]
    site.set_value(picked).run()
    assert chooser(at).value == picked
    twente_panel = explained(at)
    # Another region: its own best site, explained as such (ids repeat between regions).
    at.selectbox(key="region").set_value("drechtsteden").run()
    assert not at.exception, at.exception
    site = chooser(at)
    assert site.value == site.options[0].split(" · ")[0]
    name = site.options[0].split(" · ", 1)[1].rsplit(" (", 1)[0]
    assert explained(at).startswith(f"**{name}** — ")
    assert explained(at).rsplit(", ", 1)[1] in {
        "Alblasserdam", "Dordrecht", "Hendrik-Ido-Ambacht", "Papendrecht",
        "Sliedrecht", "Zwijndrecht", "Hardinxveld-Giessendam",
    }  # fmt: skip
    # Another profile: its own best site, never an excluded one unless chosen.
    at.selectbox(key="profile").set_value("skaeve_huse").run()
    site = chooser(at)
    label = next(o for o in site.options if o.startswith(f"{site.value} · "))
    assert "uitgesloten" not in label
    assert not [e for e in at.error if "Uitgesloten" in e.value]
    # Back in Twente with the first profile: the site chosen there.
    at.selectbox(key="region").set_value("twente").run()
    at.selectbox(key="profile").set_value("noaberhuuske").run()
    assert chooser(at).value == picked
    assert explained(at) == twente_panel


def test_a_rerun_keeps_the_profiles_own_weights(demo_dir, monkeypatch, spies):
    """A weight off the 0,01 grid (0,125) stays itself on the next rerun.

    Streamlit sends a select_slider's label back, not its position: labelled "0,13" beside
    the step 0,13, the profile's 0,125 came back as 0,13 on any later rerun (another tab,
    another option), and the untouched app no longer gave the CLI's answer.
    """
    off_grid = {
        (name, criterion)
        for name in list_profiles()
        for criterion, weight in load_profile(name).weights.items()
        if round(weight, 2) != weight
    }
    assert off_grid, "no shipped profile has a weight off the 0,01 grid: nothing to test"
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    for name in sorted({name for name, _ in off_grid}):
        at.selectbox(key="profile").set_value(name).run()
        show(at, "Shortlist")
        show(at, "Kaart")
        assert not at.exception, at.exception
        assert spies["runs"][-1].weights == (), name
