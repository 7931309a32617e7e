import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria._errors import FeatureTableError, ProfileError
from criteria.matrix import build_matrix
from criteria.profiles import list_profiles, load_profile, profile_from_dict
from criteria.scoring import STATUS_COLUMNS, score, weigh
from geo.regions import resolve_region
from geo.workspace import load_region_data
from tests._legacy_scoring import legacy_score_candidates

USES = ["kantoor", "school", "woning", "grond"]


def make_profile(
    weights=(0.4, 0.3, 0.2, 0.1), *, aggregation="weighted_sum", constraints=None, extra=()
):
    criteria = [
        {
            "name": "a",
            "feature": "feat_a",
            "transform": {"kind": "linear", "lower": 0, "upper": 100},
        },
        {
            "name": "b",
            "feature": "feat_b",
            "transform": {"kind": "distance_decay", "half_distance_m": 50},
        },
        {
            "name": "c",
            "feature": "feat_c",
            "transform": {
                "kind": "logistic",
                "midpoint": 100,
                "steepness": 0.05,
                "direction": "cost",
            },
        },
        {
            "name": "u",
            "feature": "use",
            "transform": {"kind": "categorical", "mapping": {"kantoor": 1.0, "school": 0.5}},
        },
        *extra,
    ]
    for criterion, weight in zip(criteria, weights, strict=False):
        criterion["weight"] = weight
    for criterion in criteria:
        criterion.setdefault("rationale", f"why {criterion['name']}")
    if constraints is None:
        constraints = [{"feature": "feat_a", "op": ">=", "value": 10, "rationale": "big enough"}]
    return profile_from_dict(
        {"name": "t", "aggregation": aggregation, "constraint": constraints, "criterion": criteria}
    )


values = st.one_of(st.none(), st.floats(min_value=0, max_value=300, allow_nan=False))


@st.composite
def feature_frames(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    column = st.lists(values, min_size=n, max_size=n)
    labels = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n, unique=True))
    frame = pd.DataFrame(
        {
            "feat_a": draw(column),
            "feat_b": draw(column),
            "feat_c": draw(column),
            "feat_z": draw(column),
            "use": draw(st.lists(st.sampled_from([*USES, None]), min_size=n, max_size=n)),
        },
        index=pd.Index(labels, name="id"),
    )
    for name in ("feat_a", "feat_b", "feat_c", "feat_z"):
        frame[name] = frame[name].astype("float64")
    return frame


weight_sets = st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4).filter(
    lambda w: sum(w) > 0.01
)
aggregations = st.sampled_from(["weighted_sum", "geometric_mean"])
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(frame=feature_frames(), weights=weight_sets, aggregation=aggregations)
def test_scores_lie_in_unit_interval(frame, weights, aggregation):
    result = score(frame, make_profile(weights, aggregation=aggregation)).table
    assert result["score"].notna().all()
    assert result["score"].between(0, 1).all()
    assert result.index.equals(frame.index)


@PROPERTY
@given(frame=feature_frames(), weights=weight_sets, aggregation=aggregations, data=st.data())
def test_result_independent_of_row_order(frame, weights, aggregation, data):
    profile = make_profile(weights, aggregation=aggregation)
    order = data.draw(st.permutations(range(len(frame))))
    expected = score(frame, profile).table
    shuffled = score(frame.iloc[list(order)], profile).table.reindex(frame.index)
    pd.testing.assert_series_equal(shuffled["score"], expected["score"], rtol=1e-12)
    pd.testing.assert_series_equal(shuffled["rank"], expected["rank"])
    pd.testing.assert_series_equal(shuffled["excluded"], expected["excluded"])
    assert shuffled["exclusion_reasons"].tolist() == expected["exclusion_reasons"].tolist()


@PROPERTY
@given(
    frame=feature_frames(),
    weights=weight_sets,
    aggregation=aggregations,
    data=st.data(),
    increase=st.floats(min_value=0, max_value=300),
)
def test_raising_benefit_value_never_lowers_score(frame, weights, aggregation, data, increase):
    profile = make_profile(weights, aggregation=aggregation)
    row = data.draw(st.sampled_from(list(frame.index)))
    before = score(frame, profile).table["score"]
    raised = frame.copy()
    old = raised.at[row, "feat_a"]
    raised.at[row, "feat_a"] = increase if np.isnan(old) else old + increase
    after = score(raised, profile).table["score"]
    assert after[row] >= before[row] - 1e-12
    others = frame.index != row
    pd.testing.assert_series_equal(after[others], before[others])


@PROPERTY
@given(frame=feature_frames(), weights=weight_sets, aggregation=aggregations)
def test_zero_weight_criterion_changes_nothing(frame, weights, aggregation):
    base = score(frame, make_profile(weights, aggregation=aggregation)).table
    zero = {
        "name": "z",
        "feature": "feat_z",
        "transform": {"kind": "linear", "lower": 0, "upper": 300},
        "weight": 0.0,
    }
    with_zero = score(frame, make_profile(weights, aggregation=aggregation, extra=[zero])).table
    pd.testing.assert_series_equal(with_zero["score"], base["score"])
    pd.testing.assert_series_equal(with_zero["rank"], base["rank"])


def test_hand_computed_scores_ranks_and_contributions():
    frame = pd.DataFrame(
        {"feat_a": [50.0, 100.0, 5.0, 50.0], "feat_b": [0.0, 50.0, 0.0, 0.0]},
        index=["s2", "s1", "s3", "s0"],
    )
    profile = profile_from_dict(
        {
            "name": "t",
            "constraint": [
                {"feature": "feat_a", "op": ">=", "value": 10, "rationale": "big enough"}
            ],
            "criterion": [
                {
                    "name": "a",
                    "feature": "feat_a",
                    "transform": {"kind": "linear", "lower": 0, "upper": 100},
                    "weight": 3,
                    "rationale": "r",
                },
                {
                    "name": "b",
                    "feature": "feat_b",
                    "transform": {"kind": "distance_decay", "half_distance_m": 50},
                    "weight": 1,
                    "rationale": "r",
                },
            ],
        }
    )
    result = score(frame, profile).table
    # s2: 0.75*0.5 + 0.25*1 = 0.625; s1: 0.75 + 0.125 = 0.875; s3: 0.0375 + 0.25; s0 = s2
    np.testing.assert_allclose(result["score"], [0.625, 0.875, 0.2875, 0.625])
    assert result["rank"].tolist() == [3, 1, pd.NA, 2]  # tie s0/s2 broken by index label
    assert result["rank"].dtype == "Int64"
    assert result["excluded"].tolist() == [False, False, True, False]
    assert result.at["s3", "exclusion_reasons"] == ["feat_a >= 10: feat_a 5, eis ≥ 10"]
    assert result.at["s1", "exclusion_reasons"] == []
    np.testing.assert_allclose(result["contribution__a"], [0.375, 0.75, 0.0375, 0.375])
    contributions = result.filter(like="contribution__").sum(axis="columns")
    np.testing.assert_allclose(contributions, result["score"])
    assert list(result.columns[:4]) == ["score", "rank", "excluded", "exclusion_reasons"]
    assert {"raw__a", "transformed__b", "contribution__b"} <= set(result.columns)


def test_geometric_mean_contributions_multiply_to_score():
    frame = pd.DataFrame(
        {
            "feat_a": [50.0, 80.0],
            "feat_b": [0.0, 100.0],
            "feat_c": [0.0, 200.0],
            "use": ["kantoor", "school"],
        }
    )
    result = score(frame, make_profile(aggregation="geometric_mean")).table
    product = result.filter(like="contribution__").prod(axis="columns")
    np.testing.assert_allclose(product, result["score"])


def test_unknown_constraint_value_is_flagged_not_excluded():
    frame = pd.DataFrame(
        {
            "feat_a": [np.nan, 50.0],
            "feat_b": [1.0, 1.0],
            "feat_c": [1.0, 1.0],
            "use": ["kantoor", None],
        },
        index=["p", "q"],
    )
    result = score(frame, make_profile()).table
    assert not result["excluded"].any()
    assert result["needs_check"].tolist() == [True, False]
    assert result.at["p", "checks"] == [
        {"rule": "feat_a >= 10", "reason": "feat_a onbekend: geen gegevens; regel: ≥ 10"}
    ]
    assert result.at["q", "checks"] == []
    assert result["rank"].tolist() == [2, 1]  # still ranked, on the soft criteria
    for legacy in ("pass", "fail"):  # old spellings: never silently passed, nor excluded
        profile = make_profile(
            constraints=[
                {"feature": "feat_a", "op": ">=", "value": 10, "missing": legacy, "rationale": "r"}
            ]
        )
        assert score(frame, profile).table["needs_check"].tolist() == [True, False]


def test_missing_exclude_policy_excludes_unknown_values():
    frame = pd.DataFrame(
        {"feat_a": [np.nan, 50.0], "feat_b": 1.0, "feat_c": 1.0, "use": "kantoor"},
        index=["p", "q"],
    )
    strict = make_profile(
        constraints=[
            {
                "feature": "feat_a",
                "op": ">=",
                "value": 10,
                "missing": "exclude",
                "rationale": "big enough",
            }
        ]
    )
    result = score(frame, strict).table
    assert result["excluded"].tolist() == [True, False]
    assert result.at["p", "exclusion_reasons"] == ["feat_a >= 10: feat_a onbekend, eis ≥ 10"]
    assert not result["needs_check"].any()


def test_text_constraints_and_units_in_reasons():
    frame = pd.DataFrame(
        {
            "feat_a": [50.0, 50.0],
            "feat_b": [1.0, 1.0],
            "feat_c": [1.0, 1.0],
            "use": ["woning", "kantoor"],
            "distance_to_dwelling_m": [42.0, 150.0],
        },
        index=["p", "q"],
    )
    profile = make_profile(
        constraints=[
            {"feature": "use", "op": "not in", "value": ["woning"], "rationale": "no homes"},
            {
                "feature": "distance_to_dwelling_m",
                "op": ">=",
                "value": 100,
                "rationale": "from homes",
            },
        ]
    )
    result = score(frame, profile).table
    assert result.at["p", "exclusion_reasons"] == [
        "use not in [woning]: gebruik woning, eis geen van: woning",
        "distance_to_dwelling_m >= 100: afstand tot woningen 42 m, eis ≥ 100 m",
    ]
    assert result.at["q", "rank"] == 1


def test_nan_raw_value_scores_zero_and_is_explained():
    frame = pd.DataFrame(
        {"feat_a": [50.0], "feat_b": [np.nan], "feat_c": [0.0], "use": ["kantoor"]}
    )
    profile = make_profile()
    scored = score(frame, profile)
    result = scored.table
    assert result.at[0, "transformed__b"] == 0.0
    assert scored.matrix.missing_values["b"] == 1
    story = scored.explain(0)
    assert story["b"]["missing"] is True
    assert story["b"]["raw"] is None
    assert "slechtste geval" in story["b"]["note"]
    assert story["a"]["raw"] == 50.0
    assert story["a"]["weight"] == pytest.approx(0.4)
    assert sum(entry["contribution"] for entry in story.values()) == pytest.approx(
        result.at[0, "score"]
    )


def test_missing_feature_column_lists_available_columns():
    frame = pd.DataFrame({"feat_a": [1.0], "feat_c": [1.0], "use": ["kantoor"]})
    with pytest.raises(
        ProfileError,
        match=r"criterium 'b': vraagt kenmerkkolom 'feat_b'.*kolommen: feat_a, feat_c, use",
    ):
        score(frame, make_profile())


def test_optional_criterion_dropped_with_warning_and_renormalised():
    optional = {
        "name": "road",
        "feature": "distance_to_main_road_m",
        "transform": {"kind": "linear", "lower": 0, "upper": 1},
        "weight": 0.5,
        "optional": True,
    }
    frame = pd.DataFrame({"feat_a": [50.0], "feat_b": [0.0], "feat_c": [0.0], "use": ["kantoor"]})
    scored = score(frame, make_profile(extra=[optional], weights=(0.4, 0.3, 0.2, 0.1, 0.5)))
    result = scored.table
    assert scored.dropped_criteria == ["road"]
    assert "road" in scored.warnings[0]
    assert scored.weights.sum() == pytest.approx(1.0)
    assert scored.weights["a"] == pytest.approx(0.4)
    assert "valt weg" in scored.warnings[0]
    assert "--roads" in scored.warnings[0]
    assert "raw__road" not in result.columns
    assert scored.explain(0)["a"]["weight"] == pytest.approx(0.4)


def test_weight_overrides():
    frame = pd.DataFrame(
        {
            "feat_a": [100.0, 20.0],
            "feat_b": [500.0, 0.0],
            "feat_c": [0.0, 0.0],
            "use": ["kantoor"] * 2,
        }
    )
    profile = make_profile()
    only_b = score(frame, profile, weights={"a": 0, "c": 0, "u": 0})
    assert only_b.table["rank"].tolist() == [2, 1]
    assert only_b.weights["b"] == pytest.approx(1.0)
    with pytest.raises(ProfileError, match="geldige namen: a, b, c, u"):
        score(frame, profile, weights={"zz": 1})


def test_numeric_constraint_on_text_column_is_refused():
    frame = pd.DataFrame({"feat_a": [1.0], "feat_b": [0.0], "feat_c": [0.0], "use": ["kantoor"]})
    profile = make_profile(
        constraints=[{"feature": "use", "op": ">=", "value": 1, "rationale": "r"}]
    )
    with pytest.raises(
        ProfileError, match="operator '>=' vraagt getallen, maar kolom 'use' bevat tekst"
    ):
        score(frame, profile)


def test_duplicate_index_is_refused():
    frame = pd.DataFrame(
        {"feat_a": [1.0, 2.0], "feat_b": 0.0, "feat_c": 0.0, "use": "kantoor"}, index=[1, 1]
    )
    with pytest.raises(FeatureTableError, match="index van de kenmerkentabel moet uniek zijn"):
        score(frame, make_profile())


def synthetic_features(n=8, seed=3):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "floor_area_m2": rng.uniform(0, 1500, n),
            "plot_area_m2": rng.uniform(0, 3000, n),
            "use": rng.choice(
                [
                    "kantoor",
                    "school",
                    "zorg",
                    "winkel",
                    "bedrijf",
                    "woning",
                    "grond",
                    "kerk",
                    "overig",
                ],
                n,
            ),
            "build_year": rng.integers(1900, 2020, n),
            "distance_to_bus_tram_stop_m": rng.uniform(0, 2000, n),
            "distance_to_rail_station_m": rng.uniform(0, 8000, n),
            "bus_tram_stops_within_500m": rng.integers(0, 6, n),
            "distance_to_dwelling_m": rng.uniform(0, 400, n),
            "measured_distance_to_dwelling_m": rng.uniform(0, 400, n),
            "proxy_address_density_per_km2": np.nan,
            "distance_to_dagopvang_m": rng.uniform(0, 6000, n),
            "distance_to_facility_m": rng.uniform(0, 3000, n),
            # Layers of issue 9 (geo.dwellings, geo.network) that the shipped profiles read.
            "distance_to_sensitive_m": rng.uniform(0, 400, n),
            "addresses_within_250m": rng.uniform(0, 400, n),
            "walk_to_bus_tram_stop_m": rng.uniform(0, 2600, n),
            "walk_to_dagopvang_m": rng.uniform(0, 8000, n),
            "facilities_within_1000m": rng.integers(0, 6, n),
            "facility_places_within_1000m": rng.integers(0, 80, n),
            "buurt_inhabitants": rng.integers(100, 6000, n),
            "buurt_address_density_per_km2": rng.uniform(50, 5000, n),
            "buurt_urbanity": rng.integers(1, 6, n),
            "buurt_draagkracht": rng.uniform(0, 1, n),
            "buurt_facilities_per_10k": rng.uniform(0, 10, n),
            "buurt_distance_to_gp_km": rng.uniform(0.1, 5, n),
            "buurt_distance_to_supermarket_km": rng.uniform(0.1, 5, n),
            "buurt_crimes_per_1000": rng.uniform(5, 150, n),
        },
        index=pd.Index([f"site{i}" for i in range(n)], name="id"),
    )
    frame.loc["site0", ["distance_to_dwelling_m", "floor_area_m2", "distance_to_dagopvang_m"]] = (
        np.nan
    )
    return frame


@pytest.mark.parametrize("name", list_profiles())
def test_shipped_profiles_score_synthetic_features(name):
    profile = load_profile(name)
    frame = synthetic_features()
    result = score(frame, profile).table
    assert result["score"].between(0, 1).all()
    ranked = result["rank"].dropna().sort_values()
    assert ranked.tolist() == list(range(1, len(ranked) + 1))
    assert (result["excluded"] == result["exclusion_reasons"].map(bool)).all()
    assert result["rank"].isna().equals(result["excluded"])
    for criterion in profile.criteria:
        if criterion.feature in frame.columns:
            assert f"transformed__{criterion.name}" in result.columns
    scored = score(frame, profile)
    story = scored.explain(result.index[1])
    assert set(story) == set(scored.weights.index)


def test_skaeve_huse_with_road_layer_uses_separation_criterion():
    frame = synthetic_features()
    frame["separated_by_main_road"] = np.arange(len(frame)) % 2
    scored = score(frame, load_profile("skaeve_huse"))
    result = scored.table
    assert scored.dropped_criteria == []
    assert "transformed__physical_separation" in result.columns


def test_no_constraints_excludes_nothing_and_mixed_index_ranks():
    frame = pd.DataFrame(
        {
            "feat_a": [5.0, 90.0],
            "feat_b": [0.0, 0.0],
            "feat_c": [0.0, 0.0],
            "use": ["grond", "kantoor"],
        },
        index=pd.Index([7, "x"], dtype=object),
    )
    result = score(frame, make_profile(constraints=[])).table
    assert not result["excluded"].any()
    assert result["exclusion_reasons"].tolist() == [[], []]
    assert result["rank"].tolist() == [2, 1]


# The two-stage engine against the one it replaced (tests/_legacy_scoring.py). The old engine
# excluded an unknown constraint value unless the clause said missing = "pass"; the new one
# never excludes on it (it flags the site), so the oracle gets every clause as "pass" and the
# two must then agree to the last bit on every column the old one had.


def as_legacy(profile):
    data = profile.to_dict()
    for constraint in data["constraint"]:
        for clause in constraint["any_of"]:
            clause["missing"] = "pass"
    return profile_from_dict(data)


def assert_same_as_legacy(frame, profile, weights=None):
    # The old engine knew no sources: compare as if every value were measured (estimates are
    # the one place the rules changed on purpose; tests/test_constraints.py covers them).
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("source__")])
    scored = score(frame, profile, weights=weights)
    new = scored.table
    old = legacy_score_candidates(frame, as_legacy(profile), weights=weights)
    # Reasons are Dutch now (one per failed rule, as before). The old engine normalised the
    # weights three times on the way down, the new one once (issue 16): numbers agree to
    # 1e-12 (a last bit may differ), ranks, exclusions and texts exactly.
    assert new["exclusion_reasons"].map(len).equals(old["exclusion_reasons"].map(len))
    columns = [c for c in old.columns if c != "exclusion_reasons"]
    floats = [c for c in columns if new[c].dtype == "float64"]
    exact = [c for c in columns if c not in floats]
    pd.testing.assert_frame_equal(new[exact], old[exact], check_exact=True)
    pd.testing.assert_frame_equal(new[floats], old[floats], rtol=1e-12, atol=1e-15)
    assert scored.weights.to_dict() == pytest.approx(old.attrs["weights"], rel=1e-12)
    assert scored.dropped_criteria == old.attrs["dropped_criteria"]
    assert scored.matrix.missing_values == old.attrs["missing_values"]
    assert scored.warnings == old.attrs["warnings"]
    assert list(new.columns[:6]) == list(STATUS_COLUMNS)


ORACLE_CONSTRAINTS = [
    {"feature": "feat_a", "op": ">=", "value": 10, "rationale": "big enough"},
    {"feature": "use", "op": "not in", "value": ["woning"], "rationale": "no homes"},
    {
        "name": "either",
        "any_of": [
            {"feature": "feat_b", "op": "<", "value": 200},
            {"feature": "feat_c", "op": "==", "value": 0},
        ],
        "rationale": "one of two",
    },
]


@PROPERTY
@given(
    frame=feature_frames(),
    weights=weight_sets,
    aggregation=aggregations,
    overrides=st.dictionaries(st.sampled_from("abcu"), st.floats(0, 5), max_size=3),
    text_index=st.booleans(),
)
def test_identical_to_the_one_stage_engine(frame, weights, aggregation, overrides, text_index):
    if text_index:
        frame.index = frame.index.astype(str)
    profile = make_profile(weights, aggregation=aggregation, constraints=ORACLE_CONSTRAINTS)
    assert_same_as_legacy(frame, profile)
    try:
        profile.with_weights(overrides).weights  # noqa: B018  # all-zero overrides are refused
    except ProfileError:
        return
    assert_same_as_legacy(frame, profile, weights=overrides)


@pytest.mark.parametrize("region", ["demo", "twente"])
@pytest.mark.parametrize("name", list_profiles())
def test_identical_to_the_one_stage_engine_on_region_data(request, region, name):
    source = request.getfixturevalue("demo_source" if region == "demo" else "shared_source")
    features = load_region_data(resolve_region(region), source).features
    profile = load_profile(name)
    assert_same_as_legacy(features, profile)
    first = profile.criterion_names[0]
    assert_same_as_legacy(features, profile, weights={first: 0.0})
    data = profile.to_dict() | {"aggregation": "geometric_mean"}
    assert_same_as_legacy(features, profile_from_dict(data))


def test_weighing_a_matrix_equals_scoring_from_scratch():
    frame = synthetic_features(n=40, seed=5)
    profile = load_profile("tussenvoorziening")
    matrix = build_matrix(frame, profile)
    for overrides in ({}, {"draagkracht": 0.0}, {"draagkracht": 3.0, "ov_access": 0.1}):
        again = weigh(matrix, overrides)
        fresh = score(frame, profile, weights=overrides)
        np.testing.assert_array_equal(again.score, fresh.score)
        np.testing.assert_array_equal(again.rank, fresh.rank)
        pd.testing.assert_frame_equal(again.table, fresh.table)
        assert again.weights.equals(fresh.weights)


def test_score_result_rows_build_text_for_the_rows_asked_only():
    frame = synthetic_features(n=30, seed=2)
    result = score(frame, load_profile("skaeve_huse"))
    table = result.table
    some = list(frame.index[[7, 3, 11]])
    pd.testing.assert_frame_equal(result.rows(some), table.loc[some])
    assert result.ranks().equals(table["rank"])
    top = result.top(3)
    assert table.loc[top, "rank"].tolist() == [1, 2, 3][: len(top)]
    assert result.explain(some[0]) == score(frame, load_profile("skaeve_huse")).explain(some[0])
    with pytest.raises(KeyError, match="no candidate with id"):
        result.rows(["nope"])


def test_matrix_and_result_are_read_only():
    result = score(synthetic_features(), load_profile("noaberhuuske"))
    with pytest.raises(ValueError, match="read-only"):
        result.score[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        result.matrix.transformed_t[0, 0] = 1.0
