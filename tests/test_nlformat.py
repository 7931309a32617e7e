import datetime as dt
import doctest

import numpy as np
import pandas as pd
import pytest

from geo import nlformat
from geo.nlformat import MINUS, date, delta, distance, integer, number, per_10k, percent


def test_doctests_pass():
    result = doctest.testmod(nlformat, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (1234567.891, 2, "1.234.567,89"),
        (0.0, 1, "0,0"),
        (-1234.5, 1, f"{MINUS}1.234,5"),
        (999.95, 1, "1.000,0"),
        (np.float32(2.5), 1, "2,5"),
        (np.int64(24655), 0, "24.655"),
        ("12,5", 1, "–"),
        (None, 1, "–"),
        (pd.NA, 1, "–"),
        (np.inf, 1, "–"),
    ],
)
def test_number(value, decimals, expected):
    assert number(value, decimals=decimals) == expected


def test_never_a_hyphen_minus_or_minus_zero():
    for value in (-0.001, -0.04, -1e-12):
        assert number(value) == "0,0"
    assert "-" not in delta(-5) + number(-5) + percent(-0.5)
    assert delta(0) == "0,0"


def test_integer_and_percent_and_rate():
    assert integer(24655.4) == "24.655"
    assert percent(0.5) == "50%"
    assert percent(0.01234, decimals=1, signed=True) == "+1,2%"
    assert per_10k(None) == "–"
    assert per_10k(1234.56) == "1.234,6 per 10.000"


def test_distance_and_date():
    assert distance(4) == "0 m"
    assert distance(996) == "1 km"
    assert distance(12_340) == "12,3 km"
    assert distance(float("nan")) == "–"
    assert date(dt.datetime(2026, 12, 31, 23, 59)) == "31 december 2026"
