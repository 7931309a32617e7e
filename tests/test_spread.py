import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import Point, box

from geo._errors import CRSError, MissingColumnError, PlekwijzerInputError, UnknownValueError
from geo.inequality import gini_weighted
from geo.spread import (
    TABLE_COLUMNS,
    compare_tables,
    facility_counts,
    fair_share,
    lorenz,
    most_and_least_provided,
    nearest_facility_access,
    region_indices,
    unit_table,
)
from geo.spread_result import INDEX_NAMES

X0, Y0 = 150_000.0, 420_000.0  # somewhere in the Netherlands, RD metres


@pytest.fixture
def units():
    # four 100 m buurten 1 km apart along x; BU4 is an industrial estate without inhabitants
    return gpd.GeoDataFrame(
        {
            "code": ["BU1", "BU2", "BU3", "BU4"],
            "name": ["Centrum", "Noord", "Oost", "Haven"],
            "gemeentecode": ["GM1", "GM1", "GM2", "GM2"],
            "wijkcode": ["WK1", "WK1", "WK2", "WK2"],
            "inhabitants": [1000.0, 3000.0, 2000.0, 0.0],
        },
        geometry=[box(X0 + i * 1000, Y0, X0 + i * 1000 + 100, Y0 + 100) for i in range(4)],
        crs="EPSG:28992",
        index=[10, 11, 12, 13],
    )


@pytest.fixture
def facilities():
    return gpd.GeoDataFrame(
        {
            "id": ["f1", "f2", "f3", "f4", "f5"],
            "name": ["Nacht", "Inloop", "Veilig Huis", "HF", "Elders"],
            "type": ["nachtopvang", "dagopvang", "vrouwenopvang", "housing_first", "nachtopvang"],
            "places": [10, 5, 5, 4, 100],
            "confidential": [False, False, True, False, False],
            "buurtcode": ["BU1", "BU1", "BU3", "BU4", "BU9"],
            "wijkcode": ["WK1", "WK1", "WK2", "WK2", "WK9"],
            "gemeentecode": ["GM1", "GM1", "GM2", "GM2", "GM9"],
        },
        geometry=[
            Point(X0 + 80, Y0 + 50),  # 30 m east of BU1's representative point (X0+50)
            Point(X0 + 50, Y0 + 50),
            Point(X0 + 2090, Y0 + 90),  # exact secret address inside BU3
            Point(X0 + 3050, Y0 + 50),
            Point(X0 + 50_000, Y0),
        ],
        crs="EPSG:28992",
    )


@pytest.fixture
def table(units, facilities):
    return unit_table(units, facilities, level_code_column="buurtcode")


# --- counts and unit table --------------------------------------------------------------


def test_facility_counts(units, facilities):
    counts = facility_counts(units, facilities, level_code_column="buurtcode")
    assert counts.index.tolist() == [10, 11, 12, 13]
    assert counts["facilities"].tolist() == [2, 0, 1, 1]
    assert counts["places"].tolist() == [15, 0, 5, 4]
    assert counts["places"].dtype == "int64"


def test_facility_counts_by_type(units, facilities):
    counts = facility_counts(
        units, facilities, level_code_column="buurtcode", facility_type=["vrouwenopvang"]
    )
    assert counts["places"].tolist() == [0, 0, 5, 0]


def test_facility_counts_errors(units, facilities):
    with pytest.raises(UnknownValueError, match=r"onbekend\(e\) type\(n\) voorziening.*opvangx"):
        facility_counts(units, facilities, level_code_column="buurtcode", facility_type="opvangx")
    with pytest.raises(MissingColumnError, match="buurt_code"):
        facility_counts(units, facilities, level_code_column="buurt_code")
    bad = facilities.assign(places=[1, None, 1, 1, 1])
    with pytest.raises(
        PlekwijzerInputError, match="'places' van het register ontbreekt of is negatief bij id f2"
    ):
        facility_counts(units, bad, level_code_column="buurtcode")


def test_unit_table_by_hand(units, table):
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table.index.tolist() == units.index.tolist()
    assert table["places"].tolist() == [15, 0, 5, 4]
    assert table["per_10k"].iloc[:3].tolist() == pytest.approx([150.0, 0.0, 25.0])
    assert math.isnan(table["per_10k"].iloc[3])
    # 24 places (the one outside the region not counted) over 6000 inhabitants
    assert table["fair_share"].tolist() == pytest.approx([4.0, 12.0, 8.0, 0.0])
    assert table["surplus"].tolist() == pytest.approx([11.0, -12.0, -3.0, 4.0])
    assert table["draagkracht"].isna().all()
    assert "geometry" not in table.columns
    # the input is not touched
    assert "per_10k" not in units.columns


def test_unit_table_gemeente_level(facilities):
    gemeenten = pd.DataFrame(
        {"code": ["GM1", "GM2"], "name": ["Een", "Twee"], "inhabitants": [4000.0, 2000.0]}
    )
    table = unit_table(gemeenten, facilities, level_code_column="gemeentecode")
    assert table["places"].tolist() == [15, 9]
    assert table["fair_share"].tolist() == pytest.approx([16.0, 8.0])


def test_unit_table_fair_share_correction(units, facilities):
    d = pd.Series([0.2, 0.6, 0.5, np.nan], index=units.index)
    half = unit_table(
        units, facilities, level_code_column="buurtcode", draagkracht=d, fair_share_correction=0.5
    )
    # d_bar = (1000*.2 + 3000*.6 + 2000*.5) / 6000 = 0.5; factors .7, 1.1, 1.0
    assert half["fair_share"].tolist() == pytest.approx([2.8, 13.2, 8.0, 0.0])
    full = unit_table(
        units, facilities, level_code_column="buurtcode", draagkracht=d, fair_share_correction=1
    )
    assert full["fair_share"].tolist() == pytest.approx([1.6, 14.4, 8.0, 0.0])
    assert full["fair_share"].sum() == pytest.approx(24.0)
    assert full["draagkracht"].iloc[:3].tolist() == [0.2, 0.6, 0.5]


def test_unit_table_errors(units, facilities):
    with pytest.raises(PlekwijzerInputError, match=r"moet tussen 0 en 1 liggen, kreeg 1,5"):
        unit_table(
            units,
            facilities,
            level_code_column="buurtcode",
            draagkracht=pd.Series(0.5, index=units.index),
            fair_share_correction=1.5,
        )
    with pytest.raises(PlekwijzerInputError, match="vraagt een draagkracht"):
        unit_table(units, facilities, level_code_column="buurtcode", fair_share_correction=0.3)
    with pytest.raises(PlekwijzerInputError, match="ontbreekt voor 2 gebied"):
        unit_table(
            units,
            facilities,
            level_code_column="buurtcode",
            draagkracht=pd.Series([0.1, 0.2], index=[10, 11]),
        )
    with pytest.raises(PlekwijzerInputError, match="dubbele codes"):
        unit_table(
            units.assign(code=["BU1", "BU1", "BU3", "BU4"]),
            facilities,
            level_code_column="buurtcode",
        )
    with pytest.raises(MissingColumnError, match="inhabitants"):
        unit_table(units.drop(columns="inhabitants"), facilities, level_code_column="buurtcode")


@given(
    # Inhabitants are counts: whole numbers (CBS rounds buurt figures to 5).
    st.lists(st.integers(min_value=0, max_value=100_000).map(float), min_size=1, max_size=15),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=500),
)
def test_fair_share_keeps_regional_total(inhabitants, correction, places):
    h = pd.Series(inhabitants)
    d = pd.Series(np.linspace(0, 1, len(inhabitants)))
    fair = fair_share(places, h, draagkracht=d, correction=correction)
    if h.sum() > 0:
        assert fair.sum() == pytest.approx(places)
        assert (fair >= 0).all()
    else:
        assert fair.isna().all()


# --- region indices and Lorenz ----------------------------------------------------------


def test_region_indices_by_hand(table):
    result = region_indices(
        table, groups=pd.Series(["GM1", "GM1", "GM2", "GM2"], index=table.index)
    )
    assert [name for name, _ in result.items()] == [
        "gini",
        "gini_pop_weighted",
        "theil",
        "theil_between",
        "theil_within",
        "hoover",
    ]
    # rates 150, 0, 25 (BU4 has no inhabitants): sum |x_i - x_j| = 600, n = 3, mean 175/3
    assert result.gini == pytest.approx(600 / 1050)
    # weights 1, 3, 2 (thousands): 2 * (450 + 250 + 150) / (2 * 36 * 200 / 6)
    assert result.gini_pop_weighted == pytest.approx(1700 / 2400)
    theil_t = 6 / 7 * math.log(18 / 7) + 1 / 7 * math.log(3 / 7)
    between = 6 / 7 * math.log(6 / 7 * 3 / 2) + 1 / 7 * math.log(3 / 7)
    assert result.theil == pytest.approx(theil_t)
    assert result.theil_between == pytest.approx(between)
    assert result.theil_within == pytest.approx(theil_t - between)
    # place shares 15, 0, 5, 4 / 24 against population shares 1/6, 1/2, 1/3, 0
    assert result.hoover == pytest.approx(0.625)


def test_region_indices_groups_forms(table):
    by_array = region_indices(table, groups=["GM1", "GM1", "GM2", "GM2"])
    by_column = region_indices(table.assign(gm=["GM1", "GM1", "GM2", "GM2"]), groups="gm")
    assert by_array.to_json_dict() == pytest.approx(by_column.to_json_dict())
    plain = region_indices(table)
    assert math.isnan(plain.theil_between)
    assert math.isnan(plain.theil_within)
    with pytest.raises(PlekwijzerInputError, match="groups heeft 3 waarden voor 4 gebieden"):
        region_indices(table, groups=["GM1", "GM1", "GM2"])


def test_region_indices_no_places(units, facilities):
    empty = unit_table(units, facilities.iloc[0:0], level_code_column="buurtcode")
    result = region_indices(empty, groups="code")
    assert dict(result.items()) == dict.fromkeys(INDEX_NAMES, 0.0)


def test_lorenz_by_hand(table):
    # per head: BU2 0, BU3 .0025, BU1 .015, BU4 inf (places, nobody living there)
    expected = [[0, 0], [0.5, 0], [5 / 6, 5 / 24], [1, 20 / 24], [1, 1]]
    assert np.allclose(lorenz(table), expected)


def test_pop_weighted_gini_is_lorenz_gini_for_populated_units(table):
    populated = table[table["inhabitants"] > 0]
    xy = np.asarray(lorenz(populated))
    area = float(np.sum(np.diff(xy[:, 0]) * (xy[1:, 1] + xy[:-1, 1]) / 2))
    expected = gini_weighted(populated["per_10k"], populated["inhabitants"])
    assert region_indices(populated).gini_pop_weighted == pytest.approx(expected)
    assert expected == pytest.approx(1 - 2 * area)


def test_most_and_least_provided(table):
    most, least = most_and_least_provided(table, n=2)
    assert most["code"].tolist() == ["BU1", "BU3"]
    assert least["code"].tolist() == ["BU2", "BU3"]
    most, least = most_and_least_provided(table, n=1, by="surplus")
    assert most["code"].tolist() == ["BU1"]
    assert least["code"].tolist() == ["BU2"]
    with pytest.raises(PlekwijzerInputError, match="by moet 'per_10k' of 'surplus' zijn"):
        most_and_least_provided(table, by="places")


# --- access -----------------------------------------------------------------------------


def test_nearest_facility_access_by_hand(units, facilities):
    result = nearest_facility_access(units, facilities, within_m=500)
    per_buurt = result.per_buurt
    # BU1: 0 m (f2 at its point); BU2: 1000 - 30 to f1; BU3: 0 (f3 snapped to BU3's point);
    # BU4: 0 (f4 at its point)
    assert per_buurt["distance_m"].tolist() == pytest.approx([0.0, 970.0, 0.0, 0.0])
    assert result.mean_distance_m == pytest.approx(970.0 * 3000 / 6000)
    assert result.share_within == pytest.approx(0.5)
    assert result.facilities == 5
    assert set(per_buurt.columns) == {
        "code",
        "inhabitants",
        "distance_m",
        "within",
        "wijkcode",
        "gemeentecode",
    }


def test_nearest_facility_access_confidential_stands_at_buurt(units, facilities):
    result = nearest_facility_access(units, facilities, facility_type="vrouwenopvang")
    # from BU1's point (X0+50) to BU3's representative point (X0+2050), not the address
    assert result.per_buurt["distance_m"].tolist() == pytest.approx([2000, 1000, 0, 1000])
    assert result.share_within == pytest.approx(1.0)
    assert not any(isinstance(v, gpd.GeoSeries) for v in vars(result).values())


def test_nearest_facility_access_without_facilities(units, facilities):
    result = nearest_facility_access(units, facilities, facility_type="skaeve_huse")
    assert math.isnan(result.mean_distance_m)
    assert result.share_within == 0.0
    assert result.facilities == 0


def test_nearest_facility_access_register_without_points(units, facilities):
    register = pd.DataFrame(facilities.drop(columns="geometry"))
    result = nearest_facility_access(units, register, facility_type="nachtopvang")
    # f1 stands at BU1's point; f5's buurt is outside the region
    assert result.per_buurt["distance_m"].tolist() == pytest.approx([0, 1000, 2000, 3000])
    assert result.facilities == 1


def test_nearest_facility_access_crs_errors(units, facilities):
    with pytest.raises(CRSError, match="CRS verschilt"):
        nearest_facility_access(units, facilities.to_crs("EPSG:4326"))
    with pytest.raises(CRSError, match="geen CRS in meters"):
        nearest_facility_access(units.to_crs("EPSG:4326"), facilities.to_crs("EPSG:4326"))


# --- scenarios --------------------------------------------------------------------------


def test_compare_tables(units, facilities, table):
    added = pd.DataFrame(
        {"id": ["new"], "type": ["tussenvoorziening"], "places": [12], "buurtcode": ["BU2"]}
    )
    after_table = unit_table(
        units, pd.concat([facilities, added], ignore_index=True), level_code_column="buurtcode"
    )
    frame = compare_tables(table, after_table)
    assert frame["code"].tolist() == ["BU1", "BU2", "BU3", "BU4"]
    assert frame["places_delta"].tolist() == [0, 12, 0, 0]
    assert frame.loc[1, "per_10k_after"] == pytest.approx(40.0)
    assert "name" in frame.columns
    assert "code_before" not in frame.columns


def test_compare_tables_unit_in_one_table_only(table):
    frame = compare_tables(table, table.iloc[:3])
    last = frame.set_index("code").loc["BU4"]
    assert last["places_before"] == table["places"].iloc[3]
    assert math.isnan(last["places_after"])
    assert math.isnan(last["places_delta"])
