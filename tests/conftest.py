"""Shared fixtures: the real data directory (skipped when absent) and the synthetic demo."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pytest
from hypothesis import settings
from shapely.geometry import Point, box

from geo.datadir import DataSource, shared_data_dir
from geo.datasets.demo import ensure_demo_data
from geo.settings import CACHE_DIR_ENV, CRS_RD

# Timing deadlines make property tests flaky on a busy 2-core CI machine; speed is measured
# in the benchmark instead. In CI the examples are fixed (derandomize) so a landing never
# hangs on a new random draw; local runs keep exploring.
settings.register_profile("plekwijzer", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("plekwijzer")


@pytest.fixture(scope="session", autouse=True)
def _layer_cache_in_a_temporary_folder(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Keep the derived-layer cache (geo.layer_cache) of test runs out of the user's cache.

    Commands run as subprocesses inherit it through the environment.
    """
    before = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(tmp_path_factory.mktemp("layer-cache"))
    yield
    if before is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = before


TWENTE = ("GM0147", "GM1774", "GM0153", "GM0158", "GM0164", "GM1735", "GM0168", "GM0173")


def sites_at(*points: tuple[float, float], **columns: list) -> gpd.GeoDataFrame:
    """Points in EPSG:28992 with ids ``S1``, ``S2``, … and names, plus any further columns."""
    ids = [f"S{i + 1}" for i in range(len(points))]
    return gpd.GeoDataFrame(
        {"id": ids, "name": [f"Site {i}" for i in ids], **columns},
        geometry=[Point(x, y) for x, y in points],
        crs=CRS_RD,
    )


@pytest.fixture(scope="session")
def shared_source() -> DataSource:
    """The real open data in ../shared/data; tests using it skip when it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent: real-data tests need it beside the project")
    return DataSource(path=path, synthetic=False, origin="../shared/data")


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> DataSource:
    """A freshly generated synthetic demo data directory."""
    path = ensure_demo_data(tmp_path_factory.mktemp("demo") / "demo")
    return DataSource(path=path, synthetic=True, origin="synthetic demo")


@pytest.fixture
def tiny_buurten() -> gpd.GeoDataFrame:
    """Two 1 km buurten side by side in one wijk, EPSG:28992."""
    return gpd.GeoDataFrame(
        {
            "code": ["BU00010001", "BU00010002"],
            "name": ["West", "Oost"],
            "level": "buurt",
            "buurtcode": ["BU00010001", "BU00010002"],
            "wijkcode": ["WK000100", "WK000100"],
            "gemeentecode": ["GM0001", "GM0001"],
            "gemeentenaam": ["Testdorp", "Testdorp"],
            "inhabitants": [1000.0, 3000.0],
            "households": [500.0, 1500.0],
            "land_area_ha": [100.0, 100.0],
            "address_density_per_km2": [100.0, 2500.0],
            "income_per_inhabitant_keur": [30.0, 20.0],
            "woz_value_keur": [400.0, 200.0],
            "owner_occupied_pct": [80.0, 40.0],
            "crimes_per_1000": [10.0, 50.0],
            "good_health_pct": [80.0, 70.0],
            "urbanity": [4.0, 2.0],
            "distance_to_gp_km": [2.0, 0.5],
            "distance_to_supermarket_km": [1.0, 0.5],
            "geometry_approximate": False,
        },
        geometry=[box(100_000, 400_000, 101_000, 401_000), box(101_000, 400_000, 102_000, 401_000)],
        crs=CRS_RD,
        index=["BU00010001", "BU00010002"],
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's), for the browser tests; skipped when absent."""
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
