"""Raster criteria through rasterio: the value at each site and the mean per buurt.

Typical rasters: noise (Lden), green space share, heat stress, flood depth. Points and
polygons are reprojected to the raster's CRS; nodata becomes NaN.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio import features as rio_features

from geo import _validate
from geo._errors import CRSError, PlekwijzerInputError


def _open(path: str | Path) -> rasterio.DatasetReader:
    path = _validate.check_file(path)
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = f"cannot read as a raster ({exc}). Use a GeoTIFF."
        raise PlekwijzerInputError(msg, source=path) from exc
    if dataset.crs is None:
        dataset.close()
        msg = "the raster has no CRS. Save it with its CRS (e.g. EPSG:28992)."
        raise CRSError(msg, source=path)
    return dataset


def sample_raster(
    points: gpd.GeoSeries, path: str | Path, *, name: str, band: int = 1
) -> pd.Series:
    """Return the raster value at each point (NaN outside the raster or on nodata).

    Parameters
    ----------
    points
        Points with a CRS.
    path
        A GeoTIFF (any CRS).
    name
        Name of the returned Series, with its unit (e.g. ``noise_lden_db``).
    band
        Band number, 1-based.
    """
    with _open(path) as dataset:
        local = points.to_crs(dataset.crs)
        coords = np.column_stack([local.x.to_numpy(), local.y.to_numpy()])
        values = np.full(len(points), np.nan)
        # Missing points give NaN coordinates, whose cast to a cell index is undefined.
        located = np.isfinite(coords).all(axis=1)
        rows, cols = np.full(len(points), -1), np.full(len(points), -1)
        if located.any():
            found = rasterio.transform.rowcol(
                dataset.transform, coords[located, 0], coords[located, 1]
            )
            rows[located], cols[located] = found
        inside = (rows >= 0) & (rows < dataset.height) & (cols >= 0) & (cols < dataset.width)
        data = dataset.read(band, masked=True)
        picked = data[rows[inside], cols[inside]]
        values[inside] = np.ma.filled(picked.astype(float), np.nan)
    return pd.Series(values, index=points.index, name=name)


def zonal_mean(polygons: gpd.GeoSeries, path: str | Path, *, name: str, band: int = 1) -> pd.Series:
    """Return the mean raster value of the cells whose centre lies in each polygon.

    Zones are burnt into one label raster and averaged with ``np.bincount``: one pass over the
    raster for all polygons instead of one masked read per polygon.
    """
    with _open(path) as dataset:
        local = polygons.to_crs(dataset.crs)
        data = dataset.read(band, masked=True)
        labels = rio_features.rasterize(
            ((geom, i + 1) for i, geom in enumerate(local.to_numpy()) if geom is not None),
            out_shape=data.shape,
            transform=dataset.transform,
            fill=0,
            dtype="int32",
        )
    valid = (labels > 0) & ~np.ma.getmaskarray(data)
    zone = labels[valid]
    values = np.asarray(data)[valid].astype(float)
    sums = np.bincount(zone, weights=values, minlength=len(polygons) + 1)[1:]
    counts = np.bincount(zone, minlength=len(polygons) + 1)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return pd.Series(means, index=polygons.index, name=name)
