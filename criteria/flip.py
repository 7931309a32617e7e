"""The smallest change of one criterion's weight that puts another site first.

Part of the sensitivity analysis (:mod:`criteria.sensitivity`, which re-exports
:func:`smallest_flip`): along one criterion's weight every site's score is a straight line,
so the point where another site overtakes the top one is solved exactly, not searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from criteria._ranking import Eligible, eligible_of, plain_label, with_weight
from criteria.matrix import best_first
from criteria.scoring import ScoreResult


@dataclass(frozen=True)
class FlipPoint:
    """Where one criterion's weight puts another site first.

    Attributes
    ----------
    criterion
        The criterion whose weight moves.
    weight
        Its normalised base weight.
    critical_weight, change, relative_change, new_top_site
        The weight where another site takes the lead, ``critical_weight − weight``, that
        change relative to ``weight`` (None at weight 0), and the new top site; all None
        when no weight in [0, 1] changes the top site.
    """

    criterion: str
    weight: float
    critical_weight: float | None = None
    change: float | None = None
    relative_change: float | None = None
    new_top_site: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"weight", "critical_weight", "change", "relative_change", "new_top_site"}``."""
        return {
            "weight": self.weight,
            "critical_weight": self.critical_weight,
            "change": self.change,
            "relative_change": self.relative_change,
            "new_top_site": self.new_top_site,
        }


@dataclass(frozen=True)
class Flip:
    """The smallest single-weight changes that put another site first (:func:`smallest_flip`).

    Attributes
    ----------
    top_site
        The top site at the base weights (None when no site is eligible).
    criteria
        One :class:`FlipPoint` per scored criterion, by name.
    """

    top_site: Any
    criteria: dict[str, FlipPoint]

    @property
    def smallest(self) -> FlipPoint | None:
        """The point with the smallest ``|change|``, or None when no weight flips the top."""
        found = [p for p in self.criteria.values() if p.change is not None]
        return min(found, key=lambda p: abs(p.change or 0.0)) if found else None

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"top_site", "criteria", "smallest"}`` as JSON-ready data.

        ``smallest`` is the smallest point's entry plus its ``criterion``, or None.
        """
        smallest = self.smallest
        return {
            "top_site": self.top_site,
            "criteria": {name: point.to_dict() for name, point in self.criteria.items()},
            "smallest": None
            if smallest is None
            else {"criterion": smallest.criterion, **smallest.to_dict()},
        }


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


def _flip(eligible: Eligible, values: np.ndarray, index: int, top: int) -> FlipPoint:
    """Smallest change of one criterion's weight that puts another site first.

    ``values`` are the transformed values of the eligible sites, shape (sites, criteria).
    """
    w = eligible.weights
    x0 = float(w[index])
    rest = 1.0 - x0
    entry = FlipPoint(criterion=eligible.names[index], weight=x0)
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
            end_top = int(best_first(eligible.scores(with_weight(w, index, end)))[0, 0])
            if end_top != top:
                hit = (end, end_top)
        if hit is not None:
            found.append(hit)
    if not found:
        return entry
    critical, winner = min(found, key=lambda h: abs(h[0] - x0))
    return FlipPoint(
        criterion=entry.criterion,
        weight=x0,
        critical_weight=float(critical),
        change=float(critical - x0),
        relative_change=float((critical - x0) / x0) if x0 > 0 else None,
        new_top_site=plain_label(eligible.labels[winner]),
    )


def smallest_flip(scored: ScoreResult) -> Flip:
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
    scored
        The base weighing (:func:`criteria.scoring.score` or :func:`~criteria.scoring.weigh`).

    Returns
    -------
    Flip
        The top site and one :class:`FlipPoint` per scored criterion (weights normalised to
        sum 1); :attr:`Flip.smallest` is the one with the smallest ``|change|``.

    Examples
    --------
    >>> import pandas as pd
    >>> from criteria.profiles import profile_from_dict
    >>> from criteria.scoring import score
    >>> profile = profile_from_dict({"name": "demo", "criterion": [
    ...     {"name": "a", "feature": "a", "weight": 0.6, "rationale": "a",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}},
    ...     {"name": "b", "feature": "b", "weight": 0.4, "rationale": "b",
    ...      "transform": {"kind": "linear", "lower": 0, "upper": 1}}]})
    >>> frame = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["A", "B"])
    >>> flip = smallest_flip(score(frame, profile))
    >>> flip.top_site, flip.smallest.criterion, round(flip.smallest.change, 6)
    ('A', 'a', -0.1)
    """
    eligible = eligible_of(scored)
    if eligible.n_sites == 0:
        return Flip(top_site=None, criteria={})
    top = int(best_first(eligible.scores(eligible.weights))[0, 0])
    values = eligible.matrix.transformed_t[:, eligible.matrix.eligible].T
    return Flip(
        top_site=plain_label(eligible.labels[top]),
        criteria={name: _flip(eligible, values, i, top) for i, name in enumerate(eligible.names)},
    )
