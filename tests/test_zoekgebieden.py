"""Zoekgebieden: contiguous suitable cells, minimum area, top K spread apart; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, shape

from cli import main
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.surface import NODATA
from geo.zoekgebieden import AREA_PROPERTIES, AreaOptions, find_zoekgebieden

CELL = 10.0
TRANSFORM = Affine(CELL, 0, 0, 0, -CELL, 1_000)
BUURTEN = pd.DataFrame(
    {
        "buurtcode": ["BU1", "BU2"],
        "name": ["Noord", "Zuid"],
        "gemeentecode": ["GM1", "GM1"],
        "gemeentenaam": ["Dorp", "Dorp"],
    }
)


def _areas(score: np.ndarray, **options: object):
    buurt = np.zeros(score.shape, dtype=np.int32)
    buurt[score.shape[0] // 2 :] = 1
    return find_zoekgebieden(
        score,
        eligible=score != NODATA,
        needs_check=np.zeros(score.shape, bool),
        buurt=buurt,
        buurten=BUURTEN,
        transform=TRANSFORM,
        cell_m=CELL,
        options=AreaOptions(**options),  # type: ignore[arg-type]
    )


def _two_blobs() -> np.ndarray:
    score = np.full((20, 20), 0.2)
    score[1:4, 1:5] = 0.9  # 12 cells, north
    score[2, 2] = 0.95
    score[15:19, 10:18] = 0.7  # 32 cells, south
    score[10, 0] = 0.99  # a single cell
    score[11, 1] = 0.99  # touches the one above only at a corner: a separate area
    return score


def test_areas_are_edge_connected_cells_above_the_threshold() -> None:
    areas = _areas(_two_blobs(), min_score=0.6)
    assert list(areas.columns) == [*AREA_PROPERTIES, "best_x", "best_y", "geometry"]
    assert sorted(areas["cells"]) == [1, 1, 12, 32]
    north = areas[areas["cells"] == 12].iloc[0]
    assert north["area_m2"] == 12 * CELL * CELL
    assert north["best_score"] == pytest.approx(0.95)
    assert north["mean_score"] == pytest.approx((11 * 0.9 + 0.95) / 12)
    assert north["buurtnaam"] == "Noord"
    assert north["buurten"] == ["Noord"]
    assert (north["best_x"], north["best_y"]) == (25.0, 975.0)  # the centre of cell (2, 2)
    south = areas[areas["cells"] == 32].iloc[0]
    assert south["buurtnaam"] == "Zuid"
    # Polygons trace the cells exactly.
    assert np.allclose(areas.geometry.area, areas["area_m2"])
    assert list(areas["rank"]) == [1, 2, 3, 4]
    assert areas["best_score"].is_monotonic_decreasing


def test_minimum_area_and_excluded_cells() -> None:
    score = _two_blobs()
    areas = _areas(score, min_score=0.6, min_area_m2=1_000)
    assert list(areas["cells"]) == [12, 32]
    score[1:4, 3] = NODATA  # an excluded column cuts the north area in two
    split = _areas(score, min_score=0.6)
    assert sorted(split["cells"])[:3] == [1, 1, 3]


def test_top_keeps_the_best_areas_spread_apart() -> None:
    areas = _areas(_two_blobs(), min_score=0.6, top=2, min_distance_m=50)
    # The two single cells are best but their centres lie 14 m apart: the second is
    # skipped; the north area's best cell lies 82 m from the first pick, more than 50 m.
    assert list(areas["cells"]) == [1, 12]
    assert list(areas["id"]) == ["zoekgebied_1", "zoekgebied_2"]
    everything = _areas(_two_blobs(), min_score=0.6, top=2, min_distance_m=0)
    assert list(everything["cells"]) == [1, 1]


def test_nothing_suitable_gives_an_empty_layer() -> None:
    assert _areas(np.full((5, 5), 0.1)).empty


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_score": 1.5}, "--min-score 1,5"),
        ({"min_area_m2": -1}, "--min-area-m2 −1"),
        ({"top": 0}, "--top 0"),
    ],
)
def test_bad_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(PlekwijzerInputError, match=message):
        AreaOptions(**options)


def test_cli_writes_the_geotiff_and_the_zoekgebieden(
    demo_source: DataSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, areas = tmp_path / "zoek.tif", tmp_path / "zoek.geojson"
    code = main(
        [
            "surface", "--profile", "skaeve_huse", "--region", "demo", "--cell-m", "200",
            "--out", str(out), "--areas", str(areas), "--min-area-m2", "40000", "--top", "3",
            "--min-score", "0.5", "--data-dir", str(demo_source.path),
        ]
    )  # fmt: skip
    assert code == 0
    with rasterio.open(out) as dataset:
        assert dataset.crs.to_epsg() == 28992
        assert dataset.res == (200.0, 200.0)
    collection = json.loads(areas.read_text())
    assert "crs" not in collection  # RFC 7946
    features = collection["features"]
    assert 1 <= len(features) <= 3
    first = features[0]
    assert list(first["properties"]) == [*AREA_PROPERTIES, "best_cell"]
    best_lon, best_lat = first["properties"]["best_cell"]
    assert 3 < best_lon < 8
    assert 50 < best_lat < 54
    assert shape(first["geometry"]).contains(Point(best_lon, best_lat))
    assert first["properties"]["area_m2"] >= 40_000
    lon, lat = first["geometry"]["coordinates"][0][0]
    assert 3 < lon < 8
    assert 50 < lat < 54
    assert collection["plekwijzer"]["not_applied_per_cell"] == ["plot_size", "site_use"]
    err = capsys.readouterr().err
    assert "zoekgebieden" in err
    assert "niet per cel toegepast" in err
    not_applied = next(line for line in err.splitlines() if "niet per cel" in line)
    # The line names the rules as a planner reads them, not by their ids.
    assert "plot_size" not in not_applied
    assert "site_use" not in not_applied


def test_cli_refuses_a_bad_cell_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["surface", "--profile", "skaeve_huse", "--region", "demo", "--cell-m", "1",
         "--out", str(tmp_path / "zoek.tif")]
    )  # fmt: skip
    assert code == 2
    assert "--cell-m" in capsys.readouterr().err
    assert not (tmp_path / "zoek.tif").exists()
