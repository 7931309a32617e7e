"""The region is a hard boundary: outside_region_reason for sites and facilities."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo._errors import PlekwijzerInputError
from geo.boundary import (
    REASON_COLUMN,
    gemeente_borders_from_cbs,
    locate_in_region,
    outside_summary,
    require_inside,
)
from geo.features import candidate_features
from geo.regions import resolve_region
from geo.settings import CRS_RD
from geo.workspace import load_region_data

# GM0001 (the region) is x 100,000-102,000; GM0002 (a neighbour) x 102,000-104,000; the sea
# lies north of y 401,000. GM0009 is a 2022 code merged away since (not "current").
BORDERS = gpd.GeoDataFrame(
    {
        "gemeentecode": ["GM0001", "GM0002", "GM0009"],
        "gemeentenaam": ["Testdorp", "Buurdorp", "Oud-dorp"],
        "current": [True, True, False],
    },
    geometry=[
        box(100_000, 400_000, 102_000, 401_000),
        box(102_000, 400_000, 104_000, 401_000),
        box(98_000, 400_000, 100_000, 401_000),
    ],
    crs=CRS_RD,
)


@pytest.fixture
def buurten(tiny_buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Approximate polygons: the east buurt overshoots the border by 60 m and leaves a gap
    # of 400 m at the north-west corner, as the 60 m simplification does.
    out = tiny_buurten.copy()
    out.loc["BU00010002", "geometry"] = box(101_000, 400_000, 102_060, 401_000)
    out.loc["BU00010001", "geometry"] = box(100_000, 400_000, 101_000, 400_600)
    return out


def _points(**coordinates: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": list(coordinates)},
        geometry=[Point(x, y) for x, y in coordinates.values()],
        crs=CRS_RD,
        index=list(coordinates),
    )


def test_reasons_with_gemeente_borders(buurten):
    points = _points(
        inside=(101_500, 400_500),
        gap=(100_200, 400_900),  # in the region's border, 300 m from the nearest buurt
        overshoot=(102_040, 400_500),  # 40 m over the border but in the approximate buurt
        neighbour=(103_000, 400_500),
        near_neighbour=(102_200, 400_500),  # within 250 m of a buurt, 200 m over the border
        sea=(101_000, 402_000),
        merged=(99_900, 400_300),  # in a merged-away 2022 gemeente, 100 m from a buurt
        merged_far=(98_500, 400_300),
    )
    located = locate_in_region(points, buurten, borders=BORDERS)
    reasons = located[REASON_COLUMN]
    assert reasons[["inside", "gap", "overshoot", "merged"]].isna().all()
    assert located.loc["gap", "buurtcode"] == "BU00010001"
    assert located.loc["overshoot", "buurtcode"] == "BU00010002"
    assert reasons["neighbour"] == "buiten de regio: in gemeente Buurdorp (GM0002)"
    assert reasons["near_neighbour"] == "buiten de regio: in gemeente Buurdorp (GM0002)"
    assert reasons["sea"] == (
        "buiten de regio: in geen Nederlandse gemeente (open water of buitenland)"
    )
    assert reasons["merged_far"].startswith("buiten de regio: niet in of bij een buurt")
    outside = reasons.notna()
    assert located.loc[outside, ["buurtcode", "wijkcode", "gemeentecode"]].isna().all().all()
    assert located.loc[~outside, "gemeentecode"].eq("GM0001").all()


def test_without_borders_the_buurten_decide(buurten):
    points = _points(inside=(101_500, 400_500), near=(102_200, 400_500), far=(103_000, 400_500))
    located = locate_in_region(points, buurten)
    assert located[REASON_COLUMN].isna().tolist() == [True, True, False]
    assert located.loc["far", REASON_COLUMN].startswith("buiten de regio")


def test_water_buurt_is_outside(buurten):
    wet = buurten.copy()
    wet.loc["BU00010002", "land_area_ha"] = 0.0
    located = locate_in_region(_points(lake=(101_500, 400_500)), wet, borders=BORDERS)
    assert located.loc["lake", REASON_COLUMN] == (
        "buiten de regio: in water (buurt BU00010002 heeft geen land)"
    )
    assert pd.isna(located.loc["lake", "buurtcode"])


def test_chosen_gemeenten_narrow_the_region(buurten):
    two = pd.concat([buurten, buurten.assign(gemeentecode="GM0002").set_index(buurten.index + "b")])
    located = locate_in_region(_points(a=(101_500, 400_500)), two, gemeenten=["GM0002"])
    assert located.loc["a", "gemeentecode"] == "GM0002"


def test_candidate_features_carry_the_reason(buurten):
    sites = _points(a=(101_500, 400_500), b=(103_000, 400_500))
    table = candidate_features(sites, buurten=buurten, borders=BORDERS)
    assert table[REASON_COLUMN].isna().tolist() == [True, False]
    assert pd.isna(table.loc["b", "buurt_inhabitants"])


def test_require_inside_says_where_the_points_are(buurten):
    located = locate_in_region(
        _points(a=(103_000, 400_500), b=(103_100, 400_500), c=(101_000, 402_000)),
        buurten,
        borders=BORDERS,
    )
    with pytest.raises(
        PlekwijzerInputError,
        match=r"sites.csv: geen van de 3 kandidaten ligt in de gekozen regio \(testdorp\): "
        r"2 in gemeente Buurdorp \(GM0002\); 1 in geen Nederlandse gemeente",
    ):
        require_inside(located, what="kandidaten", region_label="testdorp", source="sites.csv")
    assert outside_summary(located.iloc[:1], what=("kandidaat", "kandidaten")) == (
        "1 kandidaat buiten de regio weggelaten: in gemeente Buurdorp (GM0002) (rij 1 (id a))."
    )


def test_demo_borders_read(demo_source):
    borders = gemeente_borders_from_cbs(demo_source)
    assert set(borders["gemeentecode"]) == {"GM9901", "GM9902", "GM9903"}
    assert borders["current"].all()


def _inventory(tmp_path: Path, rows: dict[str, tuple[float, float]]) -> Path:
    path = tmp_path / "inventaris.csv"
    lines = ["id;use;plot_area_m2;x;y"] + [f"{k};grond;5000;{x};{y}" for k, (x, y) in rows.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.shared_data
def test_enschede_alone_leaves_out_hengelo_and_the_north_sea(shared_source, tmp_path):
    path = _inventory(
        tmp_path,
        {
            "enschede": (258_300, 471_500),  # the centre of Enschede
            "hengelo": (250_000, 476_000),  # the centre of Hengelo (GM0164)
            "noordzee": (60_000, 480_000),
            "gronau": (266_600, 470_400),  # Gronau, Germany: within the RD box
        },
    )
    data = load_region_data(
        resolve_region(gemeenten="GM0153"),
        shared_source,
        candidates_path=path,
        use_defaults=False,
    )
    reasons = data.features[REASON_COLUMN]
    assert pd.isna(reasons["enschede"])
    assert data.features.loc["enschede", "gemeentecode"] == "GM0153"
    assert reasons["hengelo"] == "buiten de regio: in gemeente Hengelo (GM0164)"
    assert reasons["noordzee"].startswith("buiten de regio: in geen Nederlandse gemeente")
    assert reasons["gronau"].startswith("buiten de regio: in geen Nederlandse gemeente")
    notes = [n for n in data.notes if n.startswith("3 kandidaten buiten de regio weggelaten")]
    assert len(notes) == 1


@pytest.mark.shared_data
def test_inventory_of_another_region_is_refused(shared_source, tmp_path):
    path = _inventory(tmp_path, {"dordrecht": (105_500, 425_500)})
    with pytest.raises(
        PlekwijzerInputError,
        match=r"inventaris.csv: geen van de 1 kandidaten ligt in de gekozen regio \(twente\): "
        r"1 in gemeente Dordrecht \(GM0505\)",
    ):
        load_region_data(
            resolve_region("twente"), shared_source, candidates_path=path, use_defaults=False
        )


@pytest.mark.shared_data
def test_twente_illustrative_inventory_is_wholly_inside(shared_source):
    data = load_region_data(resolve_region("twente"), shared_source)
    assert data.features[REASON_COLUMN].isna().all()
    assert data.features["gemeentecode"].isin(data.region.gemeenten).all()
    assert not data.notes
