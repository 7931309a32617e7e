import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import legend
from geo._errors import PlekwijzerInputError
from geo.legend import legend_classes


def check(classes, values):
    """The invariants every legend must keep."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    assert len(set(classes.labels)) == classes.k, classes.labels
    assert all(c > 0 for c in classes.counts), classes.counts
    assert sum(classes.counts) == finite.size
    assert list(classes.bins) == sorted(set(classes.bins))
    assert all("0,00 – 0,00" not in label for label in classes.labels)
    # No overlap: a class never starts at the rounded value the class before ends with.
    for before, after in zip(classes.labels, classes.labels[1:], strict=False):
        assert before.split(" – ")[-1] != after.split(" – ")[0], classes.labels
    index = classes.classify(values)
    assert np.bincount(index[index >= 0], minlength=classes.k).tolist() == list(classes.counts)


def test_doctests_pass():
    result = doctest.testmod(legend)
    assert result.attempted >= 2
    assert result.failed == 0


def test_all_equal_gives_one_class():
    classes = legend_classes([2.5] * 40)
    assert classes.labels == ("2,5",)
    check(classes, [2.5] * 40)


def test_all_zero_and_nan():
    values = [0.0] * 10 + [np.nan] * 3
    classes = legend_classes(values)
    assert classes.labels == ("0",)
    assert classes.classify(values).tolist() == [0] * 10 + [-1] * 3


def test_no_finite_values_gives_no_classes():
    classes = legend_classes([np.nan, np.inf, -np.inf])
    assert classes.k == 0
    assert classes.classify([1.0, np.nan]).tolist() == [-1, -1]


def test_many_zeros_get_their_own_class_and_the_rest_is_cut():
    rng = np.random.default_rng(3)
    values = np.concatenate([np.zeros(300), rng.uniform(0.5, 12, 60)])
    classes = legend_classes(values, k=5)
    assert classes.labels[0] == "0,0"
    assert classes.counts[0] == 300
    assert classes.k == 5  # quantiles alone would give 0 – 0 four times
    check(classes, values)


def test_few_distinct_values_one_class_each():
    values = [1, 1, 1, 2, 2, 7]
    classes = legend_classes(values, k=5)
    assert classes.labels == ("1,0", "2,0", "7,0")
    check(classes, values)


def test_bounds_closer_than_the_shown_precision_merge_or_gain_digits():
    values = [1.0, 1.001, 1.002, 1.003, 1.004, 1.005, 5.0]
    classes = legend_classes(values, k=5, decimals=1)
    check(classes, values)
    assert classes.k < 5


def test_counts_get_no_decimals_and_dutch_thousands():
    values = [3400, 7800, 12000, 24655, 56000, 98000, 120000, 130000]
    classes = legend_classes(values, k=3)
    assert classes.decimals == 0
    assert all("," not in label for label in classes.labels)
    assert classes.labels[-1].endswith("130.000")


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval", "fisher_jenks"])
def test_schemes(scheme):
    values = np.random.default_rng(1).gamma(1.0, 3.0, 200)
    check(legend_classes(values, scheme=scheme), values)


def test_rounded_ends_never_meet():
    # 2,6 and 3,4 both read "3" at no decimals: "0 – 3" and "3 – 5" overlapped.
    values = [0.0, 2.6, 3.4, 5.0, 7.0, 7.0, 7.0, 26.0, 26.0, 26.0, 234.0]
    classes = legend_classes(values, k=5)
    check(classes, values)
    assert classes.k >= 3


def test_shared_classes_cover_both_maps():
    now, later = [0.0, 0.0, 3.4, 8.1, 8.7, 17.5], [0.0, 3.4, 8.2, 8.7, 18.1, 25.0]
    classes = legend.shared_classes(now, later, k=4)
    check(classes, now + later)
    assert classes.lower == 0.0
    assert classes.labels[-1].endswith("25,0")
    assert (classes.classify(now) >= 0).all()
    assert (classes.classify(later) >= 0).all()


def test_bad_scheme_and_k_are_refused():
    with pytest.raises(PlekwijzerInputError, match="onbekende indeling 'jenks'"):
        legend_classes([1, 2], scheme="jenks")
    with pytest.raises(PlekwijzerInputError, match="kies 1 tot 9"):
        legend_classes([1, 2], k=0)


@given(
    st.lists(
        st.one_of(
            st.sampled_from([0.0, 0.0, 1.0, np.nan]),
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        ),
        max_size=60,
    ),
    st.integers(min_value=1, max_value=7),
)
def test_never_empty_or_repeated(values, k):
    classes = legend_classes(values, k=k)
    assert classes.k <= k
    check(classes, values)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6, 7, 9])
@pytest.mark.parametrize("seed", range(6))
def test_quantile_bins_equal_mapclassify_to_the_last_bit(k, seed):
    # mapclassify is the oracle: the bounds are cut here only to spare its import.
    import warnings

    import mapclassify

    rng = np.random.default_rng(seed)
    samples = [
        rng.lognormal(size=37 + seed * 101),
        rng.integers(0, 12, size=200).astype(float),
        np.round(rng.normal(size=1000), 2),
        np.concatenate([np.zeros(50), rng.random(13)]),
    ]
    for values in samples:
        with warnings.catch_warnings():
            # It warns when ties leave fewer than k bounds; the bounds are still compared.
            warnings.simplefilter("ignore", UserWarning)
            expected = mapclassify.Quantiles(values, k=k).bins
        assert np.array_equal(legend._quantile_bins(values, k), expected)


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60),
    st.integers(2, 9),
)
def test_quantile_bins_equal_mapclassify_on_any_values(values, k):
    import warnings

    import mapclassify

    array = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = mapclassify.Quantiles(array, k=k).bins
    assert np.array_equal(legend._quantile_bins(array, k), expected)
