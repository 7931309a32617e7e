"""Transforms that map a raw feature onto a suitability value between 0 and 1.

Every transform is vectorised: it takes a pandas Series (or anything array-like) and returns
a new float Series aligned to the input index, with values in [0, 1]. A missing input value
(NaN / None / NA) stays NaN, so that the scoring engine decides what an unknown value is
worth. Parameters are keyword-only; a bad parameter raises :class:`ProfileError`.

``TRANSFORMS`` maps the name used in profiles (``kind``) onto the function, and
:func:`apply_transform` applies a profile's transform table such as
``{"kind": "distance_decay", "half_distance_m": 400}``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any, Literal

import numpy as np
import pandas as pd

from criteria._errors import ProfileError
from geo import nlformat

Direction = Literal["benefit", "cost"]
_DIRECTIONS = ("benefit", "cost")


def _as_series(x: Any) -> pd.Series:
    """Return ``x`` as a Series, keeping index and name when it already is one."""
    if isinstance(x, pd.Series):
        return x
    return pd.Series(np.atleast_1d(np.asarray(x, dtype=object)))


def _numeric(x: Any, *, transform: str) -> pd.Series:
    """Return ``x`` as a float64 Series (missing values NaN), refusing text."""
    series = _as_series(x)
    try:
        values = pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError) as err:
        name = f"kolom {series.name!r}" if series.name is not None else "de waarden"
        msg = (
            f"transformatie {transform!r} vraagt getallen, maar {name} bevat tekst ({err}); "
            "gebruik kind = 'categorical' voor tekstwaarden of verbeter het kenmerk."
        )
        raise ProfileError(msg) from err
    return values


def _result(values: np.ndarray | pd.Series, like: pd.Series) -> pd.Series:
    """Wrap ``values`` as a float Series with the index and name of ``like``, clipped to [0, 1]."""
    return pd.Series(
        np.clip(np.asarray(values, dtype="float64"), 0.0, 1.0), index=like.index, name=like.name
    )


def _check_number(value: Any, *, parameter: str, transform: str, positive: bool = False) -> float:
    """Return ``value`` as a finite float or raise a ProfileError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        msg = (
            f"transformatie {transform!r}: {parameter} moet een eindig getal zijn, kreeg "
            f"{nlformat.given(value)}."
        )
        raise ProfileError(msg)
    if positive and value <= 0:
        msg = (
            f"transformatie {transform!r}: {parameter} moet groter dan 0 zijn, kreeg "
            f"{nlformat.given(value)}."
        )
        raise ProfileError(msg)
    return float(value)


def _check_direction(direction: Any, *, transform: str) -> None:
    """Refuse a direction other than 'benefit' or 'cost'."""
    if direction not in _DIRECTIONS:
        msg = (
            f"transformatie {transform!r}: direction moet 'benefit' (hoger is beter) of 'cost' "
            f"(lager is beter) zijn, kreeg {direction!r}."
        )
        raise ProfileError(msg)


def linear(x: Any, *, lower: float, upper: float, direction: Direction = "benefit") -> pd.Series:
    """Rescale linearly between two bounds, clipped to [0, 1].

    Parameters
    ----------
    x
        Raw values.
    lower, upper
        Values mapped onto 0 and 1 (``benefit``) or 1 and 0 (``cost``); ``lower < upper``.
    direction
        ``"benefit"``: higher raw values are better; ``"cost"``: lower raw values are better.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> linear([0, 50, 100, 200], lower=0, upper=100).tolist()
    [0.0, 0.5, 1.0, 1.0]
    >>> linear([0, 50, 100], lower=0, upper=100, direction="cost").tolist()
    [1.0, 0.5, 0.0]
    """
    lo = _check_number(lower, parameter="lower", transform="linear")
    hi = _check_number(upper, parameter="upper", transform="linear")
    _check_direction(direction, transform="linear")
    if hi <= lo:
        msg = (
            f"transformatie 'linear': lower ({nlformat.given(lower)}) moet kleiner zijn dan upper "
            f"({nlformat.given(upper)})."
        )
        raise ProfileError(msg)
    values = _numeric(x, transform="linear")
    scaled = ((values - lo) / (hi - lo)).clip(0.0, 1.0)
    return _result(scaled if direction == "benefit" else 1.0 - scaled, values)


def threshold(x: Any, *, at: float, direction: Direction = "benefit") -> pd.Series:
    """Step function: 1 on the good side of a threshold (inclusive), 0 on the other side.

    Parameters
    ----------
    x
        Raw values.
    at
        The threshold; ``benefit`` gives 1 for ``x >= at``, ``cost`` gives 1 for ``x <= at``.
    direction
        ``"benefit"`` or ``"cost"``.

    Returns
    -------
    pandas.Series
        Zeros and ones aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> threshold([10, 20, 30], at=20).tolist()
    [0.0, 1.0, 1.0]
    """
    limit = _check_number(at, parameter="at", transform="threshold")
    _check_direction(direction, transform="threshold")
    values = _numeric(x, transform="threshold")
    passed = values >= limit if direction == "benefit" else values <= limit
    return _result(passed.astype("float64").where(values.notna()), values)


def logistic(
    x: Any, *, midpoint: float, steepness: float, direction: Direction = "benefit"
) -> pd.Series:
    """Smooth S-curve (fuzzy membership): 0.5 at the midpoint.

    Parameters
    ----------
    x
        Raw values.
    midpoint
        Raw value that maps onto 0.5.
    steepness
        Slope parameter per raw unit, > 0: ``1 / (1 + exp(-steepness * (x - midpoint)))``.
    direction
        ``"benefit"`` rises with ``x``; ``"cost"`` falls with ``x``.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> logistic([0, 10], midpoint=10, steepness=1).round(4).tolist()
    [0.0, 0.5]
    """
    mid = _check_number(midpoint, parameter="midpoint", transform="logistic")
    k = _check_number(steepness, parameter="steepness", transform="logistic", positive=True)
    _check_direction(direction, transform="logistic")
    values = _numeric(x, transform="logistic")
    sign = 1.0 if direction == "benefit" else -1.0
    with np.errstate(over="ignore"):
        result = 1.0 / (1.0 + np.exp(-sign * k * (values.to_numpy() - mid)))
    return _result(result, values)


def gaussian(x: Any, *, ideal: float, spread: float) -> pd.Series:
    """Bell curve around an ideal value: ``exp(-0.5 * ((x - ideal) / spread) ** 2)``.

    Parameters
    ----------
    x
        Raw values.
    ideal
        Raw value that maps onto 1.
    spread
        Standard deviation of the bell in raw units, > 0; at one spread from the ideal the
        value is about 0.61, at two spreads about 0.14.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> gaussian([100, 150], ideal=100, spread=50).round(4).tolist()
    [1.0, 0.6065]
    """
    centre = _check_number(ideal, parameter="ideal", transform="gaussian")
    width = _check_number(spread, parameter="spread", transform="gaussian", positive=True)
    values = _numeric(x, transform="gaussian")
    return _result(np.exp(-0.5 * ((values.to_numpy() - centre) / width) ** 2), values)


def distance_decay(
    x: Any,
    *,
    half_distance_m: float | None = None,
    max_distance_m: float | None = None,
    shape: Literal["exponential", "linear"] = "exponential",
) -> pd.Series:
    """Decay with distance in meters: 1 at distance 0, falling towards 0.

    Parameters
    ----------
    x
        Distances in meters; negative distances count as 0.
    half_distance_m
        For ``shape="exponential"``: distance in meters at which the value is 0.5
        (``0.5 ** (x / half_distance_m)``), > 0.
    max_distance_m
        For ``shape="linear"``: distance in meters at which the value reaches 0
        (``1 - x / max_distance_m``, clipped), > 0.
    shape
        ``"exponential"`` (default) or ``"linear"``.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> distance_decay([0, 400, 800], half_distance_m=400).tolist()
    [1.0, 0.5, 0.25]
    >>> distance_decay([0, 500, 2000], max_distance_m=1000, shape="linear").tolist()
    [1.0, 0.5, 0.0]
    """
    if shape == "exponential":
        if max_distance_m is not None:
            msg = (
                "transformatie 'distance_decay': max_distance_m hoort bij shape = 'linear'; "
                "gebruik half_distance_m."
            )
            raise ProfileError(msg)
        half = _check_number(
            half_distance_m, parameter="half_distance_m", transform="distance_decay", positive=True
        )
        values = _numeric(x, transform="distance_decay")
        return _result(np.power(0.5, values.clip(lower=0.0).to_numpy() / half), values)
    if shape == "linear":
        if half_distance_m is not None:
            msg = (
                "transformatie 'distance_decay': half_distance_m hoort bij shape = 'exponential'; "
                "gebruik max_distance_m."
            )
            raise ProfileError(msg)
        reach = _check_number(
            max_distance_m, parameter="max_distance_m", transform="distance_decay", positive=True
        )
        values = _numeric(x, transform="distance_decay")
        return _result(1.0 - values.clip(lower=0.0) / reach, values)
    msg = (
        "transformatie 'distance_decay': shape moet 'exponential' of 'linear' zijn, kreeg "
        f"{shape!r}."
    )
    raise ProfileError(msg)


def categorical(x: Any, *, mapping: Mapping[str, float], default: float = 0.0) -> pd.Series:
    """Map categories (e.g. the current ``use`` of a building) onto values.

    Parameters
    ----------
    x
        Category labels; compared as text.
    mapping
        Category -> value in [0, 1].
    default
        Value in [0, 1] for a category not in ``mapping``.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``x``; NaN where ``x`` is missing.

    Examples
    --------
    >>> categorical(["kantoor", "woning", None], mapping={"kantoor": 1.0}, default=0.2).tolist()
    [1.0, 0.2, nan]
    """
    if not isinstance(mapping, Mapping) or not mapping:
        msg = (
            "transformatie 'categorical': mapping moet een niet-lege tabel van categorie = waarde "
            f"zijn, kreeg {mapping!r}."
        )
        raise ProfileError(msg)
    table = {}
    for key, value in mapping.items():
        number = _check_number(value, parameter=f"mapping[{key!r}]", transform="categorical")
        if not 0.0 <= number <= 1.0:
            msg = (
                f"transformatie 'categorical': mapping[{key!r}] moet tussen 0 en 1 liggen, kreeg "
                f"{nlformat.given(value)}."
            )
            raise ProfileError(msg)
        table[str(key)] = number
    fallback = _check_number(default, parameter="default", transform="categorical")
    if not 0.0 <= fallback <= 1.0:
        msg = (
            "transformatie 'categorical': default moet tussen 0 en 1 liggen, kreeg "
            f"{nlformat.given(default)}."
        )
        raise ProfileError(msg)
    series = _as_series(x)
    # Look up each distinct category once (a national table has millions of rows but only a
    # handful of categories); missing values get code -1 and stay NaN.
    codes, categories = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array([table.get(str(c), fallback) for c in categories] + [np.nan])
    return _result(lookup[codes], series)


#: Transform name used in profiles (``kind``) -> function.
TRANSFORMS: dict[str, Callable[..., pd.Series]] = {
    "linear": linear,
    "threshold": threshold,
    "logistic": logistic,
    "gaussian": gaussian,
    "distance_decay": distance_decay,
    "categorical": categorical,
}


def _parameters(kind: str) -> tuple[set[str], set[str]]:
    """Return the (required, allowed) keyword parameters of a registered transform."""
    params = inspect.signature(TRANSFORMS[kind]).parameters.values()
    keyword = [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    required = {p.name for p in keyword if p.default is inspect.Parameter.empty}
    return required, {p.name for p in keyword}


def validate_transform(spec: Any) -> dict[str, Any]:
    """Check a transform table and return it as a plain dict.

    Parameters
    ----------
    spec
        A mapping with ``kind`` (a key of :data:`TRANSFORMS`) and that transform's
        keyword parameters.

    Returns
    -------
    dict
        A copy of ``spec``.

    Raises
    ------
    ProfileError
        When ``kind`` is unknown, a parameter is missing, unknown or has a bad value.
    """
    if not isinstance(spec, Mapping) or "kind" not in spec:
        msg = (
            f"transform moet een tabel zijn met een 'kind' (een van {', '.join(TRANSFORMS)}), "
            f"kreeg {spec!r}."
        )
        raise ProfileError(msg)
    kind = spec["kind"]
    if kind not in TRANSFORMS:
        msg = f"onbekende transformatie kind {kind!r}; gebruik een van {', '.join(TRANSFORMS)}."
        raise ProfileError(msg)
    params = {k: v for k, v in spec.items() if k != "kind"}
    required, allowed = _parameters(kind)
    if missing := sorted(required - params.keys()):
        msg = (
            f"transformatie {kind!r} vraagt {', '.join(missing)}; parameters: "
            f"{', '.join(sorted(allowed))}."
        )
        raise ProfileError(msg)
    if unknown := sorted(params.keys() - allowed):
        msg = (
            f"transformatie {kind!r} heeft geen parameter {', '.join(unknown)}; parameters: "
            f"{', '.join(sorted(allowed))}."
        )
        raise ProfileError(msg)
    # Run the transform on one dummy value so its own parameter checks fire now, at load time.
    TRANSFORMS[kind](pd.Series([None], dtype=object), **params)
    return dict(spec)


def apply_transform(values: Any, spec: Mapping[str, Any]) -> pd.Series:
    """Apply the transform described by a profile table to ``values``.

    Parameters
    ----------
    values
        Raw feature values (a Series keeps its index and name).
    spec
        ``{"kind": <name>, <parameter>: <value>, ...}``, see :data:`TRANSFORMS`.

    Returns
    -------
    pandas.Series
        Values in [0, 1] aligned to ``values``; NaN where ``values`` is missing.

    Raises
    ------
    ProfileError
        When the table is invalid (see :func:`validate_transform`) or the values do not
        fit the transform (text given to a numeric transform).

    Examples
    --------
    >>> apply_transform([0, 400], {"kind": "distance_decay", "half_distance_m": 400}).tolist()
    [1.0, 0.5]
    """
    checked = validate_transform(spec)
    kind = checked.pop("kind")
    return TRANSFORMS[kind](values, **checked)
