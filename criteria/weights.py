"""Criterion weights: direct, rank-based and AHP (pairwise comparison with consistency check).

Every function returns a float Series named ``weight``, indexed by criterion name, that sums
to 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from criteria._errors import InconsistentJudgementsError, WeightError
from geo import nlformat

#: Saaty's random consistency index by matrix size (Saaty 1980; n = 1, 2 are always consistent).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}

#: Largest accepted AHP consistency ratio (Saaty's rule of thumb).
MAX_CONSISTENCY_RATIO: float = 0.1


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def direct_weights(weights: Mapping[str, float | None]) -> pd.Series:
    """Normalise weights given directly so that they sum to 1.

    Parameters
    ----------
    weights
        Criterion name -> non-negative weight (any scale; at least one must be positive). A
        missing (None) or non-numeric weight is refused with a WeightError.

    Returns
    -------
    pandas.Series
        Normalised weights named ``weight``, in the order given.

    Raises
    ------
    WeightError
        For a negative or non-numeric weight, or when all weights are zero.

    Examples
    --------
    >>> direct_weights({"a": 2, "b": 1, "c": 1}).tolist()
    [0.5, 0.25, 0.25]
    """
    if not weights:
        msg = "geen gewichten gegeven; geef minstens één criterium een gewicht boven 0."
        raise WeightError(msg)
    checked: dict[str, float] = {}
    for name, value in weights.items():
        if not _is_number(value):
            msg = (
                f"het gewicht van {name!r} moet een eindig getal zijn, kreeg "
                f"{nlformat.given(value)}."
            )
            raise WeightError(msg, item=f"criterium {name!r}")
        if value < 0:
            msg = (
                f"het gewicht van {name!r} is negatief ({nlformat.given(value)}); gewichten zijn 0 "
                "of meer."
            )
            raise WeightError(msg, item=f"criterium {name!r}")
        checked[str(name)] = float(value)
    series = pd.Series(checked, dtype="float64", name="weight")
    total = series.sum()
    if total <= 0:
        msg = (
            f"alle gewichten zijn nul ({', '.join(series.index)}); geef er minstens één een "
            "gewicht boven 0."
        )
        raise WeightError(msg)
    return series / total


def _tied_ranks(ranking: Sequence[str | Sequence[str]]) -> pd.Series:
    """Return the (tie-averaged) rank of each name, 1 = most important."""
    ranks: dict[str, float] = {}
    position = 1
    for entry in ranking:
        group = [entry] if isinstance(entry, str) else list(entry)
        if not group:
            msg = "de rangorde bevat een lege groep; haal die weg."
            raise WeightError(msg)
        shared = position + (len(group) - 1) / 2
        for name in group:
            if name in ranks:
                msg = f"{name!r} staat twee keer in de rangorde; noem elk criterium één keer."
                raise WeightError(msg, item=f"criterium {name!r}")
            ranks[str(name)] = shared
        position += len(group)
    if not ranks:
        msg = "lege rangorde; zet de criteria van meest naar minst belangrijk."
        raise WeightError(msg)
    return pd.Series(ranks, dtype="float64")


def rank_sum_weights(ranking: Sequence[str | Sequence[str]]) -> pd.Series:
    """Rank-sum weights: ``w_i ∝ n - r_i + 1``.

    Parameters
    ----------
    ranking
        Criterion names from most to least important; an inner list holds criteria that
        share a rank (they get the mean of the positions they occupy).

    Returns
    -------
    pandas.Series
        Normalised weights named ``weight``.

    Examples
    --------
    >>> rank_sum_weights(["a", "b", "c"]).round(4).tolist()
    [0.5, 0.3333, 0.1667]
    """
    ranks = _tied_ranks(ranking)
    raw = len(ranks) - ranks + 1
    return (raw / raw.sum()).rename("weight")


def rank_reciprocal_weights(ranking: Sequence[str | Sequence[str]]) -> pd.Series:
    """Rank-reciprocal weights: ``w_i ∝ 1 / r_i``.

    Parameters
    ----------
    ranking
        Criterion names from most to least important; an inner list holds criteria that
        share a rank (they get the mean of the positions they occupy).

    Returns
    -------
    pandas.Series
        Normalised weights named ``weight``.

    Examples
    --------
    >>> rank_reciprocal_weights(["a", "b", "c"]).round(4).tolist()
    [0.5455, 0.2727, 0.1818]
    """
    raw = 1.0 / _tied_ranks(ranking)
    return (raw / raw.sum()).rename("weight")


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Outcome of :func:`ahp_weights`.

    Attributes
    ----------
    weights
        Normalised principal eigenvector, named ``weight``, indexed by criterion.
    consistency_ratio
        ``CI / RI`` with ``CI = (lambda_max - n) / (n - 1)`` and Saaty's random index RI.
    consistency_index
        ``CI``.
    lambda_max
        Principal eigenvalue of the pairwise matrix.
    matrix
        The complete reciprocal pairwise matrix (rows and columns named by criterion).
    worst_pair
        The pair ``(a, b)`` whose judgement deviates most from ``w_a / w_b`` (None for n < 2).
    """

    weights: pd.Series
    consistency_ratio: float
    consistency_index: float
    lambda_max: float
    matrix: pd.DataFrame
    worst_pair: tuple[str, str] | None


def _pairwise_matrix(criteria: list[str], pairwise: Any) -> np.ndarray:
    """Build the reciprocal matrix from a pair table or check a given square matrix."""
    n = len(criteria)
    position = {name: i for i, name in enumerate(criteria)}
    if isinstance(pairwise, Mapping):
        matrix = np.full((n, n), np.nan)
        np.fill_diagonal(matrix, 1.0)
        for pair, value in pairwise.items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                msg = f"sleutels van pairwise moeten paren (a, b) zijn, kreeg {pair!r}."
                raise WeightError(msg)
            a, b = pair
            for name in (a, b):
                if name not in position:
                    msg = (
                        f"het paaroordeel {pair!r} noemt een onbekend criterium {name!r}; de "
                        f"criteria zijn {', '.join(criteria)}."
                    )
                    raise WeightError(msg)
            if not _is_number(value) or value <= 0:
                msg = (
                    f"het paaroordeel {a!r} tegen {b!r} moet een getal boven 0 zijn (Saaty 1/9 … "
                    f"9), kreeg {nlformat.given(value)}."
                )
                raise WeightError(msg)
            i, j = position[a], position[b]
            if i == j:
                if value != 1:
                    msg = (
                        f"een criterium vergeleken met zichzelf ({a!r}) moet 1 zijn, kreeg "
                        f"{nlformat.given(value)}."
                    )
                    raise WeightError(msg)
                continue
            if not np.isnan(matrix[j, i]) and not math.isclose(
                matrix[j, i] * value, 1.0, rel_tol=1e-6
            ):
                msg = (
                    f"de paaroordelen {a!r} tegen {b!r} ({nlformat.given(value)}) en {b!r} tegen "
                    f"{a!r} ({nlformat.given(matrix[j, i])}) zijn niet elkaars omgekeerde; geef "
                    "elk paar één keer."
                )
                raise WeightError(msg)
            matrix[i, j] = float(value)
            matrix[j, i] = 1.0 / float(value)
        missing = [
            (criteria[i], criteria[j])
            for i, j in zip(*np.where(np.isnan(matrix)), strict=True)
            if i < j
        ]
        if missing:
            listed = ", ".join(f"({a!r}, {b!r})" for a, b in missing)
            msg = f"paaroordelen ontbreken voor {listed}; vergelijk elk paar criteria één keer."
            raise WeightError(msg)
        return matrix
    matrix = np.asarray(pairwise, dtype="float64")
    if matrix.shape != (n, n):
        msg = (
            f"de paarmatrix moet {n} x {n} zijn (één rij en kolom per criterium), kreeg vorm "
            f"{matrix.shape}."
        )
        raise WeightError(msg)
    if not np.all(np.isfinite(matrix)) or np.any(matrix <= 0):
        msg = "de paarmatrix moet positieve eindige getallen bevatten (Saaty 1/9 … 9)."
        raise WeightError(msg)
    if not np.allclose(matrix * matrix.T, 1.0, rtol=1e-6):
        msg = (
            "de paarmatrix is niet elkaars omgekeerde: element [j, i] moet 1 / element [i, j] zijn."
        )
        raise WeightError(msg)
    return matrix


def ahp_weights(
    criteria: Sequence[str],
    pairwise: Mapping[tuple[str, str], float] | Any,
    *,
    max_consistency_ratio: float = MAX_CONSISTENCY_RATIO,
) -> AHPResult:
    """Weights from AHP pairwise comparisons via the principal eigenvector (Saaty).

    Parameters
    ----------
    criteria
        Criterion names, in matrix order.
    pairwise
        Either ``{(a, b): value}`` where ``value`` says how much more important ``a`` is
        than ``b`` on Saaty's 1/9 … 9 scale (each unordered pair once; reciprocals are
        filled in), or a square reciprocal matrix (array or DataFrame) in ``criteria`` order.
    max_consistency_ratio
        Largest accepted consistency ratio; 0.1 by Saaty's rule of thumb.

    Returns
    -------
    AHPResult
        Weights, consistency ratio, consistency index, principal eigenvalue, the full
        matrix and the worst pair.

    Raises
    ------
    InconsistentJudgementsError
        When the consistency ratio exceeds ``max_consistency_ratio``; the message names the
        ratio and the pair whose judgement is furthest from the derived weights.
    WeightError
        For missing, unknown, non-reciprocal or non-positive judgements.

    Examples
    --------
    >>> result = ahp_weights(["a", "b"], {("a", "b"): 3})
    >>> result.weights.tolist(), result.consistency_ratio
    ([0.75, 0.25], 0.0)
    """
    names = [str(c) for c in criteria]
    if not names or len(set(names)) != len(names):
        msg = f"AHP vraagt een lijst van verschillende criteriumnamen, kreeg {names!r}."
        raise WeightError(msg)
    n = len(names)
    if n > max(RANDOM_INDEX):
        msg = (
            f"AHP met {n} criteria heeft geen random index; gebruik er hoogstens "
            f"{max(RANDOM_INDEX)} of groepeer criteria."
        )
        raise WeightError(msg)
    matrix = _pairwise_matrix(names, pairwise)
    eigenvalues, eigenvectors = np.linalg.eig(matrix)
    principal = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[principal].real)
    vector = np.abs(eigenvectors[:, principal].real)
    weights = pd.Series(vector / vector.sum(), index=names, name="weight")
    ci = max(lambda_max - n, 0.0) / (n - 1) if n > 1 else 0.0
    cr = ci / RANDOM_INDEX[n] if RANDOM_INDEX[n] > 0 else 0.0
    # The worst pair is the judgement furthest (on a log scale) from the ratio of the weights.
    w = weights.to_numpy()
    deviation = np.triu(np.abs(np.log(matrix * w[None, :] / w[:, None])), k=1)
    i, j = (int(k) for k in np.unravel_index(int(np.argmax(deviation)), deviation.shape))
    worst = (names[i], names[j]) if n > 1 else None
    frame = pd.DataFrame(matrix, index=names, columns=names)
    if cr > max_consistency_ratio:
        a, b = names[i], names[j]
        suggested = weights.iloc[i] / weights.iloc[j]
        msg = (
            "de AHP-oordelen zijn niet consistent: consistentieratio "
            f"{nlformat.number(cr, decimals=3)} is hoger dan "
            f"{nlformat.given(max_consistency_ratio)}; het slechtste paar is {a!r} tegen {b!r} "
            f"(geoordeeld {nlformat.given(float(f'{matrix[i, j]:.3g}'))}, de andere oordelen "
            f"wijzen op ongeveer {nlformat.given(float(f'{suggested:.3g}'))}); herzie dat oordeel."
        )
        err = InconsistentJudgementsError(msg)
        err.consistency_ratio = cr
        err.worst_pair = (a, b)
        raise err
    return AHPResult(
        weights=weights,
        consistency_ratio=cr,
        consistency_index=ci,
        lambda_max=lambda_max,
        matrix=frame,
        worst_pair=worst,
    )
