import numpy as np
import pandas as pd
import pytest

from criteria._errors import InconsistentJudgementsError, WeightError
from criteria.weights import (
    ahp_weights,
    direct_weights,
    rank_reciprocal_weights,
    rank_sum_weights,
)


def test_direct_weights_normalise():
    w = direct_weights({"a": 2, "b": 1, "c": 1, "d": 0})
    assert w.name == "weight"
    assert w.to_dict() == {"a": 0.5, "b": 0.25, "c": 0.25, "d": 0.0}


def test_direct_weights_refuse_negative():
    with pytest.raises(WeightError, match="het gewicht van 'b' is negatief"):
        direct_weights({"a": 1, "b": -0.1})


def test_direct_weights_refuse_all_zero_and_nan():
    with pytest.raises(WeightError, match="alle gewichten zijn nul"):
        direct_weights({"a": 0, "b": 0})
    with pytest.raises(WeightError, match="moet een eindig getal zijn"):
        direct_weights({"a": float("nan")})


def test_rank_sum_hand_values():
    # n = 4: raw 4, 3, 2, 1 over 10
    w = rank_sum_weights(["a", "b", "c", "d"])
    np.testing.assert_allclose(w.loc[["a", "b", "c", "d"]], [0.4, 0.3, 0.2, 0.1])


def test_rank_sum_ties_share_mean_position():
    # b and c share positions 2 and 3 -> rank 2.5 -> raw 2.5 each; a raw 4, d raw 1
    w = rank_sum_weights(["a", ["b", "c"], "d"])
    np.testing.assert_allclose(w.loc[["a", "b", "c", "d"]], [0.4, 0.25, 0.25, 0.1])


def test_rank_reciprocal_hand_values():
    # 1, 1/2, 1/3 over 11/6
    w = rank_reciprocal_weights(["a", "b", "c"])
    np.testing.assert_allclose(w.loc[["a", "b", "c"]], [6 / 11, 3 / 11, 2 / 11])


def test_rank_refuses_duplicates():
    with pytest.raises(WeightError, match="'a' staat twee keer"):
        rank_sum_weights(["a", "b", "a"])


def test_ahp_textbook_example():
    # Classic 3x3 example: weights 0.637, 0.258, 0.105; lambda_max 3.039; CR 0.033.
    matrix = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    result = ahp_weights(["a", "b", "c"], matrix)
    np.testing.assert_allclose(result.weights, [0.637, 0.258, 0.105], atol=1e-3)
    assert result.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert result.consistency_index == pytest.approx(0.0193, abs=1e-4)
    assert result.consistency_ratio == pytest.approx(0.0332, abs=1e-4)


def test_ahp_pair_table_equals_matrix_and_fills_reciprocals():
    pairs = {("a", "b"): 3, ("a", "c"): 5, ("b", "c"): 3}
    from_pairs = ahp_weights(["a", "b", "c"], pairs)
    assert from_pairs.matrix.loc["c", "a"] == pytest.approx(0.2)
    from_matrix = ahp_weights(["a", "b", "c"], from_pairs.matrix)
    pd.testing.assert_series_equal(from_pairs.weights, from_matrix.weights)


def test_ahp_consistent_matrix_recovers_weights():
    w = np.array([0.5, 0.3, 0.2])
    result = ahp_weights(["a", "b", "c"], w[:, None] / w[None, :])
    np.testing.assert_allclose(result.weights, w)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_ahp_refuses_inconsistent_judgements():
    # a > b > c > a: circular, CR far above 0.1
    pairs = {
        ("a", "b"): 5,
        ("b", "c"): 5,
        ("c", "a"): 5,
        ("a", "d"): 1,
        ("b", "d"): 1,
        ("c", "d"): 1,
    }
    with pytest.raises(
        InconsistentJudgementsError, match=r"consistentieratio \d+,\d+ is hoger dan 0,1"
    ) as info:
        ahp_weights(["a", "b", "c", "d"], pairs)
    assert info.value.consistency_ratio > 0.1
    assert set(info.value.worst_pair) <= {"a", "b", "c"}
    assert "slechtste paar is" in str(info.value)


def test_ahp_refuses_missing_and_unknown_pairs():
    with pytest.raises(WeightError, match=r"ontbreken voor \('b', 'c'\)"):
        ahp_weights(["a", "b", "c"], {("a", "b"): 2, ("a", "c"): 3})
    with pytest.raises(WeightError, match="onbekend criterium 'z'"):
        ahp_weights(["a", "b"], {("a", "z"): 2})


def test_ahp_refuses_non_reciprocal_input():
    with pytest.raises(WeightError, match="niet elkaars omgekeerde"):
        ahp_weights(["a", "b"], {("a", "b"): 2, ("b", "a"): 2})
    with pytest.raises(WeightError, match="niet elkaars omgekeerde"):
        ahp_weights(["a", "b"], [[1, 2], [2, 1]])
