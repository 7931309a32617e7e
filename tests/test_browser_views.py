"""Every tab at every level in a real headless Chromium: each map shows the whole region,
and a quick region switch always ends with the new region's sites on the map.

Screenshots go to a temporary folder, or to ``$PLEKWIJZER_SCREENSHOT_DIR`` when set (to look
at them). Needs ../shared/data (four regions to switch between).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_app import unread_words
from tests.test_browser import (
    map_frame,
    offline_page,
    require_browser,
    running_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.shared_data]

TABS = ("Kaart", "Shortlist", "Spreiding", "Bereik", "Vergelijken", "Verdeelplan")
LEVELS = ("Gemeente", "Wijk", "Buurt")
FOLIUM_FRAME = "iframe[title='streamlit_folium.st_folium']"
#: The Leaflet map of a folium iframe: folium keeps it in a global ``map_<id>`` variable.
FOLIUM_BOUNDS = """() => {
  const map = Object.values(window).find(v => v && v instanceof L.Map);
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}"""
CANVAS_BOUNDS = """() => {
  const b = window.plekwijzerMap.map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}"""
SITE_LATLONS = """() => {
  const pm = window.plekwijzerMap;
  return pm.siteIds().map(id => {
    const p = pm.sitePoint(id), ll = pm.map.containerPointToLatLng([p.x, p.y]);
    return [ll.lng, ll.lat];
  });
}"""


def region_bounds(name: str) -> tuple[float, float, float, float]:
    from geo.datadir import resolve_data_dir
    from geo.neighbourhoods import neighbourhoods_from_cbs
    from geo.regions import resolve_region

    buurten = neighbourhoods_from_cbs(
        resolve_data_dir(None), gemeenten=resolve_region(name).gemeenten
    )
    minx, miny, maxx, maxy = buurten.to_crs("EPSG:4326").total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


#: The text of the visible tab and the sidebar as a person reads it: Material icon glyphs
#: (their ligature names, e.g. keyboard_arrow_down) are drawn as icons, not read.
READ_TEXT = """() => {
  const parts = [...document.querySelectorAll("[role='tabpanel'], [data-testid='stSidebar']")]
    .filter(el => el.offsetParent !== null);
  return parts.map(el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("[data-testid='stIconMaterial'], .material-icons")
      .forEach(icon => icon.remove());
    document.body.appendChild(copy);
    const text = copy.innerText;
    copy.remove();
    return text;
  }).join(" | ");
}"""


def covers(view: list[float], region: tuple[float, float, float, float]) -> bool:
    """The view shows the whole region (2 % slack for rounding), and not the whole world."""
    west, south, east, north = view
    minx, miny, maxx, maxy = region
    dx, dy = (maxx - minx) * 0.02, (maxy - miny) * 0.02
    inside = west <= minx + dx and south <= miny + dy and east >= maxx - dx and north >= maxy - dy
    return inside and (east - west) < 8 * (maxx - minx) and (north - south) < 8 * (maxy - miny)


@pytest.fixture(scope="module")
def app(shared_source) -> Iterator[str]:
    require_browser()
    with running_app(env={"PLEKWIJZER_DATA": str(shared_source.path)}) as url:
        yield url


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PLEKWIJZER_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _idle(page: Any) -> None:
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def test_every_tab_at_every_level_shows_the_whole_region(
    app: str, browser: Any, tmp_path: Path
) -> None:
    folder = _shots(tmp_path)
    region = region_bounds("twente")
    page, _, errors = offline_page(browser, app)
    page.goto(app)
    frame = map_frame(page)
    _idle(page)
    assert covers(frame.evaluate(CANVAS_BOUNDS), region)
    for level in LEVELS:
        page.get_by_role("tab", name="Spreiding").click()
        page.get_by_text(level, exact=True).first.click()
        _idle(page)
        for tab in TABS:
            page.get_by_role("tab", name=tab).click()
            _idle(page)
            page.wait_for_timeout(800)  # a map in a tab just shown fits its bounds on resize
            panel = page.locator("[role='tabpanel']:visible")
            if tab == "Kaart":
                # Only the open tab is drawn: the map is a new frame each time Kaart opens.
                assert covers(map_frame(page).evaluate(CANVAS_BOUNDS), region), (level, tab)
            elif tab in ("Spreiding", "Bereik"):
                iframe = panel.locator(FOLIUM_FRAME).first
                iframe.wait_for(timeout=30_000)
                inner = iframe.element_handle().content_frame()
                inner.wait_for_function("() => window.L !== undefined", timeout=30_000)
                assert covers(inner.evaluate(FOLIUM_BOUNDS), region), (level, tab)
            shot = folder / f"{level.lower()}_{tab.lower()}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 30_000
            # What the browser shows a person: Dutch, no ids (issue 19).
            shown = page.evaluate(READ_TEXT)
            assert not unread_words(shown), (level, tab, sorted(unread_words(shown)))
    assert not errors, errors
    page.close()


def test_quick_region_switches_end_with_the_right_sites(app: str, browser: Any) -> None:
    page, _, errors = offline_page(browser, app)
    page.goto(app)
    map_frame(page)
    _idle(page)
    chooser = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    titles = {
        "drechtsteden": "Drechtsteden",
        "twente": "Twente",
        "amersfoort": "Amersfoort",
    }
    for name in ("drechtsteden", "twente", "amersfoort", "drechtsteden"):
        chooser.click()
        page.get_by_role("option", name=titles[name], exact=False).first.click()
        page.wait_for_timeout(150)  # the next switch comes before this one has drawn
    # The last switch's rerun may start a moment after the page looks idle: wait for its
    # title, then give the map its time to draw the sites it was sent (the end state is
    # what counts; stale sites that stay are the failure).
    page.get_by_role("heading", name=re.compile("Plekwijzer — Drechtsteden")).wait_for(
        timeout=90_000
    )
    _idle(page)
    frame = map_frame(page)
    frame.wait_for_function("() => window.plekwijzerMap.siteIds().length > 0", timeout=60_000)
    minx, miny, maxx, maxy = region_bounds("drechtsteden")
    inside = (
        f"() => ({SITE_LATLONS})().every(([x, y]) => {minx - 0.01} <= x && "
        f"x <= {maxx + 0.01} && {miny - 0.01} <= y && y <= {maxy + 0.01})"
    )
    with contextlib.suppress(Exception):  # the assertion below says what is wrong
        frame.wait_for_function(inside, timeout=30_000)
    sites = frame.evaluate(SITE_LATLONS)
    assert sites
    outside = [
        (x, y)
        for x, y in sites
        if not (minx - 0.01 <= x <= maxx + 0.01 and miny - 0.01 <= y <= maxy + 0.01)
    ]
    assert not outside, f"{len(outside)} of {len(sites)} sites outside Drechtsteden"
    assert page.get_by_role("heading", name=re.compile("Plekwijzer — Drechtsteden")).count() == 1
    assert not errors, errors
    page.close()
