"""What a person reads in the app is Dutch: no English words or identifiers on any tab.

A real headless Chromium opens every tab at every spread level (gemeente, wijk, buurt) for
two regions, and reads the text the page shows: the page itself, the cells and headings of
every table (Streamlit draws tables on a canvas and keeps their text in an accessible grid)
and the text inside the map frames (place names, legends). Identifiers such as
``walk_to_dagopvang_m`` and English words of messages ("criterion … dropped") must not be
there. Streamlit's own widget chrome ("Upload", "Skip to main content") is not ours to word.

Screenshots go to ``$PLEKWIJZER_SCREENSHOT_DIR`` when set (to look at them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_browser import map_frame, offline_page, require_browser, running_app

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

TABS = ("Kaart", "Shortlist", "Spreiding", "Bereik", "Vergelijken", "Verdeelplan")
LEVELS = ("Gemeente", "Wijk", "Buurt")
REGIONS = {"twente": "Twente", "drechtsteden": "Drechtsteden"}
#: What must not be read: identifiers (a name with a unit suffix, the walking features) and
#: the English words of messages the app once showed.
FORBIDDEN = {
    "identifier ending in _m": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_m\b"),
    "identifier with a unit": re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]*(?:_m2|_km|_per_10k)\b"),
    "walk_ identifier": re.compile(r"walk_"),
    "English 'criterion'": re.compile(r"\bcriterion\b", re.IGNORECASE),
    "English 'dropped'": re.compile(r"\bdropped\b", re.IGNORECASE),
    "English 'renormalised'": re.compile(r"\brenormali[sz]ed\b", re.IGNORECASE),
    "English 'not available'": re.compile(r"\bnot available\b", re.IGNORECASE),
    "English 'candidates'": re.compile(r"\bcandidates\b", re.IGNORECASE),
    "English 'excluded'": re.compile(r"\bexcluded\b", re.IGNORECASE),
}
#: Every table cell and heading the accessible grid of a Streamlit dataframe holds.
GRID_TEXT = """() => Array.from(
  document.querySelectorAll("[role='gridcell'], [role='columnheader']")
).map(cell => cell.textContent).join("\\n")"""


def english(text: str) -> list[str]:
    """Return what in ``text`` is an identifier or English, as ``"<rule>: <match>"``."""
    found = []
    for rule, pattern in FORBIDDEN.items():
        found += [f"{rule}: {m.group(0)!r}" for m in pattern.finditer(text)]
    return found


def test_the_patterns_find_what_the_app_once_showed() -> None:
    once = (
        "criterion 'physical_separation' dropped: feature 'separated_by_main_road' is not "
        "available; the other weights were renormalised · walk_to_bus_tram_stop_m"
    )
    rules = {hit.split(":")[0] for hit in english(once)}
    assert {"English 'criterion'", "English 'dropped'", "walk_ identifier"} <= rules
    assert "identifier ending in _m" in rules
    assert english("Dichtbij dagopvang: 2.129 m · 0,712 · per 10.000 · Kaart_m") == []
    assert english("floor_area_m2 en distance_to_gp_km") != []


@pytest.fixture(scope="module")
def app(shared_source: Any) -> Iterator[str]:
    require_browser()
    with running_app(env={"PLEKWIJZER_DATA": str(shared_source.path)}) as url:
        yield url


def _idle(page: Any, *, rounds: int = 2) -> None:
    # Twice after a widget change: a rerun may start right after the first one ends.
    for _ in range(rounds):
        page.wait_for_timeout(400)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " && !document.querySelector('[data-stale=\"true\"]')",
            timeout=120_000,
        )


def _page_text(page: Any) -> str:
    """The text the page shows: the app, its tables' cells and the text in its frames."""
    parts = [page.locator("[data-testid='stAppViewContainer']").inner_text()]
    parts.append(page.evaluate(GRID_TEXT))
    for frame in page.frames[1:]:
        try:
            parts.append(frame.locator("body").inner_text(timeout=2_000))
        except Exception:  # a frame that went away while the page reran
            continue
    return "\n".join(parts)


def _choose(page: Any, index: int, option: str) -> None:
    """Pick an option of the sidebar's ``index``-th selectbox (0 region, 1 profile)."""
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").nth(index).click()
    page.get_by_role("option", name=option, exact=False).first.click()
    _idle(page)


def _shots() -> Path | None:
    folder = os.environ.get("PLEKWIJZER_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) if folder else None


@pytest.mark.parametrize("region", list(REGIONS))
def test_every_tab_at_every_level_reads_dutch(app: str, browser: Any, region: str) -> None:
    page, _, errors = offline_page(browser, app)
    page.goto(app)
    map_frame(page)
    _idle(page)
    _choose(page, 0, REGIONS[region])
    folder = _shots()
    found: dict[str, list[str]] = {}
    for level in LEVELS:
        page.get_by_role("tab", name="Spreiding").click()
        page.locator("[role='tabpanel']:visible").get_by_text(level, exact=True).first.click()
        _idle(page)
        for tab in TABS:
            # Choosing a tab reruns the app, which draws only that tab's content.
            page.get_by_role("tab", name=tab).click()
            _idle(page, rounds=1)
            if hits := english(_page_text(page)):
                found[f"{level} / {tab}"] = sorted(set(hits))
            if folder is not None:
                page.screenshot(path=str(folder / f"{region}_{level.lower()}_{tab.lower()}.png"))
    assert not found, found
    assert not errors, errors
    page.close()


@pytest.mark.parametrize(
    "profile",
    # Noaberhuuske, the default, is read on every tab by the test above.
    ["Tussenvoorziening", "Skaeve Huse"],
)
def test_every_profile_reads_dutch(app: str, browser: Any, profile: str) -> None:
    """The header's messages (a criterion left out for lack of data) and the Kaart tab."""
    page, _, errors = offline_page(browser, app)
    page.goto(app)
    map_frame(page)
    _idle(page)
    _choose(page, 1, profile)
    assert english(_page_text(page)) == []
    assert not errors, errors
    page.close()


def test_two_saved_scenarios_are_compared(app: str, browser: Any, tmp_path: Path) -> None:
    import json

    from playwright.sync_api import expect

    from criteria.run import run_scenario
    from criteria.scenario import Scenario, ShortlistOptions

    files = []
    for name, options in (
        ("a", ShortlistOptions(top_n=6)),
        ("b", ShortlistOptions(top_n=6, min_spacing_m=3000)),
    ):
        scenario = Scenario(
            profile="noaberhuuske", region="twente", use_defaults=True, shortlist=options
        )
        path = tmp_path / f"twente_{name}.scenario.json"
        path.write_text(json.dumps(run_scenario(scenario).scenario_file()), encoding="utf-8")
        files.append(path)
    page, _, errors = offline_page(browser, app)
    page.goto(app)
    map_frame(page)
    _idle(page)
    page.get_by_role("tab", name="Vergelijken").click()
    panel = page.locator("[role='tabpanel']:visible")
    panel.get_by_text("Twee scenariobestanden", exact=True).click()
    _idle(page)
    for side, path in zip("AB", files, strict=True):
        uploader = panel.locator("[data-testid='stFileUploader']").filter(
            has_text=f"Scenario {side}"
        )
        uploader.locator("input[type='file']").set_input_files(str(path))
        _idle(page)
    expect(panel.get_by_text("Gedeelde shortlistlocaties")).to_be_visible(timeout=60_000)
    for heading in ("A: twente_a.scenario.json", "B: twente_b.scenario.json", "Kaart van beide"):
        expect(panel.get_by_text(heading).first).to_be_visible()
    # 3 km spacing changes the shortlist: fewer than all six sites are shared.
    shared = panel.get_by_test_id("stMetricValue").first.inner_text()
    assert re.fullmatch(r"[0-5] van 6", shared), shared
    # The table's grid draws after the metric; on a loaded machine give it time to fill.
    text = _page_text(page)
    for _ in range(30):
        if "alleen A" in text:
            break
        page.wait_for_timeout(1_000)
        text = _page_text(page)
    assert "alleen A" in text  # the table lists the sites on A's list first
    assert english(text) == []
    if folder := _shots():
        page.screenshot(
            path=str(folder / "twente_vergelijken_scenariobestanden.png"), full_page=True
        )
    assert not errors, errors
    page.close()
