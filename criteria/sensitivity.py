"""Sensitivity of a ranking to the criterion weights: one at a time, Monte Carlo, flip point.

All analyses work on stage 2 of scoring only. The feature table is turned once into a
:class:`~criteria.matrix.CriteriaMatrix` (or one is given): exclusion never depends on the
weights and the transformed values never do either, so every other weight vector is scored as
one matrix product over the eligible (non-excluded) sites — many weight vectors at once as
``(draws × criteria) @ (criteria × sites)``, in chunks that bound the memory. A weighted sum
is ``W @ T``, a weighted geometric mean ``exp(W @ log T)`` (a zero on a positively weighted
criterion gives exactly 0; a zero-weight criterion never counts).

Ranks follow :func:`criteria.scoring.weigh`: scores are compared rounded to 12 decimals and
ties are broken by index label, so the row order of the feature table never changes a result.

Weight changes keep the weights summing to 1: when one criterion's weight becomes ``x``, the
others are scaled proportionally to share ``1 - x``. Monte Carlo weights are the chosen ones
times lognormal noise, renormalised (see :func:`monte_carlo`). A site's ``stability`` is the
share of Monte Carlo draws in which it ranks in the top N (issue 11).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from criteria.matrix import CriteriaMatrix, best_first, build_matrix, rank_order
from criteria.profiles import Profile

#: Relative weight changes tried by :func:`one_at_a_time` (weight × (1 + step)).
DEFAULT_STEPS: tuple[float, ...] = (-0.5, -0.25, 0.25, 0.5)

# Weight vectors are scored in chunks of at most this many site × draw cells: each temporary
# score or rank block (~8 bytes a cell, 512 kB) then stays in the CPU cache, which measured
# faster here than large blocks, and memory stays bounded whatever the number of sites.
_CHUNK_CELLS = 65_536

#: A feature table, or a criteria matrix built from one.
Candidates = pd.DataFrame | CriteriaMatrix


@dataclass(frozen=True)
class _Eligible:
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


def _prepare(
    features: Candidates, profile: Profile | None, weights: Mapping[str, float] | pd.Series | None
) -> _Eligible:
    if isinstance(features, CriteriaMatrix):
        matrix = features
    elif profile is None:
        msg = "a profile is needed to score a feature table; pass profile= or a CriteriaMatrix"
        raise TypeError(msg)
    else:
        matrix = build_matrix(features, profile)
    return _Eligible(matrix=matrix, weights=matrix.weights(weights).to_numpy())


@dataclass(frozen=True)
class _Ranked:
    """Ranks of the sites in each row of a (draws, sites) score block."""

    order: np.ndarray  # (draws, sites) int64: site positions best first
    ordinal: np.ndarray  # (draws, sites) int32: rank of each site, 1 = best, ties by label
    ties: dict[int, np.ndarray]  # row -> average ranks, for the rows with tied scores

    def average(self, row: int) -> np.ndarray:
        """Average ranks of one row (tied sites share the mean of their places)."""
        return self.ties[row] if row in self.ties else self.ordinal[row].astype("float64")


def _ranks(scores: np.ndarray) -> _Ranked:
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
    return _Ranked(order=order, ordinal=ordinal, ties=ties)


def _spearman(base: np.ndarray, ranked: _Ranked) -> np.ndarray:
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


def _ranked_chunks(eligible: _Eligible, vectors: np.ndarray) -> Iterator[tuple[slice, _Ranked]]:
    """Score and rank the eligible sites for each weight vector (row), chunk by chunk.

    Yields the rows of ``vectors`` each chunk covers and their ranks; one chunk is one
    ``(rows × criteria) @ (criteria × sites)`` product.
    """
    chunk = max(1, _CHUNK_CELLS // max(eligible.n_sites, 1))
    # Each chunk's product is small: BLAS threads would spin between them and, on a shared
    # machine, cost more CPU than they save.
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, len(vectors), chunk):
            block = slice(start, min(start + chunk, len(vectors)))
            yield block, _ranks(eligible.scores(vectors[block]))


def _base_ranks(eligible: _Eligible) -> tuple[np.ndarray, np.ndarray]:
    """Ordinal and average ranks of the eligible sites at the base weights, shape (sites,)."""
    ranked = _ranks(eligible.scores(eligible.weights))
    return ranked.ordinal[0], ranked.average(0)


def _with_weight(weights: np.ndarray, index: int, new: np.ndarray) -> np.ndarray:
    """Weight vectors where criterion ``index`` takes each value of ``new``, others scaled.

    When the other weights are all zero they cannot share the rest, so the vector is kept.
    """
    new = np.atleast_1d(np.asarray(new, dtype="float64"))
    rest = 1.0 - weights[index]
    if rest <= 0.0:
        return np.tile(weights, (len(new), 1))
    out = weights[None, :] * ((1.0 - new) / rest)[:, None]
    out[:, index] = new
    return out


def _check_top_n(top_n: object) -> None:
    if isinstance(top_n, bool) or not isinstance(top_n, Integral) or top_n < 1:
        msg = f"top_n must be a whole number ≥ 1, got {top_n!r}"
        raise ValueError(msg)


def _label(value: Any) -> Any:
    """Return an index label as a plain Python value (numpy scalars become int, float, str)."""
    return value.item() if isinstance(value, np.generic) else value


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def one_at_a_time(
    features: Candidates,
    profile: Profile | None = None,
    *,
    steps: Sequence[float] = DEFAULT_STEPS,
    top_n: int = 10,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Change one criterion's weight at a time and compare the ranking with the base one.

    For every scored criterion and step the weight becomes ``weight × (1 + step)`` (capped
    at 1) and the other weights are scaled proportionally so that all still sum to 1. A
    zero weight stays zero, so its rows show no change.

    Parameters
    ----------
    features
        The candidate feature table, as for :func:`criteria.scoring.score`, or the
        :class:`~criteria.matrix.CriteriaMatrix` built from it (stage 1 is then reused).
    profile
        The facility profile (not needed with a matrix).
    steps
        Relative weight changes, each > -1 (``-0.5`` halves the weight, ``0.25`` adds 25 %).
    top_n
        Size of the top whose overlap with the base top is reported.
    weights
        Weight overrides by criterion name (the base weights), as for scoring.

    Returns
    -------
    pandas.DataFrame
        One row per criterion and step with ``criterion``, ``step``, ``weight`` (base,
        normalised), ``new_weight``, ``spearman`` (rank correlation with the base scores over
        the eligible sites; NaN when either ranking is all ties), ``top_n_overlap`` (share of
        the base top N still in the top N), ``top_site`` and ``top_site_changed``.

    Raises
    ------
    ValueError
        For a step of -1 or less, or ``top_n`` below 1.

    Examples
    --------
    >>> from criteria.profiles import profile_from_dict
    >>> profile = profile_from_dict({"name": "demo", "criterion": [
    ...     {"name": "a", "feature": "a", "weight": 0.6, "rationale": "a",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}},
    ...     {"name": "b", "feature": "b", "weight": 0.4, "rationale": "b",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}}]})
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["A", "B"])
    >>> table = one_at_a_time(frame, profile, steps=[-0.5])
    >>> table[["criterion", "new_weight", "top_site", "top_site_changed"]].to_numpy().tolist()
    [['a', 0.3, 'B', True], ['b', 0.2, 'A', False]]
    """
    _check_top_n(top_n)
    steps = [float(s) for s in steps]
    if bad := [s for s in steps if not s > -1.0]:
        msg = f"steps must be > -1 (a weight cannot go below zero), got {bad}"
        raise ValueError(msg)
    eligible = _prepare(features, profile, weights)
    columns = [
        "criterion",
        "step",
        "weight",
        "new_weight",
        "spearman",
        "top_n_overlap",
        "top_site",
        "top_site_changed",
    ]
    if eligible.n_sites == 0 or not steps:
        return pd.DataFrame(columns=columns)
    base_ranks, base = _base_ranks(eligible)
    base_top = base_ranks <= top_n
    top_size = int(base_top.sum())
    vectors = np.vstack(
        [
            _with_weight(eligible.weights, index, np.minimum(w * (1.0 + np.asarray(steps)), 1.0))
            for index, w in enumerate(eligible.weights)
        ]
    )
    rho = np.empty(len(vectors))
    overlap = np.empty(len(vectors))
    tops = np.empty(len(vectors), dtype=np.intp)
    for block, ranked in _ranked_chunks(eligible, vectors):
        rho[block] = _spearman(base, ranked)
        overlap[block] = base_top[ranked.order[:, :top_n]].sum(axis=1) / top_size
        tops[block] = ranked.order[:, 0]
    labels = eligible.labels
    rows = [
        {
            "criterion": name,
            "step": step,
            "weight": float(eligible.weights[index]),
            "new_weight": float(vectors[row, index]),
            "spearman": float(rho[row]),
            "top_n_overlap": float(overlap[row]),
            "top_site": _label(labels[tops[row]]),
            "top_site_changed": bool(base_ranks[tops[row]] != 1),
        }
        for index, name in enumerate(eligible.names)
        for row, step in zip(
            range(index * len(steps), (index + 1) * len(steps)), steps, strict=True
        )
    ]
    return pd.DataFrame(rows, columns=columns)


def monte_carlo(
    features: Candidates,
    profile: Profile | None = None,
    *,
    n: int = 1000,
    spread: float = 0.2,
    top_n: int = 10,
    seed: int = 0,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.DataFrame:
    """Draw weights around the chosen ones and count how often each site stays in the top N.

    Each draw multiplies every weight by independent lognormal noise
    ``exp(spread · z − spread² / 2)`` with ``z`` standard normal (mean factor 1, relative
    standard deviation ≈ ``spread``), then renormalises to sum 1. Unlike a Dirichlet draw
    this needs no special case for a zero weight (it stays zero: a criterion switched off
    stays off), ``spread`` reads as "weights uncertain by about ±20 %", and ``spread = 0``
    gives the chosen weights exactly.

    Parameters
    ----------
    features
        The candidate feature table, as for :func:`criteria.scoring.score`, or the
        :class:`~criteria.matrix.CriteriaMatrix` built from it (stage 1 is then reused).
    profile
        The facility profile (not needed with a matrix).
    n
        Number of weight draws.
    spread
        Standard deviation of the log noise on each weight (≥ 0); 0.2 ≈ ±20 %.
    top_n
        Size of the top counted in ``share_in_top_n``.
    seed
        Seed of the random generator; the same seed gives the same result.
    weights
        Weight overrides by criterion name (the weights drawn around), as for scoring.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``features`` restricted to the eligible (non-excluded) sites, in the
        same order, with ``rank`` (base rank), ``share_in_top_n`` (share of draws in which
        the site ranks within the top N), ``stability`` (the same share, under the name the
        exports use), ``median_rank``, ``rank_p05`` and ``rank_p95``
        (percentiles of its rank over the draws, linearly interpolated). ``attrs`` holds
        ``mean_spearman`` (mean rank correlation of the draws with the base scores, ignoring
        draws where all sites tie), ``top_site``, ``top_site_share`` (share of draws in which
        the base top site stays first), ``n``, ``spread``, ``top_n``, ``seed``, ``weights``.

    Raises
    ------
    ValueError
        For ``n`` or ``top_n`` below 1, or a negative or non-finite ``spread``.
    """
    _check_top_n(top_n)
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        msg = f"n must be a whole number of draws ≥ 1, got {n!r}"
        raise ValueError(msg)
    if isinstance(spread, bool) or not isinstance(spread, Real) or not 0 <= spread < math.inf:
        msg = f"spread must be a finite number ≥ 0 (0.2 ≈ ±20 % per weight), got {spread!r}"
        raise ValueError(msg)
    eligible = _prepare(features, profile, weights)
    sites = eligible.n_sites
    rng = np.random.default_rng(seed)
    noise = np.exp(spread * rng.standard_normal((n, len(eligible.weights))) - spread**2 / 2)
    drawn = eligible.weights * noise
    drawn /= drawn.sum(axis=1, keepdims=True)

    base_ranks, base = _base_ranks(eligible)
    ranks = np.empty((n, sites), dtype=np.int32)
    rho = np.empty(n)
    in_top = np.zeros(sites)
    for block, ranked in _ranked_chunks(eligible, drawn):
        ranks[block] = ranked.ordinal
        rho[block] = _spearman(base, ranked)
        in_top += np.bincount(ranked.order[:, :top_n].ravel(), minlength=sites)
    in_top /= n
    if sites:
        p05, median, p95 = _rank_quantiles(ranks, (0.05, 0.5, 0.95))
        best = int(np.argmin(base_ranks))
        top_site = eligible.labels[best]
        top_share = float((ranks[:, best] == 1).mean())
    else:
        p05 = median = p95 = np.empty(0)
        top_site, top_share = None, math.nan
    # Back from label order to the feature table's order.
    at = eligible.positions
    table = pd.DataFrame(
        {
            "rank": base_ranks[at],
            "share_in_top_n": in_top[at],
            "stability": in_top[at],
            "median_rank": median[at],
            "rank_p05": p05[at],
            "rank_p95": p95[at],
        },
        index=eligible.labels[at],
    )
    finite = rho[np.isfinite(rho)]
    table.attrs = {
        "mean_spearman": float(finite.mean()) if finite.size else math.nan,
        "top_site": _label(top_site),
        "top_site_share": top_share,
        "n": int(n),
        "spread": float(spread),
        "top_n": int(top_n),
        "seed": seed,
        "weights": dict(zip(eligible.names, map(float, eligible.weights), strict=True)),
    }
    return table


def _rank_quantiles(ranks: np.ndarray, quantiles: Sequence[float]) -> list[np.ndarray]:
    """Per site (column of ``ranks``), its rank quantiles over the draws (rows).

    Linear interpolation between order statistics, as :func:`numpy.quantile`; one sort of
    each site's ranks serves every quantile.
    """
    ordered = np.sort(np.ascontiguousarray(ranks.T), axis=1)
    draws = ordered.shape[1]
    out = []
    for q in quantiles:
        position = q * (draws - 1)
        low = math.floor(position)
        high = min(low + 1, draws - 1)
        below = ordered[:, low].astype("float64")
        out.append(below + (ordered[:, high] - below) * (position - low))
    return out


def stability(
    features: Candidates,
    profile: Profile | None = None,
    *,
    n: int = 1000,
    spread: float = 0.2,
    top_n: int = 10,
    seed: int = 0,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> pd.Series:
    """Share of Monte Carlo weight draws in which each site ranks in the top N.

    Parameters
    ----------
    features
        The candidate feature table, or the :class:`~criteria.matrix.CriteriaMatrix` built
        from it.
    profile
        The facility profile (not needed with a matrix).
    n, spread, top_n, seed, weights
        As for :func:`monte_carlo` (default: 1,000 draws of weights ±20 %, top 10).

    Returns
    -------
    pandas.Series
        Named ``stability``, aligned to the candidates (feature-table order), in [0, 1]; NaN
        for excluded sites (never ranked).
    """
    table = monte_carlo(
        features, profile, n=n, spread=spread, top_n=top_n, seed=seed, weights=weights
    )
    index = features.index
    return table["stability"].reindex(index).rename("stability")


def _first_overtake(
    slope_sites: np.ndarray,
    intercept_sites: np.ndarray,
    top: int,
    x0: float,
    direction: int,
) -> tuple[float, int] | None:
    """Nearest x beyond x0 (in ``direction``) where a site's line overtakes the top site's.

    Each site's (log-)score along the changed weight x in [0, 1] is the line
    ``intercept + slope · x``; non-finite lines (a geometric mean with a zero) are skipped.
    """
    finite = np.isfinite(slope_sites) & np.isfinite(intercept_sites)
    if not finite[top]:
        # The top site scores 0 wherever the criterion counts at all (a geometric mean with
        # a zero); from a weight of exactly 0 any increase hands the lead to the best site
        # that does not.
        contenders = np.flatnonzero(finite)
        if not contenders.size:
            return None
        at_x0 = intercept_sites[contenders] + slope_sites[contenders] * x0
        order = np.lexsort((-slope_sites[contenders] * direction, -at_x0))
        return x0, int(contenders[order[0]])
    slope = slope_sites - slope_sites[top]
    intercept = intercept_sites - intercept_sites[top]
    gap = intercept + slope * x0  # ≤ 0: the top site leads (or ties and wins on label)
    usable = finite & (slope * direction > 0)
    usable[top] = False
    if not usable.any():
        return None
    distance = np.full(len(slope), np.inf)
    distance[usable] = np.maximum(-gap[usable], 0.0) / np.abs(slope[usable])
    limit = 1.0 - x0 if direction > 0 else x0
    distance[distance > limit + 1e-12] = np.inf
    nearest = distance.min()
    if not math.isfinite(nearest):
        return None
    # Among sites crossing at the same point the steepest one leads just beyond it.
    tied = np.flatnonzero(distance <= nearest + 1e-12)
    winner = int(tied[np.argmax(slope[tied] * direction)])
    return min(max(x0 + direction * nearest, 0.0), 1.0), winner


def _flip(eligible: _Eligible, values: np.ndarray, index: int, top: int) -> dict[str, Any]:
    """Smallest change of one criterion's weight that puts another site first.

    ``values`` are the transformed values of the eligible sites, shape (sites, criteria).
    """
    w = eligible.weights
    x0 = float(w[index])
    rest = 1.0 - x0
    entry: dict[str, Any] = {
        "weight": x0,
        "critical_weight": None,
        "change": None,
        "relative_change": None,
        "new_top_site": None,
    }
    if rest <= 0.0 or eligible.n_sites < 2:
        return entry  # all weight on this criterion: nothing to shift it against
    # Along x the score is x·own + (1 − x)·others (in logs for the geometric mean), with
    # ``others`` the other criteria's share at their proportions: a line in x per site.
    if eligible.matrix.aggregation == "weighted_sum":
        own = values[:, index]
        others = (values @ w - own * x0) / rest
    else:
        zeros = values == 0.0
        logs = np.zeros_like(values)
        np.log(values, out=logs, where=~zeros)
        own = np.where(zeros[:, index], -np.inf, logs[:, index])
        others_w = w.copy()
        others_w[index] = 0.0
        others = (logs @ others_w) / rest
        others[(zeros @ (others_w > 0)) > 0] = -np.inf
    with np.errstate(invalid="ignore"):  # -inf - -inf: a line that is not one, skipped
        slope = own - others
    found = []
    for direction in (-1, 1):
        if (direction < 0 and x0 <= 0.0) or (direction > 0 and x0 >= 1.0):
            continue
        with np.errstate(invalid="ignore"):
            hit = _first_overtake(slope, others, top, x0, direction)
        # The ends x = 0 and x = 1 are scored directly: there a geometric mean's zero
        # values stop or start counting, which no line captures.
        end = 1.0 if direction > 0 else 0.0
        if hit is None:
            end_top = int(best_first(eligible.scores(_with_weight(w, index, end)))[0, 0])
            if end_top != top:
                hit = (end, end_top)
        if hit is not None:
            found.append(hit)
    if not found:
        return entry
    critical, winner = min(found, key=lambda h: abs(h[0] - x0))
    entry.update(
        critical_weight=float(critical),
        change=float(critical - x0),
        relative_change=float((critical - x0) / x0) if x0 > 0 else None,
        new_top_site=_label(eligible.labels[winner]),
    )
    return entry


def smallest_flip(
    features: Candidates,
    profile: Profile | None = None,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
) -> dict[str, Any]:
    """Find, per criterion, the smallest weight change that puts another site first.

    One criterion's weight moves to ``x`` while the others are scaled proportionally to
    share ``1 − x``. Along ``x`` every site's score is a straight line (a weighted sum is
    linear in the weights; a weighted geometric mean is linear in them after a log), so the
    point where another site overtakes the top one is solved exactly rather than searched.
    Only at ``x = 0`` and ``x = 1`` can a geometric mean jump (zeros start or stop
    counting); those ends are scored directly. At the critical weight the two sites tie
    (the tie goes to the lower index label); just beyond it the new site leads.

    Parameters
    ----------
    features
        The candidate feature table, as for :func:`criteria.scoring.score`, or the
        :class:`~criteria.matrix.CriteriaMatrix` built from it (stage 1 is then reused).
    profile
        The facility profile (not needed with a matrix).
    weights
        Weight overrides by criterion name (the base weights), as for scoring.

    Returns
    -------
    dict
        ``{"top_site", "criteria", "smallest"}``: ``criteria`` maps each scored criterion
        to ``{"weight", "critical_weight", "change", "relative_change", "new_top_site"}``
        (weights normalised to sum 1; ``change = critical_weight − weight``; all None
        when no weight in [0, 1] changes the top site); ``smallest`` is the entry with the
        smallest ``|change|`` plus its ``criterion``, or None. ``top_site`` is None when no
        site is eligible.

    Examples
    --------
    >>> from criteria.profiles import profile_from_dict
    >>> profile = profile_from_dict({"name": "demo", "criterion": [
    ...     {"name": "a", "feature": "a", "weight": 0.6, "rationale": "a",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}},
    ...     {"name": "b", "feature": "b", "weight": 0.4, "rationale": "b",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}}]})
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["A", "B"])
    >>> flip = smallest_flip(frame, profile)
    >>> flip["top_site"], flip["smallest"]["criterion"], round(flip["smallest"]["change"], 6)
    ('A', 'a', -0.1)
    """
    eligible = _prepare(features, profile, weights)
    if eligible.n_sites == 0:
        return {"top_site": None, "criteria": {}, "smallest": None}
    top = int(best_first(eligible.scores(eligible.weights))[0, 0])
    values = eligible.matrix.transformed_t[:, eligible.matrix.eligible].T
    criteria = {name: _flip(eligible, values, i, top) for i, name in enumerate(eligible.names)}
    changes = {n: abs(e["change"]) for n, e in criteria.items() if e["change"] is not None}
    smallest = None
    if changes:
        name = min(changes, key=changes.__getitem__)
        smallest = {"criterion": name, **criteria[name]}
    return {
        "top_site": _label(eligible.labels[top]),
        "criteria": criteria,
        "smallest": smallest,
    }


def sensitivity_report(
    features: Candidates,
    profile: Profile | None = None,
    *,
    weights: Mapping[str, float] | pd.Series | None = None,
    steps: Sequence[float] = DEFAULT_STEPS,
    n: int = 1000,
    spread: float = 0.2,
    top_n: int = 10,
    seed: int = 0,
) -> dict[str, Any]:
    """Bundle the three analyses as JSON-ready data (plain types, NaN as None).

    Parameters
    ----------
    features
        The candidate feature table, as for :func:`criteria.scoring.score`, or the
        :class:`~criteria.matrix.CriteriaMatrix` built from it (stage 1 is then reused).
    profile
        The facility profile (not needed with a matrix).
    weights
        Weight overrides by criterion name (the base weights), as for scoring.
    steps
        Relative weight changes for :func:`one_at_a_time`.
    n, spread, seed
        Monte Carlo draws, noise and seed for :func:`monte_carlo`.
    top_n
        Size of the top followed by both.

    Returns
    -------
    dict
        ``{"profile", "aggregation", "weights", "top_n", "one_at_a_time", "monte_carlo",
        "smallest_flip"}``. ``one_at_a_time`` is a list of row records; ``monte_carlo``
        holds the run settings, ``mean_spearman``, ``top_site``, ``top_site_share`` and
        ``sites``: records ``{"id", "rank", "share_in_top_n", "stability", "median_rank",
        "rank_p05", "rank_p95"}`` (``stability`` is ``share_in_top_n`` under the name the
        exports use) for every site that reached the top N in some draw or ranks in it at
        base, by base rank.
    """
    matrix = _prepare(features, profile, None).matrix  # stage 1 once for all three
    oat = one_at_a_time(matrix, steps=steps, top_n=top_n, weights=weights)
    mc = monte_carlo(matrix, n=n, spread=spread, top_n=top_n, seed=seed, weights=weights)
    flip = smallest_flip(matrix, weights=weights)
    shown = mc[(mc["share_in_top_n"] > 0) | (mc["rank"] <= top_n)].sort_values("rank")
    sites = [
        {
            "id": _label(label),
            "rank": int(row["rank"]),
            **{
                key: _number(row[key])
                for key in ("share_in_top_n", "stability", "median_rank", "rank_p05", "rank_p95")
            },
        }
        for label, row in shown.iterrows()
    ]
    records = [
        {key: _number(v) if isinstance(v, float) else v for key, v in record.items()}
        for record in oat.to_dict(orient="records")
    ]
    attrs = mc.attrs
    return {
        "profile": matrix.profile.name,
        "aggregation": matrix.aggregation,
        "weights": attrs["weights"],
        "top_n": int(top_n),
        "one_at_a_time": records,
        "monte_carlo": {
            "n": attrs["n"],
            "spread": attrs["spread"],
            "seed": attrs["seed"],
            "mean_spearman": _number(attrs["mean_spearman"]),
            "top_site": attrs["top_site"],
            "top_site_share": _number(attrs["top_site_share"]),
            "sites": sites,
        },
        "smallest_flip": flip,
    }
