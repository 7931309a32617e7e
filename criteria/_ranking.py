"""Ranks of the eligible sites under many weight vectors: the kernel of the sensitivity analyses.

Private plumbing of :mod:`criteria.sensitivity` and :mod:`criteria.flip`. Every analysis
works on stage 2 of scoring only: a :class:`~criteria.matrix.CriteriaMatrix` is weighed with
many weight vectors at once, ``(vectors × criteria) @ (criteria × sites)``, chunk by chunk,
and each row of scores is ranked as :func:`criteria.scoring.weigh` ranks (scores rounded to
12 decimals, ties by index label).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from criteria.matrix import CriteriaMatrix, rank_order
from criteria.scoring import ScoreResult

# Weight vectors are scored in chunks of at most this many site × draw cells: each temporary
# score or rank block (~8 bytes a cell, 512 kB) then stays in the CPU cache, which measured
# faster here than large blocks, and memory stays bounded whatever the number of sites.
CHUNK_CELLS = 65_536


@dataclass(frozen=True)
class Eligible:
    """The eligible sites of a criteria matrix, in tie-break (label) order, and base weights."""

    matrix: CriteriaMatrix
    weights: np.ndarray  # normalised base weights, shape (criteria,)

    @property
    def labels(self) -> pd.Index:
        return self.matrix.index[self.matrix.eligible]

    @property
    def names(self) -> list[str]:
        return self.matrix.names

    @property
    def n_sites(self) -> int:
        return len(self.matrix.eligible)

    @property
    def positions(self) -> np.ndarray:
        """Label-order position of each eligible site taken in feature-table order."""
        return np.argsort(self.matrix.eligible, kind="stable")

    def scores(self, weights: np.ndarray) -> np.ndarray:
        """Scores of the eligible sites for each row of ``weights``: shape (rows, sites)."""
        return self.matrix.scores(np.atleast_2d(weights), eligible_only=True)


def eligible_of(result: ScoreResult) -> Eligible:
    """Return the eligible sites of a weighing and its weights (the base of every analysis)."""
    return Eligible(matrix=result.matrix, weights=result.weights.to_numpy())


@dataclass(frozen=True)
class Ranked:
    """Ranks of the sites in each row of a (draws, sites) score block."""

    order: np.ndarray  # (draws, sites) int64: site positions best first
    ordinal: np.ndarray  # (draws, sites) int32: rank of each site, 1 = best, ties by label
    ties: dict[int, np.ndarray]  # row -> average ranks, for the rows with tied scores

    def average(self, row: int) -> np.ndarray:
        """Average ranks of one row (tied sites share the mean of their places)."""
        return self.ties[row] if row in self.ties else self.ordinal[row].astype("float64")


def rank_rows(scores: np.ndarray) -> Ranked:
    """Rank the sites in each row of ``scores`` (draws, sites), 1 = best.

    One sort gives the ordinal ranks (ties go to the earlier site, sites being in label
    order) and shows the tied scores; only rows with ties get average ranks (tied sites
    share the mean of their places), which Spearman's correlation uses.
    """
    sites = scores.shape[1]
    order, keys = rank_order(scores)
    places = np.arange(1, sites + 1, dtype=np.int32)
    ordinal = np.empty(order.shape, dtype=np.int32)
    np.put_along_axis(ordinal, order, np.broadcast_to(places, order.shape), axis=1)
    tied = np.flatnonzero((keys[:, 1:] == keys[:, :-1]).any(axis=1))
    ties = {}
    if tied.size:
        # Tie groups in the sorted rows, laid end to end: a group starts at each row's
        # first site and wherever the rounded score changes.
        starts = np.ones((len(tied), sites), dtype=bool)
        starts[:, 1:] = keys[tied, 1:] != keys[tied, :-1]
        group = np.cumsum(starts.ravel()) - 1
        size = np.bincount(group)
        first = np.tile(places, len(tied))[starts.ravel()]
        mean = (first[group] + (size[group] - 1) / 2.0).reshape(len(tied), sites)
        average = np.empty((len(tied), sites))
        np.put_along_axis(average, order[tied], mean, axis=1)
        ties = dict(zip(tied.tolist(), average, strict=True))
    return Ranked(order=order, ordinal=ordinal, ties=ties)


def spearman(base: np.ndarray, ranked: Ranked) -> np.ndarray:
    """Spearman correlation of each row's ranking with the base (average) ranks.

    The Pearson correlation of average ranks, as :func:`scipy.stats.spearmanr`, for all
    rows at once; NaN when either side is constant (no ranking to compare). Without ties a
    row's centred ranks have the known sum of squares ``m (m² − 1) / 12``, so only rows
    with ties need their average ranks.
    """
    rows, sites = ranked.ordinal.shape
    if sites < 2:
        return np.full(rows, np.nan)
    a = base - base.mean()
    numerator = ranked.ordinal @ a - (sites + 1) / 2.0 * a.sum()
    squares = np.full(rows, sites * (sites * sites - 1) / 12.0)
    for row, average in ranked.ties.items():
        centred = average - average.mean()
        numerator[row] = centred @ a
        squares[row] = centred @ centred
    denominator = np.sqrt((a @ a) * squares)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = numerator / denominator
    return np.where(denominator > 0, np.clip(rho, -1.0, 1.0), np.nan)


def ranked_chunks(eligible: Eligible, vectors: np.ndarray) -> Iterator[tuple[slice, Ranked]]:
    """Score and rank the eligible sites for each weight vector (row), chunk by chunk.

    Yields the rows of ``vectors`` each chunk covers and their ranks; one chunk is one
    ``(rows × criteria) @ (criteria × sites)`` product.
    """
    chunk = max(1, CHUNK_CELLS // max(eligible.n_sites, 1))
    # Each chunk's product is small: BLAS threads would spin between them and, on a shared
    # machine, cost more CPU than they save.
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, len(vectors), chunk):
            block = slice(start, min(start + chunk, len(vectors)))
            yield block, rank_rows(eligible.scores(vectors[block]))


def base_ranking(eligible: Eligible) -> tuple[np.ndarray, np.ndarray]:
    """Ordinal and average ranks of the eligible sites at the base weights, shape (sites,)."""
    ranked = rank_rows(eligible.scores(eligible.weights))
    return ranked.ordinal[0], ranked.average(0)


def with_weight(weights: np.ndarray, index: int, new: np.ndarray | float) -> np.ndarray:
    """Weight vectors where criterion ``index`` takes each value of ``new``, others scaled.

    ``new`` may be one weight (giving one vector) or an array of them.

    When the other weights are all zero they cannot share the rest, so the vector is kept.
    """
    new = np.atleast_1d(np.asarray(new, dtype="float64"))
    rest = 1.0 - weights[index]
    if rest <= 0.0:
        return np.tile(weights, (len(new), 1))
    out: np.ndarray = weights[None, :] * ((1.0 - new) / rest)[:, None]
    out[:, index] = new
    return out


def plain_label(value: Any) -> Any:
    """Return an index label as a plain Python value (numpy scalars become int, float, str)."""
    return value.item() if isinstance(value, np.generic) else value
