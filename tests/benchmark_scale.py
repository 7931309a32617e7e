"""Benchmarks at real inventory sizes and national scale, each against a baseline.

Groups (``python -m tests.benchmark_pipeline map spread app cli memory national report
load``; all by default):

* ``map``: weight change -> map payload for 20,000 sites (ours: :func:`geo.mapdata.site_payload`;
  baseline: one folium ``GeoJson`` layer of circle markers on a ``prefer_canvas`` map,
  coloured by score, rendered to the page ``st_folium`` sends), and the redraw in headless
  Chromium (20,000 ILLUSTRATIVE candidates uploaded to the running app).
* ``spread``: ``spread --gemeenten all`` in process (baseline: the same run with the buurt
  union for the stop search and dissolved unit shapes, as before).
* ``app``: first run to first map, and a Twente weight change (the whole script rerun,
  ``app_rerun``), under ``AppTest`` in a fresh process. ``app_rescore`` (in ``map``) is the
  server work of one weight change at 20,000 sites: the prepared stage weighed again, the
  shortlist, the spread after and the map payload; baseline: the same with the criteria
  matrix rebuilt, as before the one door.
* ``cli``: ``plekwijzer --help`` as a subprocess (baseline: ``python -c "import geopandas"``,
  what a CLI importing its libraries up front pays); ``cli_score_1gm`` and ``cli_report``: a
  one-gemeente ``score`` (Enschede, illustrative inventory) and the ``report`` of its scenario
  file, median whole-process wall time of 5 (targets 1.5 s and 8 s), the derived-layer cache
  filled; baseline: the imports each cannot do without, in a fresh interpreter.
  ``cli_score_1gm_cache`` and ``cli_report_cache``: the same against the cache switched off;
  ``cli_score_1gm_cold``: a first run filling an empty cache, against the cache off.
* ``memory``: peak resident memory of ``plekwijzer score`` on a 1,000,000-row inventory in
  Twente (:mod:`tests.benchmark_memory`), in a fresh process; printed in GiB (the aim is
  under 2 GB), with the wall time beside it.
* ``national``: screening of a SYNTHETIC national candidate table (random features, points
  in each gemeente's bounding box, as many per gemeente as its share of inhabitants),
  partitioned by gemeente, on a local dask.distributed cluster (started inside the timed
  call); baseline: the same read, score and GeoParquet write in one process, measured on
  1,000,000 rows and scaled by 10. The curve covers 10k, 100k, 1M and 10M candidates.
* ``report``: the Drechtsteden example report (README) with ``plekwijzer report`` to PDF, in
  a fresh process, imports included (target: 15 s).
* ``load``: one running app, a weight change to the redrawn map in one headless Chromium
  session and in five concurrent ones (``app_1_session``, ``app_5_sessions``; median
  seconds), :mod:`tests.benchmark_load`.

Each figure is printed as ``BENCH <name> <ours_s> <baseline_s or -> <ratio or ->`` (ratio =
baseline / ours), besides a readable line.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from geo.settings import CACHE_DIR_ENV
from tests.benchmark_surface import bench_surface

ROOT = Path(__file__).resolve().parents[1]
#: Screening sizes of the time-against-size curve.
NATIONAL_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)


def bench_line(name: str, ours: float, baseline: float | None = None) -> str:
    """Return the machine-readable line of one figure."""
    if baseline is None:
        return f"BENCH {name} {ours:.4f} - -"
    return f"BENCH {name} {ours:.4f} {baseline:.4f} {baseline / ours:.1f}"


def report(name: str, what: str, ours: float, baseline: float | None = None) -> None:
    """Print a readable line and the BENCH line of one figure."""
    base = f" baseline {baseline:.3f} s ({baseline / ours:.0f}x)" if baseline else ""
    print(f"{name:<18} {what:<62} {ours:8.3f} s{base}", flush=True)
    print(bench_line(name, ours, baseline), flush=True)


def timed(function: Callable[[], object], *, repeat: int = 3) -> tuple[float, object]:
    """Return the best wall time in seconds of ``repeat`` runs and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def _source():
    from geo.datadir import resolve_data_dir

    return resolve_data_dir(None)


def _home_region(source) -> str:
    return "demo" if source.synthetic else "twente"


# --- map --------------------------------------------------------------------------------


def bench_map(*, n: int = 20_000) -> None:
    """Map payload after a weight change for n sites, ours and folium's; browser redraw."""
    from criteria.run import prepare, run_scenario
    from criteria.scenario import Scenario
    from geo import mapdata, mapview
    from geo.datasets.illustrative import illustrative_candidates
    from geo.regions import resolve_region
    from geo.workspace import load_region_data

    source = _source()
    region = resolve_region(_home_region(source))
    with tempfile.TemporaryDirectory(prefix="plekwijzer-bench-") as folder:
        inventory = Path(folder) / f"illustratief_{n}.csv"
        buurten = load_region_data(region, source).buurten
        illustrative_candidates(buurten, n=n).to_csv(inventory, index=False)
        data = load_region_data(region, source, candidates_path=inventory)
        profile = "noaberhuuske"
        weights = iter(np.linspace(0.1, 0.9, 40))
        base = Scenario(profile=profile, region=region.name, use_defaults=True)
        prepared = prepare(base, data)  # the app's cached stage 1

        def moved() -> Scenario:
            return base.replace(weights=(("ov_access", float(next(weights))),))

        def rescored():
            return prepared.run(moved()).table

        def app_rescore() -> object:
            return mapdata.site_payload(rescored())

        def rebuilt() -> object:
            # What a weight change cost before the one door: stage 1 again on every move.
            return mapdata.site_payload(run_scenario(moved(), data=data).table)

        fast, _ = timed(app_rescore, repeat=5)
        slow, _ = timed(rebuilt, repeat=3)
        report(
            "app_rescore",
            f"weight change -> scores, shortlist, spread, map payload ({n:,} sites)",
            fast,
            slow,
        )

        def ours() -> object:
            payload = mapdata.site_payload(rescored())
            json.dumps(payload.meta())  # what the component sends besides the bytes
            return payload

        def folium_layer() -> object:
            # Baseline: what a competent folium user writes for many points — one GeoJson
            # layer of circle markers on a canvas map (prefer_canvas), coloured by score and
            # with the same tooltip fields, rendered to the page st_folium would send.
            import folium

            table = rescored().to_crs("EPSG:4326")
            span = mapview.score_range(table)
            sites = table[["id", "name", "score", "excluded", "geometry"]].assign(
                colour=[
                    mapview.score_colour(score, excluded=out, span=span)
                    for score, out in zip(table["score"], table["excluded"], strict=True)
                ]
            )
            fmap = folium.Map(prefer_canvas=True, tiles=None)
            folium.GeoJson(
                sites,
                marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.95, weight=1),
                style_function=lambda f: {"fillColor": f["properties"]["colour"]},
                tooltip=folium.GeoJsonTooltip(["id", "name", "score"]),
            ).add_to(fmap)
            return fmap.get_root().render()

        fast, payload = timed(ours, repeat=3)
        slow, html = timed(folium_layer, repeat=1)
        report(
            "map_20k",
            f"weight change -> map payload, {n:,} sites ({len(payload.numbers) >> 10} KiB + ids)",
            fast,
            slow,
        )
        print(f"{'':<18} folium canvas GeoJson page: {len(html) / 2**20:.1f} MiB", flush=True)
        if not source.synthetic:
            _bench_browser(inventory, n=n)


def _bench_browser(inventory: Path, *, n: int) -> None:
    try:
        from playwright.sync_api import sync_playwright

        from tests import test_browser as flow
    except ImportError as exc:  # dev extra absent
        print(f"map_20k_browser: skipped ({exc})")
        return
    if not flow.CHROMIUM.exists():
        print(f"map_20k_browser: skipped ({flow.CHROMIUM} absent)")
        return
    with flow.running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(flow.CHROMIUM), args=flow.CHROMIUM_ARGS
        )
        try:
            page, _, _ = flow.offline_page(browser, url)
            page.goto(url)
            flow.map_frame(page)
            frame = flow.upload_candidates(page, inventory, n=n)
            times, draw_ms = [], []
            for _ in range(3):
                times.append(flow.change_weight(page, frame, timeout_ms=120_000))
                draw_ms.append(frame.evaluate("() => Number(document.body.dataset.drawMs)"))
            server = page.get_by_text("Herberekend en kaart opgebouwd in").inner_text()
        finally:
            browser.close()
    report(
        "map_20k_browser",
        f"weight change -> redrawn map in headless Chromium, {n:,} sites",
        min(times),
    )
    print(
        f"{'':<18} all three: {', '.join(f'{t:.2f}' for t in times)} s, of which drawing in "
        f"the browser {', '.join(f'{ms / 1000:.2f}' for ms in draw_ms)} s; last: {server}",
        flush=True,
    )


# --- spread -----------------------------------------------------------------------------


def synthetic_register(buurten, *, n: int = 3_000, seed: int = 5):
    """Return a SYNTHETIC national facility register (CSV columns), by inhabitants."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    shaped = buurten[buurten.geometry.notna() & buurten["inhabitants"].gt(0)]
    weight = shaped["inhabitants"].to_numpy(float)
    picks = rng.choice(len(shaped), n, p=weight / weight.sum())
    points = shaped.geometry.iloc[picks].sample_points(1, rng=rng).get_geometry(0)
    kinds = ["beschermd_wonen", "housing_first", "nachtopvang", "dagopvang", "vrouwenopvang"]
    types = rng.choice(kinds, n)
    return pd.DataFrame(
        {
            "id": [f"SYN-{i:05d}" for i in range(n)],
            "name": "synthetisch",
            "type": types,
            "places": rng.integers(1, 30, n),
            "x": points.x.round(1).to_numpy(),
            "y": points.y.round(1).to_numpy(),
            "confidential": np.where(types == "vrouwenopvang", "ja", "nee"),
        }
    )


def bench_spread() -> None:
    """spread --gemeenten all in process; baseline with the former union and dissolve."""
    from geo.amenities import stations_from_chb, stops_from_ovapi
    from geo.neighbourhoods import aggregate_neighbourhoods, neighbourhoods_from_cbs
    from geo.regions import resolve_region
    from geo.spread_report import spread_report
    from geo.spread_result import SpreadReport
    from geo.workspace import load_region_data

    source = _source()
    with tempfile.TemporaryDirectory(prefix="plekwijzer-bench-") as folder:
        register = Path(folder) / "register.csv"
        synthetic_register(neighbourhoods_from_cbs(source)).to_csv(register, index=False)

        def ours() -> SpreadReport:
            region = resolve_region(gemeenten="all", source=source)
            data = load_region_data(
                region, source, facilities_path=register, use_defaults=False, with_candidates=False
            )
            return spread_report(data.buurten, data.facilities, published=data.published)

        def baseline() -> SpreadReport:
            result = ours()
            region = resolve_region(gemeenten="all", source=source)
            buurten = neighbourhoods_from_cbs(source, gemeenten=region.gemeenten)
            area = buurten.geometry.dropna().union_all()
            stops_from_ovapi(source, area=area)
            stations_from_chb(source, area=area)
            aggregate_neighbourhoods(buurten, level="gemeente")
            return result

        fast, result = timed(ours, repeat=3)
        slow, _ = timed(baseline, repeat=1)
        units = len(result.units)
        report("spread_national", f"spread over {units} gemeenten, in process", fast, slow)
        command = [sys.executable, "-m", "cli", "spread", "--gemeenten", "all"]
        command += ["--facilities", str(register), "--out", str(Path(folder) / "s.json")]
        wall, _ = timed(lambda: subprocess.run(command, cwd=ROOT, check=True, capture_output=True))
        print(f"{'':<18} the same as a command (interpreter and imports included): {wall:.2f} s")


# --- app and cli ------------------------------------------------------------------------

_APP_SCRIPT = """
import json, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=300)
at.session_state["tab"] = "Kaart"  # a region of several gemeenten opens on Verdeelplan
start = time.perf_counter()
at.run()
cold = time.perf_counter() - start
assert not at.exception, at.exception
slider = at.sidebar.select_slider[0]
rescore = []
for step in (0.05, 0.10, 0.15):
    slider.set_value(round(min(1.0, slider.value + step), 2))
    start = time.perf_counter()
    at.run()
    rescore.append(time.perf_counter() - start)
    assert not at.exception, at.exception
print(json.dumps({"cold": cold, "rescore": rescore}))
"""


def bench_app() -> None:
    """First run to first map and a weight change, under AppTest in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", _APP_SCRIPT, str(ROOT / "app.py")],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    region = _home_region(_source())
    what = f"first run to first map ({region}, AppTest, fresh process)"
    report("app_cold", what, figures["cold"])
    report(
        "app_rerun",
        f"weight change -> new page ({region}, whole AppTest rerun)",
        min(figures["rescore"]),
    )


def bench_cli() -> None:
    """``plekwijzer --help`` against importing geopandas."""
    script = Path(sys.executable).with_name("plekwijzer")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli"]

    def run(argv: list[str]) -> object:
        return subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)

    fast, _ = timed(lambda: run([*command, "--help"]), repeat=5)
    slow, _ = timed(lambda: run([sys.executable, "-c", "import geopandas"]), repeat=3)
    report("cli_start", "plekwijzer --help (subprocess)", fast, slow)
    bench_cli_commands(command)


def _median_wall(
    argv: list[str],
    *,
    repeat: int,
    env: dict[str, str] | None = None,
    before: Callable[[], None] | None = None,
) -> float:
    """Median wall seconds of ``repeat`` whole-process runs (a lucky run must not count).

    ``before`` runs ahead of each run, untimed (e.g. emptying the cache for a cold start).
    The median CPU seconds (user + system) of the runs is kept in ``_LAST_CPU``: on a shared
    machine the wall time is partly waiting for a core.
    """
    seconds, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, env=env)
        seconds.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
    _LAST_CPU[0] = float(np.median(cpu))
    return float(np.median(seconds))


#: Median CPU seconds of the last :func:`_median_wall`.
_LAST_CPU = [math.nan]


def bench_cli_commands(command: list[str]) -> None:
    """One-gemeente ``score`` and its ``report``, whole process (targets 1.5 s and 8 s).

    ``cli_score_1gm`` and ``cli_report`` run as a user's second run does: the derived-layer
    cache (:mod:`geo.layer_cache`) filled. Baseline: the imports neither command can do
    without, in a fresh interpreter (geopandas and scipy.spatial for score; with matplotlib
    and weasyprint for the report), so the ratio says how far above that floor start-up and
    work take the command. ``*_cache`` is the cached run against the same command with the
    cache switched off (every layer parsed from the data directory, as before the cache);
    ``cli_score_1gm_cold`` is a first run that fills an empty cache, against the uncached
    run (what writing the cache costs).
    """
    if _source().synthetic:
        print("cli_score_1gm/cli_report: skipped, ../shared/data is absent (Enschede)")
        return
    illustrative = ROOT / "data" / "illustrative"
    with tempfile.TemporaryDirectory(prefix="plekwijzer-bench-") as folder:
        cache = Path(folder) / "cache"
        warm = {**os.environ, CACHE_DIR_ENV: str(cache)}
        off = {**os.environ, CACHE_DIR_ENV: "off"}
        out = Path(folder) / "enschede.geojson"
        score = [
            *command,
            "score",
            "--profile",
            "noaberhuuske",
            "--gemeenten",
            "GM0153",
            "--candidates",
            str(illustrative / "twente_candidates.csv"),
            "--facilities",
            str(illustrative / "twente_facilities.csv"),
            "--out",
            str(out),
        ]
        subprocess.run(score, cwd=ROOT, check=True, capture_output=True, env=warm)
        ours = _median_wall(score, repeat=5, env=warm)
        ours_cpu = _LAST_CPU[0]
        floor = [sys.executable, "-c", "import geopandas, scipy.spatial"]
        floor_s = _median_wall(floor, repeat=5)
        what = f"score, Enschede, cache filled (CPU {ours_cpu:.2f} s, floor {_LAST_CPU[0]:.2f})"
        report("cli_score_1gm", what, ours, floor_s)
        uncached = _median_wall(score, repeat=5, env=off)
        what = f"the same, cache off as baseline (CPU {_LAST_CPU[0]:.2f} s)"
        report("cli_score_1gm_cache", what, ours, uncached)
        cold = _median_wall(
            score, repeat=5, env=warm, before=lambda: shutil.rmtree(cache, ignore_errors=True)
        )
        what = f"first run filling an empty cache (CPU {_LAST_CPU[0]:.2f} s); base: cache off"
        report("cli_score_1gm_cold", what, cold, uncached)
        pdf = Path(folder) / "enschede.pdf"
        scenario = out.with_suffix(".scenario.json")
        report_command = [*command, "report", "--scenario", str(scenario), "--out", str(pdf)]
        ours = _median_wall(report_command, repeat=5, env=warm)
        ours_cpu = _LAST_CPU[0]
        floor = [
            sys.executable,
            "-c",
            "import geopandas, scipy.spatial, matplotlib.pyplot, weasyprint",
        ]
        floor_s = _median_wall(floor, repeat=3)
        what = f"report of it, cache filled (CPU {ours_cpu:.2f} s, floor {_LAST_CPU[0]:.2f})"
        report("cli_report", what, ours, floor_s)
        uncached = _median_wall(report_command, repeat=5, env=off)
        what = f"the same, cache off as baseline (CPU {_LAST_CPU[0]:.2f} s)"
        report("cli_report_cache", what, ours, uncached)


# --- memory -----------------------------------------------------------------------------


def bench_memory(rows: int = 1_000_000) -> None:
    """Peak RSS of ``plekwijzer score`` on ``rows`` sites, in its own process."""
    from tests.benchmark_memory import make_inventory, peak_rss_of_score

    if _source().synthetic:
        print("memory: skipped, ../shared/data is absent (the inventory lies in Twente)")
        return
    with tempfile.TemporaryDirectory(prefix="plekwijzer-bench-") as folder:
        inventory = Path(folder) / "inventory.csv"
        make_inventory(inventory, rows=rows)
        start = time.perf_counter()
        peak_gib = peak_rss_of_score(inventory, Path(folder) / "out.geojson")
        seconds = time.perf_counter() - start
    print(
        f"{'score_1m_peak_rss':<18} {f'plekwijzer score, {rows:,} rows: peak RSS (GiB)':<62} "
        f"{peak_gib:8.3f} GiB in {seconds:.0f} s",
        flush=True,
    )
    print(f"BENCH score_1m_peak_rss_gib {peak_gib:.3f} - -", flush=True)


# --- national ---------------------------------------------------------------------------


def synthetic_national(folder: Path, *, n: int, seed: int = 1) -> int:
    """Write n SYNTHETIC candidates with tussenvoorziening features, one file per gemeente.

    Points lie in the bounding box of their gemeente's buurten; each gemeente gets a share
    of n in proportion to its inhabitants. Features are random. Returns the rows written.
    """
    import geopandas as gpd

    from geo.neighbourhoods import neighbourhoods_from_cbs
    from geo.settings import CRS_RD

    buurten = neighbourhoods_from_cbs(_source())
    shaped = buurten[buurten.geometry.notna()]
    bounds = shaped.geometry.bounds.groupby(shaped["gemeentecode"]).agg(
        {"minx": "min", "miny": "min", "maxx": "max", "maxy": "max"}
    )
    people = shaped.groupby("gemeentecode")["inhabitants"].sum().reindex(bounds.index)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, (people / people.sum()).to_numpy())
    uses = np.array(["kantoor", "school", "zorg", "winkel", "bedrijf", "grond", "kerk", "woning"])
    folder.mkdir(parents=True, exist_ok=True)
    for code, k in zip(bounds.index, counts, strict=True):
        if k == 0:
            continue
        box = bounds.loc[code]
        frame = gpd.GeoDataFrame(
            {
                "id": np.char.add(f"{code}-", np.arange(k).astype(str)),
                "gemeentecode": code,
                "use": uses[rng.integers(0, len(uses), k)],
                "floor_area_m2": np.round(np.exp(rng.normal(6.5, 0.9, k))),
                "buurt_draagkracht": rng.uniform(0, 1, k),
                "facilities_within_1000m": rng.poisson(1.0, k).astype(float),
                "walk_to_bus_tram_stop_m": rng.exponential(520, k),
                "walk_to_dagopvang_m": rng.exponential(2500, k),
                "buurt_distance_to_supermarket_km": rng.exponential(0.9, k),
                "buurt_distance_to_gp_km": rng.exponential(1.1, k),
            },
            geometry=gpd.points_from_xy(
                rng.uniform(box["minx"], box["maxx"], k), rng.uniform(box["miny"], box["maxy"], k)
            ),
            crs=CRS_RD,
        )
        frame.to_parquet(folder / f"{code}.parquet", index=False)
    return int(counts.sum())


def bench_national(sizes: tuple[int, ...] = NATIONAL_SIZES) -> None:
    """Partitioned screening on dask at each size; one-process baseline up to 1M, scaled."""
    import geopandas as gpd
    import pandas as pd

    from criteria.profiles import load_profile
    from criteria.screening import screen_dataset, screen_table

    profile = load_profile("tussenvoorziening")
    curve = []
    with tempfile.TemporaryDirectory(prefix="plekwijzer-national-") as folder:
        for n in sizes:
            table = Path(folder) / f"national_{n}"
            started = time.perf_counter()
            synthetic_national(table, n=n)
            made = time.perf_counter() - started
            out = Path(folder) / f"screened_{n}"
            result = screen_dataset(table, profile, out=out, top_n=10)
            single = None
            if n <= 1_000_000:
                files = sorted(table.glob("*.parquet"))

                def one_process(files: list[Path] = files, n: int = n) -> object:
                    # The same work in one process: read, score, write GeoParquet.
                    frame = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
                    result = screen_table(frame, profile)
                    result.to_parquet(Path(folder) / f"one_process_{n}.parquet", index=False)
                    return result

                single, _ = timed(one_process, repeat=1)
            curve.append((n, result["seconds"], single))
            print(
                f"{'':<18} {n:>10,} candidates: dask {result['seconds']:7.2f} s "
                f"({result['partitions']} partitions, {result['scheduler']}), one process "
                f"{f'{single:7.2f} s' if single else '      -'}; table written in {made:.1f} s",
                flush=True,
            )
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(table, ignore_errors=True)
    largest, dask_s, _ = curve[-1]
    measured = [(n, s) for n, _, s in curve if s is not None]
    base_n, base_s = measured[-1]
    scaled = base_s * largest / base_n
    report(
        "national_10m" if largest == 10_000_000 else f"national_{largest}",
        f"screening {largest:,} synthetic candidates on dask (baseline: one process, "
        f"{base_n:,} rows x {largest // base_n})",
        dask_s,
        scaled,
    )
    for n, seconds, _ in curve:
        print(f"CURVE national_screening {n} {seconds:.3f}", flush=True)


_REPORT_SCRIPT = """
import sys, time
start, cpu = time.perf_counter(), time.process_time()
from cli import main
code = main(sys.argv[1:])
print(time.perf_counter() - start, time.process_time() - cpu, code)
"""


def bench_report() -> None:
    """The Drechtsteden example report as README shows it: ``plekwijzer report`` to PDF.

    Timed in a fresh process from start-up (imports included) to the written PDF, the
    scenario file made beforehand by ``plekwijzer score``. Without ../shared/data the demo
    region stands in.
    """
    source = _source()
    region = "demo" if source.synthetic else "drechtsteden"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "dr.geojson"
        score = ["score", "--profile", "tussenvoorziening", "--region", region,
                 "--top", "6", "--min-spacing-m", "1500", "--out", str(out)]  # fmt: skip
        if not source.synthetic:
            from geo.datasets.illustrative import illustrative_paths

            paths = illustrative_paths(region)
            score += [
                "--candidates",
                str(paths["candidates"]),
                "--facilities",
                str(paths["facilities"]),
            ]
        else:
            from geo.datasets.demo import DEMO_CANDIDATES

            score += ["--candidates", str(source.path / DEMO_CANDIDATES)]
        subprocess.run([sys.executable, "-c", _REPORT_SCRIPT, *score], cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        args = ["report", "--scenario", str(out.with_suffix(".scenario.json")),
                "--out", str(Path(folder) / "dr.pdf")]  # fmt: skip

        def run() -> tuple[float, float]:
            done = subprocess.run([sys.executable, "-c", _REPORT_SCRIPT, *args], cwd=ROOT,
                                  check=True, capture_output=True, text=True)  # fmt: skip
            wall, cpu, _ = done.stdout.split()[-3:]
            return float(wall), float(cpu)

        seconds, cpu = min(run() for _ in range(2))
    # CPU seconds beside the wall time: on a shared machine the wall time is mostly waiting.
    report("report", f"{region} example report to PDF (fresh process, {cpu:.1f} s CPU)", seconds)


GROUPS: dict[str, Callable[[], None]] = {
    "map": bench_map,
    "spread": bench_spread,
    "app": bench_app,
    "cli": bench_cli,
    "memory": bench_memory,
    "national": bench_national,
    "report": bench_report,
    "surface": bench_surface,
    "plan": lambda: __import__("tests.benchmark_plan").benchmark_plan.bench_plan(),
    "load": lambda: __import__("tests.benchmark_load").benchmark_load.bench_load(),
}


def main(groups: list[str] | None = None) -> None:
    """Run the chosen groups (all when None)."""
    for name in groups or list(GROUPS):
        GROUPS[name]()


if __name__ == "__main__":
    main(sys.argv[1:] or None)
