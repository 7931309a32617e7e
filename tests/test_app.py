"""The Streamlit app through AppTest: the main flows, asserting on what the user sees."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.datadir import shared_data_dir
from geo.datasets.demo import ensure_demo_data
from geo.labels import HEADLINE_LABEL
from geo.presentation import parse_number
from geo.settings import DATA_DIR_ENV

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_data(tmp_path_factory.mktemp("appdemo") / "demo")


@pytest.fixture(params=["real", "demo"])
def data_dir(request: pytest.FixtureRequest, demo_dir: Path) -> Path:
    """The real data when ../shared/data exists (else skipped), and the synthetic demo."""
    if request.param == "demo":
        return demo_dir
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent: the real-data app flow needs it")
    return path


@pytest.fixture
def app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def show(at: AppTest, tab: str) -> AppTest:
    """Open a tab and run: the app runs only the open tab's content."""
    at.session_state["tab"] = tab
    return at.run()


def chooser(at: AppTest) -> Any:
    """The Kaart tab's site chooser (its key belongs to the region, inventory and profile)."""
    return next(s for s in at.selectbox if s.label == "Locatie (of klik op de kaart)")


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_start_shows_data_status_map_and_explanation(app: AppTest, data_dir: Path) -> None:
    show(app, "Kaart")
    synthetic = (data_dir / "SYNTHETIC.md").exists()
    status = " ".join(str(e.value) for e in [*app.sidebar.warning, *app.sidebar.success])
    assert ("SYNTHETISCH" in status) == synthetic
    assert app.title[0].value.startswith("Plekwijzer — ")
    assert "kandidaatlocaties" in captions(app)
    assert "Herberekend en kaart opgebouwd in" in captions(app)
    chosen = chooser(app).value
    assert chooser(app).options[0].startswith(chosen)
    assert parse_number(metric(app, "Score")) > 0
    assert [s.label for s in app.sidebar.select_slider]  # one slider per criterion


def test_weight_change_rescores(app: AppTest) -> None:
    show(app, "Kaart")
    site = chooser(app).value
    before = parse_number(metric(app, "Score"))
    sliders = app.sidebar.select_slider
    for slider in sliders[1:]:
        slider.set_value(0.0)
    sliders[0].set_value(1.0)
    app.run()
    assert not app.exception
    chooser(app).set_value(site).run()
    after = parse_number(metric(app, "Score"))
    # With one criterion left, the score is that criterion's transformed value.
    table = app.dataframe[0].value
    assert after == pytest.approx(parse_number(table["0–1"].iloc[0]), abs=1e-2)
    assert after != pytest.approx(before, abs=1e-6) or table["0–1"].nunique() == 1


def test_excluded_site_shows_reasons(app: AppTest) -> None:
    show(app, "Kaart")
    app.selectbox(key="profile").set_value("skaeve_huse").run()
    assert not app.exception
    options = chooser(app).options
    excluded = [o for o in options if "uitgesloten" in o]
    assert excluded, "Skaeve Huse's hard rules exclude some sites in every region"
    site_id = excluded[0].split(" · ")[0]
    chooser(app).set_value(site_id).run()
    message = app.error[0].value
    assert message.startswith("Uitgesloten door harde eis(en)")
    # Raising the plot-size rule to an absurd value excludes every site.
    plot = next(n for n in app.sidebar.number_input if "kaveloppervlak" in n.label)
    plot.set_value(1e7).run()
    assert "0 van" in captions(show(app, "Shortlist"))


def test_shortlist_table_and_downloads(app: AppTest) -> None:
    show(app, "Shortlist")
    app.number_input(key="top_n").set_value(5)
    app.number_input(key="spacing").set_value(0).run()
    assert not app.exception
    assert any(h.value == "Shortlist: 5 locaties" for h in app.subheader)
    table = app.dataframe[0].value
    assert len(table) == 5
    assert list(table["rang"]) == sorted(table["rang"])
    downloads = {d.proto.label for d in app.get("download_button")}
    assert "Download GeoJSON (alle locaties, met shortlist)" in downloads
    assert "Download scenario (JSON)" in downloads


def test_skipped_ranks_are_explained(app: AppTest) -> None:
    show(app, "Shortlist")
    app.number_input(key="top_n").set_value(5)
    app.number_input(key="spacing").set_value(5000).run()
    assert not app.exception
    shortlist = next(d.value for d in app.dataframe if "nr." in d.value)
    skipped = next(d.value for d in app.dataframe if "reden" in d.value)
    assert any(e.label.startswith("Overgeslagen: ") for e in app.expander)
    # Every rank above the last pick is either on the list or explained.
    last = shortlist["rang"].max()
    assert set(shortlist["rang"]) | set(skipped["rang"]) == set(range(1, last + 1))
    assert all(r.startswith("binnen 5 km van #") for r in skipped["reden"] if "van #" in r)


def test_spread_before_after_and_compare(app: AppTest) -> None:
    show(app, "Spreiding")
    app.radio(key="level").set_value("wijk").run()
    assert not app.exception
    gini = next(m for m in app.metric if m.label == HEADLINE_LABEL)
    assert 0.0 <= parse_number(gini.value) <= 1.0
    assert gini.delta is not None  # before/after with the current shortlist
    assert "shortlistlocaties" in captions(app)
    app.toggle(key="with_short").set_value(False).run()
    assert next(m for m in app.metric if m.label == HEADLINE_LABEL).delta in (None, "")
    show(app, "Vergelijken")
    app.radio(key="compare_mode").set_value("Huidig en standaardprofiel").run()
    assert not app.exception
    shared = metric(app, "Gedeelde shortlistlocaties")
    assert shared == "10 van 10"  # current weights are still the profile defaults
    app.radio(key="compare_mode").set_value("Twee gemeenten").run()
    assert len([m for m in app.metric if m.label == "Plaatsen per 10.000 — nu"]) == 2


def test_region_change_and_own_gemeenten(app: AppTest) -> None:
    if len(app.selectbox(key="region").options) > 1:  # the four seed regions (real data)
        app.selectbox(key="region").set_value("drechtsteden").run()
        assert not app.exception
        assert app.title[0].value.startswith("Plekwijzer — Drechtsteden")
        assert int(captions(app).split(" buurten")[0].split()[-1]) > 100
    app.sidebar.radio[0].set_value("Eigen keuze gemeenten").run()
    chosen = app.multiselect(key="gemeenten")
    first = chosen.value[0]
    chosen.set_value([first]).run()
    assert not app.exception
    assert app.title[0].value.startswith("Plekwijzer — Eigen keuze: ")


def test_bad_data_dir_shows_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "nowhere"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "bestaat niet" in at.error[0].value


def test_reach_lists_the_new_sites_with_downloads(app: AppTest) -> None:
    show(app, "Bereik")
    assert app.radio(key="reach_mode").options == ["Alle bewoonde buurten", "N plekken"]
    app.radio(key="reach_mode").set_value("N plekken").run()
    app.number_input(key="reach_sites").set_value(3).run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "extra inwoners in bereik" in d.value)
    # At most the 3 asked for (fewer when fewer already reach every buurt), numbered 1, 2, …
    n = int(metric(app, "Nieuwe plekken"))
    assert 1 <= n <= 3
    assert table["nr."].tolist() == list(range(1, n + 1))
    labels = {d.proto.label for d in app.get("download_button")}
    assert {"Download nieuwe plekken (GeoJSON)", "Download nieuwe plekken (CSV)"} <= labels


def test_plan_tab_shows_table_and_frontier(app: AppTest) -> None:
    # Every region of the data has several gemeenten: it opens on the plan, first in the row.
    assert app.session_state["tab"] == "Verdeelplan"
    assert app.tabs[0].label == "Verdeelplan"
    assert not [s for s in app.selectbox if s.label == "Locatie (of klik op de kaart)"]
    tables = [df.value for df in app.dataframe]
    plan = next(t for t in tables if "Doel" in t.columns)
    assert {"Gemeente", "Sleutel", "Bestaand", "Doel", "Gepland", "Tekort", "Reden"} <= set(
        plan.columns
    )
    assert len(plan) == len(set(plan["Gemeente"])) > 1
    assert any(m.label == HEADLINE_LABEL for m in app.metric)
    assert len(app.get("image")) >= 1  # the frontier chart
    app.select_slider(key="plan_evenness").set_value(0.0).run()
    assert not app.exception
    # The plan's settings outlive a visit to another tab.
    show(app, "Shortlist")
    assert show(app, "Verdeelplan").select_slider(key="plan_evenness").value == 0.0


def test_one_gemeente_opens_on_the_map_and_a_chosen_tab_stays(app: AppTest) -> None:
    app.sidebar.radio[0].set_value("Eigen keuze gemeenten").run()
    preset = app.multiselect(key="gemeenten").value
    assert len(preset) > 1  # the own choice starts from the preset
    assert app.session_state["tab"] == "Verdeelplan"
    # One gemeente whose register the illustrative file covers (not every gemeente has one).
    for code in preset:
        app.multiselect(key="gemeenten").set_value([code]).run()
        if not app.error:
            break
    assert not app.exception, app.exception
    assert not app.error, app.error
    assert app.session_state["tab"] == "Kaart"
    assert [t.label for t in app.tabs] == [
        "Kaart", "Shortlist", "Spreiding", "Bereik", "Vergelijken", "Verdeelplan"
    ]  # fmt: skip
    assert chooser(app).value  # the map tab ran
    # A tab the user chose stays chosen: across a rerun and a new tab row.
    show(app, "Spreiding").radio(key="level").set_value("wijk").run()
    app.multiselect(key="gemeenten").set_value(preset[:2]).run()
    assert not app.exception, app.exception
    assert app.session_state["tab"] == "Spreiding"
    assert app.tabs[0].label == "Verdeelplan"
    assert app.radio(key="level").value == "wijk"


def test_a_hidden_tab_runs_nothing(demo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the open tab's work runs: counted where each tab does its own expensive part."""
    from geo import mapdata, presentation
    from geo.report import charts

    calls = {"plan chart": 0, "map sites": 0, "shortlist table": 0, "spread table": 0}

    def counting(name: str, function: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return counted

    for module, attribute, name in [
        (charts, "frontier_chart", "plan chart"),
        (mapdata, "site_payload", "map sites"),
        (presentation, "shortlist_table", "shortlist table"),
        (presentation, "unit_table", "spread table"),
    ]:
        monkeypatch.setattr(module, attribute, counting(name, getattr(module, attribute)))
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_dir))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert calls == {"plan chart": 1, "map sites": 0, "shortlist table": 0, "spread table": 0}
    show(at, "Kaart")
    at.sidebar.select_slider[0].set_value(1.0).run()  # a weight change
    assert not at.exception, at.exception
    assert calls == {"plan chart": 1, "map sites": 2, "shortlist table": 0, "spread table": 0}
    show(at, "Spreiding")
    assert calls == {"plan chart": 1, "map sites": 2, "shortlist table": 0, "spread table": 1}


#: Feature and criterion ids (snake_case) and English words that must not reach a reader.
_ID = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_ENGLISH = re.compile(
    r"\b(criterion|dropped|renormali[sz]ed|not available|candidates|excluded|shortlisted|"
    r"warning|note:)\b",
    re.IGNORECASE,
)
#: Not prose: file names (the data banner names the data directory's files) and CLI flags.
_NOT_PROSE = re.compile(r"\S+\.(?:gpkg|csv|geojson|json|osm|pdf)\b|--[a-z][a-z-]*|\S*/\S*")


def unread_words(text: str) -> set[str]:
    """Return the ids and English words in a text meant for people (file names, flags aside).

    Examples
    --------
    >>> sorted(unread_words("criterion 'physical_separation' dropped; see x_y.gpkg, --roads"))
    ['criterion', 'dropped', 'physical_separation']
    """
    prose = _NOT_PROSE.sub(" ", text)
    return {m.group(0) for pattern in (_ID, _ENGLISH) for m in pattern.finditer(prose)}


_MESSAGES = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error")


def visible_texts(at: AppTest) -> list[str]:
    """Every text of the page a person reads: messages, captions, metrics, tables, choices."""
    texts = [str(e.value) for kind in (*_MESSAGES, "success") for e in getattr(at, kind)]
    texts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        table = frame.value
        texts += [str(c) for c in table.columns]
        texts += [str(v) for v in table.select_dtypes(exclude="number").to_numpy().ravel()]
    for kind in ("selectbox", "radio", "select_slider", "multiselect"):
        for widget in getattr(at, kind):
            texts += [str(widget.label), *map(str, widget.options)]
    return texts


def test_every_tab_and_level_reads_dutch(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.selectbox(key="profile").set_value("skaeve_huse").run()
    found: set[str] = set()
    warnings: list[str] = []
    for tab in [t.label for t in at.tabs]:
        show(at, tab)
        for level in ("gemeente", "wijk", "buurt") if tab == "Spreiding" else ("",):
            if level:
                at.radio(key="level").set_value(level).run()
            assert not at.exception, (tab, at.exception)
            for text in visible_texts(at):
                found |= {f"{word!r} in {text[:80]!r} ({tab})" for word in unread_words(text)}
        warnings += [str(w.value) for w in at.warning]
    assert not found, sorted(found)[:20]
    # A dropped criterion, if any, is said in Dutch with what to add.
    for warning in warnings:
        if "valt weg" in warning:
            assert "Om het mee te wegen" in warning
