"""The two aggregation rules of the engine (CriteriaMatrix.scores), by hand and against the
frame functions they replaced (tests/_legacy_scoring.py)."""

import numpy as np
import pandas as pd
import pytest

from criteria.profiles import profile_from_dict
from criteria.scoring import score
from tests._legacy_scoring import weighted_geometric_mean, weighted_sum

ORACLES = {"weighted_sum": weighted_sum, "geometric_mean": weighted_geometric_mean}


def identity_profile(columns, weights, aggregation):
    """A profile whose transforms leave values in [0, 1] as they are."""
    return profile_from_dict(
        {
            "name": "demo",
            "aggregation": aggregation,
            "criterion": [
                {
                    "name": c,
                    "feature": c,
                    "weight": float(w),
                    "rationale": c,
                    "transform": {"kind": "linear", "lower": 0, "upper": 1},
                }
                for c, w in zip(columns, weights, strict=True)
            ],
        }
    )


def engine(frame, weights, aggregation):
    profile = identity_profile(list(frame.columns), weights, aggregation)
    return pd.Series(score(frame, profile).score, index=frame.index, name="score")


def test_weighted_sum_hand_values():
    frame = pd.DataFrame({"a": [1.0, 0.0, 0.5], "b": [0.5, 1.0, 0.0]}, index=["x", "y", "z"])
    np.testing.assert_allclose(engine(frame, (3.0, 1.0), "weighted_sum"), [0.875, 0.25, 0.375])


def test_weighted_geometric_mean_hand_values():
    frame = pd.DataFrame({"a": [1.0, 0.25, 0.81], "b": [0.25, 1.0, 0.01]})
    np.testing.assert_allclose(engine(frame, (0.5, 0.5), "geometric_mean"), [0.5, 0.5, 0.09])


def test_geometric_mean_is_non_compensatory():
    frame = pd.DataFrame({"a": [1.0, 0.0, 0.5], "b": [0.5, 1.0, 0.0]}, index=["x", "y", "z"])
    out = engine(frame, (0.9, 0.1), "geometric_mean")
    assert out["y"] == 0.0
    assert out["z"] == 0.0


@pytest.mark.parametrize("aggregation", list(ORACLES))
def test_zero_weight_criterion_changes_nothing(aggregation):
    frame = pd.DataFrame({"a": [1.0, 0.0, 0.5], "b": [0.5, 1.0, 0.0], "c": [0.0, 0.2, 1.0]})
    with_c = engine(frame, (0.6, 0.4, 0.0), aggregation)
    without_c = engine(frame[["a", "b"]], (0.6, 0.4), aggregation)
    pd.testing.assert_series_equal(with_c, without_c)


@pytest.mark.parametrize("aggregation", list(ORACLES))
def test_engine_equals_the_frame_functions(aggregation):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0, 1, (50, 4)), columns=list("abcd"))
    frame.iloc[::7, 2] = 0.0
    weights = rng.uniform(0, 5, 4)
    out = engine(frame, weights, aggregation)
    assert out.between(0, 1).all()
    expected = ORACLES[aggregation](frame, pd.Series(weights, index=list("abcd")))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
