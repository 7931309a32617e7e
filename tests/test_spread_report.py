import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely import Point
from shapely.geometry import box

from geo._errors import PlekwijzerInputError
from geo.facilities import facilities_from_frame, facilities_from_sites
from geo.settings import CRS_RD, FACILITY_TYPES, LEVELS
from geo.spread_report import (
    scenario_report,
    spread_report,
    units_for_level,
)
from geo.spread_result import Change
from tests.conftest import sites_at

UNIT_FIELDS = [
    "code",
    "name",
    "inhabitants",
    "facilities",
    "places",
    "per_10k",
    "fair_share",
    "surplus",
    "draagkracht",
]
INDICES = {"gini", "gini_pop_weighted", "theil", "theil_between", "theil_within", "hoover"}


@pytest.fixture
def buurten(tiny_buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The two tiny buurten (wijk WK000100) plus a third in another wijk and gemeente."""
    third = tiny_buurten.iloc[[0]].copy()
    third.index = ["BU00020001"]
    third["code"] = third["buurtcode"] = "BU00020001"
    third["name"] = "Noord"
    third["wijkcode"] = "WK000200"
    third["gemeentecode"] = "GM0002"
    third["gemeentenaam"] = "Anderdorp"
    third["inhabitants"] = 500.0
    third["households"] = 250.0
    third.geometry = [box(100_000, 401_000, 101_000, 402_000)]
    frame = gpd.GeoDataFrame(pd.concat([tiny_buurten, third]), crs=CRS_RD)
    frame["draagkracht"] = [0.2, 0.6, 0.9]
    return frame


@pytest.fixture
def register(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "id": ["F1", "F2", "F3"],
            "name": ["Nacht", "Dag", "Vrouwen"],
            "type": ["nachtopvang", "dagopvang", "vrouwenopvang"],
            "places": [30, 50, 10],
            "confidential": ["nee", "nee", "ja"],
        },
        geometry=[Point(101_500, 400_500), Point(101_600, 400_400), Point(100_250, 400_750)],
        crs=CRS_RD,
    )
    return facilities_from_frame(frame, buurten=buurten)


# --- units_for_level --------------------------------------------------------------------


def test_units_for_level_buurt_is_the_buurten(buurten):
    assert units_for_level(buurten, level="buurt") is buurten


def test_units_for_level_wijk_draagkracht_is_inhabitant_weighted(buurten):
    units = units_for_level(buurten, level="wijk")
    assert list(units.index) == ["WK000100", "WK000200"]
    # (0.2 × 1000 + 0.6 × 3000) / (1000 + 3000) = 2000 / 4000
    assert units.loc["WK000100", "draagkracht"] == pytest.approx(0.5)
    assert units.loc["WK000200", "draagkracht"] == pytest.approx(0.9)
    assert units.loc["WK000100", "inhabitants"] == 4000


def test_units_for_level_gemeente_draagkracht_is_inhabitant_weighted(buurten):
    units = units_for_level(buurten, level="gemeente")
    assert units["draagkracht"].to_dict() == pytest.approx({"GM0001": 0.5, "GM0002": 0.9})
    assert units.loc["GM0001", "name"] == "Testdorp"


def test_units_for_level_skips_unknown_draagkracht(buurten):
    buurten.loc["BU00010002", "draagkracht"] = math.nan
    units = units_for_level(buurten, level="wijk")
    assert units.loc["WK000100", "draagkracht"] == pytest.approx(0.2)


def test_units_for_level_nan_without_inhabitants(buurten):
    buurten.loc["BU00020001", "inhabitants"] = 0.0
    units = units_for_level(buurten, level="gemeente")
    assert math.isnan(units.loc["GM0002", "draagkracht"])
    assert units.loc["GM0001", "draagkracht"] == pytest.approx(0.5)


def test_units_for_level_does_not_touch_input(buurten):
    before = buurten.copy()
    units_for_level(buurten, level="gemeente")
    pd.testing.assert_frame_equal(pd.DataFrame(buurten), pd.DataFrame(before))


def test_units_for_level_unknown(buurten):
    with pytest.raises(PlekwijzerInputError, match=r"'provincie' is onbekend: gebruik een van"):
        units_for_level(buurten, level="provincie")


# --- spread_report ----------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_spread_report_by_hand(buurten, register, level):
    report = spread_report(buurten, register, level=level)
    assert report.level == level
    assert report.facility_type is None
    assert {name for name, _ in report.indices.items()} == INDICES
    units = report.units.set_index("code")
    assert units["places"].sum() == 90  # the confidential vrouwenopvang counts too
    assert units["fair_share"].sum() == pytest.approx(90)
    # 90 places over 4,500 inhabitants
    share = {"gemeente": ("GM0002", 500), "wijk": ("WK000200", 500), "buurt": ("BU00020001", 500)}
    code, inhabitants = share[level]
    assert units.loc[code, "fair_share"] == pytest.approx(90 * inhabitants / 4500)
    assert units.loc[code, "places"] == 0
    assert report.least_provided[0] == code
    assert report.lorenz[0] == (0.0, 0.0)
    assert report.lorenz[-1] == pytest.approx((1.0, 1.0))


def test_spread_report_one_type(buurten, register):
    report = spread_report(buurten, register, level="buurt", facility_type="dagopvang")
    units = report.units.set_index("code")
    assert units["places"].to_dict() == {"BU00010001": 0, "BU00010002": 50, "BU00020001": 0}
    assert report.access.facilities == 1
    assert report.to_json_dict()["type"] == "dagopvang"


def test_spread_report_unknown_type(buurten, register):
    with pytest.raises(PlekwijzerInputError, match="onbekend type voorziening 'hotel'") as exc:
        spread_report(buurten, register, facility_type="hotel")
    for kind in FACILITY_TYPES:
        assert kind in str(exc.value)


def test_report_json_is_plain_and_carries_no_coordinates(buurten, register):
    report = spread_report(buurten, register, level="buurt").to_json_dict()
    for unit in report["units"]:
        assert list(unit) == UNIT_FIELDS
    text = json.dumps(report, allow_nan=False)
    for forbidden in ("geometry", "coordinates", "100250", "400750"):
        assert forbidden not in text


# --- scenario_report --------------------------------------------------------------------


def test_scenario_report_before_after_delta(buurten, register):
    new = facilities_from_sites(
        sites_at((100_500, 401_500)), facility_type="tussenvoorziening", buurten=buurten
    )
    report = scenario_report(buurten, register, new, level="gemeente")
    assert report.added == 1
    before = report.before.units.set_index("code")
    after = report.after.units.set_index("code")
    assert after.loc["GM0002", "places"] == before.loc["GM0002", "places"] + 20
    for name in INDICES:
        change = report.index_change(name)
        assert change.before == report.before.indices.value(name)
        assert change.after == report.after.indices.value(name)
        assert change.delta == pytest.approx(change.after - change.before)
    assert report.index_change("gini").delta < 0  # the empty gemeente gets a share
    units = report.units_change.set_index("code")
    assert units.loc["GM0002", "places_delta"] == 20
    assert units.loc["GM0001", "places_delta"] == 0
    assert report.access_change("facilities") == Change(3, 4)
    plain = report.to_json_dict()
    assert [list(u) for u in plain["after"]["units"]] == [UNIT_FIELDS] * 2
    json.dumps(plain, allow_nan=False)
