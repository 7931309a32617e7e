"""Benchmarks of the address-point and walking-network layers (issue 9) and ``features_1m``.

Called from :mod:`tests.benchmark_pipeline` (``make bench``); needs ../shared/data (the
Enschede address points and roads) and is skipped without it. Each baseline is what a
competent user would write with the same libraries (issue 16): one multi-source
``csgraph.dijkstra(min_only=True)`` for the walk, a plain ``cKDTree`` for the nearest
address; ``features_1m`` against geopandas' ``sjoin_nearest`` (100k sites, scaled).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.amenities import stops_from_ovapi
from geo.datadir import DataSource
from geo.dwellings import address_proximity, dwellings_from_file
from geo.features import nearest_distance_m
from geo.network import MAX_SNAP_M, WalkNetwork, network_from_gpkg, walking_distance_m
from geo.settings import CRS_RD

ADDRESSES = "enschede_addresses/address_points_enschede_2012.gpkg"
ROADS = "osm_enschede/osm_highways_enschede_2023-12.gpkg"

#: One row of the benchmark table: label, what, ours in s, baseline in s (or None).
Row = tuple[str, str, float, float | None]


def _timed(function: Callable[[], object], *, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def _points(xy: np.ndarray) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS_RD)


def _scipy_walk(network: WalkNetwork, sites: gpd.GeoSeries, stops: gpd.GeoSeries) -> np.ndarray:
    """Baseline: what a competent user writes with the same graph — snap both to their nearest
    node, one multi-source ``csgraph.dijkstra(..., min_only=True)`` from the stop nodes, look
    up each site's node. (It leaves out the stops' own snap metres, which ours adds.)"""
    stop_node, stop_snap = network.snap(stops)
    sources = np.unique(stop_node[stop_snap <= MAX_SNAP_M])
    reach = dijkstra(network.graph, directed=False, indices=sources, min_only=True)
    site_node, site_snap = network.snap(sites)
    return reach[site_node] + site_snap


def layer_benchmarks(source: DataSource) -> tuple[list[Row], list[str]]:
    """Run the layer benchmarks; return table rows and ``BENCH`` lines."""
    rows: list[Row] = []
    bench: list[str] = []
    if source.synthetic:
        return rows, bench
    rng = np.random.default_rng(9)

    build_s, network = _timed(lambda: network_from_gpkg(source.path / ROADS), repeat=3)
    rows.append(
        (
            f"walking graph build (Enschede OSM, {network.stats['nodes']:.0f} nodes)",
            "noding + csgraph",
            build_s,
            None,
        )
    )
    bench.append(f"BENCH network_build {build_s:.4f} - -")

    stops = stops_from_ovapi(source, area=network.coverage).geometry
    nodes = network.nodes_xy[rng.choice(len(network.nodes_xy), 20_000)]
    sites = _points(nodes + rng.uniform(-30, 30, nodes.shape))
    ours_s, walk = _timed(
        lambda: walking_distance_m(sites, stops, network=network, name="w"), repeat=3
    )
    base_s, _ = _timed(lambda: _scipy_walk(network, sites, stops), repeat=3)
    rows.append(
        (
            f"walk to nearest stop, 20000 sites x {len(stops)} stops",
            "ours vs dijkstra(min_only)",
            ours_s,
            base_s,
        )
    )
    bench.append(f"BENCH walk_20k {ours_s:.4f} {base_s:.4f} {base_s / ours_s:.2f}")
    on = walk["source__w"] == "network"
    straight = nearest_distance_m(sites, stops, name="d")
    circuity = float((walk.loc[on, "w"] / straight[on]).median())
    rows.append(
        (f"  median walk / straight line (Enschede, {on.mean():.0%} on net)", "", circuity, None)
    )

    addresses = dwellings_from_file(source.path / ADDRESSES)
    xmin, ymin, xmax, ymax = addresses.total_bounds
    box_xy = rng.uniform([xmin, ymin], [xmax, ymax], size=(1_000_000, 2))
    sites_20k = _points(box_xy[:20_000])
    ours_s, _ = _timed(lambda: address_proximity(box_xy[:20_000], addresses, ()), repeat=3)
    address_xy = shapely.get_coordinates(addresses.geometry.to_numpy())
    site_xy = shapely.get_coordinates(sites_20k.to_numpy())
    # Baseline: a plain KD-tree over the address points, built and queried (what ours does
    # at heart, without the measured/estimated bookkeeping).
    base_s, _ = _timed(lambda: cKDTree(address_xy).query(site_xy), repeat=3)
    rows.append(
        (
            f"nearest address, 20000 sites x {len(addresses)} points",
            "ours vs plain cKDTree",
            ours_s,
            base_s,
        )
    )
    bench.append(f"BENCH nearest_address_20k {ours_s:.4f} {base_s:.4f} {base_s / ours_s:.2f}")

    stop_xy = shapely.get_coordinates(stops.to_numpy())

    def ours_1m() -> object:
        nearest_stop = cKDTree(stop_xy).query(box_xy)[0]
        return nearest_stop, address_proximity(box_xy, addresses, (250.0,))

    ours_s, _ = _timed(ours_1m)
    n_base = 100_000
    base_sites = gpd.GeoDataFrame(geometry=_points(box_xy[:n_base]))
    stop_frame = gpd.GeoDataFrame(geometry=stops.reset_index(drop=True))
    address_frame = gpd.GeoDataFrame(geometry=addresses.geometry)

    def baseline() -> object:
        a = base_sites.sjoin_nearest(stop_frame, distance_col="d")
        b = base_sites.sjoin_nearest(address_frame, distance_col="d")
        pairs = base_sites.sjoin(address_frame, predicate="dwithin", distance=250)
        counts = pairs.groupby(level=0).size().reindex(base_sites.index, fill_value=0)
        return a, b, counts

    slow_s, _ = _timed(baseline)
    base_s = slow_s * len(box_xy) / n_base
    rows.append(
        (
            "features 1M sites: stop, address, count 250 m",
            "KD-tree vs sjoin (100k sc.)",
            ours_s,
            base_s,
        )
    )
    bench.append(f"BENCH features_1m {ours_s:.4f} {base_s:.3f} {base_s / ours_s:.1f}")
    return rows, bench


def print_rows(rows: list[Row]) -> None:
    """Print rows in the layout of :mod:`tests.benchmark_pipeline`."""
    for label, what, ours, baseline in rows:
        ratio = f"{baseline / ours:7.2f}x" if baseline else ""
        base = f"{baseline:11.3f}" if baseline else ""
        print(f"{label:<58} {what:<24} {ours:9.4f} {base:>11} {ratio:>7}")


if __name__ == "__main__":
    from geo.datadir import resolve_data_dir

    table, lines = layer_benchmarks(resolve_data_dir())
    print_rows(table)
    print("\n".join(lines))
