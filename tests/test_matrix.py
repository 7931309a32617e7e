"""Stage 1 (the criteria matrix) and the ranking kernel shared by scoring and sensitivity."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import criteria.matrix as matrix_module
from criteria._errors import ProfileError, WeightError
from criteria.matrix import best_first, build_matrix, label_order, rank_order
from criteria.profiles import load_profile
from criteria.scoring import weigh
from tests.test_scoring import synthetic_features

# Scores on a coarse grid, so that many tie; plus values that differ only beyond 12 decimals.
score_values = st.one_of(
    st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.3 + 1e-14, 0.3]),
    st.floats(min_value=0, max_value=1),
)
scores = st.lists(score_values, min_size=1, max_size=60)


def reference_order(values):
    """Sort by score rounded to 12 decimals (descending), ties by position."""
    rounded = np.round(np.asarray(values, dtype="float64"), 12)
    return np.lexsort((np.arange(len(values)), -rounded))


@settings(max_examples=200)
@given(values=scores)
def test_best_first_sorts_rounded_scores_ties_by_position(values):
    np.testing.assert_array_equal(best_first(np.array(values)), reference_order(values))


@settings(max_examples=50)
@given(rows=st.lists(st.lists(score_values, min_size=7, max_size=7), min_size=1, max_size=5))
def test_rank_order_on_many_rows_and_the_wide_fallback(rows):
    block = np.array(rows)
    order, keys = rank_order(block)
    for row, values in enumerate(rows):
        np.testing.assert_array_equal(order[row], reference_order(values))
    assert (np.diff(keys, axis=1) >= 0).all()
    saved = matrix_module._PACKED_BITS
    matrix_module._PACKED_BITS = 1  # as if there were more sites than one int64 key can hold
    try:
        wide, wide_keys = rank_order(block)
    finally:
        matrix_module._PACKED_BITS = saved
    np.testing.assert_array_equal(wide, order)
    np.testing.assert_array_equal(wide_keys, keys)


def test_label_order_sorts_mixed_labels_by_text():
    assert label_order(pd.Index([3, 1, 2])).tolist() == [1, 2, 0]
    assert label_order(pd.Index([10, "9", 2], dtype=object)).tolist() == [0, 2, 1]


def test_matrix_holds_transformed_values_masks_and_tie_break():
    frame = synthetic_features(n=12, seed=4)
    profile = load_profile("tussenvoorziening")
    matrix = build_matrix(frame, profile)
    assert matrix.transformed_t.shape == (len(matrix.criteria), 12)
    assert ((matrix.transformed_t >= 0) & (matrix.transformed_t <= 1)).all()
    eligible_labels = matrix.index[matrix.eligible]
    assert list(eligible_labels) == sorted(frame.index[~matrix.excluded])
    # site0 has no floor area: the floor-area rule cannot be decided, so it is flagged
    assert matrix.needs_check[0]
    assert not matrix.excluded[0]
    assert matrix.missing_values["draagkracht"] == 0


def test_weighing_refuses_bad_overrides():
    matrix = build_matrix(synthetic_features(), load_profile("noaberhuuske"))
    with pytest.raises(ProfileError, match="geen criterium 'nope'"):
        weigh(matrix, {"nope": 1.0})
    with pytest.raises(WeightError, match="negatief"):
        weigh(matrix, {matrix.names[0]: -1.0})
    with pytest.raises(WeightError, match="alle gewichten zijn nul"):
        weigh(matrix, dict.fromkeys(matrix.profile.criterion_names, 0.0))


def test_scores_of_many_weight_vectors_equal_one_at_a_time():
    for aggregation in ("weighted_sum", "geometric_mean"):
        profile = load_profile("skaeve_huse")
        profile = dataclasses.replace(profile, aggregation=aggregation)
        matrix = build_matrix(synthetic_features(n=25, seed=8), profile)
        rng = np.random.default_rng(0)
        vectors = rng.uniform(0, 1, (6, len(matrix.names)))
        vectors[0, 1] = 0.0  # a zero weight: its criterion (and its zeros) must not count
        vectors /= vectors.sum(axis=1, keepdims=True)
        many = matrix.scores(vectors, eligible_only=True)
        for row, w in enumerate(vectors):
            one = matrix.scores(w)[matrix.eligible]
            np.testing.assert_allclose(many[row], one, rtol=1e-12, atol=1e-15)
