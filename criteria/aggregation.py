"""Combine transformed criterion values (0 to 1) into one score per candidate.

Two rules, both vectorised over all candidates at once:

- :func:`weighted_sum` — compensatory: a weak criterion can be made up by strong ones.
- :func:`weighted_geometric_mean` — non-compensatory: a zero on any criterion with a
  positive weight gives a score of zero.

Weights are normalised to sum to 1 and criteria with zero weight are left out before the
computation, so a zero-weight criterion never changes a score (not even when its values are
missing).

The scoring engine computes the same two rules on its criteria matrix
(:meth:`criteria.matrix.CriteriaMatrix.scores`), for one or many weight vectors at once;
these frame functions remain for a single table of transformed values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from criteria._errors import WeightError
from criteria.weights import direct_weights


def _prepare(transformed: pd.DataFrame, weights: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Return the positively weighted columns and their normalised weights."""
    if missing := [c for c in weights.index if c not in transformed.columns]:
        msg = (
            f"weights name criteria without a column: {', '.join(map(str, missing))}; "
            f"columns are {', '.join(map(str, transformed.columns))}"
        )
        raise WeightError(msg)
    normalised = direct_weights(weights.to_dict())
    positive = normalised[normalised > 0]
    frame = transformed[list(positive.index)].astype("float64")
    values = frame.to_numpy()
    finite = values[~np.isnan(values)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        msg = "transformed values must lie in [0, 1]; apply a transform before aggregating"
        raise ValueError(msg)
    return frame, positive


def weighted_sum(transformed: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Weighted sum of transformed values, as one ``frame[cols].dot(weights)``.

    Parameters
    ----------
    transformed
        One column per criterion with values in [0, 1] (NaN propagates to the score).
    weights
        Criterion name -> non-negative weight; normalised here to sum to 1.

    Returns
    -------
    pandas.Series
        Scores in [0, 1] named ``score``, aligned to ``transformed``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.5, 1.0]})
    >>> weighted_sum(frame, pd.Series({"a": 3, "b": 1})).tolist()
    [0.875, 0.25]
    """
    frame, w = _prepare(transformed, weights)
    score = frame.dot(w).clip(0.0, 1.0)
    return score.rename("score")


def weighted_geometric_mean(transformed: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Weighted geometric mean ``prod(x_i ** w_i)`` of transformed values.

    Non-compensatory: a zero on a criterion with positive weight gives 0.

    Parameters
    ----------
    transformed
        One column per criterion with values in [0, 1] (NaN propagates to the score).
    weights
        Criterion name -> non-negative weight; normalised here to sum to 1.

    Returns
    -------
    pandas.Series
        Scores in [0, 1] named ``score``, aligned to ``transformed``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.25, 1.0]})
    >>> weighted_geometric_mean(frame, pd.Series({"a": 1, "b": 1})).tolist()
    [0.5, 0.0]
    """
    frame, w = _prepare(transformed, weights)
    with np.errstate(divide="ignore"):
        logs = np.log(frame)
    # log(0) = -inf and -inf * w = -inf for w > 0, so exp gives exactly 0: non-compensatory.
    score = np.exp(logs.dot(w)).clip(0.0, 1.0)
    return score.rename("score")


#: Aggregation name used in profiles -> function.
AGGREGATIONS: dict[str, Callable[[pd.DataFrame, pd.Series], pd.Series]] = {
    "weighted_sum": weighted_sum,
    "geometric_mean": weighted_geometric_mean,
}
