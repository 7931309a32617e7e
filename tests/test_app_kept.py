"""Tab state the lazy tabs must keep: opened files, slider positions, and honest labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from criteria.profiles import load_profile
from criteria.scenario import Scenario, ShortlistOptions
from criteria.scenario_file import scenario_file_dict
from geo.datadir import DataSource
from geo.datasets.demo import ensure_demo_data
from geo.labels import facility_phrase
from geo.settings import DATA_DIR_ENV

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_data(tmp_path_factory.mktemp("keptdemo") / "demo")


@pytest.fixture
def app(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def show(at: AppTest, tab: str) -> AppTest:
    at.session_state["tab"] = tab
    return at.run()


def scenario_bytes(demo_dir: Path, region: str, top_n: int) -> bytes:
    scenario = Scenario(
        profile="noaberhuuske",
        region=region,
        shortlist=ShortlistOptions(top_n=top_n),
        use_defaults=True,
    )
    source = DataSource(path=demo_dir, synthetic=True, origin="synthetic demo")
    written = scenario_file_dict(scenario, source=source, inputs={}, shortlist_ids=[])
    return json.dumps(written).encode()


def uploader(at: AppTest, side: str) -> object:
    return next(u for u in at.file_uploader if u.label == f"Scenario {side}")


def shared_metric(at: AppTest) -> list[str]:
    return [m.value for m in at.metric if m.label == "Gedeelde shortlistlocaties"]


def test_compared_files_stay_until_closed_and_never_cross_regions(
    app: AppTest, demo_dir: Path
) -> None:
    region = app.session_state["region"]
    show(app, "Vergelijken").radio(key="compare_mode").set_value("Twee scenariobestanden").run()
    for side, top_n in (("A", 10), ("B", 5)):
        raw = scenario_bytes(demo_dir, region, top_n)
        uploader(app, side).upload(f"{side.lower()}.scenario.json", raw).run()
        assert not app.exception, app.exception
    assert shared_metric(app) == ["5 van 10"]
    # Away and back: the uploaders are new and empty, the comparison is not.
    show(app, "Kaart")
    show(app, "Vergelijken")
    assert not app.exception, app.exception
    assert shared_metric(app) == ["5 van 10"]
    assert "Geopend: a.scenario.json" in [c.value for c in app.caption]
    next(b for b in app.button if b.label == "Scenariobestanden sluiten").click().run()
    assert shared_metric(app) == []
    assert "Kies twee scenariobestanden om te vergelijken." in [i.value for i in app.info]
    # Opened again, then another region: nothing of the first region is shown there.
    for side, top_n in (("A", 10), ("B", 5)):
        raw = scenario_bytes(demo_dir, region, top_n)
        uploader(app, side).upload(f"{side.lower()}.scenario.json", raw).run()
    assert shared_metric(app) == ["5 van 10"]
    app.sidebar.radio(key="region_mode").set_value("Eigen keuze gemeenten").run()
    chosen = app.multiselect(key="gemeenten")
    chosen.set_value(chosen.value[:1]).run()
    show(app, "Vergelijken")
    assert not app.exception, app.exception
    assert shared_metric(app) == []
    assert not [c for c in app.caption if c.value.startswith("Geopend:")]


@pytest.mark.parametrize(
    ("tab", "key", "chosen"), [("Bereik", "reach_km", 5.0), ("Verdeelplan", "plan_evenness", 0.5)]
)
def test_a_tab_slider_starts_from_the_kept_value(
    app: AppTest, tab: str, key: str, chosen: float
) -> None:
    show(app, tab).select_slider(key=key).set_value(chosen).run()
    show(app, "Kaart")
    slider = show(app, tab).select_slider(key=key)
    assert slider.value == chosen
    # The value the browser is told to start from: with None, it was the first step.
    assert [slider.options[int(i)] for i in slider.proto.default] == [slider.format_func(chosen)]


def test_shares_within_reach_say_which_facilities_they_count(app: AppTest) -> None:
    def heading(at: AppTest) -> str:
        return next(m.value for m in at.markdown if m.value.startswith("**Inwoners binnen"))

    show(app, "Spreiding")
    assert heading(app) == "**Inwoners binnen 2 km van een voorziening (alle typen)**"
    assert [m.label for m in app.metric][-2:] == ["Nu", "Met shortlist"]
    app.selectbox(key="spread_type").set_value("noaberhuuske").run()
    assert heading(app) == "**Inwoners binnen 2 km van een Noaberhuuske**"
    own = facility_phrase(load_profile(app.selectbox(key="profile").value).facility_type)
    show(app, "Bereik")
    assert heading(app) == f"**Inwoners binnen 3 km {own}** (hemelsbreed)"
    assert f"inwoners binnen 3 km {own} " in " ".join(c.value for c in app.caption)


def test_one_gemeente_is_not_spread_or_compared_with_itself(app: AppTest) -> None:
    app.sidebar.radio(key="region_mode").set_value("Eigen keuze gemeenten").run()
    chosen = app.multiselect(key="gemeenten")
    chosen.set_value(chosen.value[:1]).run()
    show(app, "Spreiding")
    assert not app.exception, app.exception
    name = chosen.format_func(chosen.value[0]).split(" (GM")[0]
    assert app.title[0].value == f"Plekwijzer — Eigen keuze: {name}"
    assert any("over gemeenten valt niets te spreiden" in i.value for i in app.info)
    assert not app.metric
    app.radio(key="level").set_value("wijk").run()
    assert [m.label for m in app.metric][-2:] == ["Nu", "Met shortlist"]
    show(app, "Vergelijken")
    assert any("Deze regio heeft één gemeente" in i.value for i in app.info)
    assert not app.metric
