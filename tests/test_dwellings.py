import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from criteria.profiles import load_profile
from criteria.scoring import score
from geo._errors import PlekwijzerInputError
from geo.dwellings import (
    covered_gemeenten,
    dwelling_features,
    dwellings_from_file,
    sensitive_from_osm_xml,
)
from geo.facilities import assign_buurt
from geo.features import candidate_features
from geo.home_estimate import home_density_per_km2, median_nearest_m
from geo.neighbourhoods import neighbourhoods_from_cbs
from geo.settings import CRS_RD
from tests.conftest import TWENTE

ENSCHEDE_ADDRESSES = "enschede_addresses/address_points_enschede_2012.gpkg"
OSM_FIXTURE = "tests/fixtures/amenities.osm"


def _bag_gpkg(path):
    gpd.GeoDataFrame(
        {
            "identificatie": ["0001", "0002", "0003", "0004", "0005"],
            "gebruiksdoel": [
                "woonfunctie",
                "onderwijsfunctie",
                "woonfunctie,winkelfunctie",
                "kantoorfunctie",
                "woonfunctie",
            ],
            "status": [
                "Verblijfsobject in gebruik",
                "Verblijfsobject in gebruik",
                "Verblijfsobject in gebruik",
                "Verblijfsobject in gebruik",
                "Verblijfsobject gesloopt",
            ],
            "oppervlakte": [80, 2_000, 120, 400, 70],
        },
        geometry=[Point(100_000 + 10 * i, 400_000) for i in range(5)],
        crs=CRS_RD,
    ).to_file(path, layer="verblijfsobject")
    return path


def test_bag_verblijfsobject_layout(tmp_path):
    layer = dwellings_from_file(_bag_gpkg(tmp_path / "bag.gpkg"))
    assert layer.crs.to_epsg() == 28992
    assert layer["address_id"].tolist() == ["0001", "0002", "0003", "0004"]  # gesloopt dropped
    assert layer["home"].tolist() == [True, False, True, False]
    assert layer["sensitive"].tolist() == [False, True, False, False]
    assert layer["use_known"].all()


def test_sensitive_uses_are_configurable(tmp_path):
    layer = dwellings_from_file(_bag_gpkg(tmp_path / "bag.gpkg"), sensitive_uses=["kantoorfunctie"])
    assert layer["sensitive"].tolist() == [False, False, False, True]


def test_csv_with_rd_coordinates_and_plain_uses(tmp_path):
    path = tmp_path / "adressen.csv"
    path.write_text(
        "id;x;y;use\na;100000;400000;woning\nb;100050;400000;kinderopvang\nc;100100;400000;zorg\n"
        "d;100150;400000;winkel\n",
        encoding="utf-8",
    )
    layer = dwellings_from_file(path)
    assert layer["home"].tolist() == [True, False, False, False]
    assert layer["sensitive"].tolist() == [False, True, True, False]
    assert layer.geometry.x.tolist() == [100_000, 100_050, 100_100, 100_150]


def test_csv_with_lat_lon_and_no_use_column_counts_every_address_as_home(tmp_path):
    path = tmp_path / "punten.csv"
    path.write_text("lat,lon\n52.2215,6.8937\n52.2230,6.8950\n", encoding="utf-8")
    layer = dwellings_from_file(path)
    assert layer["home"].all()
    assert not layer["sensitive"].any()
    assert not layer["use_known"].any()
    assert layer["address_id"].tolist() == ["1", "2"]
    assert layer.geometry.x.between(250_000, 262_000).all()  # Enschede in RD


def test_unsupported_file_and_missing_use_column(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(PlekwijzerInputError, match=r"bestandstype '\.xlsx' wordt niet gelezen"):
        dwellings_from_file(path)
    csv = tmp_path / "b.csv"
    csv.write_text("x,y\n100000,400000\n", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=r"kolom\(men\) functie ontbreken"):
        dwellings_from_file(csv, use_column="functie")


def test_sensitive_from_osm_fixture():
    layer, coverage = sensitive_from_osm_xml(OSM_FIXTURE)
    assert layer["sensitive"].all()
    assert not layer["home"].any()
    assert set(layer["use"]) <= {"school", "kinderopvang"}
    assert len(layer) >= 1
    assert coverage is not None
    assert coverage.contains(layer.geometry.union_all())


def _two_gemeenten():
    """Two 1 km buurten in two gemeenten; 100 homes per km² of land each."""
    return gpd.GeoDataFrame(
        {
            "buurtcode": ["BU00010001", "BU00020001"],
            "wijkcode": ["WK000100", "WK000200"],
            "gemeentecode": ["GM0001", "GM0002"],
            "gemeentenaam": ["Westdorp", "Oostdorp"],
            "households": [100.0, 100.0],
            "inhabitants": [220.0, 220.0],
            "land_area_ha": [100.0, 100.0],
            "urbanity": [5.0, 5.0],
        },
        geometry=[box(0, 0, 1_000, 1_000), box(1_000, 0, 2_000, 1_000)],
        crs=CRS_RD,
    )


def _sites(*xy):
    return gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(len(xy))]},
        geometry=[Point(x, y) for x, y in xy],
        crs=CRS_RD,
        index=[f"s{i}" for i in range(len(xy))],
    )


def test_coverage_decides_measured_or_estimate():
    buurten = _two_gemeenten()
    # 60 homes on a grid in the west gemeente only: covers it (60 ≥ 0.5 × 100 households).
    grid = [Point(x, y) for x in range(50, 650, 60) for y in range(200, 800, 100)]
    homes = gpd.GeoDataFrame(geometry=grid, crs=CRS_RD)
    assert covered_gemeenten(homes.assign(home=True), buurten) == {"GM0001"}
    sites = assign_buurt(_sites((100, 150), (1_500, 500), (950, 500)), buurten)
    table = dwelling_features(sites, buurten, dwellings=homes)
    source = table["source__distance_to_dwelling_m"]
    # s0 deep in the covered gemeente: measured; nearest home (110, 200), three within 100 m.
    assert source["s0"] == "measured"
    assert table.loc["s0", "distance_to_dwelling_m"] == pytest.approx(math.hypot(10, 50))
    assert table.loc["s0", "addresses_within_100m"] == 3.0
    assert pd.isna(table.loc["s0", "note__distance_to_dwelling_m"])
    # s1 in the uncovered gemeente: estimate with the reason.
    assert source["s1"] == "estimate"
    assert table.loc["s1", "note__distance_to_dwelling_m"].startswith(
        "adrespunten dekken gemeente Oostdorp niet; schatting uit de buurt (100 woningen"
    )
    # s2 in the covered gemeente but 50 m from the uncovered one, 360 m from its nearest point:
    # homes across the border may be nearer, so the value is the smaller, estimated one.
    assert source["s2"] == "estimate"
    assert table.loc["s2", "distance_to_dwelling_m"] < 360
    assert "buurgemeente" in table.loc["s2", "note__distance_to_dwelling_m"]
    assert table["source__addresses_within_250m"].tolist() == ["measured", "estimate", "estimate"]
    # The coverage a caller worked out already (the data banner's) gives the same table.
    given = dwelling_features(sites, buurten, dwellings=homes, covered=("GM0001",))
    pd.testing.assert_frame_equal(given, table)
    # And it is what decides: told nothing is covered, s0 is no longer measured.
    assert (
        dwelling_features(sites, buurten, dwellings=homes, covered=())[
            "source__distance_to_dwelling_m"
        ]["s0"]
        == "estimate"
    )


def test_no_points_and_nothing_sensitive_loaded():
    buurten = _two_gemeenten()
    sites = assign_buurt(_sites((500, 500)), buurten)
    table = dwelling_features(sites, buurten)
    expected = 1.7 * 1_000 * math.sqrt(math.log(2) / (math.pi * 100))
    assert table.loc["s0", "distance_to_dwelling_m"] == pytest.approx(expected, rel=0.01)
    assert table.loc["s0", "addresses_within_250m"] == pytest.approx(
        100 * math.pi * 0.25**2, rel=0.01
    )
    assert np.isnan(table.loc["s0", "distance_to_sensitive_m"])
    assert table.loc["s0", "source__distance_to_sensitive_m"] == "estimate"
    assert "geen gevoelige functies geladen" in table.loc["s0", "note__distance_to_sensitive_m"]


def test_bag_layer_separates_homes_from_sensitive(tmp_path):
    buurten = _two_gemeenten().assign(households=[2.0, 0.0])
    layer = dwellings_from_file(_bag_gpkg(tmp_path / "bag.gpkg")).set_geometry(
        gpd.points_from_xy([100, 300, 500, 700], [100, 100, 100, 100]), crs=CRS_RD
    )
    sites = assign_buurt(_sites((300, 160)), buurten)
    table = dwelling_features(sites, buurten, dwellings=layer)
    # Homes 0001 (100, 100) and 0003 (500, 100); the school 0002 at (300, 100).
    assert table.loc["s0", "distance_to_dwelling_m"] == pytest.approx(math.hypot(200, 60))
    assert table.loc["s0", "distance_to_sensitive_m"] == pytest.approx(60.0)
    assert table.loc["s0", "source__distance_to_sensitive_m"] == "measured"


def test_median_nearest_without_homes_is_infinite_and_capped():
    radii = np.array([100.0, 1_000.0])
    result = median_nearest_m(np.array([[0.0, 0.0], [0.0, 0.7], [50.0, 5_000.0]]), radii_m=radii)
    assert np.isinf(result[0])
    assert result[1] == 1_000.0  # 0.7 ≥ ln 2 just inside 1 km; × 1.7 is capped
    assert result[2] == pytest.approx(1.7 * 100 * math.sqrt(math.log(2) / 50))


def test_home_density_falls_back_to_inhabitants_then_urbanity():
    frame = pd.DataFrame(
        {
            "households": [50.0, np.nan, np.nan],
            "inhabitants": [np.nan, 440.0, np.nan],
            "land_area_ha": [50.0, 100.0, 0.0],
            "urbanity": [1.0, 1.0, 2.0],
        }
    )
    assert home_density_per_km2(frame).tolist() == pytest.approx([100.0, 200.0, 1_500.0])


def test_named_edge_buurten_read_sparse(shared_source):
    """Issue 9: CBS adressendichtheid reads these near-empty buurten as town."""
    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=["GM0505", "GM0642"])
    named = buurten[buurten["name"].isin(["Drinkwaterbedrijf", "Sportterrein Krommedijk"])]
    assert len(named) == 2
    density = home_density_per_km2(named)
    assert (named["address_density_per_km2"] > 1_500).all()
    assert (density < 500).all()
    sites = gpd.GeoDataFrame(
        {"id": named["name"].to_numpy()},
        geometry=named.geometry.representative_point().to_numpy(),
        crs=CRS_RD,
        index=named["name"].to_numpy(),
    )
    table = candidate_features(sites, buurten=buurten)
    old = 500 / np.sqrt(named.set_index("name")["address_density_per_km2"])
    assert (table["distance_to_dwelling_m"] > 5 * old.reindex(table.index)).all()
    # The sports ground: few homes around its middle (CBS density would say 357 in 250 m).
    assert table.loc["Sportterrein Krommedijk", "addresses_within_250m"] < 50
    assert table.loc["Sportterrein Krommedijk", "distance_to_dwelling_m"] >= 50
    assert (table["source__distance_to_dwelling_m"] == "estimate").all()
    assert table["note__distance_to_dwelling_m"].str.contains("controleer ter plaatse").all()


@pytest.fixture(scope="module")
def enschede(shared_source):
    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=TWENTE).assign(draagkracht=0.5)
    addresses = dwellings_from_file(shared_source.path / ENSCHEDE_ADDRESSES)
    return buurten, addresses


def test_enschede_addresses_cover_enschede_only(enschede):
    buurten, addresses = enschede
    assert len(addresses) == 70_957
    assert covered_gemeenten(addresses, buurten) == {"GM0153"}


def _enschede_site(addresses, anchors, *, offset_m):
    """A point exactly ``offset_m`` east of one of ``anchors``, no address nearer."""
    xy = np.column_stack([anchors.geometry.x, anchors.geometry.y])
    probe = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0] + offset_m, xy[:, 1]), crs=CRS_RD)
    nearest = gpd.GeoDataFrame(geometry=addresses.geometry).sindex.nearest(
        probe, return_distance=True, return_all=False
    )[1]
    first = int(np.flatnonzero(np.isclose(nearest, offset_m, atol=0.01))[0])
    return probe.iloc[first]


def test_skaeve_huse_site_60_m_from_an_enschede_address(enschede):
    buurten, addresses = enschede
    enschede_buurten = buurten[buurten["gemeentecode"] == "GM0153"]
    inner = enschede_buurten.union_all().buffer(-1_000)
    inside = addresses[addresses.within(inner)]
    site = _enschede_site(addresses, inside, offset_m=60.0)
    table = candidate_features(
        gpd.GeoDataFrame(
            {"id": ["near"], "use": ["grond"], "plot_area_m2": [2_000.0], "floor_area_m2": [0.0]},
            geometry=[site],
            crs=CRS_RD,
            index=["near"],
        ),
        buurten=buurten,
        dwellings=addresses,
    )
    assert table.loc["near", "distance_to_dwelling_m"] == pytest.approx(60.0, abs=0.01)
    assert table.loc["near", "source__distance_to_dwelling_m"] == "measured"
    result = score(table, load_profile("skaeve_huse")).table
    assert result.loc["near", "excluded"]
    assert any("afstand tot woningen" in r for r in result.loc["near", "exclusion_reasons"])


def test_skaeve_huse_site_300_m_from_every_enschede_address(enschede):
    buurten, addresses = enschede
    enschede_buurten = buurten[buurten["gemeentecode"] == "GM0153"]
    probes = enschede_buurten.geometry.sample_points(20, rng=9).explode(index_parts=False)
    sites = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(len(probes))]},
        geometry=probes.to_numpy(),
        crs=CRS_RD,
        index=[f"p{i}" for i in range(len(probes))],
    )
    table = candidate_features(sites, buurten=buurten, dwellings=addresses)
    far = table[
        (table["distance_to_dwelling_m"] >= 300)
        & (table["source__distance_to_dwelling_m"] == "measured")
    ]
    assert len(far) >= 1
    site = far.iloc[[0]].assign(use="grond", plot_area_m2=2_000.0, floor_area_m2=0.0)
    truth = addresses.distance(site.geometry.iloc[0]).min()
    assert truth >= 300
    assert site["distance_to_dwelling_m"].iloc[0] == pytest.approx(truth)
    result = score(site, load_profile("skaeve_huse")).table
    reasons = result["exclusion_reasons"].iloc[0]
    assert not any("afstand tot woningen" in r for r in reasons)


def test_raster_estimate_for_large_inputs_matches_the_exact_overlay(shared_source):
    from geo import home_estimate
    from geo.neighbourhoods import neighbourhoods_from_cbs

    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=("GM0153",))
    density = home_estimate.home_density_per_km2(buurten)
    shaped = buurten.geometry.notna()
    points = gpd.GeoSeries(
        buurten.geometry[shaped].representative_point().to_numpy(), crs=buurten.crs
    )
    exact = home_estimate.expected_homes_within(points, buurten, density)
    raster = home_estimate._expected_on_raster(
        points,
        buurten.geometry[shaped].to_numpy(),
        density[shaped].fillna(0.0).to_numpy(),
        home_estimate.RADII_M,
    )
    big = exact > 1
    assert np.median(raster[big] / exact[big]) == pytest.approx(1.0, abs=0.03)
    assert np.corrcoef(exact[:, 6], raster[:, 6])[0, 1] > 0.99  # within 250 m
