"""Load: one running app, several headless Chromium sessions changing a weight at once.

Group ``load`` of ``make bench`` (``python -m tests.benchmark_pipeline load``). One
``streamlit run app.py`` is started on a free loopback port; first one session, then five
concurrent sessions (separate browser contexts, so five Streamlit sessions with their own
state, in one Debian Chromium) each move their first weight slider one step and time until
their own map reports the new sites drawn (the map's ``data-sites-key`` hook, set after
Leaflet has painted the canvas; see ``tests.test_browser.change_weight``). All sessions press
at the same moment each round, which is the worst case for a shared server.

Printed figures (median seconds over every session and round):

* ``BENCH app_1_session <s> - -``: the baseline, one session alone on the app;
* ``BENCH app_5_sessions <s> <1-session s> <ratio>``: five at once (ratio = one / five, as
  for every BENCH line, so below 1 means slower than one alone).

The single session runs first so the app's caches (prepared stage, layers) are warm for
both figures; the first map of each session is reported but not part of either figure.
Every wait is bounded (``CHANGE_TIMEOUT_MS``, ``FIRST_MAP_TIMEOUT_MS``, ``TOTAL_TIMEOUT_S``),
every request that does not go to the app is aborted, and the app process is stopped at the
end (terminate, then kill) by :func:`tests.test_browser.running_app`.

The suite keeps a quick counterpart (``test_two_sessions_each_see_only_their_own_weight_change``
in ``tests/test_browser.py``): two sessions on one app, each weight change redraws only its
own session's map. It asserts behaviour, not time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

#: Simultaneous weight changes per session of five; odd rounds step back, so the slider never
#: hits its end. The one session makes five times as many, so both medians rest on as many
#: changes.
ROUNDS = 3
SESSIONS = 5
CHANGE_TIMEOUT_MS = 120_000
FIRST_MAP_TIMEOUT_MS = 240_000
#: The whole measurement (app start, both figures) is abandoned after this.
TOTAL_TIMEOUT_S = 1_500.0
#: The first weight slider's thumb: Streamlit's (react-aria) slider keeps a visually hidden
#: range input there that takes the arrow keys.
WEIGHT_THUMB = "[data-testid='stSidebar'] [data-testid='stSlider'] input[type='range']"
REDRAWN = "k => document.body.dataset.sitesKey !== k"


@dataclass
class Session:
    """One browser session's timings, in seconds."""

    first_map_s: float = 0.0
    changes_s: list[float] = field(default_factory=list)
    draw_ms: list[int] = field(default_factory=list)


async def _open(browser: Any, url: str) -> tuple[Any, Any, Session]:
    """Open the app in a fresh context (its own Streamlit session); wait for the first map."""
    from tests import test_browser as flow

    context = await browser.new_context(viewport={"width": 1500, "height": 1000})

    async def only_local(route: Any, request: Any) -> None:
        # Loopback only: PDOK tiles and anything else fail as on a closed network.
        if request.url.startswith(url):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", only_local)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url, timeout=FIRST_MAP_TIMEOUT_MS)
    # The app opens a region of several gemeenten on Verdeelplan; the map is on Kaart.
    await page.get_by_role("tab", name="Kaart").click(timeout=FIRST_MAP_TIMEOUT_MS)
    await page.locator(flow.MAP_FRAME).wait_for(timeout=FIRST_MAP_TIMEOUT_MS)
    frame = await (await page.locator(flow.MAP_FRAME).element_handle()).content_frame()
    await frame.wait_for_selector(
        "body[data-sites-key]", state="attached", timeout=FIRST_MAP_TIMEOUT_MS
    )
    # The caption follows the map; waiting for it means the script run has finished, so
    # the first key press starts a fresh run instead of interrupting this one.
    await page.get_by_text("Herberekend en kaart opgebouwd in").first.wait_for(
        timeout=FIRST_MAP_TIMEOUT_MS
    )
    return page, frame, Session(first_map_s=time.perf_counter() - started)


async def _change_weight(page: Any, frame: Any, session: Session, *, key: str) -> None:
    """Move the first weight slider one step with ``key``; time it until the map is redrawn."""
    before = await frame.evaluate("() => document.body.dataset.sitesKey")
    await page.locator(WEIGHT_THUMB).first.focus()
    started = time.perf_counter()
    await page.keyboard.press(key)
    await frame.wait_for_function(REDRAWN, arg=before, timeout=CHANGE_TIMEOUT_MS)
    session.changes_s.append(time.perf_counter() - started)
    session.draw_ms.append(int(await frame.evaluate("() => Number(document.body.dataset.drawMs)")))


async def _sessions(browser: Any, url: str, *, n: int, rounds: int) -> list[Session]:
    """Open ``n`` sessions, then let all change a weight at once, ``rounds`` times."""
    opened = await asyncio.gather(*(_open(browser, url) for _ in range(n)))
    for i in range(rounds):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        await asyncio.gather(*(_change_weight(p, f, s, key=key) for p, f, s in opened))
        # Let the last rerun's caption and map settle before the next simultaneous press.
        await asyncio.sleep(1.0)
    for page, _, _ in opened:
        await page.context.close()
    return [session for _, _, session in opened]


async def _measure(url: str) -> tuple[list[Session], list[Session]]:
    from playwright.async_api import async_playwright

    from tests import test_browser as flow

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(flow.CHROMIUM), args=flow.CHROMIUM_ARGS
        )
        try:
            one = await _sessions(browser, url, n=1, rounds=ROUNDS * SESSIONS)
            five = await _sessions(browser, url, n=SESSIONS, rounds=ROUNDS)
        finally:
            await browser.close()
    return one, five


def _summary(label: str, sessions: list[Session]) -> float:
    """Print one figure's spread; return its median weight change in seconds."""
    changes = [s for session in sessions for s in session.changes_s]
    draws = [ms / 1000 for session in sessions for ms in session.draw_ms]
    median = statistics.median(changes)
    print(
        f"{label:<16} weight change -> redrawn map: median {median:.2f} s, max "
        f"{max(changes):.2f} s over {len(changes)} changes (browser drawing median "
        f"{statistics.median(draws):.2f} s); first maps "
        f"{', '.join(f'{session.first_map_s:.1f}' for session in sessions)} s",
        flush=True,
    )
    return median


def bench_load() -> None:
    """Time a weight change to the redrawn map for one and for five concurrent sessions."""
    from tests.benchmark_scale import bench_line

    try:
        from tests import test_browser as flow
    except ImportError as exc:  # dev extra absent
        print(f"app_5_sessions: skipped ({exc})")
        return
    if not flow.CHROMIUM.exists():
        print(f"app_5_sessions: skipped ({flow.CHROMIUM} absent)")
        return
    load_before = os.getloadavg()
    with flow.running_app(timeout_s=120) as url:
        one, five = asyncio.run(asyncio.wait_for(_measure(url), TOTAL_TIMEOUT_S))
    load_after = os.getloadavg()
    one_s = _summary("app_1_session", one)
    five_s = _summary("app_5_sessions", five)
    print(
        f"{'':<16} five sessions take {five_s / one_s:.1f}x one; 1-min load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores",
        flush=True,
    )
    print(bench_line("app_1_session", one_s), flush=True)
    print(bench_line("app_5_sessions", five_s, one_s), flush=True)


if __name__ == "__main__":
    bench_load()
