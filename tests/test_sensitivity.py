import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import criteria._ranking as ranking_module
from criteria.matrix import build_matrix
from criteria.profiles import list_profiles, load_profile, profile_from_dict
from criteria.scoring import score, weigh
from criteria.sensitivity import (
    monte_carlo,
    one_at_a_time,
    sensitivity_report,
    smallest_flip,
    stability,
)
from tests._legacy_scoring import legacy_score_candidates
from tests.test_scoring import synthetic_features

LINEAR = {"kind": "linear", "lower": 0, "upper": 1}


def two_criteria(weights=(0.6, 0.4), *, aggregation="weighted_sum", names=("a", "b")):
    criteria = [
        {"name": n, "feature": n, "transform": LINEAR, "weight": w, "rationale": f"why {n}"}
        for n, w in zip(names, weights, strict=True)
    ]
    return profile_from_dict({"name": "t", "aggregation": aggregation, "criterion": criteria})


def random_frame(n, *, columns=("a", "b", "c"), seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {c: rng.uniform(0, 1, n) for c in columns},
        index=pd.Index([f"s{i:05d}" for i in range(n)], name="id"),
    )
    frame["gate"] = rng.uniform(0, 1, n)
    return frame


def gated(weights=(0.5, 0.3, 0.2), *, aggregation="weighted_sum"):
    criteria = [
        {"name": n, "feature": n, "transform": LINEAR, "weight": w, "rationale": f"why {n}"}
        for n, w in zip("abc", weights, strict=True)
    ]
    constraint = [{"feature": "gate", "op": ">=", "value": 0.1, "rationale": "gate"}]
    return profile_from_dict(
        {
            "name": "g",
            "aggregation": aggregation,
            "criterion": criteria,
            "constraint": constraint,
        }
    )


AB = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["A", "B"])


def test_flip_point_of_two_opposite_sites_is_half():
    flip = smallest_flip(score(AB, two_criteria())).to_dict()
    assert flip["top_site"] == "A"
    a, b = flip["criteria"]["a"], flip["criteria"]["b"]
    assert a["weight"] == pytest.approx(0.6)
    assert a["critical_weight"] == pytest.approx(0.5)
    assert a["change"] == pytest.approx(-0.1)
    assert a["relative_change"] == pytest.approx(-0.1 / 0.6)
    assert a["new_top_site"] == "B"
    assert b["critical_weight"] == pytest.approx(0.5)
    assert b["change"] == pytest.approx(0.1)
    assert b["new_top_site"] == "B"
    assert flip["smallest"]["change"] == pytest.approx(-0.1)
    json.dumps(flip)


def test_flip_point_three_sites_by_hand():
    # Scores with weight x on a (b gets 1 - x): A = x, B = 0.8 - 0.6x, C = 0.5.
    # Base x = 0.7: A = 0.7 leads; B and C both catch up with A at x = 0.5.
    frame = pd.DataFrame({"a": [1.0, 0.2, 0.5], "b": [0.0, 0.8, 0.5]}, index=["A", "B", "C"])
    flip = smallest_flip(score(frame, two_criteria((0.7, 0.3)))).to_dict()
    entry = flip["criteria"]["a"]
    assert entry["critical_weight"] == pytest.approx(0.5)
    # Just below 0.5 B (slope -0.6) beats C (flat): B leads.
    assert entry["new_top_site"] == "B"
    below = score(frame, two_criteria((0.49, 0.51))).table
    assert below["rank"].idxmin() == "B"


def test_flip_point_with_distinct_crossings():
    # A = x, B = 0.9 - 0.8x (a weight x); base x = 0.8: A = 0.8, B = 0.26.
    # C = 0.6 flat. A = C at x = 0.6; A = B at x = 0.5. C comes first going down.
    frame = pd.DataFrame({"a": [1.0, 0.1, 0.6], "b": [0.0, 0.9, 0.6]}, index=["A", "B", "C"])
    entry = smallest_flip(score(frame, two_criteria((0.8, 0.2)))).to_dict()["criteria"]["a"]
    assert entry["critical_weight"] == pytest.approx(0.6)
    assert entry["new_top_site"] == "C"


def test_no_flip_when_top_site_dominates():
    frame = pd.DataFrame({"a": [1.0, 0.5], "b": [1.0, 0.2]}, index=["A", "B"])
    flip = smallest_flip(score(frame, two_criteria())).to_dict()
    assert flip["smallest"] is None
    assert flip["criteria"]["a"] == {
        "weight": pytest.approx(0.6),
        "critical_weight": None,
        "change": None,
        "relative_change": None,
        "new_top_site": None,
    }


def top_with_weight(frame, profile, name, x):
    """Top site with criterion ``name`` at weight x and the others scaled to share 1 - x."""
    base = profile.weights
    others = base.drop(name) * (1 - x) / (1 - base[name])
    result = score(frame, profile, weights={name: x, **others.to_dict()}).table
    return result["rank"].idxmin()


@pytest.mark.parametrize(
    ("aggregation", "zeros"),
    [("weighted_sum", False), ("geometric_mean", False), ("geometric_mean", True)],
)
def test_flip_matches_brute_force_scoring(aggregation, zeros):
    frame = random_frame(40, seed=5)
    if zeros:
        # Zeros make a geometric mean jump where a criterion starts or stops counting.
        frame[["a", "b", "c"]] = frame[["a", "b", "c"]].where(frame[["a", "b", "c"]] > 0.2, 0.0)
    profile = gated(aggregation=aggregation)
    flip = smallest_flip(score(frame, profile)).to_dict()
    top = flip["top_site"]
    assert top == score(frame, profile).table["rank"].idxmin()
    assert flip["smallest"] is not None
    grid = np.linspace(0.0, 1.0, 41)
    for name, entry in flip["criteria"].items():
        w0 = profile.weights[name]
        if entry["critical_weight"] is None:
            assert all(top_with_weight(frame, profile, name, x) == top for x in grid)
            continue
        critical, step = entry["critical_weight"], np.sign(entry["change"]) * 1e-7
        assert top_with_weight(frame, profile, name, critical - step) == top
        assert top_with_weight(frame, profile, name, critical + step) == entry["new_top_site"]
        # Nothing flips nearer to the base weight, on either side.
        nearer = grid[np.abs(grid - w0) < abs(entry["change"]) - 1e-6]
        assert all(top_with_weight(frame, profile, name, x) == top for x in nearer)


def test_geometric_mean_zero_weight_criterion_flips_at_once_when_top_has_a_zero():
    frame = pd.DataFrame({"a": [1.0, 0.5], "b": [0.0, 1.0]}, index=["A", "B"])
    flip = smallest_flip(
        score(frame, two_criteria((1.0, 0.0), aggregation="geometric_mean"))
    ).to_dict()
    assert flip["top_site"] == "A"
    b = flip["criteria"]["b"]
    assert b["critical_weight"] == 0.0
    assert b["new_top_site"] == "B"
    assert b["relative_change"] is None
    # All weight on a: others are zero, nothing to shift it against.
    assert flip["criteria"]["a"]["critical_weight"] is None


def test_geometric_mean_flips_where_a_zero_stops_counting():
    # B has a zero on a, so it scores 0 until a's weight reaches 0 (then 1 > A's 0.5).
    frame = pd.DataFrame({"a": [0.5, 0.0], "b": [0.5, 1.0]}, index=["A", "B"])
    flip = smallest_flip(
        score(frame, two_criteria((0.5, 0.5), aggregation="geometric_mean"))
    ).to_dict()
    assert flip["top_site"] == "A"
    assert flip["criteria"]["a"]["critical_weight"] == 0.0
    assert flip["criteria"]["a"]["new_top_site"] == "B"
    assert flip["criteria"]["b"]["critical_weight"] == 1.0
    assert flip["criteria"]["b"]["change"] == pytest.approx(0.5)


def test_zero_weight_criterion_in_one_at_a_time_changes_nothing():
    frame = random_frame(30)
    table = one_at_a_time(score(frame, gated((0.6, 0.4, 0.0))), top_n=5)
    rows = table[table["criterion"] == "c"]
    assert (rows["new_weight"] == 0).all()
    assert (rows["spearman"] == 1).all()
    assert (rows["top_n_overlap"] == 1).all()
    assert not rows["top_site_changed"].any()


def test_one_at_a_time_renormalises_and_matches_scipy_and_scoring():
    frame = random_frame(50)
    profile = gated()
    table = one_at_a_time(score(frame, profile), steps=(-0.5, 0.5), top_n=5)
    assert len(table) == 6
    base = score(frame, profile).table
    eligible = ~base["excluded"]
    row = table[(table["criterion"] == "a") & (table["step"] == -0.5)].iloc[0]
    assert row["new_weight"] == pytest.approx(0.25)
    # b and c keep their 3:2 ratio and fill the remaining 0.75.
    changed = score(frame, profile, weights={"a": 0.25, "b": 0.45, "c": 0.3}).table
    expected = spearmanr(base["score"][eligible], changed["score"][eligible]).statistic
    assert row["spearman"] == pytest.approx(expected)
    assert row["top_site"] == changed["rank"].idxmin()
    top_base = set(base.index[base["rank"] <= 5])
    top_new = set(changed.index[changed["rank"] <= 5])
    assert row["top_n_overlap"] == pytest.approx(len(top_base & top_new) / 5)


def test_one_at_a_time_two_sites():
    table = one_at_a_time(score(AB, two_criteria()), steps=(-0.5, 0.5))
    a_down = table.iloc[0]
    assert a_down["new_weight"] == pytest.approx(0.3)
    assert a_down["top_site"] == "B"
    assert a_down["top_site_changed"]
    assert a_down["spearman"] == pytest.approx(-1.0)
    a_up = table.iloc[1]
    assert a_up["new_weight"] == pytest.approx(0.9)
    assert not a_up["top_site_changed"]


def test_one_at_a_time_caps_weight_at_one():
    table = one_at_a_time(score(AB, two_criteria()), steps=(1.0,))
    assert table.iloc[0]["new_weight"] == pytest.approx(1.0)


def test_one_at_a_time_refuses_step_of_minus_one():
    with pytest.raises(ValueError, match=r"steps must be > -1"):
        one_at_a_time(score(AB, two_criteria()), steps=(-1.0,))


@pytest.mark.parametrize("aggregation", ["weighted_sum", "geometric_mean"])
def test_monte_carlo_without_spread_keeps_the_top_n(aggregation):
    frame = random_frame(60)
    profile = gated(aggregation=aggregation)
    mc = monte_carlo(score(frame, profile), n=50, spread=0.0, top_n=7)
    table = mc.table
    base = score(frame, profile).table
    eligible = base.index[~base["excluded"]]
    assert list(table.index) == list(eligible)
    assert table["rank"].tolist() == base.loc[eligible, "rank"].tolist()
    assert (table.loc[table["rank"] <= 7, "share_in_top_n"] == 1).all()
    assert (table.loc[table["rank"] > 7, "share_in_top_n"] == 0).all()
    assert (table["median_rank"] == table["rank"]).all()
    assert mc.mean_spearman == pytest.approx(1.0)
    assert mc.top_site_share == 1.0


def test_monte_carlo_with_tiny_spread_keeps_the_top_n():
    frame = random_frame(60)
    table = monte_carlo(score(frame, gated()), n=200, spread=1e-9, top_n=5).table
    assert (table.loc[table["rank"] <= 5, "share_in_top_n"] == 1).all()


def test_monte_carlo_spread_moves_ranks_and_is_reproducible():
    frame = random_frame(200)
    profile = gated()
    mc = monte_carlo(score(frame, profile), n=300, spread=0.5, top_n=10, seed=3)
    table = mc.table
    again = monte_carlo(score(frame, profile), n=300, spread=0.5, top_n=10, seed=3).table
    pd.testing.assert_frame_equal(table, again)
    assert table["share_in_top_n"].between(0, 1).all()
    assert table["share_in_top_n"].sum() == pytest.approx(10)
    assert (table["rank_p05"] <= table["median_rank"]).all()
    assert (table["median_rank"] <= table["rank_p95"]).all()
    assert 0.5 < mc.mean_spearman < 1.0


def test_monte_carlo_keeps_zero_weights_zero():
    frame = random_frame(40)
    mc = monte_carlo(score(frame, gated((0.5, 0.5, 0.0))), n=100, spread=0.3)
    table = mc.table
    assert mc.weights["c"] == 0.0
    same = monte_carlo(score(frame.assign(c=0.0), gated((0.5, 0.5, 0.0))), n=100, spread=0.3).table
    pd.testing.assert_frame_equal(table, same)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0}, r"n must be a whole number"),
        ({"spread": -0.1}, r"spread must be a finite number ≥ 0"),
        ({"top_n": 0}, r"top_n must be a whole number ≥ 1"),
    ],
)
def test_monte_carlo_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        monte_carlo(score(AB, two_criteria()), **kwargs)


@pytest.mark.parametrize("aggregation", ["weighted_sum", "geometric_mean"])
def test_results_do_not_depend_on_row_order(aggregation):
    # Coarse values give many exact ties, which the label tie-break must settle.
    frame = (random_frame(80, seed=7) * 4).round() / 4
    profile = gated(aggregation=aggregation)
    shuffled = frame.sample(frac=1.0, random_state=2)
    mc = monte_carlo(score(frame, profile), n=100, spread=0.3, top_n=5)
    mc_shuffled = monte_carlo(score(shuffled, profile), n=100, spread=0.3, top_n=5)
    pd.testing.assert_frame_equal(mc.table, mc_shuffled.table.loc[mc.table.index])
    assert mc.to_dict() == mc_shuffled.to_dict()
    pd.testing.assert_frame_equal(
        one_at_a_time(score(frame, profile), top_n=5),
        one_at_a_time(score(shuffled, profile), top_n=5),
    )
    assert (
        smallest_flip(score(frame, profile)).to_dict()
        == smallest_flip(score(shuffled, profile)).to_dict()
    )


def test_weight_overrides_are_the_base():
    frame = random_frame(30)
    profile = gated()
    flip = smallest_flip(score(frame, profile, weights={"a": 0.0})).to_dict()
    assert flip["criteria"]["a"]["weight"] == 0.0
    assert flip["criteria"]["b"]["weight"] == pytest.approx(0.6)


def test_no_eligible_sites():
    frame = random_frame(5).assign(gate=0.0)
    profile = gated()
    assert one_at_a_time(score(frame, profile)).empty
    assert monte_carlo(score(frame, profile), n=10).table.empty
    assert smallest_flip(score(frame, profile)).to_dict() == {
        "top_site": None,
        "criteria": {},
        "smallest": None,
    }
    json.dumps(sensitivity_report(score(frame, profile), n=10).to_dict())


@pytest.mark.parametrize("name", list_profiles())
def test_shipped_profiles_on_synthetic_features(name):
    profile = load_profile(name)
    frame = synthetic_features(n=60)
    report = sensitivity_report(score(frame, profile), n=200, top_n=5).to_dict()
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text)["profile"] == profile.name
    used = set(score(frame, profile).weights.index)
    assert set(report["smallest_flip"]["criteria"]) == used
    assert {r["criterion"] for r in report["one_at_a_time"]} == used
    eligible = int((~score(frame, profile).table["excluded"]).sum())
    shares = [s["share_in_top_n"] for s in report["monte_carlo"]["sites"]]
    assert sum(shares) == pytest.approx(min(5, eligible))


def test_two_thousand_sites_thousand_draws():
    frame = random_frame(2000, seed=11)
    table = monte_carlo(score(frame, gated()), n=1000, top_n=10).table
    assert table["share_in_top_n"].sum() == pytest.approx(10)


def test_spearman_with_ties_matches_scipy():
    frame = (random_frame(60, seed=4) * 3).round() / 3
    profile = gated()
    table = one_at_a_time(score(frame, profile), steps=(0.5,))
    base = score(frame, profile).table
    eligible = ~base["excluded"]
    for row in table.itertuples():
        others = profile.weights.drop(row.criterion)
        changed = score(
            frame,
            profile,
            weights={
                row.criterion: row.new_weight,
                **(others * (1 - row.new_weight) / others.sum()).to_dict(),
            },
        ).table
        # Scores are compared at 12 decimals, as ranks are, so float noise makes no ties.
        expected = spearmanr(
            base["score"][eligible].round(12), changed["score"][eligible].round(12)
        ).statistic
        assert row.spearman == pytest.approx(expected)


def test_stability_is_the_share_of_draws_in_the_top_n():
    frame = random_frame(300, seed=5)
    profile = gated()
    values = stability(score(frame, profile), n=400, top_n=10, seed=1)
    table = monte_carlo(score(frame, profile), n=400, top_n=10, seed=1).table
    assert values.name == "stability"
    assert values.index.equals(frame.index)
    excluded = score(frame, profile).table["excluded"]
    assert values[excluded].isna().all()
    eligible = values[~excluded]
    assert eligible.between(0, 1).all()
    assert eligible.sum() == pytest.approx(10)
    pd.testing.assert_series_equal(eligible, table["stability"], check_names=False)
    assert (table["stability"] == table["share_in_top_n"]).all()


def test_a_dominating_site_is_at_least_as_stable():
    frame = random_frame(300, seed=9)
    profile = gated(aggregation="geometric_mean")
    values = stability(score(frame, profile), n=300, top_n=20, spread=0.5).dropna()
    abc = frame.loc[values.index, ["a", "b", "c"]].to_numpy()
    better = (abc[:, None, :] > abc[None, :, :]).all(axis=2)  # row i beats j on every criterion
    i, j = np.nonzero(better)
    assert len(i) > 1000
    assert (values.to_numpy()[i] >= values.to_numpy()[j]).all()
    assert values.max() == 1.0  # the clear leaders stay in the top 20 in every draw
    assert values.min() == 0.0


def test_monte_carlo_equals_rescoring_every_draw():
    # The old way: draw the weights the same way, rescore everything per draw.
    frame = random_frame(120, seed=2)
    profile = gated()
    n, spread, top_n, seed = 25, 0.4, 8, 6
    table = monte_carlo(score(frame, profile), n=n, spread=spread, top_n=top_n, seed=seed).table
    w = score(frame, profile).weights
    rng = np.random.default_rng(seed)
    drawn = w.to_numpy() * np.exp(spread * rng.standard_normal((n, len(w))) - spread**2 / 2)
    drawn /= drawn.sum(axis=1, keepdims=True)
    ranks = pd.DataFrame(
        {
            draw: legacy_score_candidates(frame, profile, weights=pd.Series(row, index=w.index))[
                "rank"
            ]
            for draw, row in enumerate(drawn)
        }
    ).loc[table.index]
    expected = (ranks <= top_n).mean(axis=1)
    np.testing.assert_allclose(table["stability"], expected.to_numpy(dtype=float))
    np.testing.assert_allclose(
        table["median_rank"], ranks.astype(float).median(axis=1).to_numpy(dtype=float)
    )


def test_chunked_equals_unchunked(monkeypatch):
    frame = (random_frame(150, seed=3) * 8).round() / 8  # ties too
    profile = gated(aggregation="geometric_mean")

    def run():
        return (
            monte_carlo(score(frame, profile), n=64, spread=0.3, top_n=6, seed=2),
            one_at_a_time(score(frame, profile), top_n=6),
        )

    whole_mc, whole_oat = run()
    monkeypatch.setattr(ranking_module, "CHUNK_CELLS", 1)  # one weight vector per chunk
    chunked_mc, chunked_oat = run()
    monkeypatch.setattr(ranking_module, "CHUNK_CELLS", 10**9)  # everything in one chunk
    single_mc, single_oat = run()
    for other_mc, other_oat in ((chunked_mc, chunked_oat), (single_mc, single_oat)):
        pd.testing.assert_frame_equal(whole_mc.table, other_mc.table)
        assert whole_mc.to_dict() == other_mc.to_dict()
        pd.testing.assert_frame_equal(whole_oat, other_oat)


def test_a_reweighed_matrix_gives_the_same_report_as_scoring_afresh():
    frame = random_frame(80, seed=12)
    profile = gated()
    matrix = build_matrix(frame, profile)
    weights = {"a": 0.2, "c": 0.5}
    again = sensitivity_report(weigh(matrix, weights), n=50).to_dict()
    assert again == sensitivity_report(score(frame, profile, weights=weights), n=50).to_dict()
    assert again["weights"] == pytest.approx({"a": 0.2 / 1.0, "b": 0.3, "c": 0.5})
    assert all(s["stability"] == s["share_in_top_n"] for s in again["monte_carlo"]["sites"])


def test_the_report_is_typed_and_its_file_layout_unchanged():
    frame = random_frame(60, seed=4)
    report = sensitivity_report(score(frame, gated()), n=40, top_n=5)
    assert report.monte_carlo.n == 40
    assert report.smallest_flip.smallest is not None
    assert report.smallest_flip.smallest.criterion in report.weights
    data = report.to_dict()
    assert set(data) == {
        "profile", "aggregation", "weights", "top_n", "one_at_a_time", "monte_carlo",
        "smallest_flip",
    }  # fmt: skip
    assert data["smallest_flip"]["smallest"]["criterion"] == report.smallest_flip.smallest.criterion
    assert report.stability() == {
        s["id"]: s["share_in_top_n"] for s in data["monte_carlo"]["sites"]
    }
