"""The suitability surface: grid, one truth with the site path, GeoTIFF read back, homes rule."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile
from scipy.spatial import cKDTree
from shapely.geometry import box

from criteria._errors import ProfileError
from criteria.profiles import load_profile
from criteria.scoring import score
from criteria.surface import Surface, cell_sites, compute_surface, score_cells, surface_profile
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.features import candidate_features
from geo.regions import resolve_region
from geo.settings import CRS_RD
from geo.surface import BANDS, NODATA, SurfaceGrid, SurfaceLayers, surface_layers

ENSCHEDE_ADDRESSES = "enschede_addresses/address_points_enschede_2012.gpkg"


def _layers(source: DataSource, region: str | None, gemeenten: str | None = None, **kw: object):
    found = resolve_region(region, gemeenten=gemeenten, source=source)
    return surface_layers(found, source, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo_surface(demo_source: DataSource) -> tuple[SurfaceLayers, Surface]:
    layers = _layers(demo_source, "demo")
    return layers, compute_surface(layers, load_profile("skaeve_huse"), cell_m=250)


@pytest.fixture(scope="module")
def enschede_surface(shared_source: DataSource) -> tuple[SurfaceLayers, Surface]:
    layers = _layers(
        shared_source,
        None,
        "GM0153",
        dwellings_path=shared_source.path / ENSCHEDE_ADDRESSES,
    )
    # 50 m cells: the homes rule is the same at any cell size, and the test stays quick.
    return layers, compute_surface(layers, load_profile("skaeve_huse"), cell_m=50)


def test_grid_snaps_to_cell_multiples_and_takes_centres_inside() -> None:
    buurten = gpd.GeoDataFrame(geometry=[box(1_010, 2_010, 1_390, 2_190)], crs=CRS_RD)
    grid = SurfaceGrid.from_buurten(buurten, cell_m=100)
    assert grid.bounds == (1_000.0, 2_000.0, 1_400.0, 2_200.0)
    assert (grid.width, grid.height) == (4, 2)
    assert grid.inside.all()  # every centre (x50, y50) lies inside the box
    with pytest.raises(PlekwijzerInputError, match="--cell-m 2: geef een celgrootte"):
        SurfaceGrid.from_buurten(buurten, cell_m=2)


def test_blocks_cover_every_region_cell_once_and_none_is_small(
    tiny_buurten: gpd.GeoDataFrame,
) -> None:
    grid = SurfaceGrid.from_buurten(tiny_buurten, cell_m=50)  # 40 × 20 cells
    blocks = list(grid.blocks(block_cells=150))
    seen = np.concatenate([b.rows * grid.width + b.cols for b in blocks])
    assert len(seen) == grid.n_cells == 800
    assert len(np.unique(seen)) == 800
    assert len(blocks) == 800 // 150
    assert min(b.n_cells for b in blocks) >= 150


def test_surface_profile_leaves_out_site_attributes() -> None:
    skaeve = surface_profile(load_profile("skaeve_huse"))
    assert skaeve.dropped_rules == ("plot_size", "site_use")
    assert skaeve.dropped_criteria == ()
    tussen = surface_profile(load_profile("tussenvoorziening"))
    assert tussen.dropped_rules == ("floor_area",)
    assert tussen.dropped_criteria == ("convertibility",)
    kept = tussen.profile.weights
    original = load_profile("tussenvoorziening").weights
    assert kept.sum() == pytest.approx(1.0)
    # The kept criteria keep their proportions.
    ratio = kept / original[kept.index]
    assert np.allclose(ratio, ratio.iloc[0])


def test_surface_profile_refuses_a_profile_of_site_attributes_only() -> None:
    profile = load_profile("tussenvoorziening")
    only_site = type(profile)(
        **{
            **profile.__dict__,
            "criteria": tuple(c for c in profile.criteria if c.feature == "use"),
        }
    )
    with pytest.raises(ProfileError, match="er blijft niets over om een plaats mee te scoren"):
        surface_profile(only_site)


def _read(surface: Surface) -> tuple[rasterio.Affine, np.ndarray, dict[str, str], object]:
    with MemoryFile(surface.geotiff) as memory, memory.open() as dataset:
        return dataset.transform, dataset.read(), dataset.tags(), dataset.crs


def test_candidate_at_a_cell_centre_scores_the_cell_value(
    demo_surface: tuple[SurfaceLayers, Surface],
) -> None:
    layers, surface = demo_surface
    _, bands, _, _ = _read(surface)
    rows, cols = np.nonzero(bands[0] != NODATA)
    pick = np.random.default_rng(7).choice(len(rows), size=min(300, len(rows)), replace=False)
    x, y = surface.grid.centres(rows[pick], cols[pick])
    sites = gpd.GeoDataFrame(
        {"id": [f"S{i}" for i in range(len(pick))]},
        geometry=gpd.points_from_xy(x, y),
        crs=CRS_RD,
    )
    # The site path: the inventory's feature function and the scoring engine.
    features = candidate_features(sites, **layers.feature_options())
    place = surface_profile(load_profile("skaeve_huse")).profile
    result = score(features, place)
    expected = np.where(result.excluded, 0.0, result.score)
    assert np.allclose(bands[0][rows[pick], cols[pick]], expected, atol=1e-6)
    assert np.array_equal(bands[1][rows[pick], cols[pick]] == 1, result.needs_check)
    assert (bands[1][rows[pick], cols[pick]] == 1).any()  # the demo has no address points
    assert np.ptp(expected) > 0.3  # the cells differ: the comparison is not between constants


def test_score_cells_matches_the_engine_on_the_same_table(
    demo_surface: tuple[SurfaceLayers, Surface],
) -> None:
    layers, surface = demo_surface
    block = next(surface.grid.blocks())
    features = candidate_features(cell_sites(block), **layers.feature_options())
    place = surface_profile(load_profile("skaeve_huse"))
    scored = score_cells(features, place)
    table = score(features, place.profile)
    inside = ~scored.outside
    assert np.allclose(scored.score[inside], np.where(table.excluded, 0, table.score)[inside])


def test_geotiff_crs_transform_nodata_read_back_with_rasterio(
    demo_surface: tuple[SurfaceLayers, Surface],
) -> None:
    _, surface = demo_surface
    with MemoryFile(surface.geotiff) as memory, memory.open() as dataset:
        assert dataset.crs.to_epsg() == 28992
        assert dataset.transform == surface.grid.transform
        assert dataset.nodatavals == (NODATA,) * len(BANDS)
        assert dataset.descriptions == BANDS
        assert dataset.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert dataset.overviews(1) or max(dataset.width, dataset.height) <= 512
        score_band = dataset.read(1, masked=True)
    assert score_band.mask.sum() == surface.score.size - surface.n_cells
    assert float(score_band.min()) >= 0.0
    assert float(score_band.max()) <= 1.0


@pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="gdalinfo (gdal-bin) not installed")
def test_geotiff_read_back_with_gdal(
    enschede_surface: tuple[SurfaceLayers, Surface], tmp_path: Path
) -> None:
    _, surface = enschede_surface
    path = tmp_path / "zoek.tif"
    path.write_bytes(surface.geotiff)
    info = json.loads(
        subprocess.run(
            ["gdalinfo", "-json", str(path)], check=True, capture_output=True, text=True
        ).stdout
    )
    assert info["coordinateSystem"]["wkt"].rstrip().endswith('ID["EPSG",28992]]')
    t = surface.grid.transform
    assert info["geoTransform"] == [t.c, t.a, t.b, t.f, t.d, t.e]
    assert [band["noDataValue"] for band in info["bands"]] == [NODATA] * 3
    assert [band["description"] for band in info["bands"]] == list(BANDS)
    assert info["metadata"]["IMAGE_STRUCTURE"]["LAYOUT"] == "COG"
    assert all(band["overviews"] for band in info["bands"])
    assert info["size"] == [surface.grid.width, surface.grid.height]


def test_every_cell_near_an_address_is_excluded_by_the_homes_rule(
    enschede_surface: tuple[SurfaceLayers, Surface], shared_source: DataSource
) -> None:
    _, surface = enschede_surface
    _, bands, tags, _ = _read(surface)
    inside = bands[0] != NODATA
    rows, cols = np.nonzero(inside)
    x, y = surface.grid.centres(rows, cols)
    addresses = gpd.read_file(shared_source.path / ENSCHEDE_ADDRESSES)
    tree = cKDTree(np.column_stack([addresses.geometry.x, addresses.geometry.y]))
    distance, _ = tree.query(np.column_stack([x, y]))
    near = distance < 100
    assert near.sum() > 10_000
    assert (~near).sum() > 10_000
    # The reason: bit 0 is the rule named in RULE_0, the 100 m from homes rule.
    assert tags["RULE_0"].startswith("distance_from_homes: distance_to_dwelling_m >= 100")
    homes_bit = bands[2][rows, cols].astype(np.int64) & 1
    assert (bands[0][rows, cols][near] == 0).all()
    assert (homes_bit[near] == 1).all()
    assert (bands[1][rows, cols][near] == 0).all()  # measured: excluded, not "te controleren"
    assert (homes_bit[distance >= 100.5] == 0).all()  # and the rule excludes nothing else


def test_enschede_cells_are_measured_not_estimated(
    enschede_surface: tuple[SurfaceLayers, Surface],
) -> None:
    _, surface = enschede_surface
    summary = surface.summary()
    assert summary["te_controleren"] == 0  # addresses cover Enschede: every rule is decided
    assert 0 < summary["excluded"] < summary["cells"]


def test_part_of_the_region_scores_as_in_the_whole_region(
    demo_surface: tuple[SurfaceLayers, Surface],
) -> None:
    layers, whole = demo_surface
    gemeente = sorted(layers.buurten["gemeentecode"].unique())[0]
    area = layers.buurten[layers.buurten["gemeentecode"] == gemeente]
    part = compute_surface(layers, load_profile("skaeve_huse"), cell_m=250, area=area)
    rows, cols = np.nonzero(part.score != NODATA)
    assert 0 < len(rows) < whole.n_cells
    x, y = part.grid.centres(rows, cols)
    # Grids snap to multiples of the cell size: the same cells, the same values.
    whole_rows, whole_cols = whole.grid.cell_of(x, y)
    assert np.array_equal(part.score[rows, cols], whole.score[whole_rows, whole_cols])
