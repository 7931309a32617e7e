"""Demand for coverage planning: the inhabitants of each buurt at one point.

A buurt's inhabitants (CBS 2024, ``inhabitants``) stand at one demand point:

* the mean of the buurt's address points, when an address layer is given (BAG
  verblijfsobjecten or the Enschede address points): addresses are where people live, so
  their mean is a population-weighted centre of the buurt;
* else the buurt's representative point (a point guaranteed inside the polygon, near its
  centre), the best the CBS buurt polygons offer on their own.

Buurten without inhabitants (0 or unknown) are no demand and are left out. A buurt with
inhabitants but no polygon (CBS lists 78 tiny buurten the approximate polygon file lacks)
stays in with an empty point, so a coverage plan can name it as unreachable instead of
silently dropping its people.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import STRtree

from geo import _validate
from geo._errors import CRSError, PlekwijzerInputError
from geo.reach import located_mask

#: Columns of the demand layer, besides the geometry.
DEMAND_COLUMNS = ("buurtcode", "name", "gemeentecode", "inhabitants", "point_source")

#: ``point_source`` values: where a demand point comes from.
POINT_SOURCES = ("addresses", "representative_point", "none")


def demand_from_buurten(
    buurten: gpd.GeoDataFrame,
    *,
    address_points: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Return one demand point per inhabited buurt, weighted by its inhabitants.

    Parameters
    ----------
    buurten
        Canonical buurten (``buurtcode``, ``inhabitants``, polygons) in a metric CRS
        (EPSG:28992).
    address_points
        Optional address or dwelling points in the CRS of ``buurten``. A buurt holding at
        least one of them stands at their mean (``point_source = 'addresses'``); other buurten
        at their representative point.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`DEMAND_COLUMNS` and point geometry, index = buurtcode, only buurten
        with inhabitants > 0. ``point_source`` is ``'none'`` (empty geometry) for a buurt
        without a polygon.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> buurten = gpd.GeoDataFrame(
    ...     {"buurtcode": ["BU1", "BU2"], "inhabitants": [120.0, 0.0]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...     crs="EPSG:28992",
    ... )
    >>> demand = demand_from_buurten(buurten)
    >>> demand[["inhabitants", "point_source"]].to_dict("records")
    [{'inhabitants': 120.0, 'point_source': 'representative_point'}]
    """
    _validate.require_columns(
        buurten, ["buurtcode", "inhabitants"], source=None, what="de vraag voor het bereik"
    )
    _require_metric(buurten, "buurten")
    if buurten["buurtcode"].duplicated().any():
        twice = buurten.loc[buurten["buurtcode"].duplicated(), "buurtcode"].iloc[0]
        msg = (
            f"buurtcode {twice} komt twee keer voor in de buurten; elke buurt mag maar één keer "
            "voorkomen."
        )
        raise PlekwijzerInputError(msg)
    inhabitants = pd.to_numeric(buurten["inhabitants"], errors="coerce").fillna(0).to_numpy()
    inhabited = buurten[inhabitants > 0]
    shapes = inhabited.geometry
    has_shape = located_mask(shapes)
    points = np.full(len(inhabited), None, dtype=object)
    points[has_shape] = shapes[has_shape].representative_point().to_numpy()
    source = np.where(has_shape, "representative_point", "none").astype(object)
    if address_points is not None and len(address_points):
        means = _address_means(shapes[has_shape], address_points)
        rows = np.flatnonzero(has_shape)[means.index.to_numpy()]
        points[rows] = means.to_numpy()
        source[rows] = "addresses"
    frame = pd.DataFrame(
        {
            "buurtcode": inhabited["buurtcode"].astype(str).to_numpy(),
            "name": _column(inhabited, "name"),
            "gemeentecode": _column(inhabited, "gemeentecode"),
            "inhabitants": inhabitants[inhabitants > 0].astype(float),
            "point_source": source,
        }
    )
    frame.index = pd.Index(frame["buurtcode"].to_numpy(), name=None)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(list(points)).values, crs=buurten.crs)


def _address_means(
    shapes: gpd.GeoSeries, address_points: gpd.GeoDataFrame | gpd.GeoSeries
) -> gpd.GeoSeries:
    """Mean of the address points inside each shape, by position in ``shapes``."""
    points = (
        address_points.geometry
        if isinstance(address_points, gpd.GeoDataFrame)
        else (address_points)
    )
    _require_metric(points, "address_points")
    if not points.crs.equals(shapes.crs):
        msg = (
            f"CRS verschilt: buurten zijn in {shapes.crs}, address_points in {points.crs}. Gebruik "
            "`to_crs('EPSG:28992')` op beide."
        )
        raise CRSError(msg)
    points = points[located_mask(points)]
    # A point on a shared border counts once, for the first buurt that holds it.
    point_idx, shape_idx = STRtree(shapes.to_numpy()).query(
        points.to_numpy(), predicate="intersects"
    )
    first = ~pd.Series(point_idx).duplicated().to_numpy()
    point_idx, shape_idx = point_idx[first], shape_idx[first]
    xy = np.column_stack([points.x.to_numpy()[point_idx], points.y.to_numpy()[point_idx]])
    sums = pd.DataFrame(xy, columns=["x", "y"]).groupby(shape_idx).mean()
    return gpd.GeoSeries(gpd.points_from_xy(sums["x"], sums["y"]), index=sums.index)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy(dtype=object)
    return np.full(len(frame), None, dtype=object)


def _require_metric(layer: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    if layer.crs is None or not layer.crs.is_projected:
        msg = (
            f"{name} zijn in {layer.crs}, geen CRS in meters; het bereik wordt in meters gemeten. "
            "Gebruik eerst `to_crs('EPSG:28992')`."
        )
        raise CRSError(msg)
