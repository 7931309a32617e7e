"""Walking network: a routable graph from OSM roads and walking metres to the nearest target.

The graph is built from road lines, either a GeoPackage such as the Enschede extract in
``../shared/data/osm_enschede`` (:func:`network_from_gpkg`) or a local OSM ``.osm`` file read
with osmnx (:func:`roads_from_osm_xml` then :func:`network_from_roads`):

* **walkable lines**: every ``highway`` except motorways, trunk roads and their links,
  construction, proposed and bus-only ways, and except ways tagged ``foot=no`` (or
  ``access=no/private`` without a ``foot`` permission); pedestrian areas walk along their
  outline;
* **noding** by shared coordinates (rounded to 1 cm): OSM ways meet at shared nodes, so
  junctions are exact and a bridge never meets the road under it. Layers that do not share
  vertices can be noded with ``noding="union"`` (shapely ``unary_union``: every crossing
  becomes a junction, bridges included);
* **gap bridging**: extracts that lack some road classes (the Enschede extract has no
  secondary, tertiary, service or cycleway lines) leave footways ending a road's width from
  the next piece of network. A dead end within ``bridge_gaps_m`` (20 m) of a node of another
  connected piece is joined to it by a straight edge of that length. On the Enschede extract
  this lifts the largest connected part from 84 % to 91 % of the nodes;
* only the **largest connected part** is used for routing (as osmnx does by default), so a
  site is never snapped onto an isolated fragment.

Distances: every site and target is snapped to the nearest graph node (straight-line snap
metres are added to the route). A site farther than ``max_snap_m`` (250 m) from the network
is *off network*; so is a target. One multi-source Dijkstra per target kind
(:func:`scipy.sparse.csgraph.dijkstra` from a virtual source joined to every target node by
its snap distance) gives the walking metres from the nearest target to every node at once.

Fallback (documented in README "Distance to homes" and the profiles): off network, the walk is
the straight-line distance × :data:`DETOUR_FACTOR` (1.3, the usual urban walking circuity;
the median on the Enschede network, site to nearest bus stop, is reported by ``make bench``),
labelled ``straight_line``. Targets off the network are reached the same way, and a site keeps
the shorter of its network route and such a straight-line walk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import ConvexHull, QhullError, cKDTree
from shapely.geometry.base import BaseGeometry

from geo import _validate
from geo._compact import source_column, text_column
from geo._errors import PlekwijzerInputError
from geo.amenities import MAIN_ROAD_CLASSES, roads_from_gpkg
from geo.settings import CRS_RD

#: Straight-line distance × this factor stands in for a walk where no network is known.
DETOUR_FACTOR = 1.3
#: A site or target farther than this from the network (metres) is off network.
MAX_SNAP_M = 250.0
#: Dead ends within this many metres of another connected piece are joined to it.
BRIDGE_GAPS_M = 20.0

#: ``highway`` values nobody walks on.
NOT_WALKABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "construction",
        "proposed",
        "raceway",
        "bus_guideway",
        "busway",
        "abandoned",
        "platform",
    }
)
_FOOT_NO = frozenset({"no", "private", "use_sidepath"})
_FOOT_YES = frozenset({"yes", "designated", "permissive", "destination"})


@dataclass(frozen=True)
class WalkNetwork:
    """An undirected walking graph in EPSG:28992.

    Attributes
    ----------
    graph
        Sparse symmetric adjacency (CSR) of edge lengths in metres over the largest connected
        part; node ``i`` lies at ``nodes_xy[i]``.
    nodes_xy
        Node coordinates, shape (n, 2).
    tree
        KD-tree over ``nodes_xy`` for snapping.
    coverage
        The convex hull of the walkable lines: outside it the network says nothing.
    stats
        Build figures: nodes, edges, bridged gaps, share of nodes in the largest part.
    """

    graph: csr_array
    nodes_xy: np.ndarray
    tree: cKDTree
    coverage: BaseGeometry
    stats: dict[str, float]

    @classmethod
    def from_lines(
        cls,
        lines: gpd.GeoSeries,
        *,
        noding: str = "coordinates",
        bridge_gaps_m: float = BRIDGE_GAPS_M,
    ) -> WalkNetwork:
        """Build the graph from walkable lines (see the module docstring).

        Parameters
        ----------
        lines
            LineStrings (or polygons, walked along their outline) in a metric CRS.
        noding
            ``"coordinates"`` (shared vertices are junctions, as in OSM) or ``"union"``
            (every crossing is a junction).
        bridge_gaps_m
            Join dead ends to another connected piece within this distance; 0 switches it off.

        Returns
        -------
        WalkNetwork
        """
        if lines.crs is None or not lines.crs.is_projected:
            msg = (
                f"een looproutenetwerk vraagt een CRS in meters, maar de laag is in {lines.crs}; "
                "gebruik to_crs('EPSG:28992')."
            )
            raise _validate.CRSError(msg)
        geoms = lines.dropna().to_numpy()
        geoms = geoms[~shapely.is_empty(geoms)]
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        geoms = np.where(polygonal, shapely.boundary(geoms), geoms)
        if noding == "union":
            geoms = shapely.get_parts(shapely.union_all(geoms))
        elif noding != "coordinates":
            msg = f"noding must be 'coordinates' or 'union', got {noding!r}"
            raise ValueError(msg)
        geoms = shapely.get_parts(geoms)
        if len(geoms) == 0:
            msg = "de wegenlaag heeft geen beloopbare lijnen; controleer de tags highway/foot."
            raise PlekwijzerInputError(msg)
        coords, part = shapely.get_coordinates(geoms, return_index=True)
        keys = np.round(coords * 100).astype(np.int64)
        unique, node_of = np.unique(keys, axis=0, return_inverse=True)
        node_of = node_of.ravel()
        xy = unique / 100.0
        same = part[1:] == part[:-1]
        u, v = node_of[:-1][same], node_of[1:][same]
        keep = u != v
        u, v = u[keep], v[keep]
        w = np.hypot(*(xy[u] - xy[v]).T)
        n = len(xy)
        graph = _symmetric(u, v, w, n)
        bridged = 0
        if bridge_gaps_m > 0:
            bu, bv, bw = _bridges(graph, xy, bridge_gaps_m)
            bridged = len(bu)
            graph = _symmetric(np.r_[u, bu], np.r_[v, bv], np.r_[w, bw], n)
        _, labels = connected_components(graph, directed=False)
        largest = labels == np.argmax(np.bincount(labels))
        keep_nodes = np.flatnonzero(largest)
        graph = graph[keep_nodes][:, keep_nodes].tocsr()
        stats = {
            "nodes": float(len(keep_nodes)),
            "edges": float(graph.nnz // 2),
            "bridged_gaps": float(bridged),
            "largest_part_share": float(largest.mean()),
        }
        coverage = convex_hull_xy(xy)
        nodes_xy = xy[keep_nodes]
        return cls(
            graph=graph,
            nodes_xy=nodes_xy,
            tree=cKDTree(nodes_xy),
            coverage=coverage,
            stats=stats,
        )

    def to_npz_bytes(self) -> bytes:
        """Return the network as ``.npz`` bytes of plain arrays (no pickle), for a cache.

        The KD-tree is not stored: :meth:`from_npz` builds it again in milliseconds.
        """
        buffer = io.BytesIO()
        np.savez(
            buffer,
            data=self.graph.data,
            indices=self.graph.indices,
            indptr=self.graph.indptr,
            shape=np.asarray(self.graph.shape),
            nodes_xy=self.nodes_xy,
            coverage=np.frombuffer(shapely.to_wkb(self.coverage), dtype=np.uint8),
            stats_keys=np.asarray(list(self.stats), dtype=str),
            stats_values=np.asarray(list(self.stats.values()), dtype=float),
        )
        return buffer.getvalue()

    @classmethod
    def from_npz(cls, path: str | Path) -> WalkNetwork:
        """Read a network written by :meth:`to_npz_bytes`.

        Raises
        ------
        OSError, ValueError, KeyError
            When the file is not such a network (a cache rebuilds it then).
        """
        with np.load(path, allow_pickle=False) as stored:
            graph = csr_array(
                (stored["data"], stored["indices"], stored["indptr"]),
                shape=tuple(int(v) for v in stored["shape"]),
            )
            nodes_xy = stored["nodes_xy"]
            coverage = shapely.from_wkb(stored["coverage"].tobytes())
            stats = dict(
                zip(
                    (str(k) for k in stored["stats_keys"]),
                    (float(v) for v in stored["stats_values"]),
                    strict=True,
                )
            )
        return cls(
            graph=graph, nodes_xy=nodes_xy, tree=cKDTree(nodes_xy), coverage=coverage, stats=stats
        )

    def snap(self, points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
        """Return the nearest node of each point and the straight-line snap metres."""
        xy = shapely.get_coordinates(points.to_numpy())
        distance, node = self.tree.query(xy)
        return node, distance

    def walk_to_nearest_m(
        self, sites: gpd.GeoSeries, targets: gpd.GeoSeries, *, max_snap_m: float = MAX_SNAP_M
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the walking metres from each site to the nearest target over the network.

        Parameters
        ----------
        sites, targets
            Points in the network's CRS (EPSG:28992).
        max_snap_m
            Sites and targets farther from the network are left out (off network).

        Returns
        -------
        tuple of numpy.ndarray
            Network metres (inf when the site is off network or no target is on it) and a
            boolean mask of sites on the network.
        """
        site_node, site_snap = self.snap(sites)
        on_network = site_snap <= max_snap_m
        result = np.full(len(sites), np.inf)
        targets = targets[targets.notna() & ~targets.is_empty]
        if len(targets) == 0 or not on_network.any():
            return result, on_network
        target_node, target_snap = self.snap(targets)
        near = target_snap <= max_snap_m
        if not near.any():
            return result, on_network
        # One virtual source joined to every target node by its snap metres: one Dijkstra run
        # gives the nearest target's walk (snap included) to every node.
        n = self.graph.shape[0]
        best = pd.Series(target_snap[near]).groupby(target_node[near]).min()
        extra = coo_array(
            (np.maximum(best.to_numpy(), 1e-6), (np.full(len(best), n), best.index.to_numpy())),
            shape=(n + 1, n + 1),
        )
        padded = coo_array(
            (self.graph.data, _coo_indices(self.graph)), shape=(n + 1, n + 1)
        ).tocsr()
        reach = dijkstra(padded + extra.tocsr(), directed=True, indices=n)
        result[on_network] = reach[site_node[on_network]] + site_snap[on_network]
        return result, on_network


def convex_hull_xy(xy: np.ndarray) -> BaseGeometry:
    """Return the convex hull of coordinates, shape (n, 2): e.g. every vertex of the roads.

    The same polygon as ``convex_hull(union_all(lines))`` or ``convex_hull(multipoints(xy))``
    without building those geometries: qhull takes milliseconds where they take tens.

    Examples
    --------
    >>> lines = np.array([shapely.LineString([(0, 0), (10, 0)]),
    ...     shapely.LineString([(5, -5), (5, 5)])])
    >>> convex_hull_xy(shapely.get_coordinates(lines)).area
    50.0
    """
    if len(xy) >= 3:
        try:
            return shapely.Polygon(xy[ConvexHull(xy).vertices])
        except QhullError:
            pass  # all on one line or one point: shapely gives the degenerate hull below
    return shapely.convex_hull(shapely.multipoints(xy))


def _coo_indices(graph: csr_array) -> tuple[np.ndarray, np.ndarray]:
    coo = graph.tocoo()
    return coo.row, coo.col


def _symmetric(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_array:
    """Undirected adjacency keeping the shortest of duplicate edges (COO would sum them)."""
    rows, cols, weights = np.r_[u, v], np.r_[v, u], np.r_[w, w]
    order = np.lexsort((weights, cols, rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    return coo_array((weights[first], (rows[first], cols[first])), shape=(n, n)).tocsr()


def _bridges(
    graph: csr_array, xy: np.ndarray, tolerance_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges from dead ends to the nearest node of another connected piece within tolerance."""
    _, labels = connected_components(graph, directed=False)
    ends = np.flatnonzero(np.diff(graph.indptr) == 1)
    if len(ends) == 0:
        return np.array([], int), np.array([], int), np.array([])
    k = min(16, len(xy))
    distance, near = cKDTree(xy).query(xy[ends], k=k, distance_upper_bound=tolerance_m)
    found = np.isfinite(distance)
    other = found & (labels[np.minimum(near, len(xy) - 1)] != labels[ends][:, None])
    has = other.any(axis=1)
    first = np.argmax(other, axis=1)[has]
    rows = np.flatnonzero(has)
    u, v, w = ends[has], near[rows, first], distance[rows, first]
    # Two dead ends facing each other find each other: keep one edge per pair.
    _, once = np.unique(np.sort(np.column_stack([u, v]), axis=1), axis=0, return_index=True)
    return u[once], v[once], w[once]


def walkable(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of the road rows a pedestrian may use (see the module docstring)."""
    highway = frame["highway"].astype("string").str.lower()
    foot = _tag(frame, "foot")
    access = _tag(frame, "access")
    ok = highway.notna() & ~highway.isin(NOT_WALKABLE)
    ok &= ~foot.isin(_FOOT_NO)
    ok &= ~(access.isin({"no", "private"}) & ~foot.isin(_FOOT_YES))
    return ok.fillna(value=False).astype(bool)


def _tag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[column].astype("string").str.lower()


def network_from_roads(
    roads: gpd.GeoDataFrame, *, noding: str = "coordinates", bridge_gaps_m: float = BRIDGE_GAPS_M
) -> WalkNetwork:
    """Build the walking network from a road layer with ``highway`` (and ``foot``, ``access``).

    Parameters
    ----------
    roads
        E.g. :func:`geo.amenities.roads_from_gpkg` or :func:`roads_from_osm_xml`.
    noding, bridge_gaps_m
        See :meth:`WalkNetwork.from_lines`.

    Returns
    -------
    WalkNetwork
    """
    return WalkNetwork.from_lines(
        roads.geometry[walkable(roads)], noding=noding, bridge_gaps_m=bridge_gaps_m
    )


def network_from_gpkg(
    path: str | Path,
    *,
    layer: str | None = None,
    noding: str = "coordinates",
    bridge_gaps_m: float = BRIDGE_GAPS_M,
) -> WalkNetwork:
    """Build the walking network from an OSM road layer in a file.

    Parameters
    ----------
    path
        GeoPackage or GeoJSON with a ``highway`` column (and optionally ``foot``, ``access``),
        e.g. ``osm_enschede/osm_highways_enschede_2023-12.gpkg``.
    layer
        Layer name, if the file holds several.
    noding, bridge_gaps_m
        See :meth:`WalkNetwork.from_lines`.

    Returns
    -------
    WalkNetwork
    """
    roads = roads_from_gpkg(path, layer=layer)
    try:
        return network_from_roads(roads, noding=noding, bridge_gaps_m=bridge_gaps_m)
    except PlekwijzerInputError as err:
        raise PlekwijzerInputError(str(err), source=path) from err


def roads_from_osm_xml(path: str | Path) -> gpd.GeoDataFrame:
    """Read the roads of a local OpenStreetMap ``.osm`` file with osmnx.

    Returns
    -------
    geopandas.GeoDataFrame
        The layout of :func:`geo.amenities.roads_from_gpkg`: ``highway``, ``name``,
        ``main_road``, ``foot``, ``access``, lines in EPSG:28992. osmnx keeps OSM's nodes, so
        the lines share their junction coordinates.
    """
    import osmnx as ox  # a second of imports: only when reading OSM (see geo.amenities)

    path = _validate.check_file(path)
    try:
        graph = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    except Exception as exc:  # parse errors surface as many different types
        msg = f"kan geen wegennet lezen uit deze OSM XML ({exc}). Controleer het .osm-bestand."
        raise PlekwijzerInputError(msg, source=path) from exc
    edges = ox.graph_to_gdfs(graph, nodes=False).to_crs(CRS_RD).reset_index(drop=True)
    tags = {
        column: (
            edges[column].map(_first).astype("string")
            if column in edges.columns
            else pd.Series(pd.NA, index=edges.index, dtype="string")
        )
        for column in ("highway", "name", "foot", "access")
    }
    return gpd.GeoDataFrame(
        {**tags, "main_road": tags["highway"].isin(MAIN_ROAD_CLASSES).to_numpy(bool)},
        geometry=edges.geometry.to_numpy(),
        crs=CRS_RD,
    )[["highway", "name", "main_road", "foot", "access", "geometry"]]


def roads_from_file(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a road layer from a GeoPackage/GeoJSON (``layer`` of several) or a ``.osm`` file."""
    if Path(path).suffix.lower() == ".osm":
        return roads_from_osm_xml(path)
    return roads_from_gpkg(path, layer=layer)


def _first(value: object) -> object:
    """Take the first value where osmnx keeps a list (merged ways disagreeing on a tag)."""
    return value[0] if isinstance(value, list) else value


def walking_distance_m(
    sites: gpd.GeoSeries,
    targets: gpd.GeoSeries | None,
    *,
    network: WalkNetwork | None,
    name: str,
    detour_factor: float = DETOUR_FACTOR,
    max_snap_m: float = MAX_SNAP_M,
) -> pd.DataFrame:
    """Return walking metres to the nearest target, over the network where it reaches.

    Parameters
    ----------
    sites
        Candidate points (EPSG:28992).
    targets
        Target points; None or empty gives NaN.
    network
        The walking network, or None (every row falls back to the straight line).
    name
        The feature name, e.g. ``walk_to_bus_tram_stop_m``.
    detour_factor
        Straight-line metres × this factor where the network does not reach.
    max_snap_m
        Farther from the network than this counts as off network.

    Returns
    -------
    pandas.DataFrame
        Index-aligned columns ``name``, ``source__<name>`` (``"network"`` or
        ``"straight_line"``) and ``note__<name>`` (Dutch, NaN for network rows).
    """
    index = sites.index
    values = np.full(len(sites), np.nan)
    source = np.full(len(sites), "straight_line", dtype=object)
    note = np.full(len(sites), np.nan, dtype=object)
    factor = f"{detour_factor:.1f}".replace(".", ",")
    if targets is not None:
        targets = targets[targets.notna() & ~targets.is_empty]
    if targets is None or len(targets) == 0:
        note[:] = "geen bestemmingen van deze soort bekend"
        return _frame(name, values, source, note, index)
    tree = cKDTree(shapely.get_coordinates(targets.to_numpy()))
    straight, _ = tree.query(shapely.get_coordinates(sites.to_numpy()))
    fallback = straight * detour_factor
    values[:] = fallback
    if network is None:
        note[:] = f"geen wegennet geladen; hemelsbreed × {factor}"
        return _frame(name, values, source, note, index)
    _, target_snap = network.snap(targets)
    near = target_snap <= max_snap_m
    routed, on_network = network.walk_to_nearest_m(sites, targets[near], max_snap_m=max_snap_m)
    # Targets the network misses are still reachable on foot: a site on the network keeps the
    # shorter of its route and the straight-line walk to the nearest off-network target.
    off_walk = np.full(len(sites), np.inf)
    if (~near).any():
        off_tree = cKDTree(shapely.get_coordinates(targets[~near].to_numpy()))
        off_walk = off_tree.query(shapely.get_coordinates(sites.to_numpy()))[0] * detour_factor
    by_network = on_network & (routed <= off_walk)
    values[on_network] = np.minimum(routed, off_walk)[on_network]
    source[by_network] = "network"
    note[~on_network] = f"buiten het wegennet (> {max_snap_m:.0f} m); hemelsbreed × {factor}"
    rest = on_network & ~by_network
    note[rest] = f"dichtstbijzijnde bestemming ligt buiten het wegennet; hemelsbreed × {factor}"
    return _frame(name, values, source, note, index)


def _frame(
    name: str, values: np.ndarray, source: np.ndarray, note: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    # Categoricals: a million sites share two sources and a few notes (geo._compact).
    notes = text_column(note)
    return pd.DataFrame(
        {name: values, f"source__{name}": source_column(source), f"note__{name}": notes},
        index=index,
    )
