"""Sensitivity of a ranking to the criterion weights: one at a time, Monte Carlo, flip point.

All three analyses score the feature table once with :func:`criteria.scoring.score_candidates`
and keep its ``transformed__<name>`` matrix and ``excluded`` mask: exclusion never depends on
the weights, and the transformed values never do either, so every other weight vector is
scored as one matrix product over the eligible (non-excluded) sites — a weighted sum is
``T @ W``, a weighted geometric mean ``exp(log(T) @ W)`` with zeros kept apart (a zero on a
positively weighted criterion gives exactly 0, a zero-weight criterion never counts).

Ranks follow :func:`criteria.scoring.score_candidates`: scores are compared rounded to 12
decimals and ties are broken by index label, so the row order of the feature table never
changes a result.

Weight changes keep the weights summing to 1: when one criterion's weight becomes ``x``, the
others are scaled proportionally to share ``1 - x``. Monte Carlo weights are the chosen ones
times lognormal noise, renormalised (see :func:`monte_carlo`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from criteria.profiles import Profile
from criteria.scoring import TRANSFORMED, score_candidates

#: Relative weight changes tried by :func:`one_at_a_time` (weight × (1 + step)).
DEFAULT_STEPS: tuple[float, ...] = (-0.5, -0.25, 0.25, 0.5)

# Monte Carlo draws are scored in chunks of at most this many site × draw cells, which bounds
# the temporary score matrices (~8 bytes each) whatever the number of sites.
_CHUNK_CELLS = 4_000_000
_DECIMALS = 12


@dataclass(frozen=True)
class _Matrix:
    """Transformed values of the eligible sites, ordered by index label (the tie-break)."""

    labels: pd.Index  # eligible sites, sorted by label
    names: list[str]  # scored criteria
    weights: np.ndarray  # normalised weights, shape (criteria,)
    aggregation: str
    values: np.ndarray  # transformed values, shape (sites, criteria)
    logs: np.ndarray  # log of the values with log(0) set to 0 (geometric mean only)
    zeros: np.ndarray  # values == 0, as float for a matrix product (geometric mean only)
    positions: np.ndarray  # position of each feature-order eligible site in ``labels``

    @property
    def n_sites(self) -> int:
        return len(self.labels)

    def scores(self, weights: np.ndarray) -> np.ndarray:
        """Scores of every site for each row of ``weights``: shape (sites, rows)."""
        if self.aggregation == "weighted_sum":
            score = self.values @ weights.T
        else:
            # A zero value with a positive weight forces the score to 0; a zero-weight
            # criterion contributes log(0) * 0, which is why its logs are stored as 0.
            score = np.exp(self.logs @ weights.T)
            score[(self.zeros @ (weights.T > 0)) > 0] = 0.0
        return np.clip(score, 0.0, 1.0).round(_DECIMALS)


def _label_order(labels: pd.Index) -> np.ndarray:
    """Positions that sort the labels, as :func:`criteria.scoring._rank` breaks ties."""
    try:
        return np.asarray(labels.argsort(kind="stable"))
    except TypeError:
        return np.argsort(labels.astype(str), kind="stable")


def _prepare(
    features: pd.DataFrame, profile: Profile, weights: Mapping[str, float] | pd.Series | None
) -> _Matrix:
    result = score_candidates(features, profile, weights=weights)
    w = pd.Series(result.attrs["weights"], dtype="float64")
    eligible = result.index[~result["excluded"].to_numpy(dtype=bool)]
    order = _label_order(eligible)
    labels = eligible[order]
    values = result.loc[labels, [TRANSFORMED + name for name in w.index]].to_numpy(dtype="float64")
    zeros = values == 0.0
    logs = np.zeros_like(values)
    if result.attrs["aggregation"] != "weighted_sum":
        np.log(values, out=logs, where=~zeros)
    positions = np.empty(len(order), dtype=np.intp)
    positions[order] = np.arange(len(order))
    return _Matrix(
        labels=labels,
        names=list(w.index),
        weights=w.to_numpy(),
        aggregation=result.attrs["aggregation"],
        values=values,
        logs=logs,
        zeros=zeros.astype("float64"),
        positions=positions,
    )


def _ranks(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank sites in each column of ``scores`` (sites, draws), 1 = best.

    Returns the ordinal ranks (ties go to the earlier row; rows are in label order) and
    the average ranks (tied sites share the mean of their places) that Spearman's
    correlation uses; one sort serves both.
    """
    sites, draws = scores.shape
    # Sorting contiguous rows is several times faster than sorting strided columns.
    rows = np.ascontiguousarray(-scores.T)
    order = np.argsort(rows, axis=1, kind="stable")
    places = np.arange(1, sites + 1, dtype=np.int32)
    ordinal = np.empty(order.shape, dtype=np.int32)
    np.put_along_axis(ordinal, order, np.broadcast_to(places, order.shape), axis=1)
    # Tie groups in the sorted rows, laid end to end: a group starts at each row's first
    # site and wherever the score changes.
    ordered = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    group = np.cumsum(starts.ravel()) - 1
    size = np.bincount(group)
    first = np.tile(places, draws)[starts.ravel()]
    mean = (first[group] + (size[group] - 1) / 2.0).reshape(draws, sites)
    average = np.empty(order.shape)
    np.put_along_axis(average, order, mean, axis=1)
    return ordinal.T, average.T


def _spearman(base: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Spearman correlation of each column of ``draws`` with ``base`` (average ranks).

    The Pearson correlation of average ranks, as :func:`scipy.stats.spearmanr`, for all
    columns at once; NaN when either side is constant (no ranking to compare).
    """
    if base.size < 2:
        return np.full(draws.shape[1], np.nan)
    a = base - base.mean()
    b = draws - draws.mean(axis=0)
    denominator = np.sqrt((a @ a) * np.einsum("ij,ij->j", b, b))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (a @ b) / denominator
    return np.where(denominator > 0, np.clip(rho, -1.0, 1.0), np.nan)


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
    features: pd.DataFrame,
    profile: Profile,
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
        The candidate feature table, as for :func:`criteria.scoring.score_candidates`.
    profile
        The facility profile.
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
    matrix = _prepare(features, profile, weights)
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
    if matrix.n_sites == 0 or not steps:
        return pd.DataFrame(columns=columns)
    base_ranks, base = (r[:, 0] for r in _ranks(matrix.scores(matrix.weights[None, :])))
    base_top = base_ranks <= top_n
    top_size = int(base_top.sum())
    rows = []
    for index, name in enumerate(matrix.names):
        w = matrix.weights[index]
        new = np.minimum(w * (1.0 + np.asarray(steps)), 1.0)
        vectors = _with_weight(matrix.weights, index, new)
        scores = matrix.scores(vectors)
        ranks, average = _ranks(scores)
        rho = _spearman(base, average)
        overlap = ((ranks <= top_n) & base_top[:, None]).sum(axis=0) / top_size
        tops = np.argmin(ranks, axis=0)
        rows.extend(
            {
                "criterion": name,
                "step": step,
                "weight": float(w),
                "new_weight": float(vectors[k, index]),
                "spearman": float(rho[k]),
                "top_n_overlap": float(overlap[k]),
                "top_site": _label(matrix.labels[tops[k]]),
                "top_site_changed": bool(base_ranks[tops[k]] != 1),
            }
            for k, step in enumerate(steps)
        )
    return pd.DataFrame(rows, columns=columns)


def monte_carlo(
    features: pd.DataFrame,
    profile: Profile,
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
        The candidate feature table, as for :func:`criteria.scoring.score_candidates`.
    profile
        The facility profile.
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
        the site ranks within the top N), ``median_rank``, ``rank_p05`` and ``rank_p95``
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
    matrix = _prepare(features, profile, weights)
    sites = matrix.n_sites
    rng = np.random.default_rng(seed)
    noise = np.exp(spread * rng.standard_normal((n, len(matrix.weights))) - spread**2 / 2)
    drawn = matrix.weights * noise
    drawn /= drawn.sum(axis=1, keepdims=True)

    base_ranks, base = (r[:, 0] for r in _ranks(matrix.scores(matrix.weights[None, :])))
    ranks = np.empty((sites, n), dtype=np.int32)
    rho = np.empty(n)
    chunk = max(1, _CHUNK_CELLS // max(sites, 1))
    for start in range(0, n, chunk):
        block = slice(start, min(start + chunk, n))
        scores = matrix.scores(drawn[block])
        ranks[:, block], average = _ranks(scores)
        rho[block] = _spearman(base, average)
    if sites:
        p05, median, p95 = np.quantile(ranks, [0.05, 0.5, 0.95], axis=1)
        top_site = matrix.labels[np.argmin(base_ranks)]
        top_share = float((ranks[np.argmin(base_ranks)] == 1).mean())
    else:
        p05 = median = p95 = np.empty(0)
        top_site, top_share = None, math.nan
    # Back from label order to the feature table's order.
    at = matrix.positions
    table = pd.DataFrame(
        {
            "rank": base_ranks[at],
            "share_in_top_n": (ranks <= top_n).mean(axis=1)[at],
            "median_rank": median[at],
            "rank_p05": p05[at],
            "rank_p95": p95[at],
        },
        index=matrix.labels[at],
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
        "weights": dict(zip(matrix.names, map(float, matrix.weights), strict=True)),
    }
    return table


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


def _flip(matrix: _Matrix, index: int, top: int) -> dict[str, Any]:
    """Smallest change of one criterion's weight that puts another site first."""
    w = matrix.weights
    x0 = float(w[index])
    rest = 1.0 - x0
    entry: dict[str, Any] = {
        "weight": x0,
        "critical_weight": None,
        "change": None,
        "relative_change": None,
        "new_top_site": None,
    }
    if rest <= 0.0 or matrix.n_sites < 2:
        return entry  # all weight on this criterion: nothing to shift it against
    # Along x the score is x·own + (1 − x)·others (in logs for the geometric mean), with
    # ``others`` the other criteria's share at their proportions: a line in x per site.
    if matrix.aggregation == "weighted_sum":
        own = matrix.values[:, index]
        others = (matrix.values @ w - own * x0) / rest
    else:
        with np.errstate(divide="ignore"):
            own = np.log(matrix.values[:, index])
        others_w = w.copy()
        others_w[index] = 0.0
        others = (matrix.logs @ others_w) / rest
        others[(matrix.zeros @ (others_w > 0)) > 0] = -np.inf
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
            ordinal, _ = _ranks(matrix.scores(_with_weight(w, index, end)))
            end_top = int(np.argmin(ordinal[:, 0]))
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
        new_top_site=_label(matrix.labels[winner]),
    )
    return entry


def smallest_flip(
    features: pd.DataFrame,
    profile: Profile,
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
        The candidate feature table, as for :func:`criteria.scoring.score_candidates`.
    profile
        The facility profile.
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
    matrix = _prepare(features, profile, weights)
    if matrix.n_sites == 0:
        return {"top_site": None, "criteria": {}, "smallest": None}
    ordinal, _ = _ranks(matrix.scores(matrix.weights[None, :]))
    top = int(np.argmin(ordinal[:, 0]))
    criteria = {name: _flip(matrix, i, top) for i, name in enumerate(matrix.names)}
    changes = {n: abs(e["change"]) for n, e in criteria.items() if e["change"] is not None}
    smallest = None
    if changes:
        name = min(changes, key=changes.__getitem__)
        smallest = {"criterion": name, **criteria[name]}
    return {
        "top_site": _label(matrix.labels[top]),
        "criteria": criteria,
        "smallest": smallest,
    }


def sensitivity_report(
    features: pd.DataFrame,
    profile: Profile,
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
        The candidate feature table, as for :func:`criteria.scoring.score_candidates`.
    profile
        The facility profile.
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
        ``sites``: records ``{"id", "rank", "share_in_top_n", "median_rank", "rank_p05",
        "rank_p95"}`` for every site that reached the top N in some draw or ranks in it at
        base, by base rank.
    """
    oat = one_at_a_time(features, profile, steps=steps, top_n=top_n, weights=weights)
    mc = monte_carlo(features, profile, n=n, spread=spread, top_n=top_n, seed=seed, weights=weights)
    flip = smallest_flip(features, profile, weights=weights)
    shown = mc[(mc["share_in_top_n"] > 0) | (mc["rank"] <= top_n)].sort_values("rank")
    sites = [
        {
            "id": _label(label),
            "rank": int(row["rank"]),
            **{
                key: _number(row[key])
                for key in ("share_in_top_n", "median_rank", "rank_p05", "rank_p95")
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
        "profile": profile.name,
        "aggregation": profile.aggregation,
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
