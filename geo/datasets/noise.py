"""An ILLUSTRATIVE road-noise raster (Lden-like dB) derived from an OSM road layer.

No open noise map (Lden) lies in the data directory, so tests and the demo derive a proxy
from the Enschede OSM roads: each road class gets an emission level at 10 m from the road
(:data:`EMISSION_DB_AT_10M`), falling 3 dB per doubling of distance as for a line source,
and the classes are summed as energies over a background of :data:`BACKGROUND_DB`. It is
**not** a noise map: no traffic counts, speeds, screening, buildings or ground; the file says
"illustratief" in its description and tags. Cells farther than :data:`COVER_M` from every
road of the layer are nodata: the layer does not cover them (the Enschede extract covers
central Enschede and lacks secondary and tertiary roads), so a rule on noise stays "te
controleren" there instead of passing.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from scipy import ndimage

from geo.settings import CRS_RD
from geo.surface import burn

#: Illustrative emission level in dB at 10 m from a road, by OSM highway class.
EMISSION_DB_AT_10M = {
    "motorway": 78.0,
    "trunk": 75.0,
    "primary": 71.0,
    "secondary": 68.0,
    "tertiary": 64.0,
    "unclassified": 58.0,
    "residential": 55.0,
    "living_street": 50.0,
    "service": 50.0,
}
#: Level where no road is heard, dB.
BACKGROUND_DB = 40.0
#: Cells farther than this from every road of the layer are nodata (not covered).
COVER_M = 300.0
#: Nodata of the written raster.
NODATA = -9999.0
DESCRIPTION = (
    "illustratief: geluidsproxy (Lden-achtig, dB) uit afstand tot OSM-wegen per wegklasse; "
    "geen echte geluidskaart"
)


def road_noise_proxy(roads: gpd.GeoDataFrame, *, cell_m: float = 25.0) -> tuple[np.ndarray, Affine]:
    """Return the illustrative Lden-like level per cell over the roads' extent.

    Parameters
    ----------
    roads
        Road lines with ``highway``, EPSG:28992.
    cell_m
        Cell size in metres.

    Returns
    -------
    tuple of (numpy.ndarray, affine.Affine)
        Levels in dB (float32, :data:`NODATA` beyond :data:`COVER_M` of every road) and the
        transform.
    """
    lines = roads[roads.geometry.notna()]
    minx, miny, maxx, maxy = lines.total_bounds
    left, top = math.floor(minx / cell_m) * cell_m, math.ceil(maxy / cell_m) * cell_m
    width = math.ceil((maxx - left) / cell_m)
    height = math.ceil((top - miny) / cell_m)
    transform = Affine(cell_m, 0.0, left, 0.0, -cell_m, top)
    shape = (height, width)
    energy = np.full(shape, 10 ** (BACKGROUND_DB / 10))
    for highway, level in EMISSION_DB_AT_10M.items():
        group = lines[lines["highway"] == highway].geometry.to_numpy()
        if not len(group):
            continue
        # Distance from each cell centre to the nearest road cell of the class, in metres.
        on_road = burn(group, transform, shape, all_touched=True) == 0
        distance = ndimage.distance_transform_edt(on_road) * cell_m
        energy += 10 ** ((level - 10 * np.log10(np.maximum(distance, 10.0) / 10.0)) / 10)
    levels = (10 * np.log10(energy)).astype("float32")
    every = burn(lines.geometry.to_numpy(), transform, shape, all_touched=True) == 0
    levels[ndimage.distance_transform_edt(every) * cell_m > COVER_M] = NODATA
    return levels, transform


def write_road_noise_proxy(
    roads: gpd.GeoDataFrame, path: str | Path, *, cell_m: float = 25.0
) -> Path:
    """Write :func:`road_noise_proxy` as a GeoTIFF in EPSG:28992, labelled illustrative.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    levels, transform = road_noise_proxy(roads, cell_m=cell_m)
    path = Path(path)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=levels.shape[1],
        height=levels.shape[0],
        count=1,
        dtype="float32",
        crs=CRS_RD,
        transform=transform,
        nodata=NODATA,
        compress="deflate",
    ) as dataset:
        dataset.write(levels, 1)
        dataset.set_band_description(1, "geluid_lden_db (illustratief)")
        dataset.update_tags(
            TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION,
            ILLUSTRATIEF="ja",
            BRON="© OpenStreetMap contributors (ODbL), afgeleid door Plekwijzer",
        )
    return path
