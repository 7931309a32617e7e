"""Straight-line cost matrices and reach circles (geo.reach)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo._errors import CRSError, GeometryError, PlekwijzerInputError
from geo.reach import reach_circles, straight_line_cost_m
from geo.settings import CRS_RD


def test_cost_matrix_rows_are_demand_and_columns_are_sites() -> None:
    demand = gpd.GeoSeries([Point(0, 0), Point(0, 10)], crs=CRS_RD)
    sites = gpd.GeoDataFrame(
        {"id": ["a", "b", "c"]},
        geometry=[Point(3, 4), Point(0, 10), Point(6, 18)],
        crs=CRS_RD,
    )
    cost = straight_line_cost_m(demand, sites)
    np.testing.assert_allclose(cost, [[5, 10, 18.973666], [6.708204, 0, 10]], rtol=1e-6)


def test_missing_points_are_unreachable() -> None:
    demand = gpd.GeoSeries([Point(0, 0), None, Point()], crs=CRS_RD)
    sites = gpd.GeoSeries([Point(3, 4), None], crs=CRS_RD)
    cost = straight_line_cost_m(demand, sites)
    assert cost[0, 0] == 5.0
    assert np.isinf(cost[1:]).all()
    assert np.isinf(cost[:, 1]).all()


def test_crs_mismatch_names_both() -> None:
    demand = gpd.GeoSeries([Point(0, 0)], crs=CRS_RD)
    sites = gpd.GeoSeries([Point(0, 0)], crs="EPSG:3857")
    with pytest.raises(CRSError, match=r"de vraag is in EPSG:28992, de plekken zijn in EPSG:3857"):
        straight_line_cost_m(demand, sites)


def test_polygons_are_refused_as_sites() -> None:
    demand = gpd.GeoSeries([Point(0, 0)], crs=CRS_RD)
    with pytest.raises(GeometryError, match="sites moeten punten zijn, kreeg Polygon"):
        straight_line_cost_m(demand, gpd.GeoSeries([box(0, 0, 1, 1)], crs=CRS_RD))


def test_reach_circle_has_the_area_of_its_radius() -> None:
    sites = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[Point(200_000, 450_000), None], crs=CRS_RD
    )
    circles = reach_circles(sites, reach_m=3000)
    assert list(circles["id"]) == ["a"]
    assert circles.crs == CRS_RD
    assert circles["reach_m"].iloc[0] == 3000.0
    assert circles.area.iloc[0] == pytest.approx(math.pi * 3000**2, rel=2e-3)
    assert circles.geometry.iloc[0].contains(Point(200_000, 452_990))


@pytest.mark.parametrize("reach", [0, -5, float("nan")])
def test_reach_circle_needs_a_positive_radius(reach: float) -> None:
    sites = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(0, 0)], crs=CRS_RD)
    with pytest.raises(PlekwijzerInputError, match="reach_m moet een afstand in meters > 0 zijn"):
        reach_circles(sites, reach_m=reach)
