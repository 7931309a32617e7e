"""Benchmark of the suitability surface (issue 20): Enschede and Twente at 25 m (and 19 m).

``BENCH surface_enschede`` and ``BENCH surface_twente`` time :func:`criteria.surface.
compute_surface` (every cell featurised and scored block by block, and the Cloud-Optimized
GeoTIFF written) with the Skaeve Huse profile and the Enschede address points; the layers are
read beforehand (printed apart). The baseline is the per-cell way: each cell as a one-site
inventory through :func:`geo.features.candidate_features` and :func:`criteria.scoring.score`,
timed on a sample of :data:`BASELINE_SAMPLE` cells and extrapolated to all cells (stated in
the line). The CPU time of the surface is printed beside the wall time: on a shared machine
the wall time also counts the other processes. Each region runs in its own process, which
prints its peak memory (ru_maxrss).

Run: ``.venv/bin/python -m tests.benchmark_pipeline surface`` (or ``-m tests.benchmark_surface``).
Needs ../shared/data; skipped without it.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ADDRESSES = "enschede_addresses/address_points_enschede_2012.gpkg"
#: Cells timed one by one for the baseline.
BASELINE_SAMPLE = 40
#: Region -> (gemeenten or None for the preset, cell size in metres). The Twente preset's
#: 8 gemeenten hold 1.36 million cells of 25 m; at 19 m they hold about 2.35 million, the
#: size the issue names for Twente.
REGIONS = {
    "enschede": (("GM0153",), 25.0),
    "twente": (None, 25.0),
    "twente_19m": (None, 19.0),
}


def run(region_name: str) -> dict[str, float]:
    """Compute one region's surface in this process; return the figures."""
    import geopandas as gpd

    from criteria.profiles import load_profile
    from criteria.scoring import score
    from criteria.surface import compute_surface, surface_profile
    from geo.datadir import resolve_data_dir
    from geo.features import candidate_features
    from geo.regions import resolve_region
    from geo.settings import CRS_RD
    from geo.surface import NODATA, surface_layers

    source = resolve_data_dir(None)
    gemeenten, cell_m = REGIONS[region_name]
    preset = None if gemeenten else region_name.split("_")[0]
    region = resolve_region(preset, gemeenten=gemeenten)
    start = time.perf_counter()
    layers = surface_layers(region, source, dwellings_path=source.path / ADDRESSES)
    load_s = time.perf_counter() - start
    profile = load_profile("skaeve_huse")
    start, cpu = time.perf_counter(), time.process_time()
    surface = compute_surface(layers, profile, cell_m=cell_m)
    ours, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows, cols = np.nonzero(surface.score != NODATA)
    pick = np.random.default_rng(20).choice(len(rows), size=BASELINE_SAMPLE, replace=False)
    x, y = surface.grid.centres(rows[pick], cols[pick])
    place = surface_profile(profile).profile
    options = layers.feature_options()
    start = time.perf_counter()
    for xi, yi in zip(x, y, strict=True):
        site = gpd.GeoDataFrame(geometry=gpd.points_from_xy([xi], [yi]), crs=CRS_RD)
        score(candidate_features(site, **options), place)
    per_cell = (time.perf_counter() - start) / BASELINE_SAMPLE
    return {
        "cells": surface.n_cells,
        "cell_m": cell_m,
        "grid_cells": surface.grid.width * surface.grid.height,
        "load_s": load_s,
        "ours_s": ours,
        "cpu_s": cpu,
        "baseline_s": per_cell * surface.n_cells,
        "per_cell_s": per_cell,
        "peak_mib": peak_mib,
        "geotiff_mib": len(surface.geotiff) / 2**20,
    }


def bench_surface() -> None:
    """Run each region in its own process and print the BENCH lines."""
    from geo.datadir import resolve_data_dir

    if resolve_data_dir(None).synthetic:
        print("surface: skipped, ../shared/data is absent", flush=True)
        return
    for name in REGIONS:
        done = subprocess.run(
            [sys.executable, "-m", "tests.benchmark_surface", "run", name],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"surface {name}: {figures['cells']:,} cells of {figures['cell_m']:g} m "
            f"(grid {figures['grid_cells']:,})"
            f", layers {figures['load_s']:.1f} s, surface + COG {figures['ours_s']:.1f} s "
            f"(CPU {figures['cpu_s']:.1f} s: the machine is shared), "
            f"peak memory {figures['peak_mib']:.0f} MiB, GeoTIFF {figures['geotiff_mib']:.1f} "
            f"MiB; baseline: {figures['per_cell_s'] * 1000:.0f} ms per cell as a one-site "
            f"inventory, timed on {BASELINE_SAMPLE} cells and extrapolated",
            flush=True,
        )
        ours, baseline = figures["ours_s"], figures["baseline_s"]
        print(f"BENCH surface_{name} {ours:.4f} {baseline:.4f} {baseline / ours:.1f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        print(json.dumps(run(sys.argv[2])))
    else:
        bench_surface()
