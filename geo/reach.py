"""Reach between demand points and sites: straight-line cost matrices and reach circles.

Coverage planning (:mod:`criteria.coverage`) needs, for every demand point and every site,
the cost of getting from one to the other. Without a network that is the straight-line
distance in metres (:func:`straight_line_cost_m`); with a walking network loaded, a matrix of
walking metres in the same layout (rows = demand, columns = sites) replaces it unchanged.
:func:`reach_circles` draws what "within reach" means on the map.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo import nlformat
from geo._errors import CRSError, GeometryError, PlekwijzerInputError

#: Segments per quarter circle of a reach circle: 16 keeps the area within 0.2 % of a circle.
CIRCLE_QUAD_SEGS = 16


def straight_line_cost_m(
    demand: gpd.GeoDataFrame | gpd.GeoSeries, sites: gpd.GeoDataFrame | gpd.GeoSeries
) -> np.ndarray:
    """Return straight-line distances in metres, rows = demand points, columns = sites.

    Parameters
    ----------
    demand, sites
        Points in the same metric CRS (EPSG:28992). A missing or empty point has no
        location, so its whole row or column is ``inf`` (reachable from nowhere).

    Returns
    -------
    numpy.ndarray
        Float array of shape ``(len(demand), len(sites))``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> a = gpd.GeoSeries([Point(0, 0), None], crs="EPSG:28992")
    >>> b = gpd.GeoSeries([Point(3, 4)], crs="EPSG:28992")
    >>> straight_line_cost_m(a, b).tolist()
    [[5.0], [inf]]
    """
    demand_points = _points(demand, "demand")
    site_points = _points(sites, "sites")
    if not demand_points.crs.equals(site_points.crs):
        msg = (
            f"CRS verschilt: de vraag is in {demand_points.crs}, de plekken zijn in "
            f"{site_points.crs}. Gebruik `to_crs('EPSG:28992')` op beide."
        )
        raise CRSError(msg)
    dx, dy = _xy(demand_points)
    sx, sy = _xy(site_points)
    # Missing points carry NaN coordinates; hypot turns them into NaN, reported as inf.
    cost = np.hypot(dx[:, None] - sx[None, :], dy[:, None] - sy[None, :])
    return np.where(np.isnan(cost), np.inf, cost)


def reach_circles(
    sites: gpd.GeoDataFrame, *, reach_m: float, quad_segs: int = CIRCLE_QUAD_SEGS
) -> gpd.GeoDataFrame:
    """Return each site's reach as a circle of ``reach_m`` metres, in the sites' metric CRS.

    A straight-line reach is exactly this circle; a walking reach is smaller and irregular,
    so with a network the circle is an upper bound, to be labelled as such.

    Parameters
    ----------
    sites
        Site points in a metric CRS (EPSG:28992); their columns are kept.
    reach_m
        Radius in metres, > 0.
    quad_segs
        Segments per quarter circle.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows with circle polygons and a ``reach_m`` column.
    """
    if not (np.isfinite(reach_m) and reach_m > 0):
        msg = f"reach_m moet een afstand in meters > 0 zijn, kreeg {nlformat.given(reach_m)}."
        raise PlekwijzerInputError(msg)
    _points(sites, "sites")
    located = sites[located_mask(sites.geometry)]
    circles = located.geometry.buffer(reach_m, quad_segs=quad_segs)
    return located.assign(reach_m=float(reach_m)).set_geometry(circles)


def located_mask(geometries: gpd.GeoSeries) -> np.ndarray:
    """Return True where a geometry is present and not empty (a usable location)."""
    values = geometries.to_numpy()
    return ~(shapely.is_missing(values) | shapely.is_empty(values))


def _points(layer: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> gpd.GeoSeries:
    points = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    if points.crs is None or not points.crs.is_projected:
        msg = (
            f"{name} zijn in {points.crs}, geen CRS in meters; het bereik wordt in meters gemeten. "
            "Gebruik eerst `to_crs('EPSG:28992')`."
        )
        raise CRSError(msg)
    present = located_mask(points)
    kinds = set(points[present].geom_type)
    if kinds - {"Point"}:
        msg = (
            f"{name} moeten punten zijn, kreeg {', '.join(sorted(kinds))}. Neem eerst een "
            "representatief punt (bijv. geo.demand.demand_from_buurten voor buurten)."
        )
        raise GeometryError(msg)
    return points


def _xy(points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    present = located_mask(points)
    x = np.full(len(points), np.nan)
    y = np.full(len(points), np.nan)
    x[present] = points[present].x.to_numpy()
    y[present] = points[present].y.to_numpy()
    return x, y
