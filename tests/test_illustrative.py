import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.datadir import DataSource
from geo.datasets.illustrative import (
    ILLUSTRATIVE_DIR,
    SEED,
    illustrative_candidates,
    illustrative_facilities,
    illustrative_paths,
    write_illustrative,
)
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.regions import load_region_presets
from geo.settings import CRS_RD, FACILITY_TYPES
from tests.conftest import TWENTE

CANDIDATE_COLUMNS = [
    "id",
    "name",
    "use",
    "floor_area_m2",
    "plot_area_m2",
    "build_year",
    "owner",
    "x",
    "y",
    "buurtcode",
    "note",
]
REAL_REGIONS = [r.name for r in load_region_presets().values() if not r.synthetic]


@pytest.fixture(scope="module")
def twente_buurten(shared_source: DataSource) -> gpd.GeoDataFrame:
    return neighbourhoods_from_cbs(shared_source, gemeenten=TWENTE)


def check_inside_buurten(table: pd.DataFrame, buurten: gpd.GeoDataFrame) -> None:
    """Every row lies in the buurt it names (coordinates are rounded to 0.1 m)."""
    points = gpd.points_from_xy(table["x"], table["y"], crs=buurten.crs)
    shapes = buurten.set_index("buurtcode").geometry.loc[table["buurtcode"]]
    gaps = gpd.GeoSeries(shapes.to_numpy(), crs=buurten.crs).distance(
        gpd.GeoSeries(points), align=False
    )
    assert (gaps <= 0.1).all(), table.loc[gaps.to_numpy() > 0.1, ["id", "buurtcode"]]


def test_candidates_on_tiny_buurten(tiny_buurten):
    table = illustrative_candidates(tiny_buurten, n=25, seed=7)
    assert list(table.columns) == CANDIDATE_COLUMNS
    assert len(table) == 25
    assert table["id"].is_unique
    assert table["id"].iloc[0] == "ILL-0001"
    check_inside_buurten(table, tiny_buurten)
    assert (table["note"] == "illustrative, not a real site").all()
    assert table["name"].str.endswith("(illustratief)").all()
    land = table["use"] == "grond"  # bare land: no building, no floor area, no build year
    assert table.loc[land, ["build_year", "floor_area_m2"]].isna().all().all()
    assert (table.loc[~land, "floor_area_m2"] > 0).all()
    assert (table["plot_area_m2"] > 0).all()


def test_candidates_are_seeded(tiny_buurten):
    first = illustrative_candidates(tiny_buurten, n=30)
    pd.testing.assert_frame_equal(first, illustrative_candidates(tiny_buurten, n=30))
    other = illustrative_candidates(tiny_buurten, n=30, seed=SEED + 1)
    assert not first[["x", "y"]].equals(other[["x", "y"]])


def test_candidates_skip_buurten_without_a_shape(tiny_buurten):
    shapeless = tiny_buurten.copy()
    shapeless.loc["BU00010002", "geometry"] = None
    table = illustrative_candidates(shapeless, n=10)
    assert (table["buurtcode"] == "BU00010001").all()


def test_facilities_on_tiny_buurten(tiny_buurten):
    table = illustrative_facilities(tiny_buurten)
    pd.testing.assert_frame_equal(table, illustrative_facilities(tiny_buurten))
    assert table["id"].is_unique
    assert set(table["type"]) <= set(FACILITY_TYPES)
    assert (table["note"] == "illustrative, not a real facility").all()
    assert table["name"].str.endswith("(illustratief)").all()
    assert (table["places"] >= 1).all()
    confidential = table[table["confidential"] == "ja"]
    assert list(confidential["type"]) == ["vrouwenopvang"]
    assert (table.loc[table["type"] != "vrouwenopvang", "confidential"] == "nee").all()
    # centre facilities go to the densest buurten of the most populous gemeente
    centre = table[table["type"].isin(["nachtopvang", "dagopvang", "crisisopvang"])]
    points = gpd.GeoSeries(gpd.points_from_xy(centre["x"], centre["y"]), crs=CRS_RD)
    assert points.within(box(100_000, 400_000, 102_000, 401_000).buffer(0.1)).all()


def test_candidates_in_twente(twente_buurten):
    table = illustrative_candidates(twente_buurten)
    assert len(table) == 240
    check_inside_buurten(table, twente_buurten)
    assert table["buurtcode"].nunique() > 100  # spread over the region, not one city
    assert set(table["buurtcode"].str[2:6].radd("GM")) == set(TWENTE)
    pd.testing.assert_frame_equal(table, illustrative_candidates(twente_buurten))


@pytest.mark.parametrize("region", REAL_REGIONS)
def test_committed_files_are_reproducible(shared_source: DataSource, region: str):
    presets = load_region_presets()
    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=presets[region].gemeenten)
    paths = illustrative_paths(region)
    fresh = illustrative_candidates(buurten).to_csv(index=False)
    assert fresh == paths["candidates"].read_text(encoding="utf-8"), paths["candidates"]
    fresh = illustrative_facilities(buurten).to_csv(index=False)
    assert fresh == paths["facilities"].read_text(encoding="utf-8"), paths["facilities"]
    check_inside_buurten(pd.read_csv(paths["candidates"]), buurten)
    facilities = pd.read_csv(paths["facilities"])
    assert (facilities["type"] == "vrouwenopvang").sum() == 1


def test_committed_twente_inventory_reads_back(twente_buurten):
    committed = pd.read_csv(illustrative_paths("twente")["candidates"])
    fresh = pd.read_csv(io.StringIO(illustrative_candidates(twente_buurten).to_csv(index=False)))
    pd.testing.assert_frame_equal(committed, fresh)
    assert len(committed) >= 200


def test_paths_and_writer(tiny_buurten, monkeypatch: pytest.MonkeyPatch, tmp_path):
    assert illustrative_paths("twente") == {
        "candidates": ILLUSTRATIVE_DIR / "twente_candidates.csv",
        "facilities": ILLUSTRATIVE_DIR / "twente_facilities.csv",
    }
    folder = tmp_path / "illustrative"
    monkeypatch.setattr("geo.datasets.illustrative.ILLUSTRATIVE_DIR", folder)
    paths = write_illustrative("proef", tiny_buurten, n=5)
    assert paths == {
        "candidates": folder / "proef_candidates.csv",
        "facilities": folder / "proef_facilities.csv",
    }
    assert len(pd.read_csv(paths["candidates"])) == 5
    assert len(pd.read_csv(paths["facilities"])) == len(illustrative_facilities(tiny_buurten))
