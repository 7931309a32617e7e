"""Sensitivity of a ranking to the criterion weights: one at a time, Monte Carlo, flip point.

All analyses work on stage 2 of scoring only: they take a
:class:`~criteria.scoring.ScoreResult` — a criteria matrix weighed with the chosen weights —
and never a feature table or weights of their own. Exclusion never depends on the weights and
the transformed values never do either, so every other weight vector is scored as one matrix
product over the eligible (non-excluded) sites — many weight vectors at once as
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
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from criteria._ranking import (
    base_ranking,
    eligible_of,
    plain_label,
    ranked_chunks,
    spearman,
    with_weight,
)
from criteria.flip import Flip, smallest_flip
from criteria.scoring import ScoreResult

__all__ = [
    "DEFAULT_STEPS",
    "Flip",
    "MonteCarlo",
    "SensitivityReport",
    "monte_carlo",
    "one_at_a_time",
    "sensitivity_report",
    "smallest_flip",
    "stability",
]

#: Relative weight changes tried by :func:`one_at_a_time` (weight × (1 + step)).
DEFAULT_STEPS: tuple[float, ...] = (-0.5, -0.25, 0.25, 0.5)


@dataclass(frozen=True, eq=False)
class MonteCarlo:
    """Monte Carlo weight draws around the chosen weights (:func:`monte_carlo`).

    Attributes
    ----------
    table
        Indexed by the eligible (non-excluded) sites in feature-table order: ``rank`` (base
        rank), ``share_in_top_n`` (share of draws in which the site ranks within the top N),
        ``stability`` (the same share, under the name the exports use), ``median_rank``,
        ``rank_p05`` and ``rank_p95`` (percentiles of its rank over the draws, linearly
        interpolated).
    mean_spearman
        Mean rank correlation of the draws with the base scores (draws where all sites tie
        left out); NaN when none is left.
    top_site, top_site_share
        The base top site and the share of draws in which it stays first (None, NaN when no
        site is eligible).
    n, spread, top_n, seed
        The settings of the run.
    weights
        The normalised weights drawn around, by criterion.
    """

    table: pd.DataFrame
    mean_spearman: float
    top_site: Any
    top_site_share: float
    n: int
    spread: float
    top_n: int
    seed: int
    weights: dict[str, float]

    def shown_sites(self) -> pd.DataFrame:
        """Sites that reached the top N in some draw or rank in it at base, by base rank."""
        table = self.table
        shown = table[(table["share_in_top_n"] > 0) | (table["rank"] <= self.top_n)]
        return shown.sort_values("rank")

    def to_dict(self) -> dict[str, Any]:
        """Return the ``monte_carlo`` member of the sensitivity file (plain types, NaN None)."""
        sites = [
            {
                "id": plain_label(label),
                "rank": int(row["rank"]),
                **{
                    key: _number(row[key])
                    for key in (
                        "share_in_top_n",
                        "stability",
                        "median_rank",
                        "rank_p05",
                        "rank_p95",
                    )
                },
            }
            for label, row in self.shown_sites().iterrows()
        ]
        return {
            "n": self.n,
            "spread": self.spread,
            "seed": self.seed,
            "mean_spearman": _number(self.mean_spearman),
            "top_site": self.top_site,
            "top_site_share": _number(self.top_site_share),
            "sites": sites,
        }


@dataclass(frozen=True, eq=False)
class SensitivityReport:
    """The three analyses around one weighing (:func:`sensitivity_report`).

    Attributes
    ----------
    profile, aggregation
        The profile's name and aggregation rule.
    weights
        The normalised base weights, by criterion.
    top_n
        Size of the top followed.
    one_at_a_time
        :func:`one_at_a_time`'s table.
    monte_carlo
        :func:`monte_carlo`'s result.
    smallest_flip
        :func:`~criteria.flip.smallest_flip`'s result.
    """

    profile: str
    aggregation: str
    weights: dict[str, float]
    top_n: int
    one_at_a_time: pd.DataFrame
    monte_carlo: MonteCarlo
    smallest_flip: Flip

    def stability(self) -> dict[Any, float]:
        """Share of draws in the top N by site id, for the sites that ever reached it."""
        table = self.monte_carlo.shown_sites()
        return {plain_label(k): float(v) for k, v in table["share_in_top_n"].items()}

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data: the ``.sensitivity.json`` file.

        Returns
        -------
        dict
            ``{"profile", "aggregation", "weights", "top_n", "one_at_a_time",
            "monte_carlo", "smallest_flip"}``: ``one_at_a_time`` a list of row records,
            ``monte_carlo`` :meth:`MonteCarlo.to_dict`, ``smallest_flip``
            :meth:`~criteria.flip.Flip.to_dict`.
        """
        records = [
            {key: _number(v) if isinstance(v, float) else v for key, v in record.items()}
            for record in self.one_at_a_time.to_dict(orient="records")
        ]
        return {
            "profile": self.profile,
            "aggregation": self.aggregation,
            "weights": self.weights,
            "top_n": self.top_n,
            "one_at_a_time": records,
            "monte_carlo": self.monte_carlo.to_dict(),
            "smallest_flip": self.smallest_flip.to_dict(),
        }


def _check_top_n(top_n: object) -> None:
    if isinstance(top_n, bool) or not isinstance(top_n, Integral) or top_n < 1:
        msg = f"top_n must be a whole number ≥ 1, got {top_n!r}"
        raise ValueError(msg)


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def one_at_a_time(
    scored: ScoreResult,
    *,
    steps: Sequence[float] = DEFAULT_STEPS,
    top_n: int = 10,
) -> pd.DataFrame:
    """Change one criterion's weight at a time and compare the ranking with the base one.

    For every scored criterion and step the weight becomes ``weight × (1 + step)`` (capped
    at 1) and the other weights are scaled proportionally so that all still sum to 1. A
    zero weight stays zero, so its rows show no change.

    Parameters
    ----------
    scored
        The base weighing (:func:`criteria.scoring.score` or :func:`~criteria.scoring.weigh`).
    steps
        Relative weight changes, each > -1 (``-0.5`` halves the weight, ``0.25`` adds 25 %).
    top_n
        Size of the top whose overlap with the base top is reported.

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
    >>> from criteria.scoring import score
    >>> profile = profile_from_dict({"name": "demo", "criterion": [
    ...     {"name": "a", "feature": "a", "weight": 0.6, "rationale": "a",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}},
    ...     {"name": "b", "feature": "b", "weight": 0.4, "rationale": "b",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}}]})
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["A", "B"])
    >>> table = one_at_a_time(score(frame, profile), steps=[-0.5])
    >>> table[["criterion", "new_weight", "top_site", "top_site_changed"]].to_numpy().tolist()
    [['a', 0.3, 'B', True], ['b', 0.2, 'A', False]]
    """
    _check_top_n(top_n)
    steps = [float(s) for s in steps]
    if bad := [s for s in steps if not s > -1.0]:
        msg = f"steps must be > -1 (a weight cannot go below zero), got {bad}"
        raise ValueError(msg)
    eligible = eligible_of(scored)
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
    base_ranks, base = base_ranking(eligible)
    base_top = base_ranks <= top_n
    top_size = int(base_top.sum())
    vectors = np.vstack(
        [
            with_weight(eligible.weights, index, np.minimum(w * (1.0 + np.asarray(steps)), 1.0))
            for index, w in enumerate(eligible.weights)
        ]
    )
    rho = np.empty(len(vectors))
    overlap = np.empty(len(vectors))
    tops = np.empty(len(vectors), dtype=np.intp)
    for block, ranked in ranked_chunks(eligible, vectors):
        rho[block] = spearman(base, ranked)
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
            "top_site": plain_label(labels[tops[row]]),
            "top_site_changed": bool(base_ranks[tops[row]] != 1),
        }
        for index, name in enumerate(eligible.names)
        for row, step in zip(
            range(index * len(steps), (index + 1) * len(steps)), steps, strict=True
        )
    ]
    return pd.DataFrame(rows, columns=columns)


def monte_carlo(
    scored: ScoreResult,
    *,
    n: int = 1000,
    spread: float = 0.2,
    top_n: int = 10,
    seed: int = 0,
) -> MonteCarlo:
    """Draw weights around the chosen ones and count how often each site stays in the top N.

    Each draw multiplies every weight by independent lognormal noise
    ``exp(spread · z − spread² / 2)`` with ``z`` standard normal (mean factor 1, relative
    standard deviation ≈ ``spread``), then renormalises to sum 1. Unlike a Dirichlet draw
    this needs no special case for a zero weight (it stays zero: a criterion switched off
    stays off), ``spread`` reads as "weights uncertain by about ±20 %", and ``spread = 0``
    gives the chosen weights exactly.

    Parameters
    ----------
    scored
        The base weighing: the draws are around its weights.
    n
        Number of weight draws.
    spread
        Standard deviation of the log noise on each weight (≥ 0); 0.2 ≈ ±20 %.
    top_n
        Size of the top counted in ``share_in_top_n``.
    seed
        Seed of the random generator; the same seed gives the same result.

    Returns
    -------
    MonteCarlo
        The per-site table and the run's summary figures.

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
    eligible = eligible_of(scored)
    sites = eligible.n_sites
    rng = np.random.default_rng(seed)
    noise = np.exp(spread * rng.standard_normal((n, len(eligible.weights))) - spread**2 / 2)
    drawn = eligible.weights * noise
    drawn /= drawn.sum(axis=1, keepdims=True)

    base_ranks, base = base_ranking(eligible)
    ranks = np.empty((n, sites), dtype=np.int32)
    rho = np.empty(n)
    in_top = np.zeros(sites)
    for block, ranked in ranked_chunks(eligible, drawn):
        ranks[block] = ranked.ordinal
        rho[block] = spearman(base, ranked)
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
    return MonteCarlo(
        table=table,
        mean_spearman=float(finite.mean()) if finite.size else math.nan,
        top_site=plain_label(top_site),
        top_site_share=top_share,
        n=int(n),
        spread=float(spread),
        top_n=int(top_n),
        seed=int(seed),
        weights=dict(zip(eligible.names, map(float, eligible.weights), strict=True)),
    )


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
    scored: ScoreResult, *, n: int = 1000, spread: float = 0.2, top_n: int = 10, seed: int = 0
) -> pd.Series:
    """Share of Monte Carlo weight draws in which each site ranks in the top N.

    Parameters
    ----------
    scored
        The base weighing.
    n, spread, top_n, seed
        As for :func:`monte_carlo` (default: 1,000 draws of weights ±20 %, top 10).

    Returns
    -------
    pandas.Series
        Named ``stability``, aligned to the candidates (feature-table order), in [0, 1]; NaN
        for excluded sites (never ranked).
    """
    mc = monte_carlo(scored, n=n, spread=spread, top_n=top_n, seed=seed)
    return mc.table["stability"].reindex(scored.index).rename("stability")


def sensitivity_report(
    scored: ScoreResult,
    *,
    steps: Sequence[float] = DEFAULT_STEPS,
    n: int = 1000,
    spread: float = 0.2,
    top_n: int = 10,
    seed: int = 0,
) -> SensitivityReport:
    """Run the three analyses around one weighing.

    Parameters
    ----------
    scored
        The base weighing (the scenario's :class:`~criteria.scoring.ScoreResult`).
    steps
        Relative weight changes for :func:`one_at_a_time`.
    n, spread, seed
        Monte Carlo draws, noise and seed for :func:`monte_carlo`.
    top_n
        Size of the top followed by both.

    Returns
    -------
    SensitivityReport
    """
    return SensitivityReport(
        profile=scored.matrix.profile.name,
        aggregation=scored.matrix.aggregation,
        weights={str(k): float(v) for k, v in scored.weights.items()},
        top_n=int(top_n),
        one_at_a_time=one_at_a_time(scored, steps=steps, top_n=top_n),
        monte_carlo=monte_carlo(scored, n=n, spread=spread, top_n=top_n, seed=seed),
        smallest_flip=smallest_flip(scored),
    )
