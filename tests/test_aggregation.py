import numpy as np
import pandas as pd
import pytest

from criteria._errors import WeightError
from criteria.aggregation import weighted_geometric_mean, weighted_sum


@pytest.fixture
def frame():
    return pd.DataFrame(
        {"a": [1.0, 0.0, 0.5], "b": [0.5, 1.0, 0.0], "c": [np.nan, 0.2, 1.0]},
        index=["x", "y", "z"],
    )


def test_weighted_sum_hand_values(frame):
    out = weighted_sum(frame[["a", "b"]], pd.Series({"a": 3.0, "b": 1.0}))
    assert out.name == "score"
    assert out.index.equals(frame.index)
    np.testing.assert_allclose(out, [0.875, 0.25, 0.375])


def test_weighted_geometric_mean_hand_values():
    frame = pd.DataFrame({"a": [1.0, 0.25, 0.81], "b": [0.25, 1.0, 0.01]})
    out = weighted_geometric_mean(frame, pd.Series({"a": 0.5, "b": 0.5}))
    np.testing.assert_allclose(out, [0.5, 0.5, 0.09])


def test_geometric_mean_is_non_compensatory(frame):
    out = weighted_geometric_mean(frame[["a", "b"]], pd.Series({"a": 0.9, "b": 0.1}))
    assert out["y"] == 0.0
    assert out["z"] == 0.0


@pytest.mark.parametrize("aggregate", [weighted_sum, weighted_geometric_mean])
def test_zero_weight_criterion_changes_nothing(frame, aggregate):
    # column c has NaN and zeros; with weight 0 it must not matter
    with_c = aggregate(frame, pd.Series({"a": 0.6, "b": 0.4, "c": 0.0}))
    without_c = aggregate(frame[["a", "b"]], pd.Series({"a": 0.6, "b": 0.4}))
    pd.testing.assert_series_equal(with_c, without_c)


@pytest.mark.parametrize("aggregate", [weighted_sum, weighted_geometric_mean])
def test_scores_in_unit_interval(aggregate):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0, 1, (50, 4)), columns=list("abcd"))
    out = aggregate(frame, pd.Series(rng.uniform(0, 5, 4), index=list("abcd")))
    assert out.between(0, 1).all()


def test_refuses_weights_without_column(frame):
    with pytest.raises(WeightError, match="without a column: q"):
        weighted_sum(frame, pd.Series({"a": 1.0, "q": 1.0}))


def test_refuses_untransformed_values():
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        weighted_sum(pd.DataFrame({"a": [250.0]}), pd.Series({"a": 1.0}))
