import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from criteria.shortlist import EvennessTarget, pick_sites


@pytest.fixture
def two_gemeenten():
    # A is crowded with places, B has none; site a1 scores a bit higher than b1.
    scored = gpd.GeoDataFrame(
        {
            "score": [0.9, 0.8, 0.7],
            "excluded": [False, False, False],
            "buurtcode": ["BU1", "BU2", "BU2"],
            "gemeentecode": ["GM0001", "GM0002", "GM0002"],
        },
        geometry=[Point(0, 0), Point(5_000, 0), Point(5_100, 0)],
        crs="EPSG:28992",
        index=["a1", "b1", "b2"],
    )
    units = pd.DataFrame({"code": ["GM0001", "GM0002"], "inhabitants": [10_000.0, 10_000.0]})
    existing = pd.Series({"GM0001": 20.0})
    return scored, units, existing


def _pick(two_gemeenten, *, evenness_weight=0.5, top_n=1, **options):
    scored, units, existing = two_gemeenten
    scored = scored.assign(
        rank=scored["score"].rank(ascending=False).where(~scored["excluded"]).astype("Int64")
    )
    target = EvennessTarget.from_units(units, existing, weight=evenness_weight, places_per_site=6)
    picks = pick_sites(scored, top_n=top_n, evenness=target, **options)
    return pd.DataFrame(
        {
            "shortlisted": picks.shortlisted,
            "pick_order": picks.pick_order,
            "evenness_gain": picks.evenness_gain,
            "skip_reason": picks.skip_reason,
        }
    )


def test_zero_weight_picks_by_score(two_gemeenten):
    picks = _pick(two_gemeenten, evenness_weight=0.0)
    assert picks["shortlisted"].tolist() == [True, False, False]


def test_evenness_prefers_the_under_provided_gemeente(two_gemeenten):
    picks = _pick(two_gemeenten)
    assert picks.loc["b1", "shortlisted"]
    # Gini before: rates 20 and 0 per 10k -> 0.5; after 6 places in B: |20-6|/(2*2*13)
    assert picks.loc["b1", "evenness_gain"] == pytest.approx(0.5 - 14 / 52)


def test_a_better_site_passed_over_for_evenness_says_so(two_gemeenten):
    picks = _pick(two_gemeenten)
    assert picks["skip_reason"].dropna().to_dict() == {
        "a1": "overgeslagen: voorrang voor gelijkmatiger spreiding"
    }


def test_spacing_and_caps(two_gemeenten):
    spaced = _pick(two_gemeenten, top_n=3, min_spacing_m=500)
    assert spaced["shortlisted"].sum() == 2  # b2 lies 100 m from b1
    capped = _pick(two_gemeenten, top_n=3, max_per_gemeente=1)
    assert sorted(capped.index[capped["shortlisted"]]) == ["a1", "b1"]
    assert capped["pick_order"].dropna().tolist() == [2, 1]


def test_excluded_never_picked(two_gemeenten):
    two_gemeenten[0]["excluded"] = [False, True, True]
    picks = _pick(two_gemeenten, top_n=3, evenness_weight=1.0)
    assert picks["shortlisted"].tolist() == [True, False, False]
    assert np.isnan(picks.loc["b1", "evenness_gain"])


def test_weight_outside_unit_interval_refused(two_gemeenten):
    with pytest.raises(ValueError, match=r"spreiding \(evenness\) moet tussen 0 en 1 liggen"):
        _pick(two_gemeenten, evenness_weight=1.5)


def _score_demo(demo_source, tmp_path, profile, *extra):
    import cli

    inventories = demo_source.path / "inventories"
    args = [
        "score", "--profile", profile, "--region", "demo",
        "--data-dir", str(demo_source.path),
        "--candidates", str(inventories / "demo_candidates.csv"),
        "--facilities", str(inventories / "demo_facilities.csv"),
        "--out", str(tmp_path / f"{profile}.geojson"), *extra,
    ]  # fmt: skip
    assert cli.main(args) == 0


def test_cli_evenness_is_recorded_in_the_scenario(demo_source, tmp_path):
    _score_demo(demo_source, tmp_path, "noaberhuuske", "--top", "3", "--evenness", "0.7")
    scenario = json.loads((tmp_path / "noaberhuuske.scenario.json").read_text(encoding="utf-8"))
    assert scenario["shortlist"]["evenness_weight"] == 0.7
    assert len(scenario["result"]["shortlist"]) == 3


def test_cli_sensitivity_file(demo_source, tmp_path):
    _score_demo(demo_source, tmp_path, "tussenvoorziening", "--top", "5", "--sensitivity", "200")
    sensitivity = tmp_path / "tussenvoorziening.sensitivity.json"
    report = json.loads(sensitivity.read_text(encoding="utf-8"))
    assert report["monte_carlo"]["n"] == 200
    assert 0 <= report["monte_carlo"]["top_site_share"] <= 1
    assert report["one_at_a_time"]
