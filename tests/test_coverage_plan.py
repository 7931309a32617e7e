"""Coverage plans from layers (criteria.coverage_plan), tiny and on real Twente data."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from criteria._errors import CoverageError
from criteria.coverage_plan import add_cover_rank, coverage_sites, plan_coverage
from criteria.run import run_scenario
from criteria.scenario import Scenario
from geo.datadir import DataSource
from geo.datasets.illustrative import illustrative_paths
from geo.regions import resolve_region
from geo.settings import CRS_RD
from geo.workspace import load_region_data

# tiny_buurten: West (1,000 inhabitants) and Oost (3,000), 1 km squares side by side at
# x = 100,000-101,000 and 101,000-102,000, y = 400,000-401,000.
BORDER = Point(101_000, 400_500)


@pytest.fixture
def table() -> gpd.GeoDataFrame:
    """Scored candidates: one on the border, one excluded there, one far east in Oost."""
    ids = ["border", "excluded", "east"]
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": ["Op de grens", "Uitgesloten", "Oost"],
            "score": [0.4, 0.9, 0.8],
            "excluded": [False, True, False],
            "buurtcode": ["BU00010001", "BU00010001", "BU00010002"],
            "gemeentecode": "GM0001",
        },
        geometry=[BORDER, BORDER, Point(101_900, 400_500)],
        crs=CRS_RD,
        index=ids,
    )


@pytest.fixture
def facilities() -> gpd.GeoDataFrame:
    """An existing Noaberhuuske deep in the west and a dagopvang (another type) in the east."""
    ids = ["NH-1", "DO-1"]
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": ["Huuske", "Inloop"],
            "type": ["noaberhuuske", "dagopvang"],
            "buurtcode": ["BU00010001", "BU00010002"],
            "gemeentecode": "GM0001",
        },
        geometry=[Point(100_100, 400_500), Point(101_500, 400_500)],
        crs=CRS_RD,
        index=ids,
    )


def test_sites_are_eligible_candidates_and_existing_facilities_of_the_type(
    table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    sites = coverage_sites(table, facilities, facility_type="noaberhuuske")
    assert list(sites.index) == ["NH-1", "border", "east"]
    assert list(sites["existing"]) == [True, False, False]
    assert sites.loc["east", "score"] == 0.8
    assert np.isnan(sites.loc["NH-1", "score"])


def test_an_unscored_table_is_refused(
    table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    with pytest.raises(CoverageError, match="mist 'excluded'; bereken eerst de scores"):
        coverage_sites(table.drop(columns="excluded"), facilities, facility_type="noaberhuuske")


def test_plan_skips_excluded_candidates(
    tiny_buurten: gpd.GeoDataFrame, table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    # Reach 600 m: the border site reaches both buurt points (500 m), "east" only Oost; the
    # excluded site would tie with "border" and score higher, but may not be chosen.
    plan = plan_coverage(
        buurten=tiny_buurten,
        table=table,
        facilities=facilities.iloc[1:],
        facility_type="noaberhuuske",
        reach_m=600,
    )
    assert plan.result.new_sites == ("border",)
    assert plan.result.covered_after == 1.0
    assert plan.reach_kind == "straight_line"


def test_plan_with_existing_facility_and_map_layers(
    tiny_buurten: gpd.GeoDataFrame, table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    # The huuske reaches West (400 m); of Oost only "east" (400 m) and "border" (500 m)
    # are in reach: a tie broken by score, so "east".
    plan = plan_coverage(
        buurten=tiny_buurten,
        table=table,
        facilities=facilities,
        facility_type="noaberhuuske",
        reach_m=600,
    )
    result = plan.result
    assert result.existing_ids == ("NH-1",)
    assert result.new_sites == ("east",)
    assert result.covered_before == pytest.approx(0.25)
    layers = plan.map_layers(tiny_buurten)
    assert set(layers) == {"sites", "reach", "uncovered", "demand"}
    assert all(layer.crs == CRS_RD for layer in layers.values())
    assert list(layers["sites"]["role"]) == ["bestaand", "nieuw"]
    assert layers["sites"]["cover_rank"].tolist() == [pd.NA, 1]
    assert layers["reach"].area.to_numpy() == pytest.approx([np.pi * 600**2] * 2, rel=2e-3)
    assert layers["uncovered"].empty
    assert layers["demand"]["served_by"].tolist() == ["NH-1", "east"]


def test_new_sites_as_a_table_to_read_and_download(
    tiny_buurten: gpd.GeoDataFrame, table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    from geo.export import geojson_dict
    from geo.presentation import new_sites_table, sites_csv

    plan = plan_coverage(
        buurten=tiny_buurten,
        table=table.assign(use=["kantoor", "school", "grond"]),
        facilities=facilities,
        facility_type="noaberhuuske",
        reach_m=600,
    )
    sites = plan.new_site_table(table.assign(use=["kantoor", "school", "grond"]), tiny_buurten)
    assert sites.crs == CRS_RD
    assert sites["id"].tolist() == ["east"]
    row = sites.iloc[0]
    assert (row["cover_rank"], row["name"], row["use"]) == (1, "Oost", "grond")
    assert (row["buurt"], row["gemeente"], row["reach_m"]) == ("Oost", "Testdorp", 600)
    assert row["adds_inhabitants"] == 3000.0
    assert row.geometry.equals(Point(101_900, 400_500))
    shown = new_sites_table(sites)
    assert shown.loc[0, "extra inwoners in bereik"] == "3.000"
    assert list(shown.columns[:4]) == ["nr.", "id", "naam", "gebruik"]
    csv = sites_csv(sites).splitlines()
    assert csv[0].endswith("x_rd,y_rd,lat,lon")
    assert ",101900.0,400500.0," in csv[1]
    properties = [c for c in sites.columns if c != "geometry"]
    feature = geojson_dict(sites, properties=properties)["features"][0]
    assert feature["properties"]["gemeente"] == "Testdorp"
    assert feature["geometry"]["type"] == "Point"


def test_uncovered_buurten_and_dutch_summary(
    tiny_buurten: gpd.GeoDataFrame, table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    plan = plan_coverage(
        buurten=tiny_buurten,
        table=table.loc[["east"]],
        facilities=facilities,
        facility_type="noaberhuuske",
        reach_m=300,
    )
    # Neither the huuske (400 m) nor "east" (400 m) reaches a buurt point at 300 m.
    assert plan.result.new_sites == ()
    uncovered = plan.map_layers(tiny_buurten)["uncovered"]
    assert list(uncovered["buurtcode"]) == ["BU00010001", "BU00010002"]
    assert not uncovered["reachable"].any()
    assert plan.summary_nl() == (
        "Bereik 300 m: 0 nieuwe plekken naast 1 bestaande; inwoners binnen 300 m van een "
        "Noaberhuuske 0,0% → 0,0%. 2 buurten (4.000 inwoners) liggen buiten bereik van elke "
        "geschikte locatie."
    )


def test_cover_rank_is_added_to_the_score_export(
    tiny_buurten: gpd.GeoDataFrame, table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame
) -> None:
    plan = plan_coverage(
        buurten=tiny_buurten,
        table=table,
        facilities=facilities,
        facility_type="noaberhuuske",
        reach_m=600,
    )
    collection = {
        "type": "FeatureCollection",
        "features": [{"properties": {"id": i}, "geometry": None} for i in table.index],
    }
    ranked = add_cover_rank(collection, plan.result)
    assert [f["properties"]["cover_rank"] for f in ranked["features"]] == [None, None, 1]
    assert "cover_rank" not in collection["features"][0]["properties"]


@pytest.fixture(scope="module")
def twente(shared_source: DataSource) -> tuple:
    paths = illustrative_paths("twente")
    data = load_region_data(
        resolve_region("twente"),
        shared_source,
        candidates_path=paths["candidates"],
        facilities_path=paths["facilities"],
        use_defaults=False,
    )
    run = run_scenario(Scenario(profile="noaberhuuske", region="twente"), data=data).scoring
    return data, run


@pytest.mark.shared_data
@pytest.mark.parametrize("reach_m", [3000.0, 5000.0])
def test_twente_all_reaches_every_inhabited_buurt_or_says_why(
    twente: tuple, reach_m: float
) -> None:
    data, run = twente
    plan = plan_coverage(
        buurten=data.buurten,
        table=run.table,
        facilities=data.facilities,
        facility_type="noaberhuuske",
        reach_m=reach_m,
    )
    result = plan.result
    # Independently of spopt: distance from each inhabited buurt's representative point to
    # the nearest chosen or existing site, measured with shapely.
    buurten = data.buurten[data.buurten["inhabitants"].fillna(0) > 0]
    anchors = buurten.geometry.representative_point()
    existing = data.facilities[data.facilities["type"] == "noaberhuuske"].geometry
    chosen = run.table.loc[list(result.new_sites)].geometry
    eligible = run.table[~run.table["excluded"]].geometry
    opened = gpd.GeoSeries([*existing, *chosen], crs=CRS_RD)
    unreachable = {b.buurtcode for b in result.unreachable}
    assert result.existing == len(existing) == 2
    assert not run.table.loc[list(result.new_sites), "excluded"].any()
    for code, point in anchors.items():
        nearest = opened.distance(point).min()
        if code in unreachable:
            assert nearest > reach_m
            assert min(eligible.distance(point).min(), existing.distance(point).min()) > reach_m
        else:
            assert nearest <= reach_m, code
    assert {b.buurtcode for b in result.uncovered} == unreachable
    people = buurten["inhabitants"].sum()
    assert result.inhabitants == people
    lost = buurten.loc[list(unreachable), "inhabitants"].sum()
    assert result.covered_after == pytest.approx(1 - lost / people, abs=1e-6)


def greedy_coverage(cost: np.ndarray, weights: np.ndarray, covered: np.ndarray, n: int) -> float:
    """Inhabitants covered by n sites picked one by one, each adding the most."""
    covered = covered.copy()
    for _ in range(n):
        gains = ((cost <= 3000.0) & ~covered[:, None]).T @ weights
        covered |= cost[:, int(np.argmax(gains))] <= 3000.0
    return float(weights[covered].sum())


@pytest.mark.shared_data
def test_twente_mclp_beats_greedy_and_the_fewest_sites_need_more(twente: tuple) -> None:
    data, run = twente
    options = {
        "buurten": data.buurten,
        "table": run.table,
        "facilities": data.facilities,
        "facility_type": "noaberhuuske",
        "reach_m": 3000.0,
    }
    plan = plan_coverage(**options, n_sites=5)
    best5 = plan.result
    full = plan_coverage(**options).result
    assert len(best5.new_sites) == 5
    assert best5.covered_before < best5.covered_after < full.covered_after
    assert len(full.new_sites) > 5
    # Independent baseline: greedy picks over the eligible candidates.
    demand = plan.demand
    eligible = run.table[~run.table["excluded"]]
    existing = data.facilities[data.facilities["type"] == "noaberhuuske"]
    to_sites = np.array([[p.distance(q) for q in eligible.geometry] for p in demand.geometry])
    to_existing = np.array([[p.distance(q) for q in existing.geometry] for p in demand.geometry])
    weights = demand["inhabitants"].to_numpy()
    greedy = greedy_coverage(to_sites, weights, (to_existing <= 3000.0).any(axis=1), 5)
    assert best5.covered_after * best5.inhabitants >= greedy - 1e-6
