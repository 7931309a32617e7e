import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini
from inequality.theil import Theil, TheilD

from geo._errors import PlekwijzerInputError
from geo.inequality import (
    gini,
    gini_weighted,
    hoover,
    location_quotient,
    lorenz_curve,
    theil,
    theil_decomposition,
)

values_st = st.lists(
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


def _lorenz_area(points):
    xy = np.asarray(points)
    return float(np.sum(np.diff(xy[:, 0]) * (xy[1:, 1] + xy[:-1, 1]) / 2))


# --- gini -------------------------------------------------------------------------------


def test_gini_by_hand():
    # pairs |1-2|,|1-3|,|2-3| = 1+2+1 = 4, both orders 8; 8 / (2 * 9 * 2) = 2/9
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)
    assert gini([5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)


def test_gini_matches_pysal():
    x = np.array([0.0, 3.5, 1.0, 12.0, 7.25, 0.0])
    assert gini(x) == pytest.approx(Gini(x).g)


def test_gini_edge_cases():
    assert math.isnan(gini([]))
    assert gini([0, 0, 0]) == 0.0


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1.0, np.nan], "NaN of oneindige"),
        ([1.0, np.inf], "NaN of oneindige"),
        ([1, -2], "negatieve"),
    ],
)
def test_gini_refuses_bad_values(values, match):
    with pytest.raises(PlekwijzerInputError, match=match):
        gini(values)


@given(values_st)
def test_gini_in_unit_interval(values):
    assert 0.0 <= gini(values) < 1.0


@given(values_st, st.randoms(use_true_random=False))
def test_gini_permutation_invariant(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert gini(shuffled) == pytest.approx(gini(values), abs=1e-9)


@given(values_st, st.floats(min_value=1e-3, max_value=1e3))
def test_gini_scale_invariant(values, factor):
    assert gini([v * factor for v in values]) == pytest.approx(gini(values), abs=1e-9)


# --- weighted gini ----------------------------------------------------------------------


def test_gini_weighted_by_hand():
    # persons: 1 person with rate 0, 3 persons with rate 4 -> pairs (0,4) 3 times each way
    # sum w_i w_j |x_i - x_j| = 2 * 1 * 3 * 4 = 24; W = 4, mu = 3 -> 24 / (2 * 16 * 3) = 0.25
    assert gini_weighted([0, 4], [1, 3]) == pytest.approx(0.25)


def test_gini_weighted_equal_weights_is_pysal_gini():
    x = np.array([2.0, 0.0, 9.0, 4.0, 4.0])
    assert gini_weighted(x, np.full(5, 7.0)) == pytest.approx(Gini(x).g)


def test_gini_weighted_is_one_minus_twice_lorenz_area():
    inhabitants = np.array([1000.0, 250.0, 4000.0, 600.0])
    places = np.array([3.0, 2.0, 0.0, 10.0])
    per_10k = places / inhabitants * 1e4
    expected = 1 - 2 * _lorenz_area(lorenz_curve(places, inhabitants))
    assert gini_weighted(per_10k, inhabitants) == pytest.approx(expected)


def test_gini_weighted_edge_cases():
    assert math.isnan(gini_weighted([], []))
    assert math.isnan(gini_weighted([1, 2], [0, 0]))
    assert gini_weighted([0, 0], [1, 2]) == 0.0
    with pytest.raises(PlekwijzerInputError, match="3 waarden maar weights heeft er 2"):
        gini_weighted([1, 2, 3], [1, 1])


@settings(max_examples=50)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=50), st.integers(min_value=1, max_value=5)),
        min_size=1,
        max_size=12,
    )
)
def test_gini_weighted_equals_gini_of_replicated_values(pairs):
    x = np.array([p[0] for p in pairs], dtype=float)
    w = np.array([p[1] for p in pairs])
    assert gini_weighted(x, w) == pytest.approx(gini(np.repeat(x, w)), abs=1e-9)


# --- theil ------------------------------------------------------------------------------


def test_theil_by_hand():
    # one of n units holds everything: T = ln(n)
    assert theil([0, 0, 0, 8]) == pytest.approx(math.log(4))
    # shares 1/4, 3/4 of n=2: 1/4 ln(1/2) + 3/4 ln(3/2)
    assert theil([1, 3]) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))


def test_theil_matches_pysal():
    x = np.array([1.0, 3.5, 2.0, 12.0, 7.25])
    assert theil(x) == pytest.approx(float(Theil(x).T))


def test_theil_edge_cases():
    assert math.isnan(theil([]))
    assert theil([0, 0]) == 0.0
    # zeros among huge values must not turn into NaN through an underflowing log
    assert theil([0.0, 1e300, 1e300]) == pytest.approx(math.log(1.5))


@given(values_st)
def test_theil_bounded_by_log_n(values):
    assert -1e-9 <= theil(values) <= math.log(len(values)) + 1e-9


def test_theil_decomposition_by_hand():
    # groups a=[1,1], b=[3,3]: no inequality within, all between
    d = theil_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"])
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert d["total"] == pytest.approx(expected)
    assert d["between"] == pytest.approx(expected)
    assert d["within"] == pytest.approx(0.0, abs=1e-12)
    # one group: everything is within
    d = theil_decomposition([1, 3], ["a", "a"])
    assert d["between"] == pytest.approx(0.0, abs=1e-12)
    assert d["within"] == pytest.approx(d["total"])


def test_theil_decomposition_matches_pysal():
    x = np.array([1.0, 3.5, 2.0, 12.0, 7.25, 0.5])
    groups = np.array([1, 1, 2, 2, 3, 3])
    ref = TheilD(x, groups)
    d = theil_decomposition(x, ["GM1", "GM1", "GM2", "GM2", "GM3", "GM3"])
    assert d["total"] == pytest.approx(float(np.squeeze(ref.T)))
    assert d["between"] == pytest.approx(float(np.squeeze(ref.bg)))
    assert d["within"] == pytest.approx(float(np.squeeze(ref.wg)))


def test_theil_decomposition_edge_cases():
    assert all(math.isnan(v) for v in theil_decomposition([], []).values())
    assert theil_decomposition([0, 0], ["a", "b"]) == {"total": 0.0, "between": 0.0, "within": 0.0}
    with pytest.raises(PlekwijzerInputError, match="mist 1 labels"):
        theil_decomposition([1, 2], ["a", None])
    with pytest.raises(PlekwijzerInputError, match="groups heeft er 1"):
        theil_decomposition([1, 2], ["a"])


# --- hoover -----------------------------------------------------------------------------


def test_hoover_by_hand():
    assert hoover([10, 0], [50, 50]) == pytest.approx(0.5)
    assert hoover([2, 6], [25, 75]) == pytest.approx(0.0)
    # shares places 0.6, 0.4, 0; population 0.2, 0.3, 0.5 -> (0.4 + 0.1 + 0.5) / 2
    assert hoover([6, 4, 0], [20, 30, 50]) == pytest.approx(0.5)


def test_hoover_edge_cases():
    assert math.isnan(hoover([], []))
    assert math.isnan(hoover([1], [0]))
    assert hoover([0, 0], [1, 1]) == 0.0


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 1000)), min_size=1, max_size=20))
def test_hoover_in_unit_interval(pairs):
    h = hoover([p[0] for p in pairs], [p[1] for p in pairs])
    assert 0.0 <= h <= 1.0 + 1e-12


# --- lorenz -----------------------------------------------------------------------------


def test_lorenz_by_hand():
    # per head: a 0.1, b 0.0, c 0.2 -> order b, a, c
    points = lorenz_curve([10, 0, 20], [100, 100, 100])
    expected = [[0, 0], [1 / 3, 0], [2 / 3, 1 / 3], [1, 1]]
    assert np.allclose(points, expected)


def test_lorenz_unweighted_and_edges():
    assert lorenz_curve([3, 1]) == [[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]]
    assert lorenz_curve([]) == [[0.0, 0.0], [1.0, 1.0]]
    assert np.allclose(lorenz_curve([0, 0], [1, 3]), [[0, 0], [0.25, 0.25], [1, 1]])
    # a unit with places but nobody living there sorts last: vertical rise at x = 1
    assert np.allclose(lorenz_curve([1, 1], [0, 10]), [[0, 0], [1, 0.5], [1, 1]])
    with pytest.raises(PlekwijzerInputError, match="gewichten tellen op tot nul"):
        lorenz_curve([1, 2], [0, 0])


@given(values_st)
def test_lorenz_is_monotone_and_below_diagonal(values):
    xy = np.asarray(lorenz_curve(values))
    assert xy[0].tolist() == [0.0, 0.0]
    assert xy[-1].tolist() == [1.0, 1.0]
    assert (np.diff(xy, axis=0) >= -1e-12).all()
    assert (xy[:, 1] <= xy[:, 0] + 1e-9).all()


# --- location quotient ------------------------------------------------------------------


def test_location_quotient_by_hand():
    places = pd.Series([4, 0, 2], index=["x", "y", "z"])
    lq = location_quotient(places, [100, 100, 0])
    # region rate 6 / 200; x: 0.04 / 0.03
    assert lq.name == "location_quotient"
    assert lq.index.tolist() == ["x", "y", "z"]
    assert lq["x"] == pytest.approx(4 / 3)
    assert lq["y"] == 0.0
    assert math.isnan(lq["z"])


def test_location_quotient_no_places():
    assert location_quotient([0, 0], [10, 10]).isna().all()


@given(
    st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6)),
        min_size=2,
        max_size=40,
    ).filter(lambda xs: sum(xs) > 1e-6),
    st.data(),
)
def test_closed_forms_match_pysal(values, data):
    x = np.array(values)
    groups = np.array(data.draw(st.lists(st.integers(0, 3), min_size=x.size, max_size=x.size)))
    assert gini(x) == pytest.approx(max(0.0, float(Gini(x).g)), abs=1e-9)
    assert theil(x) == pytest.approx(max(0.0, float(np.squeeze(Theil(x).T))), abs=1e-9)
    split = theil_decomposition(x, groups)
    pysal = TheilD(x, groups)
    assert split["between"] == pytest.approx(float(np.squeeze(pysal.bg)), abs=1e-9)
