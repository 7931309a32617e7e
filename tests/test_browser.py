"""The running app in a real headless Chromium, with every non-local request blocked.

Blocking the network proves the map draws offline: Leaflet must come from the app itself,
and the PDOK tiles fail as they would on a closed municipal network.
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
from pathlib import Path

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
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
SCORE_PALETTE_GREY = "#9e9e9e"


def _require_browser() -> None:
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


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    _require_browser()
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.poll() is not None else ""
                    pytest.fail(f"streamlit did not start on {url}: {output[-2000:]}")
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


def test_map_offline_weight_slider_and_site_click(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            blocked: list[str] = []

            def only_local(route, request) -> None:
                if request.url.startswith(app_url):
                    route.continue_()
                else:
                    blocked.append(request.url)
                    route.abort()

            page.route("**/*", only_local)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(app_url)
            frame = page.frame_locator(MAP_FRAME).first
            markers = frame.locator("path.leaflet-interactive[d*='a']")
            markers.first.wait_for(state="attached", timeout=45_000)
            assert frame.locator(".leaflet-container").count() == 1
            assert not errors, errors

            # Move the first weight slider two steps: the app rescored and redrew the map.
            caption = page.get_by_text("Herberekend en kaart opgebouwd in")
            caption.wait_for(timeout=20_000)
            slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").first
            value = slider.get_by_test_id("stSliderThumbValue")
            before = value.inner_text()
            slider.locator("input").first.focus()
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([v]) => document.querySelector(\"[data-testid='stSidebar'] "
                "[data-testid='stSliderThumbValue']\").innerText !== v",
                arg=[before],
                timeout=20_000,
            )
            # The rerun replaces the map component: wait until the new one shows its sites.
            fills: set[str] = set()
            deadline = time.monotonic() + 30
            while len(fills - {SCORE_PALETTE_GREY}) < 3 and time.monotonic() < deadline:
                time.sleep(0.5)
                fills = set(markers.evaluate_all("(els) => els.map(e => e.getAttribute('fill'))"))
            assert len(fills - {SCORE_PALETTE_GREY}) >= 3, fills
            coloured = markers.filter(has_not=frame.locator("[fill='#9e9e9e']"))
            tooltip = frame.locator(".leaflet-tooltip")
            site_id = ""
            # A facility square may lie on top of a site: try sites until one answers.
            for index in range(min(coloured.count(), 15)):
                target = coloured.nth(coloured.count() - 1 - index)
                target.hover(force=True)
                try:
                    tooltip.last.wait_for(timeout=3_000)
                except PlaywrightTimeout:
                    continue
                text = tooltip.last.inner_text()
                if " · " in text and ("score" in text or "Uitgesloten" in text):
                    site_id = text.split(" · ")[0].strip()
                    break
            assert site_id, "no site tooltip found under the coloured markers"
            target.click(force=True)
            chosen = page.get_by_role("combobox", name="Locatie (of klik op de kaart)")
            expect(chosen).to_have_value(re.compile(f"^{re.escape(site_id)} · "), timeout=20_000)
            page.mouse.move(5, 5)
            time.sleep(1.0)

            shot = tmp_path / "app.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 50_000
            if target_path := os.environ.get("PLEKWIJZER_SCREENSHOT"):
                Path(target_path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, target_path)
            assert not any(app_url in url for url in blocked)
            assert not errors, errors
        finally:
            browser.close()
