"""Zoekgebieden: contiguous areas of suitable cells of a surface, as a region finder draws them.

A zoekgebied is a group of cells that touch by an edge (4-connectivity: cells meeting only at
a corner are separate areas, as a plot must be reachable across its width), each with a score
of at least ``min_score`` and not excluded by a hard rule, together covering at least
``min_area_m2``. Cells flagged "te controleren" count (a rule could not be decided on measured
data: it must be checked on site); the share of such cells is reported per area.

Each area gets its area in m², its mean and best score, the gemeente and buurt of its best
cell (ties: the first cell in row order), and the buurten it covers, most cells first. Areas
are ranked by their best score (then mean score, then area): the best cell is where a site
would go, and ranking by the mean let small uniform patches push aside large areas holding
better places (Enschede, Skaeve Huse: a 6,875 m² patch of mean 0.725 ranked above a
37.6 km² area whose best cell scores 0.949). With ``top``, areas are picked greedily in that
order, the best cell of each at least ``min_distance_m`` from the best cell of every area
already picked, as the region finders of suitability tools spread their results (measured
between best cells, not edges: a zoekgebied of many km² lies within a kilometre of almost
everything, and would push every other area out). ``best_x`` and ``best_y`` (RD metres) give
the best cell's centre.

Defaults: :data:`DEFAULT_MIN_SCORE` (0.6: clearly better than an average place, on a 0–1
score) and :data:`DEFAULT_MIN_DISTANCE_M` (1 km: two picks are not one neighbourhood).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features as rio_features
from scipy import ndimage

from geo import nlformat
from geo._errors import PlekwijzerInputError
from geo.settings import CRS_RD
from geo.surface import NODATA, SurfaceGrid

#: Lowest score of a cell in a zoekgebied, unless the user gives one.
DEFAULT_MIN_SCORE = 0.6
#: Least distance in metres between two zoekgebieden picked with ``top``, unless given.
DEFAULT_MIN_DISTANCE_M = 1_000.0
#: Buurten named per area in ``buurten`` (most cells first).
NAMED_BUURTEN = 5
#: Properties of every exported zoekgebied, in order (the GeoJSON contract).
AREA_PROPERTIES = (
    "id",
    "rank",
    "area_m2",
    "cells",
    "mean_score",
    "best_score",
    "te_controleren_share",
    "gemeentecode",
    "gemeentenaam",
    "buurtcode",
    "buurtnaam",
    "buurten",
)
_EDGE = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])


class SurfaceLike(Protocol):
    """What the zoekgebieden read of a surface (:class:`criteria.surface.Surface`)."""

    @property
    def grid(self) -> SurfaceGrid:
        """The grid."""

    @property
    def score(self) -> np.ndarray:
        """Cell scores, :data:`geo.surface.NODATA` outside the region."""

    @property
    def excluded(self) -> np.ndarray:
        """Cells excluded by a hard rule."""

    @property
    def needs_check(self) -> np.ndarray:
        """Cells "te controleren"."""

    @property
    def buurt(self) -> np.ndarray:
        """Position of each cell's buurt in :attr:`buurtcodes`, -1 outside."""

    @property
    def buurtcodes(self) -> np.ndarray:
        """Buurt codes."""


@dataclass(frozen=True)
class AreaOptions:
    """What makes a zoekgebied.

    Attributes
    ----------
    min_score
        Lowest cell score, 0–1.
    min_area_m2
        Least area of a zoekgebied in m².
    top
        Keep this many areas (best first, spread apart); None keeps every area.
    min_distance_m
        Least distance between two areas kept with ``top``.
    """

    min_score: float = DEFAULT_MIN_SCORE
    min_area_m2: float = 0.0
    top: int | None = None
    min_distance_m: float = DEFAULT_MIN_DISTANCE_M

    def __post_init__(self) -> None:
        if not (0.0 <= self.min_score <= 1.0):
            msg = f"--min-score {nlformat.given(self.min_score)}: geef een score van 0 tot 1."
            raise PlekwijzerInputError(msg)
        if not (self.min_area_m2 >= 0 and math.isfinite(self.min_area_m2)):
            msg = (
                f"--min-area-m2 {nlformat.given(self.min_area_m2)}: geef een oppervlakte van 0 m² "
                "of meer."
            )
            raise PlekwijzerInputError(msg)
        if self.top is not None and self.top < 1:
            msg = f"--top {self.top}: geef 1 of meer."
            raise PlekwijzerInputError(msg)
        if not (self.min_distance_m >= 0 and math.isfinite(self.min_distance_m)):
            msg = f"--min-distance-m {nlformat.given(self.min_distance_m)}: geef 0 m of meer."
            raise PlekwijzerInputError(msg)


def find_zoekgebieden(
    score: np.ndarray,
    *,
    eligible: np.ndarray,
    needs_check: np.ndarray,
    buurt: np.ndarray,
    buurten: pd.DataFrame,
    transform: Affine,
    cell_m: float,
    options: AreaOptions | None = None,
) -> gpd.GeoDataFrame:
    """Return the zoekgebieden of a surface as polygons in EPSG:28992.

    Parameters
    ----------
    score
        Shape (height, width): the cell scores (any value where not ``eligible``).
    eligible
        Shape (height, width), bool: inside the region and not excluded by a hard rule.
    needs_check
        Shape (height, width), bool: the cell is "te controleren".
    buurt
        Shape (height, width), int: row of ``buurten`` holding the cell, -1 outside.
    buurten
        ``buurtcode``, ``name``, ``gemeentecode``, ``gemeentenaam`` per buurt, in the order
        ``buurt`` counts.
    transform
        The grid's affine transform.
    cell_m
        Cell size in metres.
    options
        Thresholds and the top-K pick.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zoekgebied with :data:`AREA_PROPERTIES`, ``best_x`` and ``best_y``,
        best first (``rank`` 1, 2, …).
    """
    options = options or AreaOptions()
    suitable = eligible & (score >= options.min_score)
    labels, n = ndimage.label(suitable, structure=_EDGE)
    empty = gpd.GeoDataFrame(
        {name: [] for name in (*AREA_PROPERTIES, "best_x", "best_y")}, geometry=[], crs=CRS_RD
    )
    if n == 0:
        return empty
    flat = labels.ravel()
    cells = np.bincount(flat, minlength=n + 1)[1:]
    keep = cells * cell_m * cell_m >= options.min_area_m2
    if not keep.any():
        return empty
    ids = np.flatnonzero(keep) + 1
    values = np.where(suitable, score, 0.0).astype("float64").ravel()
    sums = np.bincount(flat, weights=values, minlength=n + 1)[1:]
    checks = np.bincount(flat, weights=needs_check.ravel().astype(float), minlength=n + 1)[1:]
    best = np.asarray(ndimage.maximum(score, labels, ids), dtype=float)
    best_at = ndimage.maximum_position(score, labels, ids)
    best_buurt = np.array([buurt[r, c] for r, c in best_at], dtype=np.int64)
    best_rc = np.array(best_at, dtype=float).reshape(-1, 2)
    t = transform
    best_x = t.c + (best_rc[:, 1] + 0.5) * t.a + (best_rc[:, 0] + 0.5) * t.b
    best_y = t.f + (best_rc[:, 1] + 0.5) * t.d + (best_rc[:, 0] + 0.5) * t.e
    table = pd.DataFrame(
        {
            "label": ids,
            "cells": cells[ids - 1],
            "area_m2": cells[ids - 1] * cell_m * cell_m,
            "mean_score": sums[ids - 1] / cells[ids - 1],
            "best_score": best,
            "te_controleren_share": checks[ids - 1] / cells[ids - 1],
            "best_x": best_x,
            "best_y": best_y,
        }
    )
    names = buurten.reset_index(drop=True)
    at = np.where(best_buurt >= 0, best_buurt, 0)
    for column, source in (
        ("gemeentecode", "gemeentecode"),
        ("gemeentenaam", "gemeentenaam"),
        ("buurtcode", "buurtcode"),
        ("buurtnaam", "name"),
    ):
        table[column] = np.where(best_buurt >= 0, names[source].to_numpy(dtype=object)[at], None)
    table["buurten"] = _buurten_by_cells(flat, buurt.ravel(), ids, names["name"])
    table["geometry"] = _polygons(labels, ids, transform)
    table = table.sort_values(
        ["best_score", "mean_score", "area_m2", "label"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    frame = gpd.GeoDataFrame(table, geometry="geometry", crs=CRS_RD)
    if options.top is not None:
        frame = _spread_pick(frame, top=options.top, min_distance_m=options.min_distance_m)
    frame = frame.reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["id"] = [f"zoekgebied_{r}" for r in frame["rank"]]
    return frame[[*AREA_PROPERTIES, "best_x", "best_y", "geometry"]]


def _buurten_by_cells(
    flat_labels: np.ndarray, flat_buurt: np.ndarray, ids: np.ndarray, names: pd.Series
) -> list[list[str]]:
    """Names of the buurten each area covers, most cells first (at most NAMED_BUURTEN)."""
    wanted = np.isin(flat_labels, ids) & (flat_buurt >= 0)
    pairs = pd.DataFrame({"label": flat_labels[wanted], "buurt": flat_buurt[wanted]})
    counts = pairs.value_counts().reset_index(name="n")
    counts = counts.sort_values(["label", "n", "buurt"], ascending=[True, False, True])
    counts["name"] = names.to_numpy(dtype=object)[counts["buurt"].to_numpy()]
    grouped = counts.groupby("label")["name"].apply(lambda s: list(s)[:NAMED_BUURTEN])
    return [grouped.get(label, []) for label in ids]


def _polygons(labels: np.ndarray, ids: np.ndarray, transform: Affine) -> list[object]:
    """One (multi)polygon per label, traced along cell edges (rasterio.features.shapes)."""
    mask = np.isin(labels, ids)
    pieces: dict[int, list[object]] = {}
    with warnings.catch_warnings():
        # rasterio multiplies its affine transform with `*`, which affine 3 flags as pending
        # deprecation: the library's own call, not ours.
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        for geometry, value in rio_features.shapes(
            labels.astype("int32"), mask=mask, connectivity=4, transform=transform
        ):
            pieces.setdefault(int(value), []).append(shapely.geometry.shape(geometry))
    return [shapely.union_all(pieces[int(label)]) for label in ids]


def _spread_pick(frame: gpd.GeoDataFrame, *, top: int, min_distance_m: float) -> gpd.GeoDataFrame:
    """Return the ``top`` best areas whose best cells lie ``min_distance_m`` or more apart."""
    picked: list[int] = []
    xy = frame[["best_x", "best_y"]].to_numpy()
    for position in range(len(frame)):
        if len(picked) == top:
            break
        if picked and min_distance_m > 0:
            gaps = np.hypot(*(xy[picked] - xy[position]).T)
            if (gaps < min_distance_m).any():
                continue
        picked.append(position)
    return frame.iloc[picked]


def surface_zoekgebieden(
    surface: SurfaceLike, buurten: pd.DataFrame, *, options: AreaOptions | None = None
) -> gpd.GeoDataFrame:
    """Return the zoekgebieden of a computed surface (:class:`criteria.surface.Surface`).

    Parameters
    ----------
    surface
        The surface: ``score``, ``excluded``, ``needs_check``, ``buurt``, ``buurtcodes``,
        ``grid``.
    buurten
        The region's buurten (``buurtcode``, ``name``, ``gemeentecode``, ``gemeentenaam``).
    options
        Thresholds and the top-K pick.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`find_zoekgebieden`.
    """
    names = (
        pd.DataFrame(buurten[["buurtcode", "name", "gemeentecode", "gemeentenaam"]])
        .drop_duplicates("buurtcode")
        .set_index("buurtcode")
        .reindex(surface.buurtcodes)
        .reset_index()
    )
    return find_zoekgebieden(
        surface.score,
        eligible=(surface.score != NODATA) & ~surface.excluded,
        needs_check=surface.needs_check,
        buurt=surface.buurt,
        buurten=names,
        transform=surface.grid.transform,
        cell_m=surface.grid.cell_m,
        options=options,
    )


def zoekgebieden_geojson(
    areas: gpd.GeoDataFrame, *, members: dict[str, object] | None = None
) -> dict[str, object]:
    """Return the zoekgebieden as an RFC 7946 FeatureCollection (EPSG:4326).

    Properties: :data:`AREA_PROPERTIES` and ``best_cell`` (``[lon, lat]`` of the best cell's
    centre: where in the area a site would score best).

    Parameters
    ----------
    areas
        From :func:`find_zoekgebieden`.
    members
        Extra top-level members, e.g. ``{"plekwijzer": {...}}``.

    Returns
    -------
    dict
    """
    from geo.export import geojson_dict

    best = gpd.GeoSeries(
        gpd.points_from_xy(areas["best_x"], areas["best_y"]), crs=CRS_RD, index=areas.index
    ).to_crs("EPSG:4326")
    with_best = areas.assign(best_cell=[[round(p.x, 7), round(p.y, 7)] for p in best.to_numpy()])
    collection = geojson_dict(with_best, properties=[*AREA_PROPERTIES, "best_cell"])
    return collection | dict(members or {})
