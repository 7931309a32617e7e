"""The running app in a real headless Chromium, with every non-local request blocked.

Blocking the network proves the map draws offline: Leaflet must come from the app itself,
and the PDOK tiles fail as they would on a closed municipal network. The map draws its sites
on a canvas, so the tests find a site through the map's own ``window.plekwijzerMap`` hook
(its pixel on screen) and then hover and click there with the mouse, like a user.

The helpers are shared with the benchmark (``tests.benchmark_scale``), which times the
same weight change on 20,000 sites.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAP_FRAME = "iframe[title='app.plekwijzer_map']"
SITE_CHOOSER = "Locatie (of klik op de kaart)"
#: A site the mouse can reach: the topmost site at its pixel, inside the map, not under a
#: facility marker or control. Searched from the best site (drawn last) down.
FIND_SITE = """() => {
  const pm = window.plekwijzerMap, ids = pm.siteIds();
  const box = document.getElementById("map").getBoundingClientRect();
  for (let i = ids.length - 1; i >= 0; i--) {
    const p = pm.sitePoint(ids[i]);
    if (p.x < 60 || p.y < 60 || p.x > box.width - 60 || p.y > box.height - 40) continue;
    const under = document.elementFromPoint(p.x, p.y);
    if (under && under.tagName === "CANVAS") return { id: ids[i], x: p.x, y: p.y };
  }
  return null;
}"""


def require_browser() -> None:
    """Skip (or fail, with PLEKWIJZER_REQUIRE_BROWSER=1) when Chromium is absent."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("PLEKWIJZER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " — PLEKWIJZER_REQUIRE_BROWSER=1 demands the browser test")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(*, env: dict[str, str] | None = None, timeout_s: float = 40) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port; yield its URL; stop it after."""
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | (env or {}),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.poll() is not None else ""
                    msg = f"streamlit did not start on {url}: {output[-2000:]}"
                    raise RuntimeError(msg) from exc
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def offline_page(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    """Open a page that may only reach the app; return it, blocked URLs and page errors."""
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []

    def only_local(route: Any, request: Any) -> None:
        if request.url.startswith(url):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, blocked, errors


def map_frame(page: Any, *, sites: int | None = None, timeout_ms: float = 60_000) -> Any:
    """Open the Kaart tab; return the map's frame once it has drawn (``sites`` sites, if given).

    A region of several gemeenten opens on Verdeelplan, and only the open tab is drawn: the
    map exists once Kaart is chosen (clicking it when open changes nothing).
    """
    page.get_by_role("tab", name="Kaart").click(timeout=timeout_ms)
    page.locator(MAP_FRAME).wait_for(timeout=timeout_ms)
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.wait_for_selector("body[data-sites-key]", state="attached", timeout=timeout_ms)
    if sites is not None:
        frame.wait_for_function(
            "n => window.plekwijzerMap.siteIds().length === n", arg=sites, timeout=timeout_ms
        )
    return frame


def change_weight(page: Any, frame: Any, *, timeout_ms: float = 30_000) -> float:
    """Move the first weight slider one step; return seconds until the map has redrawn."""
    slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").first
    before = frame.evaluate("() => document.body.dataset.sitesKey")
    slider.locator("input").first.focus()
    started = time.perf_counter()
    page.keyboard.press("ArrowRight")
    frame.wait_for_function(
        "k => document.body.dataset.sitesKey !== k", arg=before, timeout=timeout_ms
    )
    return time.perf_counter() - started


def click_site(page: Any, frame: Any) -> str:
    """Hover a reachable site (its tooltip names it), click it; return its id."""
    from playwright.sync_api import expect

    target = frame.evaluate(FIND_SITE)
    assert target, "no site reachable on the map"
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + target["x"], box["y"] + target["y"]
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip.last).to_contain_text(f"{target['id']} · ", timeout=5_000)
    page.mouse.click(x, y)
    chooser = page.get_by_role("combobox", name=SITE_CHOOSER)
    expect(chooser).to_have_value(re.compile(f"^{re.escape(target['id'])} · "), timeout=20_000)
    # The map rings the chosen site (boxes are in page pixels).
    ring = frame.locator("path.pw-selected")
    ring.wait_for(state="attached", timeout=10_000)
    centre = ring.bounding_box()
    assert abs(centre["x"] + centre["width"] / 2 - x) < 3
    assert abs(centre["y"] + centre["height"] / 2 - y) < 3
    return target["id"]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    require_browser()
    with running_app() as url:
        yield url


def test_map_offline_weight_slider_and_site_click(
    app_url: str, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, blocked, errors = offline_page(browser, app_url)
    page.goto(app_url)
    # Twente has several gemeenten: the app opens on the plan, its table per gemeente.
    expect(page.get_by_role("tab", selected=True)).to_have_text("Verdeelplan", timeout=120_000)
    expect(page.get_by_text("Geplande plaatsen")).to_be_visible(timeout=120_000)
    frame = map_frame(page)
    assert frame.locator(".leaflet-container").count() == 1
    assert frame.locator("canvas").count() >= 1
    assert not errors, errors
    page.get_by_text("Herberekend en kaart opgebouwd in").wait_for(timeout=20_000)
    colours_before = frame.evaluate("() => window.plekwijzerMap.siteIds().length")
    assert colours_before > 0

    seconds = change_weight(page, frame)
    assert seconds < 30
    site_id = click_site(page, frame)
    expect(page.get_by_text("Waarom deze score?")).to_be_visible()
    page.mouse.move(5, 5)
    time.sleep(1.0)
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    if target_path := os.environ.get("PLEKWIJZER_SCREENSHOT"):
        Path(target_path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target_path)
    assert site_id
    assert not any(app_url in url for url in blocked)
    assert not errors, errors
    page.close()


def illustrative_inventory(path: Path, *, n: int) -> Path:
    """Write ``n`` ILLUSTRATIVE Twente candidates (geo.datasets.illustrative's seeded generator)."""
    from geo.datadir import resolve_data_dir
    from geo.datasets.illustrative import illustrative_candidates
    from geo.neighbourhoods import neighbourhoods_from_cbs
    from geo.regions import resolve_region

    source = resolve_data_dir(None)
    buurten = neighbourhoods_from_cbs(source, gemeenten=resolve_region("twente").gemeenten)
    illustrative_candidates(buurten, n=n).to_csv(path, index=False)
    return path


def upload_candidates(page: Any, path: Path, *, n: int, timeout_ms: float = 120_000) -> Any:
    """Upload an inventory under 'Eigen bestanden'; return the map frame once it shows n sites."""
    page.get_by_text("Eigen bestanden", exact=True).click()
    uploader = page.locator("[data-testid='stFileUploader']").filter(has_text="Kandidatenlijst")
    uploader.locator("input[type='file']").set_input_files(str(path))
    page.get_by_text(f"{n} kandidaatlocaties").wait_for(timeout=timeout_ms)
    return map_frame(page, sites=n, timeout_ms=timeout_ms)


def test_twenty_thousand_illustrative_sites(
    app_url: str, browser: Any, shared_source: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    assert shared_source.path.exists()  # the illustrative generator needs real buurten
    n = 20_000
    inventory = illustrative_inventory(tmp_path / "illustratief_20000.csv", n=n)
    page, blocked, errors = offline_page(browser, app_url)
    page.goto(app_url)
    map_frame(page)
    frame = upload_candidates(page, inventory, n=n)
    seconds = change_weight(page, frame, timeout_ms=60_000)
    print(f"weight change -> redrawn map, {n} sites: {seconds:.2f} s")
    site_id = click_site(page, frame)
    # The explanation panel shows the clicked (illustrative) site.
    panel = page.get_by_text(re.compile(r"\(illustratief\) — "))
    expect(panel.first).to_be_visible(timeout=20_000)
    assert site_id.startswith("ILL-")
    assert not any(app_url in url for url in blocked)
    assert not errors, errors
    page.close()


def _idle(page: Any) -> None:
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def _pick(page: Any, label: str, option: str) -> None:
    """Choose an option of a sidebar selectbox by its label and the option's text."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text=label
    )
    box.click()
    page.get_by_role("option", name=option, exact=False).first.click()
    _idle(page)


def _chooser_and_panel(page: Any, *, timeout_s: float = 60) -> tuple[str, str, str]:
    """The chooser's site (id, name, status) once the explanation panel explains that site.

    Fails when the two never agree: the chooser names one site, the panel explains another.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.get_by_role("combobox", name=SITE_CHOOSER).input_value()
        site_id, rest = value.split(" · ", 1)
        name, status = rest.rsplit(" (", 1)
        panel = page.locator("[data-testid='stMarkdownContainer'] p").filter(
            has_text=re.compile(f"^{re.escape(name)} — ")
        )
        if panel.count() == 1:
            return site_id, name, status.rstrip(")")
        if time.monotonic() > deadline:
            shown = page.locator("[data-testid='stMarkdownContainer'] p").filter(has_text=" — ")
            msg = f"chooser names {value!r}, the panel explains {shown.all_inner_texts()}"
            raise AssertionError(msg)
        page.wait_for_timeout(500)


def test_site_chooser_and_panel_agree_across_regions_and_profiles(
    app_url: str, browser: Any
) -> None:
    page, _, errors = offline_page(browser, app_url)
    page.goto(app_url)
    map_frame(page)
    _idle(page)
    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    steps = [
        ("Twente", "Noaberhuuske"),
        ("Drechtsteden", "Noaberhuuske"),
        ("Drechtsteden", "Skaeve Huse"),
        ("Twente", "Skaeve Huse"),
        ("Twente", "Tussenvoorziening"),
    ]
    for region, profile in steps:
        _pick(page, "Regio-voorinstelling", region)
        _pick(page, "Voorziening (profiel)", profile)
        heading = page.get_by_role("heading", name=re.compile(f"Plekwijzer — {region}"))
        heading.wait_for(timeout=90_000)
        _idle(page)
        site = _chooser_and_panel(page)
        # A switch starts at the best site of that region and profile: never an excluded
        # one, never a site left from the region or profile before.
        assert site[2] != "uitgesloten", (region, profile, site)
        seen[(region, profile)] = site
    twente, drecht = seen[("Twente", "Noaberhuuske")], seen[("Drechtsteden", "Noaberhuuske")]
    assert twente[1] != drecht[1]
    assert not errors, errors
    page.close()


def test_two_sessions_each_see_only_their_own_weight_change(app_url: str, browser: Any) -> None:
    # The smoke test of the load benchmark (tests.benchmark_load): two users on one app,
    # each in a separate browser context, so two Streamlit sessions with their own state.
    pages, frames, errors = [], [], []
    for _ in range(2):
        page, _, page_errors = offline_page(browser, app_url)
        page.goto(app_url)
        pages.append(page)
        errors.append(page_errors)
        frames.append(map_frame(page))
        page.get_by_text("Herberekend en kaart opgebouwd in").wait_for(timeout=60_000)
    thumb = "[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']"
    values = [page.locator(thumb).first.get_attribute("aria-valuetext") for page in pages]
    keys = [frame.evaluate("() => document.body.dataset.sitesKey") for frame in frames]

    assert change_weight(pages[0], frames[0]) < 60
    pages[1].wait_for_timeout(1_000)
    # The first user's slider moved one step (0,01) and their map redrew; the second
    # user's slider and map are untouched.
    assert pages[0].locator(thumb).first.get_attribute("aria-valuetext") != values[0]
    assert pages[1].locator(thumb).first.get_attribute("aria-valuetext") == values[1]
    assert frames[1].evaluate("() => document.body.dataset.sitesKey") == keys[1]
    assert change_weight(pages[1], frames[1]) < 60
    assert frames[1].evaluate("() => document.body.dataset.sitesKey") != keys[1]
    assert errors == [[], []]
    for page in pages:
        page.context.close()
