"""Raster criteria through rasterio: the value at each site and the mean per buurt.

Typical rasters: noise (Lden), green space share, heat stress, flood depth. Points and
polygons are reprojected to the raster's CRS; nodata becomes NaN.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio import features as rio_features
from rasterio.crs import CRS

from geo import _validate
from geo._errors import CRSError, PlekwijzerInputError

if TYPE_CHECKING:
    from geo.workspace import RegionData


def _open(path: str | Path) -> rasterio.DatasetReader:
    path = _validate.check_file(path)
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = f"niet te lezen als raster ({exc}). Gebruik een GeoTIFF."
        raise PlekwijzerInputError(msg, source=path) from exc
    if dataset.crs is None:
        dataset.close()
        msg = "het raster heeft geen CRS. Sla het op met zijn CRS (bijv. EPSG:28992)."
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


#: Prefix of a raster criterion's feature at the site; ``buurt_raster_<name>`` is the buurt mean.
RASTER_PREFIX = "raster_"
_RASTER_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, eq=False)
class RasterLayer:
    """A raster criterion read once: its name, values, transform and CRS.

    Read with :func:`raster_layer_from_file`; sampled at sites with :meth:`sample` and averaged
    per buurt with :meth:`zonal_mean`. Features: ``raster_<name>`` (the value at the site)
    and ``buurt_raster_<name>`` (the mean of the cells whose centre lies in the site's buurt).
    A nodata cell, or a site outside the raster, gives NaN: a hard rule on it is not decided
    ("te controleren"), a soft criterion scores it 0 (worst case) and says it was unknown.

    Attributes
    ----------
    name
        Lower-case name (``geluid``) as given with ``--raster NAME=FILE``.
    path
        The file.
    values
        Band 1 as float64, NaN on nodata.
    transform, crs
        Georeference of the raster (any CRS; sites are reprojected to it).
    description
        The file's own description (e.g. "illustratief: ..."), or empty.
    """

    name: str
    path: Path
    values: np.ndarray
    transform: Affine
    crs: CRS
    description: str = ""

    @property
    def feature(self) -> str:
        """The feature name at the site: ``raster_<name>``."""
        return RASTER_PREFIX + self.name

    @property
    def buurt_feature(self) -> str:
        """The buurt mean's feature name: ``buurt_raster_<name>``."""
        return "buurt_" + self.feature

    def sample(self, points: gpd.GeoSeries) -> pd.Series:
        """Return the value of the cell holding each point (NaN outside or on nodata)."""
        if points.crs is None:
            msg = "de plekken hebben geen CRS; stel die in voordat een raster wordt bemonsterd."
            raise CRSError(msg, source=self.path)
        local = points.to_crs(self.crs)
        xy = shapely.get_coordinates(local.to_numpy(), include_z=False)
        values = np.full(len(points), np.nan)
        if len(xy) == len(points) and len(xy):
            inv = ~self.transform
            # Written out: affine 3 flags `transform * points` as pending deprecation.
            cols = np.floor(inv.a * xy[:, 0] + inv.b * xy[:, 1] + inv.c)
            rows = np.floor(inv.d * xy[:, 0] + inv.e * xy[:, 1] + inv.f)
            height, width = self.values.shape
            inside = np.isfinite(cols) & np.isfinite(rows)
            inside &= (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
            values[inside] = self.values[rows[inside].astype(int), cols[inside].astype(int)]
        return pd.Series(values, index=points.index, name=self.feature)

    def zonal_mean(self, polygons: gpd.GeoSeries) -> pd.Series:
        """Return the mean of the cells whose centre lies in each polygon (NaN if none)."""
        local = polygons.to_crs(self.crs)
        shapes = ((geom, i + 1) for i, geom in enumerate(local.to_numpy()) if geom is not None)
        with warnings.catch_warnings():
            # rasterio multiplies its affine transform with `*`, which affine 3 flags as
            # pending deprecation: the library's own call, not ours.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            labels = rio_features.rasterize(
                shapes, out_shape=self.values.shape, transform=self.transform, fill=0, dtype="int32"
            )
        valid = (labels > 0) & np.isfinite(self.values)
        zone, values = labels[valid], self.values[valid]
        sums = np.bincount(zone, weights=values, minlength=len(polygons) + 1)[1:]
        counts = np.bincount(zone, minlength=len(polygons) + 1)[1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / counts, np.nan)
        return pd.Series(means, index=polygons.index, name=self.buurt_feature)


def raster_layer_from_file(name: str, path: str | Path, *, band: int = 1) -> RasterLayer:
    """Read one band of a GeoTIFF as a raster criterion.

    Parameters
    ----------
    name
        The criterion's raster name: lower-case letters, digits, underscores (``geluid``).
    path
        The GeoTIFF; it must carry a CRS.
    band
        The band, 1-based.

    Returns
    -------
    RasterLayer

    Raises
    ------
    PlekwijzerInputError
        For a bad name, an unreadable file or a band it lacks; :class:`CRSError` for a raster
        without CRS.
    """
    if not _RASTER_NAME.match(name):
        msg = (
            f"--raster {name!r}: een rasternaam bestaat uit kleine letters, cijfers en liggende "
            "streepjes en begint met een letter (bijv. --raster geluid=geluid.tif)."
        )
        raise PlekwijzerInputError(msg)
    with _open(path) as dataset:
        if not 1 <= band <= dataset.count:
            msg = f"het raster heeft {dataset.count} band(en), maar band {band} werd gevraagd."
            raise PlekwijzerInputError(msg, source=path)
        values = dataset.read(band, masked=True).astype("float64").filled(np.nan)
        description = dataset.tags().get("TIFFTAG_IMAGEDESCRIPTION", "") or (
            dataset.descriptions[band - 1] or ""
        )
        return RasterLayer(
            name=name,
            path=Path(path),
            values=values,
            transform=dataset.transform,
            crs=dataset.crs,
            description=description,
        )


def add_raster_features(
    features: gpd.GeoDataFrame,
    rasters: Iterable[RasterLayer],
    *,
    buurten: gpd.GeoDataFrame,
    buurt_means: Mapping[str, pd.Series] | None = None,
) -> gpd.GeoDataFrame:
    """Add ``raster_<name>`` and ``buurt_raster_<name>`` to a feature table.

    Parameters
    ----------
    features
        A feature table (:func:`geo.features.candidate_features`) with ``buurtcode``.
    rasters
        The raster criteria.
    buurten
        The region's buurten, for the buurt means.
    buurt_means
        Buurt means already computed (``buurt_raster_<name>`` by buurtcode), e.g. once for
        all blocks of a surface; computed here when absent.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with two columns per raster.
    """
    columns = {}
    for raster in rasters:
        columns[raster.feature] = raster.sample(features.geometry).to_numpy()
        means = (buurt_means or {}).get(raster.buurt_feature)
        if means is None:
            means = buurt_raster_means(raster, buurten)
        columns[raster.buurt_feature] = means.reindex(features["buurtcode"].to_numpy()).to_numpy()
    if not columns:
        return features
    return features.assign(**columns)


def buurt_raster_means(raster: RasterLayer, buurten: gpd.GeoDataFrame) -> pd.Series:
    """Return the raster's mean per buurt, indexed by buurtcode."""
    shaped = buurten[buurten.geometry.notna()].drop_duplicates("buurtcode")
    means = raster.zonal_mean(shaped.geometry)
    return pd.Series(means.to_numpy(), index=shaped["buurtcode"].to_numpy(), name=means.name)


def parse_raster_options(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Parse ``NAME=FILE.tif`` options into ``(name, path)`` pairs (names unique).

    Examples
    --------
    >>> parse_raster_options(["geluid=noise.tif"])
    (('geluid', 'noise.tif'),)
    """
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            msg = f"--raster {item!r}: schrijf NAAM=BESTAND.tif, bijv. --raster geluid=geluid.tif."
            raise PlekwijzerInputError(msg)
        if name.strip() in pairs:
            msg = f"--raster {name.strip()!r} staat er twee keer: geef elk raster één naam."
            raise PlekwijzerInputError(msg)
        pairs[name.strip()] = path.strip()
    return tuple(pairs.items())


def region_data_with_rasters(data: RegionData, rasters: Iterable[tuple[str, str]]) -> RegionData:
    """Return the region's data with the raster criteria added to its feature table.

    Parameters
    ----------
    data
        The loaded region (:func:`geo.workspace.load_region_data`).
    rasters
        ``(name, file)`` pairs, as ``--raster NAME=FILE`` gives them.

    Returns
    -------
    geo.workspace.RegionData
        A copy whose features carry ``raster_<name>`` and ``buurt_raster_<name>``, and
        whose inputs name the files.
    """
    import dataclasses

    layers = [raster_layer_from_file(name, path) for name, path in rasters]
    if not layers:
        return data
    features = add_raster_features(data.features, layers, buurten=data.buurten)
    inputs = {**data.inputs, **{f"raster_{r.name}": str(r.path) for r in layers}}
    notes = [
        *data.notes,
        *(f"raster {r.name}: {r.description}" for r in layers if r.description),
    ]
    return dataclasses.replace(data, features=features, inputs=inputs, notes=notes)
