"""Demand points per inhabited buurt (geo.demand)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo._errors import CRSError, PlekwijzerInputError
from geo.demand import DEMAND_COLUMNS, demand_from_buurten


@pytest.fixture
def buurten(tiny_buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The two tiny buurten plus an empty one, one with unknown inhabitants, one unmapped."""
    extra = gpd.GeoDataFrame(
        {
            "code": ["BU00010003", "BU00010004", "BU00010005"],
            "buurtcode": ["BU00010003", "BU00010004", "BU00010005"],
            "gemeentecode": "GM0001",
            "inhabitants": [0.0, float("nan"), 50.0],
        },
        geometry=[box(102_000, 400_000, 103_000, 401_000), box(0, 0, 1, 1), None],
        crs=tiny_buurten.crs,
        index=["BU00010003", "BU00010004", "BU00010005"],
    )
    return pd.concat([tiny_buurten, extra])


def test_only_inhabited_buurten_are_demand(buurten: gpd.GeoDataFrame) -> None:
    demand = demand_from_buurten(buurten)
    assert list(demand.index) == ["BU00010001", "BU00010002", "BU00010005"]
    assert list(demand["inhabitants"]) == [1000.0, 3000.0, 50.0]
    assert set(DEMAND_COLUMNS) <= set(demand.columns)
    assert demand.crs == buurten.crs


def test_demand_stands_at_the_representative_point(buurten: gpd.GeoDataFrame) -> None:
    demand = demand_from_buurten(buurten)
    for code in ("BU00010001", "BU00010002"):
        assert demand.loc[code, "point_source"] == "representative_point"
        assert buurten.loc[code, "geometry"].contains(demand.loc[code, "geometry"])


def test_a_buurt_without_polygon_keeps_its_people_without_a_point(
    buurten: gpd.GeoDataFrame,
) -> None:
    demand = demand_from_buurten(buurten)
    assert demand.loc["BU00010005", "point_source"] == "none"
    assert demand.loc["BU00010005", "geometry"] is None


def test_address_points_move_the_demand_point_to_their_mean(
    buurten: gpd.GeoDataFrame,
) -> None:
    # Three addresses in the west corner of the first buurt, none in the second.
    addresses = gpd.GeoSeries(
        [Point(100_100, 400_100), Point(100_200, 400_100), Point(100_300, 400_400)],
        crs=buurten.crs,
    )
    demand = demand_from_buurten(buurten, address_points=addresses)
    assert demand.loc["BU00010001", "point_source"] == "addresses"
    assert demand.loc["BU00010001", "geometry"].equals(Point(100_200, 400_200))
    assert demand.loc["BU00010002", "point_source"] == "representative_point"


def test_lon_lat_buurten_are_refused(buurten: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="geen CRS in meters"):
        demand_from_buurten(buurten.iloc[:2].to_crs("EPSG:4326"))


def test_address_points_in_another_crs_are_refused(buurten: gpd.GeoDataFrame) -> None:
    addresses = gpd.GeoSeries([Point(100_100, 400_100)], crs="EPSG:3857")
    with pytest.raises(CRSError, match="CRS verschilt"):
        demand_from_buurten(buurten, address_points=addresses)


def test_a_buurt_listed_twice_is_refused(buurten: gpd.GeoDataFrame) -> None:
    with pytest.raises(PlekwijzerInputError, match="BU00010001 komt twee keer voor"):
        demand_from_buurten(pd.concat([buurten, buurten.iloc[:1]]))
