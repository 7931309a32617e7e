"""Score every cell of a region with a profile: the suitability surface ("zoekgebieden").

One truth (issue 20): a cell is scored exactly as a candidate site at its centre would be.
Its features come from :func:`geo.features.candidate_features` with the same layers
(address points where loaded, else the buurt estimate), and its score, exclusion and "te
controleren" flag from :func:`criteria.scoring.score` — the same transforms, hard rules and
aggregation; raster criteria (``--raster NAME=FILE``) are sampled at the cell centre as at a
site. The cells are computed in blocks (:meth:`geo.surface.SurfaceGrid.blocks`), so
memory stays bounded whatever the region's size.

What a cell cannot have: the attributes of a building or plot (its use, floor and plot area,
build year). Rules and criteria on those (:data:`SITE_ATTRIBUTES`) describe a site, not a
place, and are left out of the surface: the remaining criteria's weights are renormalised, the
left-out rules are named in the GeoTIFF and in the summary, and must be checked for each site
found in a zoekgebied (a zoekgebied's area stands in for the plot).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria._errors import ProfileError
from criteria.profiles import Profile
from criteria.scoring import score
from geo._errors import PlekwijzerInputError
from geo.features import candidate_features
from geo.raster import add_raster_features, buurt_raster_means
from geo.settings import CRS_RD
from geo.surface import BANDS, NODATA, Block, SurfaceGrid, SurfaceLayers, SurfaceWriter
from geo.zoekgebieden import AreaOptions

if TYPE_CHECKING:
    from criteria.scenario import Scenario, SurfaceOptions
    from geo.datadir import DataSource
    from geo.workspace import RegionData

#: Features of a building or plot, recorded in an inventory: no grid cell has them.
SITE_ATTRIBUTES = frozenset(
    {"use", "floor_area_m2", "plot_area_m2", "build_year", "owner", "name", "input_use"}
)
#: Most hard rules a surface records in its bit mask band (float32 holds 24 bits exactly).
MAX_RULES = 24


@dataclass(frozen=True)
class SurfaceProfile:
    """The profile as it applies to places (cells) rather than sites.

    Attributes
    ----------
    profile
        The profile without the rules and criteria on :data:`SITE_ATTRIBUTES`; directly
        weighted with the original weights of the criteria kept (renormalised when scoring).
    dropped_rules, dropped_criteria
        Names of the left-out hard rules and soft criteria.
    dropped_labels
        Their Dutch labels, rules first (what a person reads; the reduced profile no longer
        holds them).
    """

    profile: Profile
    dropped_rules: tuple[str, ...]
    dropped_criteria: tuple[str, ...]
    dropped_labels: tuple[str, ...] = ()


def surface_profile(profile: Profile) -> SurfaceProfile:
    """Return the profile without its rules and criteria on site attributes.

    Parameters
    ----------
    profile
        A facility profile.

    Returns
    -------
    SurfaceProfile

    Raises
    ------
    ProfileError
        When no criterion is left to score a place with, or more than :data:`MAX_RULES` hard
        rules remain.
    """
    rules = [c for c in profile.constraints if not set(c.features) & SITE_ATTRIBUTES]
    kept = [c for c in profile.criteria if c.feature not in SITE_ATTRIBUTES]
    if not kept:
        msg = (
            "elk criterium leest een eigenschap van een plek (gebruik, vloer- of "
            "perceeloppervlak, bouwjaar): er blijft niets over om een plaats mee te scoren; voeg "
            "een criterium op de ligging toe."
        )
        raise ProfileError(msg, source=profile.source)
    if len(rules) > MAX_RULES:
        msg = (
            f"zoekgebieden houden hoogstens {MAX_RULES} harde eisen bij, het profiel heeft er "
            f"{len(rules)}."
        )
        raise ProfileError(msg, source=profile.source)
    weights = profile.weights
    criteria = tuple(dataclasses.replace(c, weight=float(weights[c.name]), rank=None) for c in kept)
    place = dataclasses.replace(
        profile,
        weighting="direct",
        constraints=tuple(rules),
        criteria=criteria,
        ahp_pairwise=(),
    )
    dropped_rules = tuple(c.name for c in profile.constraints if c not in rules)
    dropped_criteria = tuple(c.name for c in profile.criteria if c not in kept)
    labels = profile.labels
    return SurfaceProfile(
        profile=place,
        dropped_rules=dropped_rules,
        dropped_criteria=dropped_criteria,
        dropped_labels=tuple(labels[name] for name in (*dropped_rules, *dropped_criteria)),
    )


def cell_sites(block: Block) -> gpd.GeoDataFrame:
    """Return a block's cell centres as a candidate layer (points only).

    The index is the position of the cell in the block; no ``id`` text is made for a
    million cells, since no feature reads it.
    """
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(block.x, block.y), crs=CRS_RD)


@dataclass(frozen=True)
class BlockScores:
    """The scored cells of one block (arrays aligned to the block's cells).

    Attributes
    ----------
    score
        Score 0–1; 0 where excluded; NaN outside the region.
    needs_check
        A hard rule could not be decided on measured data ("te controleren").
    excluded_by
        Bit ``k`` set when the ``k``-th hard rule of the surface profile excludes the cell.
    outside
        The cell's centre lies outside the chosen gemeenten (by the rule used for sites).
    buurtcode
        The buurt of each cell (None outside).
    warnings
        The scoring engine's messages for the block.
    """

    score: np.ndarray
    needs_check: np.ndarray
    excluded_by: np.ndarray
    outside: np.ndarray
    buurtcode: np.ndarray
    warnings: tuple[str, ...] = ()

    def bands(self) -> dict[str, np.ndarray]:
        """Values per band of :data:`geo.surface.BANDS` (nodata outside the region)."""
        values = {
            "score": self.score,
            "te_controleren": self.needs_check.astype("float32"),
            "uitgesloten_door": self.excluded_by.astype("float32"),
        }
        return {
            name: np.where(self.outside, NODATA, values[name]).astype("float32") for name in BANDS
        }


def score_cells(features: gpd.GeoDataFrame, place: SurfaceProfile) -> BlockScores:
    """Score a feature table of cells (or sites) with the surface profile.

    Parameters
    ----------
    features
        From :func:`geo.features.candidate_features`.
    place
        From :func:`surface_profile`.

    Returns
    -------
    BlockScores
    """
    result = score(features, place.profile)
    masks = result.matrix.masks
    bits = (1 << np.arange(masks.failed.shape[1], dtype=np.int64)).astype(np.int64)
    excluded_by = (masks.failed.astype(np.int64) * bits).sum(axis=1) if bits.size else None
    values = np.where(result.excluded, 0.0, result.score)
    outside = masks.outside_region.copy()
    return BlockScores(
        score=np.where(outside, np.nan, values),
        needs_check=result.needs_check.copy(),
        excluded_by=(excluded_by if excluded_by is not None else np.zeros(len(features), np.int64)),
        outside=outside,
        buurtcode=features["buurtcode"].to_numpy(dtype=object),
        warnings=tuple(result.warnings),
    )


@dataclass(frozen=True, eq=False)
class Surface:
    """A computed surface: the GeoTIFF and what the zoekgebieden need.

    Attributes
    ----------
    grid
        The grid.
    place
        The profile as applied to places.
    score
        Shape (height, width) float32: the score, :data:`geo.surface.NODATA` outside.
    needs_check, excluded
        Shape (height, width) bool.
    buurt
        Shape (height, width) int32: position in :attr:`buurtcodes`, -1 outside.
    buurtcodes
        The buurt codes the cells lie in.
    geotiff
        The Cloud-Optimized GeoTIFF as bytes.
    warnings
        The scoring engine's messages (e.g. an optional criterion dropped for lack of data).
    """

    grid: SurfaceGrid
    place: SurfaceProfile
    score: np.ndarray
    needs_check: np.ndarray
    excluded: np.ndarray
    buurt: np.ndarray
    buurtcodes: np.ndarray
    geotiff: bytes
    warnings: tuple[str, ...] = ()

    @property
    def n_cells(self) -> int:
        """Cells of the region (nodata excluded)."""
        return int((self.score != NODATA).sum())

    def summary(self) -> dict[str, Any]:
        """Return the counts of region, excluded and "te controleren" cells; the rules left out."""
        inside = self.score != NODATA
        return {
            "cells": int(inside.sum()),
            "cell_m": self.grid.cell_m,
            "excluded": int((self.excluded & inside).sum()),
            "te_controleren": int((self.needs_check & inside).sum()),
            "dropped_rules": list(self.place.dropped_rules),
            "dropped_criteria": list(self.place.dropped_criteria),
        }


def surface_tags(layers: SurfaceLayers, place: SurfaceProfile, *, cell_m: float) -> dict[str, str]:
    """Return the GeoTIFF tags: profile, region, rules and their bits, inputs."""
    profile = place.profile
    tags = {
        "PLEKWIJZER_PROFILE": profile.name,
        "PLEKWIJZER_REGION": layers.region.name,
        "PLEKWIJZER_GEMEENTEN": ",".join(layers.region.gemeenten),
        "PLEKWIJZER_CELL_M": f"{cell_m:g}",
        "PLEKWIJZER_DATA_DIR": str(layers.source.path),
        "PLEKWIJZER_SYNTHETIC": str(layers.source.synthetic).lower(),
        "PLEKWIJZER_WEIGHTS": ", ".join(
            f"{name}={weight:.4f}" for name, weight in profile.weights.items()
        ),
        "PLEKWIJZER_NOT_APPLIED": ", ".join(place.dropped_rules + place.dropped_criteria) or "none",
    }
    for k, constraint in enumerate(profile.constraints):
        rule = " or ".join(c.describe() for c in constraint.clauses)
        tags[f"RULE_{k}"] = f"{constraint.name}: {rule} ({constraint.label})"
    tags |= {f"INPUT_{key.upper()}": value for key, value in layers.inputs.items()}
    return tags


def compute_surface(
    layers: SurfaceLayers,
    profile: Profile,
    *,
    cell_m: float = 25.0,
    block_cells: int | None = None,
    area: gpd.GeoDataFrame | None = None,
) -> Surface:
    """Score every cell of a region, block by block, and write the GeoTIFF.

    Parameters
    ----------
    layers
        The region's layers (:func:`geo.surface.surface_layers`).
    profile
        The facility profile (with any weight overrides already applied).
    cell_m
        Cell size in metres.
    block_cells
        Region cells per block (default :data:`geo.surface.BLOCK_CELLS`).
    area
        The buurten to lay the cells over, when only part of the region is wanted (the app:
        one gemeente of the region); the cells are still measured and scored in the whole
        region, so each scores as a site there would in the region's run.

    Returns
    -------
    Surface
    """
    from geo.surface import BLOCK_CELLS

    place = surface_profile(profile)
    grid = SurfaceGrid.from_buurten(layers.buurten if area is None else area, cell_m=cell_m)
    shape = (grid.height, grid.width)
    score_grid = np.full(shape, NODATA, dtype="float32")
    needs_check = np.zeros(shape, dtype=bool)
    excluded = np.zeros(shape, dtype=bool)
    buurt = np.full(shape, -1, dtype="int32")
    messages: dict[str, None] = {}
    codes = layers.buurten["buurtcode"].drop_duplicates().to_numpy(dtype=object)
    position = pd.Index(codes)
    options = layers.feature_options()
    # Buurt means of the rasters once for all blocks (one pass over each raster).
    means = {r.buurt_feature: buurt_raster_means(r, layers.buurten) for r in layers.rasters}
    description = (
        f"Plekwijzer geschiktheid ({profile.title}) per cel van {cell_m:g} m, "
        f"regio {layers.region.name}: band 1 score 0-1 (0 = uitgesloten door een harde regel), "
        "band 2 te controleren (1 = een regel is niet op gemeten gegevens beslist), "
        "band 3 uitgesloten door (bitmasker van de regels RULE_k)"
    )
    with SurfaceWriter(
        grid, tags=surface_tags(layers, place, cell_m=cell_m), description=description
    ) as writer:
        for block in grid.blocks(block_cells=block_cells or BLOCK_CELLS):
            features = candidate_features(cell_sites(block), **options)
            features = add_raster_features(
                features, layers.rasters, buurten=layers.buurten, buurt_means=means
            )
            scored = score_cells(features, place)
            writer.write(block, scored.bands())
            messages.update(dict.fromkeys(scored.warnings))
            inside = ~scored.outside
            rows, cols = block.rows[inside], block.cols[inside]
            score_grid[rows, cols] = scored.score[inside]
            needs_check[rows, cols] = scored.needs_check[inside]
            excluded[rows, cols] = scored.excluded_by[inside] > 0
            buurt[rows, cols] = position.get_indexer(scored.buurtcode[inside])
        geotiff = writer.cog_bytes()
    return Surface(
        grid=grid,
        place=place,
        score=score_grid,
        needs_check=needs_check,
        excluded=excluded,
        buurt=buurt,
        buurtcodes=codes,
        geotiff=geotiff,
        warnings=tuple(messages),
    )


@dataclass(frozen=True)
class ScenarioSurface:
    """A scenario's surface and zoekgebieden: ``plekwijzer surface`` and the report page.

    Attributes
    ----------
    options
        The scenario's surface options.
    layers
        The layers read (region, buurten, inputs, notes).
    surface
        The computed surface.
    areas
        The zoekgebieden (:func:`geo.zoekgebieden.find_zoekgebieden`), best first.
    area_options
        The thresholds the areas were found with.
    """

    options: SurfaceOptions
    layers: SurfaceLayers
    surface: Surface
    areas: gpd.GeoDataFrame
    area_options: AreaOptions


def scenario_surface(
    scenario: Scenario, *, source: DataSource | None = None, data: RegionData | None = None
) -> ScenarioSurface:
    """Compute the surface and zoekgebieden a scenario asks for (``scenario.surface``).

    The one path of ``plekwijzer surface`` and of the report: the scenario's profile (with its
    overrides), region, register, address points, roads, OSM sensitive functions and raster
    criteria, as :func:`geo.surface.surface_layers` reads them for the whole region; the
    cells laid over ``surface.gemeenten`` (default the region).

    Parameters
    ----------
    scenario
        A scenario with ``surface`` set.
    source
        The data directory, when already resolved.
    data
        The region as a run of this scenario loaded it (the report has it), reused by
        :func:`geo.surface.surface_layers` instead of reading the files again.

    Returns
    -------
    ScenarioSurface

    Raises
    ------
    PlekwijzerInputError
        When the scenario has no surface, or names gemeenten outside its region.
    """
    from geo.datadir import resolve_data_dir
    from geo.regions import resolve_region
    from geo.surface import surface_layers
    from geo.zoekgebieden import surface_zoekgebieden

    options = scenario.surface
    if options is None:
        msg = 'het scenario vraagt geen zoekgebieden; voeg "surface": {} toe'
        raise PlekwijzerInputError(msg)
    source = source or resolve_data_dir(scenario.data_dir)
    region = resolve_region(scenario.region, gemeenten=scenario.gemeenten or None, source=source)
    if options.gemeenten is not None and (
        outside := [code for code in options.gemeenten if code not in region.gemeenten]
    ):
        msg = (
            f"surface.gemeenten {', '.join(outside)} ligt niet in de regio {region.name!r}; "
            f"kies uit {', '.join(region.gemeenten)} of laat het veld weg"
        )
        raise PlekwijzerInputError(msg)
    layers = surface_layers(
        region,
        source,
        facilities_path=scenario.facilities,
        dwellings_path=scenario.dwellings,
        roads_path=scenario.roads,
        sensitive_osm_path=scenario.sensitive_osm,
        default_places=scenario.default_places,
        rasters=scenario.rasters,
        use_defaults=scenario.use_defaults,
        data=data,
    )
    area = None
    if options.gemeenten is not None:
        area = layers.buurten[layers.buurten["gemeentecode"].isin(options.gemeenten)]
    surface = compute_surface(layers, scenario.load_profile(), cell_m=options.cell_m, area=area)
    area_options = AreaOptions(
        min_score=options.min_score,
        min_area_m2=options.min_area_m2,
        top=options.top,
        min_distance_m=options.min_distance_m,
    )
    areas = surface_zoekgebieden(surface, layers.buurten, options=area_options)
    return ScenarioSurface(
        options=options,
        layers=layers,
        surface=surface,
        areas=areas,
        area_options=area_options,
    )
