import math

import numpy as np
import pandas as pd
import pytest

from criteria._errors import ProfileError
from criteria.transforms import (
    TRANSFORMS,
    apply_transform,
    categorical,
    distance_decay,
    gaussian,
    linear,
    logistic,
    threshold,
    validate_transform,
)


@pytest.fixture
def values():
    return pd.Series([0.0, 25.0, np.nan, 100.0, 150.0], index=list("abcde"), name="x")


def test_linear_benefit_hand_values(values):
    out = linear(values, lower=0, upper=100)
    assert out.index.equals(values.index)
    assert out.name == "x"
    np.testing.assert_allclose(out, [0.0, 0.25, np.nan, 1.0, 1.0])


def test_linear_cost_hand_values(values):
    out = linear(values, lower=20, upper=120, direction="cost")
    np.testing.assert_allclose(out, [1.0, 0.95, np.nan, 0.2, 0.0])


def test_linear_refuses_reversed_bounds():
    with pytest.raises(ProfileError, match=r"lower \(10\) moet kleiner zijn dan upper \(5\)"):
        linear([1], lower=10, upper=5)


def test_linear_refuses_bad_direction():
    with pytest.raises(ProfileError, match="direction moet 'benefit'"):
        linear([1], lower=0, upper=1, direction="up")


def test_threshold_inclusive_both_directions(values):
    np.testing.assert_allclose(threshold(values, at=100), [0, 0, np.nan, 1, 1])
    np.testing.assert_allclose(threshold(values, at=25, direction="cost"), [1, 1, np.nan, 0, 0])


def test_logistic_hand_values():
    out = logistic([0.0, 10.0, 20.0], midpoint=10, steepness=0.5)
    expected = [1 / (1 + math.exp(5)), 0.5, 1 / (1 + math.exp(-5))]
    np.testing.assert_allclose(out, expected)
    cost = logistic([0.0, 10.0, 20.0], midpoint=10, steepness=0.5, direction="cost")
    np.testing.assert_allclose(cost, expected[::-1])


def test_logistic_refuses_non_positive_steepness():
    with pytest.raises(ProfileError, match="steepness moet groter dan 0 zijn"):
        logistic([1], midpoint=0, steepness=0)


def test_logistic_extreme_values_stay_finite():
    out = logistic([-1e6, 1e6], midpoint=0, steepness=1)
    np.testing.assert_allclose(out, [0.0, 1.0])


def test_gaussian_hand_values():
    out = gaussian([100.0, 150.0, 0.0, np.nan], ideal=100, spread=50)
    np.testing.assert_allclose(out, [1.0, math.exp(-0.5), math.exp(-2.0), np.nan])


def test_distance_decay_exponential_half_at_half_distance():
    out = distance_decay([0.0, 400.0, 800.0, -5.0, np.nan], half_distance_m=400)
    np.testing.assert_allclose(out, [1.0, 0.5, 0.25, 1.0, np.nan])


def test_distance_decay_linear():
    out = distance_decay([0.0, 250.0, 1000.0, 5000.0], max_distance_m=1000, shape="linear")
    np.testing.assert_allclose(out, [1.0, 0.75, 0.0, 0.0])


def test_distance_decay_refuses_mixed_parameters():
    with pytest.raises(ProfileError, match="max_distance_m hoort bij shape = 'linear'"):
        distance_decay([1], half_distance_m=10, max_distance_m=10)
    with pytest.raises(ProfileError, match="half_distance_m moet groter dan 0 zijn"):
        distance_decay([1], half_distance_m=-1)


def test_categorical_maps_default_and_missing():
    x = pd.Series(["kantoor", "woning", None, "school"], index=[10, 11, 12, 13])
    out = categorical(x, mapping={"kantoor": 1.0, "school": 0.8}, default=0.1)
    assert out.index.equals(x.index)
    np.testing.assert_allclose(out, [1.0, 0.1, np.nan, 0.8])


def test_categorical_refuses_value_outside_unit_interval():
    with pytest.raises(ProfileError, match=r"mapping\['kantoor'\] moet tussen 0 en 1 liggen"):
        categorical(["kantoor"], mapping={"kantoor": 2})


def test_numeric_transform_refuses_text():
    x = pd.Series(["a", "b"], name="use")
    with pytest.raises(ProfileError, match=r"kolom 'use' bevat tekst.*categorical"):
        linear(x, lower=0, upper=1)


def test_nullable_integer_input_gives_nan():
    x = pd.Series([1, pd.NA, 3], dtype="Int64")
    out = linear(x, lower=1, upper=3)
    assert out.dtype == "float64"
    np.testing.assert_allclose(out, [0.0, np.nan, 1.0])


def test_every_registered_transform_stays_in_unit_interval():
    x = pd.Series(np.linspace(-1e4, 1e4, 101))
    params = {
        "linear": {"lower": -10, "upper": 10},
        "threshold": {"at": 0},
        "logistic": {"midpoint": 0, "steepness": 0.01},
        "gaussian": {"ideal": 0, "spread": 100},
        "distance_decay": {"half_distance_m": 100},
        "categorical": {"mapping": {"1": 1.0}},
    }
    assert set(params) == set(TRANSFORMS)
    for kind, kwargs in params.items():
        out = TRANSFORMS[kind](x, **kwargs)
        assert out.between(0, 1).all(), kind


def test_apply_transform_uses_spec():
    out = apply_transform(pd.Series([0, 400]), {"kind": "distance_decay", "half_distance_m": 400})
    np.testing.assert_allclose(out, [1.0, 0.5])


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"kind": "sigmoid"}, "onbekende transformatie kind 'sigmoid'; gebruik een van linear"),
        ({"kind": "linear", "lower": 0}, "transformatie 'linear' vraagt upper"),
        ({"kind": "linear", "lower": 0, "upper": 1, "uper": 2}, "heeft geen parameter uper"),
        ({"kind": "gaussian", "ideal": "x", "spread": 1}, "ideal moet een eindig getal zijn"),
        ({"half_distance_m": 4}, "moet een tabel zijn met een 'kind'"),
        ({"kind": "linear", "lower": True, "upper": 1}, "lower moet een eindig getal zijn"),
    ],
)
def test_validate_transform_errors(spec, match):
    with pytest.raises(ProfileError, match=match):
        validate_transform(spec)
