"""Score candidate sites with a profile, in two stages: transform once, weigh many times.

Stage 1, :func:`criteria.matrix.build_matrix`, transforms every criterion and decides every
hard rule once. Stage 2, :func:`weigh`, aggregates that matrix with a weight vector (one
matrix-vector product) and ranks the eligible sites (one sort); a weight change in the app
repeats only stage 2. Neither stage builds a string: exclusion reasons, "te controleren"
checks and per-criterion explanations are built by :meth:`ScoreResult.rows` and
:meth:`ScoreResult.explain` for the rows shown or exported only.

:func:`score` runs both stages once. Weights enter only in :func:`weigh`
(:meth:`CriteriaMatrix.weights <criteria.matrix.CriteriaMatrix.weights>` puts the overrides
into the profile's weights and normalises once); the sensitivity analyses take the
:class:`ScoreResult`, so they weigh around exactly those weights.

Unknown (NaN) feature values in a soft criterion score 0 on that criterion — the worst case
— so that a candidate never gains from missing data; :func:`explain` flags them. Hard rules
decide on measured data only (:mod:`criteria.constraints`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from criteria.constraints import check_entries, exclusion_reasons
from criteria.matrix import CriteriaMatrix, best_first, build_matrix
from criteria.profiles import Criterion, Profile

#: Output column prefixes, one column per criterion each.
RAW, TRANSFORMED, CONTRIBUTION = "raw__", "transformed__", "contribution__"
#: Output column prefix of a criterion's value source (only where the feature table has one).
SOURCE = "source__"
#: The first columns of every scoring table, in order.
STATUS_COLUMNS = ("score", "rank", "excluded", "exclusion_reasons", "needs_check", "checks")


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Scores and ranks of one weighting of a :class:`~criteria.matrix.CriteriaMatrix`.

    Attributes
    ----------
    matrix
        The criteria matrix that was weighed.
    weights
        Normalised weights used (named ``weight``, by scored criterion, sum 1).
    score
        Shape (sites,): score in [0, 1] of every site, excluded ones included.
    rank
        Shape (sites,), int64: 1 = best among the eligible sites, 0 = excluded (never ranked).
    """

    matrix: CriteriaMatrix
    weights: pd.Series
    score: np.ndarray
    rank: np.ndarray

    @property
    def index(self) -> pd.Index:
        """The candidates, in feature-table order."""
        return self.matrix.index

    @property
    def excluded(self) -> np.ndarray:
        """Shape (sites,): excluded by a hard rule on measured data or outside the region."""
        return self.matrix.excluded

    @property
    def needs_check(self) -> np.ndarray:
        """Shape (sites,): not excluded, but a hard rule could not be decided ("te controleren")."""
        return self.matrix.needs_check

    @property
    def warnings(self) -> list[str]:
        """Messages for the user (e.g. optional criteria dropped for lack of data)."""
        return list(self.matrix.warnings)

    @property
    def dropped_criteria(self) -> list[str]:
        """Optional criteria dropped because their feature column is absent."""
        return list(self.matrix.dropped)

    def ranks(self) -> pd.Series:
        """Return the ranks as a Series named ``rank`` (Int64, <NA> when excluded)."""
        return pd.Series(_nullable(self.rank), index=self.index, name="rank")

    def top(self, n: int) -> pd.Index:
        """Labels of the ``n`` best-ranked sites, best first."""
        ranked = np.flatnonzero((self.rank > 0) & (self.rank <= n))
        return self.index[ranked[np.argsort(self.rank[ranked])]]

    def _positions(self, labels: Sequence[Any] | pd.Index | None) -> np.ndarray:
        if labels is None:
            return np.arange(self.matrix.n_sites)
        positions: np.ndarray = self.index.get_indexer(pd.Index(labels))
        if (positions < 0).any():
            unknown = pd.Index(labels)[positions < 0][:5].tolist()
            msg = f"no candidate with id {unknown} in this result"
            raise KeyError(msg)
        return positions

    def rows(self, labels: Sequence[Any] | pd.Index | None = None) -> pd.DataFrame:
        """Return the full scoring table for some rows, texts included (all rows if None).

        Parameters
        ----------
        labels
            Index labels of the rows wanted, in the order wanted; None for all rows.

        Returns
        -------
        pandas.DataFrame
            Columns ``score``, ``rank`` (Int64, <NA> when excluded), ``excluded`` (bool),
            ``exclusion_reasons`` (list of str, empty unless excluded), ``needs_check``
            (bool), ``checks`` (list of ``{"rule", "reason"}``, empty unless
            ``needs_check``), then per scored criterion ``raw__<name>``,
            ``transformed__<name>`` (NaN raw -> 0) and ``contribution__<name>`` (weighted
            sum: ``weight * transformed``, adding up to the score; geometric mean:
            ``transformed ** weight``, multiplying to it), and ``source__<name>``
            (measured, network, estimate or straight_line) for the criteria whose feature
            has a ``source__`` column.
        """
        at = self._positions(labels)
        matrix = self.matrix
        index = self.index[at]
        constraints = (matrix.constraint_values, matrix.profile, matrix.masks, at)
        columns: dict[str, Any] = {
            "score": self.score[at],
            "rank": _nullable(self.rank[at]),
            "excluded": matrix.excluded[at],
            "exclusion_reasons": _objects(exclusion_reasons(*constraints)),
            "needs_check": matrix.needs_check[at],
            "checks": _objects(check_entries(*constraints)),
        }
        for name in matrix.names:
            columns[RAW + name] = matrix.raw[name].iloc[at].array
        k = len(matrix.names)
        # Transformed values and contributions in one float block, built in place: a
        # DataFrame of separate columns would copy them all into a block once more (the
        # peak of scoring a million sites).
        block = np.empty((2 * k, len(at)))
        np.take(matrix.transformed_t, at, axis=1, out=block[:k])
        w = self.weights.to_numpy()[:, None]
        if matrix.aggregation == "weighted_sum":
            np.multiply(block[:k], w, out=block[k:])
        else:
            np.power(block[:k], w, out=block[k:])
        names = [TRANSFORMED + n for n in matrix.names] + [CONTRIBUTION + n for n in matrix.names]
        numbers = pd.DataFrame(block.T, index=index, columns=names, copy=False)
        sources = pd.DataFrame(
            {SOURCE + name: values[at] for name, values in matrix.sources.items()}, index=index
        )
        return pd.concat([pd.DataFrame(columns, index=index), numbers, sources], axis=1)

    @cached_property
    def table(self) -> pd.DataFrame:
        """The full scoring table of every row (see :meth:`rows`); built on first use."""
        return self.rows()

    def explain(self, label: Any) -> dict[str, dict[str, Any]]:
        """Explain one site criterion by criterion.

        Parameters
        ----------
        label
            The site's index label.

        Returns
        -------
        dict
            ``{criterion: {"feature", "raw", "transformed", "weight", "contribution",
            "missing", "source", "note", "rationale"}}`` for the criteria that were scored;
            ``missing`` is True when the raw value was unknown and scored 0 (worst case),
            with a ``note`` saying so (else None); ``source`` says how the raw value was
            obtained: ``"measured"`` (also when the feature table says nothing),
            ``"network"``, ``"estimate"`` or ``"straight_line"``.
        """
        return _explain_row(self.rows([label]).iloc[0], self.matrix.criteria, self.weights)


def _nullable(rank: np.ndarray) -> pd.arrays.IntegerArray:
    """Return ranks as Int64 with <NA> for 0 (excluded)."""
    return pd.arrays.IntegerArray(rank.astype(np.int64), rank == 0)


def _objects(values: list[Any]) -> np.ndarray:
    """Return a list of lists as a 1-d object array (numpy would make it 2-d)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def weigh(
    matrix: CriteriaMatrix, weights: Mapping[str, float] | pd.Series | None = None
) -> ScoreResult:
    """Weigh a criteria matrix: stage 2 of scoring (scores and ranks, no text).

    Parameters
    ----------
    matrix
        From :func:`criteria.matrix.build_matrix`.
    weights
        Weight overrides by criterion name, on top of the matrix's base weights.

    Returns
    -------
    ScoreResult
        Scores and ranks of every site.

    Raises
    ------
    ProfileError
        For an unknown criterion name in ``weights``.
    WeightError
        For a negative weight, or when every scored criterion gets weight 0.
    """
    w = matrix.weights(weights)
    score = matrix.scores(w.to_numpy())
    order = best_first(score[matrix.eligible])
    rank = np.zeros(matrix.n_sites, dtype=np.int64)
    rank[matrix.eligible[order]] = np.arange(1, len(order) + 1)
    score.setflags(write=False)
    rank.setflags(write=False)
    return ScoreResult(matrix=matrix, weights=w, score=score, rank=rank)


def score(
    features: pd.DataFrame,
    profile: Profile,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> ScoreResult:
    """Score every candidate with a profile: :func:`~criteria.matrix.build_matrix`, then weigh.

    Parameters
    ----------
    features
        One row per candidate (unique index) with the feature columns the profile names.
    profile
        The profile (see :func:`criteria.profiles.load_profile`).
    weights
        Weight overrides by criterion name, passed to :func:`weigh`.

    Returns
    -------
    ScoreResult
        Keep ``result.matrix`` to weigh again after a weight change.
    """
    return weigh(build_matrix(features, profile), weights)


def _explain_row(
    row: pd.Series, criteria: Sequence[Criterion], weights: pd.Series
) -> dict[str, dict[str, Any]]:
    explanation = {}
    for criterion in criteria:
        raw = row[RAW + criterion.name]
        missing = bool(pd.isna(raw))
        source = row.get(SOURCE + criterion.name)
        explanation[criterion.name] = {
            "feature": criterion.feature,
            "raw": None if missing else (raw.item() if isinstance(raw, np.generic) else raw),
            "transformed": float(row[TRANSFORMED + criterion.name]),
            "weight": float(weights[criterion.name]),
            "contribution": float(row[CONTRIBUTION + criterion.name]),
            "missing": missing,
            "source": "measured" if source is None or pd.isna(source) else str(source),
            "note": (
                f"{criterion.feature} onbekend: telt als 0 (slechtste geval)" if missing else None
            ),
            "rationale": criterion.rationale,
        }
    return explanation
