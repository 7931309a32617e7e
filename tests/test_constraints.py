"""Hard rules decide on measured data only: estimates and unknown values flag, never exclude."""

import numpy as np
import pandas as pd
import pytest

from criteria._errors import FeatureTableError
from criteria.constraints import format_nl
from criteria.profiles import profile_from_dict
from criteria.scoring import score

LINEAR = {"kind": "linear", "lower": 0, "upper": 300}


def homes_profile(*, missing=None, constraints=None):
    rule = {
        "name": "distance_from_homes",
        "feature": "distance_to_dwelling_m",
        "op": ">=",
        "value": 100,
        "rationale": "at least 100 m from homes",
    }
    if missing is not None:
        rule["missing"] = missing
    return profile_from_dict(
        {
            "name": "t",
            "constraint": [rule] if constraints is None else constraints,
            "criterion": [
                {
                    "name": "far",
                    "feature": "distance_to_dwelling_m",
                    "transform": LINEAR,
                    "weight": 1,
                    "rationale": "further is better",
                }
            ],
        }
    )


def sites(distances, sources=None):
    frame = pd.DataFrame(
        {"distance_to_dwelling_m": distances},
        index=pd.Index([f"s{i}" for i in range(len(distances))], name="id"),
        dtype="float64",
    )
    if sources is not None:
        frame["source__distance_to_dwelling_m"] = sources
    return frame


def test_measured_distance_excludes():
    result = score(sites([60.0, 300.0], ["measured", "measured"]), homes_profile()).table
    assert result["excluded"].tolist() == [True, False]
    assert result.at["s0", "exclusion_reasons"] == [
        "distance_from_homes: afstand tot woningen 60 m, eis ≥ 100 m"
    ]
    assert not result["needs_check"].any()
    assert result["checks"].tolist() == [[], []]


def test_absent_or_empty_source_counts_as_measured():
    for frame in (sites([60.0, 300.0]), sites([60.0, 300.0], [None, np.nan])):
        assert score(frame, homes_profile()).table["excluded"].tolist() == [True, False]


def test_network_distance_decides():
    result = score(sites([60.0], ["network"]), homes_profile()).table
    assert result["excluded"].tolist() == [True]


@pytest.mark.parametrize("missing", [None, "check", "exclude", "pass", "fail"])
def test_estimate_never_excludes_and_is_flagged(missing):
    frame = sites([45.0, 300.0, 150.0], ["estimate", "estimate", "measured"])
    result = score(frame, homes_profile(missing=missing)).table
    assert not result["excluded"].any()
    assert result["needs_check"].tolist() == [True, True, False]
    assert result.at["s0", "checks"] == [
        {
            "rule": "distance_from_homes",
            "reason": "afstand tot woningen niet gemeten (schatting: 45 m); regel: ≥ 100 m",
        }
    ]
    # A passing estimate is not verified either: the rule still needs a check.
    assert "schatting: 300 m" in result.at["s1", "checks"][0]["reason"]
    assert result.at["s2", "checks"] == []
    # Still ranked through the soft criterion, on the estimate.
    assert result["rank"].tolist() == [3, 1, 2]


def test_straight_line_fallback_never_excludes():
    result = score(sites([1234.6], ["straight_line"]), homes_profile()).table
    assert not result.at["s0", "excluded"]
    reason = result.at["s0", "checks"][0]["reason"]
    assert reason == (
        "afstand tot woningen niet over het netwerk gemeten "
        "(hemelsbreed × omwegfactor: 1.235 m); regel: ≥ 100 m"
    )


@pytest.mark.parametrize("missing", [None, "check", "pass", "fail"])
def test_unknown_value_is_flagged_never_silently_passed(missing):
    result = score(sites([np.nan, 300.0]), homes_profile(missing=missing)).table
    assert not result["excluded"].any()
    assert result.at["s0", "needs_check"]
    assert result.at["s0", "checks"] == [
        {
            "rule": "distance_from_homes",
            "reason": "afstand tot woningen onbekend: geen gegevens; regel: ≥ 100 m",
        }
    ]
    assert result.at["s0", "rank"] == 2  # scored 0 on the unknown distance: worst case


def test_missing_exclude_excludes_unknown_but_not_estimates():
    frame = sites([np.nan, 45.0], ["measured", "estimate"])
    result = score(frame, homes_profile(missing="exclude")).table
    assert result["excluded"].tolist() == [True, False]
    assert result.at["s1", "needs_check"]


def test_any_of_passes_on_one_measured_clause_and_checks_an_estimate():
    constraints = [
        {
            "name": "room",
            "any_of": [
                {"feature": "plot_area_m2", "op": ">=", "value": 30},
                {"feature": "floor_area_m2", "op": ">=", "value": 15},
            ],
            "rationale": "room for a cabin",
        }
    ]
    frame = sites([200.0, 200.0, 200.0, 200.0])
    frame["plot_area_m2"] = [40.0, 10.0, 10.0, 10.0]
    frame["floor_area_m2"] = [5.0, 5.0, 12.0, np.nan]
    frame["source__floor_area_m2"] = ["estimate", "measured", "estimate", None]
    result = score(frame, homes_profile(constraints=constraints)).table
    assert result["excluded"].tolist() == [False, True, False, False]
    assert result["needs_check"].tolist() == [False, False, True, True]
    rule = "regel: perceeloppervlak ≥ 30 m² of vloeroppervlak ≥ 15 m²"
    assert result.at["s2", "checks"][0]["reason"] == (
        f"vloeroppervlak niet gemeten (schatting: 12 m²); {rule}"
    )
    assert (
        result.at["s3", "checks"][0]["reason"] == f"vloeroppervlak onbekend: geen gegevens; {rule}"
    )


def test_outside_region_is_excluded_whatever_the_profile():
    frame = sites([300.0, 300.0, 300.0, 300.0], ["estimate", "measured", "measured", "measured"])
    frame["outside_region_reason"] = ["buiten de regio (gemeente GM0999)", None, np.nan, ""]
    for profile in (homes_profile(), homes_profile(constraints=[])):
        result = score(frame, profile).table
        assert result["excluded"].tolist() == [True, False, False, False]
        assert result.at["s0", "exclusion_reasons"] == ["buiten de regio (gemeente GM0999)"]
        assert pd.isna(result.at["s0", "rank"])
        assert not result.at["s0", "needs_check"]  # excluded sites are not "te controleren"
        assert result.at["s0", "checks"] == []


def test_outside_reason_comes_first_among_reasons():
    frame = sites([60.0])
    frame["outside_region_reason"] = ["buiten de regio"]
    reasons = score(frame, homes_profile()).table.at["s0", "exclusion_reasons"]
    assert reasons[0] == "buiten de regio"
    assert reasons[1].startswith("distance_from_homes: afstand tot woningen 60 m")


def test_unknown_source_is_refused():
    with pytest.raises(FeatureTableError, match=r"'source__distance_to_dwelling_m' bevat 'guess'"):
        score(sites([60.0], ["guess"]), homes_profile())


def test_explain_names_the_source_of_each_value():
    frame = sites([45.0, 300.0], ["estimate", None])
    scored = score(frame, homes_profile())
    assert scored.table["source__far"].tolist() == ["estimate", "measured"]
    assert scored.explain("s0")["far"]["source"] == "estimate"
    assert scored.explain("s1")["far"]["source"] == "measured"
    plain = score(sites([45.0]), homes_profile())
    assert "source__far" not in plain.table.columns
    assert plain.explain("s0")["far"]["source"] == "measured"


def test_format_nl():
    assert format_nl(1234567.0, "plot_area_m2") == "1.234.567 m²"
    assert format_nl(0.25) == "0,25"
    assert format_nl("kantoor", "use") == "kantoor"
