"""The suitability surface as a raster: the grid of cells, its blocks and its GeoTIFF.

A surface scores every cell of a region with a profile, as if a site stood at the cell's
centre (:mod:`criteria.surface` computes it). This module owns the spatial side:

* :class:`SurfaceGrid` — cells of ``cell_m`` metres in EPSG:28992, snapped to multiples of the
  cell size (two surfaces of the same cell size share their cell edges), covering the
  region's buurt polygons; a cell belongs to the region when its centre lies in one of them;
* :meth:`SurfaceGrid.blocks` — row bands of about ``block_cells`` region cells each, so that a
  region of millions of cells is computed and written a band at a time in bounded memory;
* :class:`SurfaceWriter` — writes band after band into a tiled GeoTIFF and turns it into a
  Cloud-Optimized GeoTIFF (GDAL's COG driver: internal tiles, overviews, one file QGIS opens).

Bands of the GeoTIFF (float32, nodata :data:`NODATA` outside the region, same for all bands):

1. ``score`` — 0–1; 0 where a hard rule excludes the cell on measured data;
2. ``te_controleren`` — 1 where a hard rule could not be decided on measured data (an
   estimate or an unknown value: the rule still has to be checked on site), else 0;
3. ``uitgesloten_door`` — a bit mask of the hard rules that exclude the cell (bit ``k`` for
   the ``k``-th rule named in the file's ``RULE_<k>`` tags), 0 where none does.
"""

from __future__ import annotations

import itertools
import math
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.shutil
import shapely
from affine import Affine
from rasterio import features as rio_features
from rasterio.io import MemoryFile
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from geo import nlformat
from geo._errors import PlekwijzerInputError
from geo.amenities import stations_from_chb, stops_from_ovapi
from geo.boundary import gemeente_borders_from_cbs
from geo.datadir import DataSource
from geo.dwellings import dwellings_from_file, sensitive_from_osm_xml
from geo.network import WalkNetwork, network_from_roads, roads_from_file
from geo.raster import RasterLayer, raster_layer_from_file
from geo.regions import Region
from geo.settings import CRS_RD

if TYPE_CHECKING:
    from geo.workspace import RegionData

#: Nodata of every band: cells outside the region.
NODATA = -1.0
#: Band names (the GeoTIFF's band descriptions), in band order.
BANDS = ("score", "te_controleren", "uitgesloten_door")
#: Region cells per computed block (a row band): bounds memory, and stays above
#: :data:`geo.home_estimate.RASTER_ABOVE_SITES` so every block estimates homes the same way.
BLOCK_CELLS = 65_536
#: Cell sizes accepted, in metres.
MIN_CELL_M, MAX_CELL_M = 5.0, 1_000.0
#: Largest grid (width × height) accepted: about the Netherlands at 10 m.
MAX_GRID_CELLS = 600_000_000
_TILE = 256


@dataclass(frozen=True)
class Block:
    """One row band of the grid and its region cells.

    Attributes
    ----------
    window
        The rows of the band (all columns).
    rows, cols
        Row and column (in the whole grid) of every region cell in the band, row-major.
    x, y
        Centre of every such cell, EPSG:28992 metres.
    """

    window: Window
    rows: np.ndarray
    cols: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of region cells in the band."""
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class SurfaceGrid:
    """Square cells over a region, EPSG:28992.

    Attributes
    ----------
    cell_m
        Cell size in metres.
    transform
        Affine transform of the grid (north up).
    width, height
        Columns and rows.
    inside
        Shape (height, width), bool: the cell's centre lies in a buurt polygon of the region.
    """

    cell_m: float
    transform: Affine
    width: int
    height: int
    inside: np.ndarray

    @classmethod
    def from_buurten(cls, buurten: gpd.GeoDataFrame, *, cell_m: float) -> SurfaceGrid:
        """Lay cells of ``cell_m`` metres over the region's buurt polygons.

        Parameters
        ----------
        buurten
            The region's buurten (polygons, EPSG:28992).
        cell_m
            Cell size in metres (:data:`MIN_CELL_M` to :data:`MAX_CELL_M`).

        Returns
        -------
        SurfaceGrid

        Raises
        ------
        PlekwijzerInputError
            For a cell size out of range, a region without polygons, or a grid too large.

        Examples
        --------
        >>> from shapely.geometry import box
        >>> square = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:28992")
        >>> grid = SurfaceGrid.from_buurten(square, cell_m=25)
        >>> grid.width, grid.height, int(grid.inside.sum())
        (4, 4, 16)
        """
        if not (MIN_CELL_M <= cell_m <= MAX_CELL_M) or not math.isfinite(cell_m):
            msg = (
                f"--cell-m {nlformat.given(cell_m)}: geef een celgrootte van "
                f"{nlformat.given(MIN_CELL_M)} tot {nlformat.given(MAX_CELL_M)} m."
            )
            raise PlekwijzerInputError(msg)
        if buurten.crs is None or buurten.crs != CRS_RD:
            msg = (
                f"de buurten moeten in {CRS_RD} zijn, maar zijn in {buurten.crs}; gebruik eerst "
                "to_crs."
            )
            raise PlekwijzerInputError(msg)
        shapes = buurten.geometry[buurten.geometry.notna() & ~buurten.geometry.is_empty]
        if shapes.empty:
            msg = "de regio heeft geen buurtvlakken om een oppervlak over te leggen."
            raise PlekwijzerInputError(msg)
        minx, miny, maxx, maxy = shapes.total_bounds
        left, bottom = math.floor(minx / cell_m) * cell_m, math.floor(miny / cell_m) * cell_m
        right, top = math.ceil(maxx / cell_m) * cell_m, math.ceil(maxy / cell_m) * cell_m
        width, height = round((right - left) / cell_m), round((top - bottom) / cell_m)
        if width * height > MAX_GRID_CELLS:
            msg = (
                f"een oppervlak van {nlformat.integer(width)} × {nlformat.integer(height)} cellen "
                f"van {nlformat.given(cell_m)} m is te groot; geef een grotere --cell-m of een "
                "kleinere regio."
            )
            raise PlekwijzerInputError(msg)
        transform = Affine(cell_m, 0.0, left, 0.0, -cell_m, top)
        inside = burn(shapes.to_numpy(), transform, (height, width)).astype(bool)
        return cls(cell_m=cell_m, transform=transform, width=width, height=height, inside=inside)

    @property
    def n_cells(self) -> int:
        """Number of region cells."""
        return int(self.inside.sum())

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in metres."""
        left, top = self.transform.c, self.transform.f
        return left, top - self.height * self.cell_m, left + self.width * self.cell_m, top

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the centre coordinates of cells given by row and column."""
        left, top = self.transform.c, self.transform.f
        return left + (cols + 0.5) * self.cell_m, top - (rows + 0.5) * self.cell_m

    def cell_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return row and column of the cells holding points (may fall outside the grid)."""
        left, top = self.transform.c, self.transform.f
        cols = np.floor((np.asarray(x) - left) / self.cell_m).astype(np.int64)
        rows = np.floor((top - np.asarray(y)) / self.cell_m).astype(np.int64)
        return rows, cols

    def blocks(self, *, block_cells: int = BLOCK_CELLS) -> Iterator[Block]:
        """Yield row bands of about ``block_cells`` region cells each, top to bottom.

        The region's cells are split into ``max(1, n // block_cells)`` bands of nearly equal
        counts (cut at row edges), so that no band holds fewer than ``block_cells`` cells when
        the region holds more — a small last band would take another (slower) estimate path.
        """
        per_row = self.inside.sum(axis=1)
        total = int(per_row.sum())
        n_blocks = max(1, total // max(1, block_cells))
        cumulative = np.cumsum(per_row)
        targets = np.arange(1, n_blocks) * total / n_blocks
        cuts = [0, *(np.searchsorted(cumulative, targets, side="left") + 1).tolist(), self.height]
        for start, stop in itertools.pairwise(cuts):
            if stop <= start:
                continue
            rows, cols = np.nonzero(self.inside[start:stop])
            rows = rows + start
            x, y = self.centres(rows, cols)
            yield Block(
                window=Window(0, start, self.width, stop - start), rows=rows, cols=cols, x=x, y=y
            )


def burn(
    shapes: np.ndarray, transform: Affine, shape: tuple[int, int], *, all_touched: bool = False
) -> np.ndarray:
    """Rasterize geometries as 1 (uint8): cells whose centre lies inside, or all touched."""
    with warnings.catch_warnings():
        # rasterio multiplies its affine transform with `*`, which affine 3 flags as pending
        # deprecation: the library's own call, not ours.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return rio_features.rasterize(
            ((geom, 1) for geom in shapes),
            out_shape=shape,
            transform=transform,
            fill=0,
            dtype="uint8",
            all_touched=all_touched,
        )


class SurfaceWriter:
    """Write a surface band by band, then return it as a Cloud-Optimized GeoTIFF.

    Use as a context manager: :meth:`write` each block's values, then :meth:`cog_bytes`.
    The bands are written into a tiled GeoTIFF in a private temporary folder (removed on
    exit); only one block is ever in memory.

    Parameters
    ----------
    grid
        The grid.
    tags
        Dataset metadata (profile, rules, sources), written as GeoTIFF tags.
    description
        The dataset's description (``TIFFTAG_IMAGEDESCRIPTION``).
    """

    def __init__(self, grid: SurfaceGrid, *, tags: Mapping[str, str], description: str) -> None:
        self.grid = grid
        self._tags = dict(tags)
        self._description = description
        self._folder = tempfile.TemporaryDirectory(prefix="plekwijzer-surface-")
        self._path = Path(self._folder.name) / "surface.tif"
        self._dataset = rasterio.open(
            self._path,
            "w",
            driver="GTiff",
            width=grid.width,
            height=grid.height,
            count=len(BANDS),
            dtype="float32",
            crs=CRS_RD,
            transform=grid.transform,
            nodata=NODATA,
            tiled=True,
            blockxsize=_TILE,
            blockysize=_TILE,
            compress="deflate",
            BIGTIFF="IF_SAFER",
        )

    def __enter__(self) -> SurfaceWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close and remove the temporary GeoTIFF."""
        if not self._dataset.closed:
            self._dataset.close()
        self._folder.cleanup()

    def write(self, block: Block, values: Mapping[str, np.ndarray]) -> None:
        """Write one block: per band name (:data:`BANDS`) the value of each region cell."""
        window = block.window
        local_rows = block.rows - int(window.row_off)
        for number, name in enumerate(BANDS, start=1):
            band = np.full((int(window.height), int(window.width)), NODATA, dtype="float32")
            band[local_rows, block.cols] = values[name]
            self._dataset.write(band, number, window=window)

    def cog_bytes(self) -> bytes:
        """Finish the file and return it as a Cloud-Optimized GeoTIFF (with overviews)."""
        dataset = self._dataset
        for number, name in enumerate(BANDS, start=1):
            dataset.set_band_description(number, name)
        dataset.update_tags(**self._tags)
        dataset.update_tags(TIFFTAG_IMAGEDESCRIPTION=self._description)
        dataset.close()
        with MemoryFile() as memory:
            # Overviews with "nearest": every overview pixel is a real cell value (an average
            # of rule bit masks would mean nothing, and of scores would invent values).
            rasterio.shutil.copy(
                str(self._path),
                memory.name,
                driver="COG",
                compress="DEFLATE",
                resampling="NEAREST",
                overviews="AUTO",
                blocksize=_TILE,
                BIGTIFF="IF_SAFER",
            )
            return bytes(memory.read())


@dataclass(frozen=True, eq=False)
class SurfaceLayers:
    """The layers a surface's cells are measured against: the same as for candidate sites.

    The fields are the keyword arguments of :func:`geo.features.candidate_features`, read
    once for the whole surface.
    """

    region: Region
    source: DataSource
    buurten: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    borders: gpd.GeoDataFrame | None = None
    dwellings: gpd.GeoDataFrame | None = None
    sensitive: gpd.GeoDataFrame | None = None
    sensitive_coverage: BaseGeometry | None = None
    roads: gpd.GeoDataFrame | None = None
    network: WalkNetwork | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    rasters: tuple[RasterLayer, ...] = ()

    def feature_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`geo.features.candidate_features`."""
        return {
            "buurten": self.buurten,
            "stops": self.stops,
            "stations": self.stations,
            "facilities": self.facilities,
            "dwellings": self.dwellings,
            "sensitive": self.sensitive,
            "sensitive_coverage": self.sensitive_coverage,
            "roads": self.roads,
            "network": self.network,
            "borders": self.borders,
            "gemeenten": self.region.gemeenten,
        }


def surface_layers(
    region: Region,
    source: DataSource,
    *,
    facilities_path: str | Path | None = None,
    dwellings_path: str | Path | None = None,
    roads_path: str | Path | None = None,
    sensitive_osm_path: str | Path | None = None,
    use_defaults: bool = True,
    default_places: float | None = None,
    rasters: Iterable[tuple[str, str]] = (),
    data: RegionData | None = None,
) -> SurfaceLayers:
    """Read the layers of a region as :func:`geo.workspace.load_region_data` does for sites.

    Buurten (with facility density and draagkracht), stops, stations and the register come
    from the same loader as for an inventory — only the inventory itself is not read — so a
    cell and a site at the same spot see the same layers.

    Parameters
    ----------
    region, source
        The region and the data directory.
    facilities_path
        The facility register; None takes the region's default (illustrative) register when
        ``use_defaults``, as ``plekwijzer score`` does.
    dwellings_path, roads_path, sensitive_osm_path
        Optional address points, OSM roads and OSM sensitive functions (as for ``score``).
        Without a file, the data directory's address points and roads are used where they
        meet the region, as :func:`geo.workspace.load_region_data` does for sites.
    use_defaults
        Fall back to the demo or illustrative register.
    default_places
        Places for register rows without any.
    rasters
        Raster criteria as ``(name, file)`` pairs (:func:`geo.raster.raster_layer_from_file`).
    data
        The region as a run of the same scenario loaded it (buurten, register, stops and
        stations), e.g. for the report: reused rather than read again. None reads them.

    Returns
    -------
    SurfaceLayers
    """
    from geo.datalayers import local_layers
    from geo.workspace import default_inputs, load_region_data

    raster_layers = tuple(raster_layer_from_file(name, path) for name, path in rasters)
    if facilities_path is None and use_defaults:
        facilities_path = default_inputs(region, source).get("facilities")
    if data is None:
        data = load_region_data(
            region,
            source,
            facilities_path=facilities_path,
            use_defaults=False,
            with_candidates=False,
            default_places=default_places,
        )
        area = shapely.box(*data.buurten.geometry.dropna().total_bounds)
        stops, stations = stops_from_ovapi(source, area=area), stations_from_chb(source, area=area)
    else:  # a run's region holds the stops and stations of the same box already
        stops, stations = data.stops, data.stations
    # The same layers a site there would see: the user's files, else the data directory's.
    wanted = [
        kind
        for kind, given in (("addresses", dwellings_path), ("roads", roads_path))
        if given is None
    ]
    local = local_layers(source, data.buurten, kinds=wanted)
    roads = roads_from_file(roads_path) if roads_path is not None else local.roads
    network = network_from_roads(roads) if roads_path is not None and roads is not None else None
    if roads_path is None:
        network = local.network
    dwellings = (
        dwellings_from_file(dwellings_path) if dwellings_path is not None else local.dwellings
    )
    sensitive, coverage = (
        sensitive_from_osm_xml(sensitive_osm_path)
        if sensitive_osm_path is not None
        else (None, None)
    )
    return SurfaceLayers(
        region=region,
        source=source,
        buurten=data.buurten,
        stops=stops,
        stations=stations,
        facilities=data.facilities,
        borders=gemeente_borders_from_cbs(source),
        dwellings=dwellings,
        sensitive=sensitive,
        sensitive_coverage=coverage,
        roads=roads,
        network=network,
        inputs={
            "facilities": str(facilities_path) if facilities_path else "none",
            "dwellings": str(dwellings_path)
            if dwellings_path
            else ", ".join(local.dwellings_files) or "none",
            "roads": str(roads_path) if roads_path else ", ".join(local.roads_files) or "none",
            "sensitive_osm": str(sensitive_osm_path) if sensitive_osm_path else "none",
            **{f"raster_{r.name}": str(r.path) for r in raster_layers},
        },
        notes=(
            *data.notes,
            *(f"raster {r.name}: {r.description}" for r in raster_layers if r.description),
        ),
        rasters=raster_layers,
    )


def score_overlay(
    geotiff: bytes, *, max_pixels: int = 1_500_000
) -> tuple[np.ndarray, list[list[float]]]:
    """Return band 1 of a surface as an RGBA image in Web Mercator, for a web map overlay.

    A web map stretches an image linearly in Web Mercator, so the score is reprojected to
    EPSG:3857 (nearest cell, nothing invented) rather than laid on its RD bounds, which are
    turned by about a degree against the map's grid.

    Parameters
    ----------
    geotiff
        The surface's GeoTIFF.
    max_pixels
        Upper bound on the image size; larger surfaces are shown coarser.

    Returns
    -------
    tuple of (numpy.ndarray, list)
        The image (height, width, 4) uint8 — excluded cells grey, scores on a yellow-green
        ramp, outside transparent — and its ``[[south, west], [north, east]]`` in degrees.
    """
    from matplotlib import colormaps
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    with (
        warnings.catch_warnings(),
        MemoryFile(geotiff) as memory,
        memory.open() as dataset,
    ):
        # rasterio multiplies affine transforms with `*`, which affine 3 flags as pending
        # deprecation: the library's own call, not ours.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, width, height = calculate_default_transform(
            dataset.crs, "EPSG:3857", dataset.width, dataset.height, *dataset.bounds
        )
        scale = max(1.0, math.sqrt(width * height / max_pixels))
        width, height = max(1, int(width / scale)), max(1, int(height / scale))
        transform = transform @ Affine.scale(scale, scale)
        out = np.full((2, height, width), NODATA, dtype="float32")
        for band in (1, 3):
            reproject(
                rasterio.band(dataset, band),
                out[0 if band == 1 else 1],
                dst_transform=transform,
                dst_crs="EPSG:3857",
                dst_nodata=NODATA,
                resampling=Resampling.nearest,
            )
        left, top = transform.c, transform.f
        right, bottom = left + width * transform.a, top + height * transform.e
        west, south, east, north = transform_bounds(
            "EPSG:3857", "EPSG:4326", left, bottom, right, top
        )
    score, rules = out
    rgba = (colormaps["YlGn"](np.clip((score - 0.3) / 0.7, 0, 1)) * 255).astype("uint8")
    rgba[..., 3] = 200
    rgba[rules > 0] = (200, 200, 200, 170)
    rgba[score == NODATA] = (0, 0, 0, 0)
    return rgba, [[south, west], [north, east]]
