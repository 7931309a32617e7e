"""Inequality indices over spatial units (gemeenten, wijken, buurten).

Pure functions on arrays or Series, each with its formula in the docstring. Gini, Theil and
the Theil decomposition follow PySAL's ``inequality`` package exactly (no small-sample
correction, zeros contribute nothing) and ``tests/test_inequality.py`` checks them against it
on random inputs; they are computed here in closed form because importing that package pulls
in scipy.stats and matplotlib, 1.5 s on every CLI run. The population-weighted Gini, the
Hoover index, the Lorenz curve and the location quotient are not in PySAL.

Edge cases follow one rule so before/after comparisons never crash:

* invalid input (NaN, infinite or negative values, lengths that differ) raises
  :class:`~geo._errors.PlekwijzerInputError`;
* no units at all, or weights that sum to zero, give ``nan`` (the index is undefined);
* values that are all zero give ``0.0``: nothing is shared, so nothing is shared unevenly.
  This matches what PySAL's ``Theil`` already returns for all-zero input.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo import nlformat
from geo._errors import PlekwijzerInputError

__all__ = [
    "gini",
    "gini_weighted",
    "hoover",
    "location_quotient",
    "lorenz_curve",
    "theil",
    "theil_decomposition",
]

ArrayLike = npt.ArrayLike


def _as_values(values: ArrayLike, *, name: str) -> np.ndarray:
    """Return ``values`` as a 1-d float array, refusing NaN, infinite or negative entries."""
    arr = np.asarray(values, dtype=float).ravel()
    if not np.isfinite(arr).all():
        msg = (
            f"{name} bevat NaN of oneindige waarden; laat die gebieden weg of vul ze in voordat "
            "een ongelijkheidsmaat wordt berekend."
        )
        raise PlekwijzerInputError(msg)
    if (arr < 0).any():
        msg = (
            f"{name} bevat negatieve waarden (laagste {nlformat.given(arr.min())}); aantallen en "
            "verhoudingen moeten ≥ 0 zijn."
        )
        raise PlekwijzerInputError(msg)
    return arr


def _as_pair(values: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = _as_values(values, name="values")
    w = _as_values(weights, name="weights")
    if x.shape != w.shape:
        msg = (
            f"values heeft {x.size} waarden maar weights heeft er {w.size}; geef één gewicht per "
            "gebied."
        )
        raise PlekwijzerInputError(msg)
    return x, w


def gini(values: ArrayLike) -> float:
    """Gini coefficient of values over units, each unit counting once.

    As :class:`inequality.gini.Gini`: the relative-mean-difference form
    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))`` without small-sample correction, so
    one unit holding everything among ``n`` gives ``(n - 1) / n``, not 1.

    Parameters
    ----------
    values
        Non-negative value per unit, e.g. places per 10,000 inhabitants.

    Returns
    -------
    float
        Gini in [0, 1); ``nan`` for no units, ``0.0`` when all values are zero (PySAL would
        divide by zero there).

    Examples
    --------
    >>> round(gini([0, 0, 0, 4]), 4)
    0.75
    """
    x = _as_values(values, name="values")
    if x.size == 0:
        return float("nan")
    if x.sum() == 0:
        return 0.0
    # Equal values can come out a rounding error below zero; an index shown to a council
    # must not read -0.0000000000000002.
    # Sorted form of the mean difference: sum_i (2i - n - 1) x_(i) / (n^2 mean).
    ordered = np.sort(x)
    n = ordered.size
    steps = 2 * np.arange(1, n + 1) - n - 1
    return max(0.0, float(steps @ ordered / (n * ordered.sum())))


def gini_weighted(values: ArrayLike, weights: ArrayLike) -> float:
    """Population-weighted Gini coefficient of a rate.

    Every inhabitant is given the rate of their unit, so unit ``i`` counts ``w_i`` times::

        G_w = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu),  W = sum w,  mu = sum w x / W

    computed in O(n log n) after sorting by ``x`` as
    ``sum_i w_i x_i (W_<i - W_>i) / (W sum_j w_j x_j)``. With equal weights this is
    :func:`gini`; with integer weights it equals :func:`gini` of the values repeated
    ``w_i`` times; and for ``x`` = places per inhabitant it equals one minus twice the area
    under :func:`lorenz_curve` of places against inhabitants.

    Parameters
    ----------
    values
        Non-negative rate per unit, e.g. places per 10,000 inhabitants.
    weights
        Non-negative weight per unit, e.g. inhabitants.

    Returns
    -------
    float
        Weighted Gini in [0, 1); ``nan`` for no units or zero total weight, ``0.0`` when the
        weighted values are all zero.

    Examples
    --------
    >>> round(gini_weighted([1, 3], [1, 1]), 4)
    0.25
    """
    x, w = _as_pair(values, weights)
    total_w = w.sum()
    if x.size == 0 or total_w == 0:
        return float("nan")
    total_wx = (w * x).sum()
    if total_wx == 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    below = np.cumsum(ws) - ws
    above = total_w - below - ws
    return max(0.0, float((ws * xs * (below - above)).sum() / (total_w * total_wx)))


def _theil_input(values: ArrayLike) -> np.ndarray | None:
    x = _as_values(values, name="values")
    if x.size == 0:
        return None
    mean = x.mean()
    # Theil is scale invariant; dividing by the mean keeps PySAL's tiny stand-in for zeros
    # (float tiny / total) from underflowing to 0 and turning 0 * log(0) into NaN.
    scaled = x / mean if mean > 0 else x
    # Shares below 1e-12 of the mean contribute nothing measurable but make PySAL's log
    # underflow (subnormal floats): count them as zero.
    return np.where(scaled < 1e-12, 0.0, scaled)


def _theil_t(x: np.ndarray) -> float:
    if x.sum() == 0:
        return 0.0
    share = x / x.sum()
    present = share > 0
    return float(np.sum(share[present] * np.log(x.size * share[present])))


def theil(values: ArrayLike) -> float:
    """Theil's T of values over units, each unit counting once.

    As :class:`inequality.theil.Theil`:
    ``T = sum_i s_i ln(n s_i)`` with ``s_i = x_i / sum x``; zero values contribute 0.
    The maximum, one unit holding everything, is ``ln(n)``.

    Parameters
    ----------
    values
        Non-negative value per unit, e.g. places per 10,000 inhabitants.

    Returns
    -------
    float
        Theil's T >= 0; ``nan`` for no units, ``0.0`` when all values are zero.

    Examples
    --------
    >>> round(theil([1, 1, 1, 1]), 6)
    0.0
    """
    x = _theil_input(values)
    if x is None:
        return float("nan")
    return max(0.0, _theil_t(x))


def theil_decomposition(values: ArrayLike, groups: ArrayLike) -> dict[str, float]:
    """Theil's T split into between-group and within-group parts.

    As :class:`inequality.theil.TheilD`. With group share ``S_g = sum_{i in g} x_i /
    sum x`` and ``n_g`` units in group ``g``: ``between = sum_g S_g ln(S_g n / n_g)`` and
    ``within = total - between = sum_g S_g T_g``, where ``T_g`` is the Theil of group ``g``.

    Parameters
    ----------
    values
        Non-negative value per unit.
    groups
        Group label per unit (e.g. gemeentecode); no missing labels.

    Returns
    -------
    dict
        ``{"total": T, "between": B, "within": W}``, all ``nan`` for no units and all
        ``0.0`` when the values are all zero.

    Examples
    --------
    >>> d = theil_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"])
    >>> round(d["within"], 6)
    0.0
    """
    x = _theil_input(values)
    labels = pd.Series(np.asarray(groups, dtype=object).ravel())
    n = 0 if x is None else x.size
    if labels.size != n:
        msg = (
            f"values heeft {n} waarden maar groups heeft er {labels.size}; geef één groep per "
            "gebied."
        )
        raise PlekwijzerInputError(msg)
    if labels.isna().any():
        msg = f"groups mist {int(labels.isna().sum())} labels; elk gebied heeft een groep nodig."
        raise PlekwijzerInputError(msg)
    if x is None:
        nan = float("nan")
        return {"total": nan, "between": nan, "within": nan}
    if x.sum() == 0:
        return {"total": 0.0, "between": 0.0, "within": 0.0}
    codes = pd.factorize(labels)[0]
    group_share = np.bincount(codes, weights=x) / x.sum()
    group_size = np.bincount(codes)
    present = group_share > 0
    between = float(
        np.sum(group_share[present] * np.log(group_share[present] * x.size / group_size[present]))
    )
    total = _theil_t(x)
    return {"total": total, "between": between, "within": total - between}


def hoover(values: ArrayLike, weights: ArrayLike) -> float:
    """Hoover (Robin Hood) index of an amount against a population.

    ``H = 1/2 sum_i |v_i / sum v - w_i / sum w|``: the share of places that would have to
    move for every unit to hold places in proportion to its inhabitants.

    Parameters
    ----------
    values
        Non-negative amount per unit, e.g. places.
    weights
        Non-negative population per unit, e.g. inhabitants.

    Returns
    -------
    float
        Hoover index in [0, 1]; ``nan`` for no units or zero total weight, ``0.0`` when the
        values are all zero.

    Examples
    --------
    >>> hoover([10, 0], [50, 50])
    0.5
    """
    v, w = _as_pair(values, weights)
    if v.size == 0 or w.sum() == 0:
        return float("nan")
    if v.sum() == 0:
        return 0.0
    return float(0.5 * np.abs(v / v.sum() - w / w.sum()).sum())


def lorenz_curve(values: ArrayLike, weights: ArrayLike | None = None) -> list[list[float]]:
    """Points of the Lorenz curve of an amount over a population.

    Units are sorted by ``values / weights`` (amount per head) ascending; point ``k`` is
    ``[cumulative share of weights, cumulative share of values]`` after ``k`` units. With
    ``weights=None`` every unit weighs 1, the classic Lorenz curve of ``values``. A unit
    with weight 0 but a positive amount sorts last (infinite amount per head), so the curve
    rises vertically at x = 1.

    Parameters
    ----------
    values
        Non-negative amount per unit, e.g. places.
    weights
        Non-negative population per unit, e.g. inhabitants; ``None`` for equal weights.

    Returns
    -------
    list of [float, float]
        ``n + 1`` points from ``[0.0, 0.0]`` to ``[1.0, 1.0]``. For no units, or values
        that are all zero, the line of equality ``[[0, 0], [1, 1]]`` resp. ``y = x``.

    Raises
    ------
    PlekwijzerInputError
        When units exist but their weights sum to zero (no population to share over).

    Examples
    --------
    >>> lorenz_curve([3, 1])
    [[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]]
    """
    v = _as_values(values, name="values")
    w = np.ones_like(v) if weights is None else _as_pair(v, weights)[1]
    if v.size == 0:
        return [[0.0, 0.0], [1.0, 1.0]]
    if w.sum() == 0:
        msg = (
            "de gewichten tellen op tot nul: er is geen bevolking om een Lorenzcurve over te "
            "tekenen."
        )
        raise PlekwijzerInputError(msg)
    per_head = np.full_like(v, np.inf)
    np.divide(v, w, out=per_head, where=w > 0)
    per_head[(w == 0) & (v == 0)] = 0.0
    order = np.argsort(per_head, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
    y = x.copy() if v.sum() == 0 else np.concatenate([[0.0], np.cumsum(v[order]) / v.sum()])
    # Cumulative sums can land a hair off 1.0; the curve must end exactly at (1, 1).
    x[-1] = y[-1] = 1.0
    return [[float(a), float(b)] for a, b in zip(x, y, strict=True)]


def location_quotient(places: ArrayLike, inhabitants: ArrayLike) -> pd.Series:
    """Location quotient of places per unit.

    ``LQ_i = (p_i / h_i) / (sum p / sum h)``: 1 means the unit holds places in proportion to
    its inhabitants, 2 twice its share, 0 none.

    Parameters
    ----------
    places
        Non-negative places per unit.
    inhabitants
        Non-negative inhabitants per unit.

    Returns
    -------
    pandas.Series
        Named ``location_quotient``, aligned to ``places`` when it is a Series (else a
        range index). ``nan`` for units without inhabitants and for every unit when the
        region has no places or no inhabitants.

    Examples
    --------
    >>> location_quotient([2, 0], [100, 100]).tolist()
    [2.0, 0.0]
    """
    p, h = _as_pair(places, inhabitants)
    index = places.index if isinstance(places, pd.Series) else pd.RangeIndex(p.size)
    lq = np.full_like(p, np.nan)
    if p.sum() > 0 and h.sum() > 0:
        region_rate = p.sum() / h.sum()
        np.divide(p, h * region_rate, out=lq, where=h > 0)
    return pd.Series(lq, index=index, name="location_quotient")
