"""The acceptance's rule (a) and its best rule-keeping plan against brute force."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from criteria.plan_solver import PlanProblem
from tests.plan_rule import best_keeping_rule, closest_keeping_rule, rule_violations


def _problem(seed: int, *, sizes: int | None = None) -> PlanProblem:
    """Ten sites over four gemeenten, two at their fair share; spacing and a buurt cap."""
    rng = np.random.default_rng(seed)
    n = 10
    gemeente = rng.integers(0, 4, n)
    score = rng.random(n).round(2)
    # The at-share gemeenten (0 and 1) get the best sites, so the rule costs suitability.
    score = np.where(gemeente < 2, 0.5 + score / 2, score / 2)
    return PlanProblem(
        score=score,
        places=rng.integers(1, 4, n) if sizes is None else np.full(n, sizes),
        gemeente=gemeente,
        targets=np.array([0.0, 0.0, 2.5, 0.4]),
        total=int(rng.integers(3, 7)),
        xy=rng.random((n, 2)) * 1000,
        buurt=rng.integers(0, 4, n).astype(object),
        min_spacing_m=150.0,
        max_per_buurt=2,
    )


def _rule_keeping(problem: PlanProblem) -> list[tuple[float, float]]:
    """(mean score per site, D) of every plan in the places window keeping rule (a)."""
    pairs = [tuple(p) for p in problem.pairs()]
    upper = problem.max_places
    eligible = np.bincount(problem.gemeente, minlength=len(problem.targets))
    plans = []
    for bits in itertools.product((False, True), repeat=problem.n_sites):
        chosen = np.array(bits)
        total = int((problem.places * chosen).sum())
        if not chosen.any() or total > upper or any(chosen[i] and chosen[j] for i, j in pairs):
            continue
        if max(Counter(problem.buurt[chosen]).values()) > (problem.max_per_buurt or math.inf):
            continue
        planned = np.bincount(
            problem.gemeente, weights=problem.places * chosen, minlength=len(problem.targets)
        )
        plans.append((total, chosen, planned))
    # The window's floor ignores the rule, as the product's plan does.
    required = min(problem.total, max(t for t, _, _ in plans))
    return [
        (float(problem.score[c].mean()), problem.deviation(planned))
        for t, c, planned in plans
        if t >= required and not rule_violations(planned, problem.targets, eligible)
    ]


def _brute_force(problem: PlanProblem) -> float:
    """Best mean score per site over the plans in the places window keeping rule (a)."""
    return max((m for m, _ in _rule_keeping(problem)), default=math.nan)


def test_rule_violations_counts_at_share_gemeenten_only_when_one_below_is_left_out():
    targets = np.array([0.0, 0.0, 3.0, 1.0])
    sites = np.array([2, 2, 1, 0])
    assert rule_violations(np.array([2.0, 1.0, 0.0, 0.0]), targets, sites) == 2
    # Gemeente 2 gets a place: the at-share places break nothing.
    assert rule_violations(np.array([2.0, 1.0, 1.0, 0.0]), targets, sites) == 0
    # Gemeente 3 has no eligible site, so its lack of places breaks nothing.
    assert rule_violations(np.array([0.0, 1.0, 2.0, 0.0]), targets, sites) == 0
    assert rule_violations(np.array([0.0, 0.0, 0.0, 0.0]), targets, sites) == 0


@pytest.mark.parametrize(("seed", "sizes"), [*((s, None) for s in range(8)), (8, 2), (9, 1)])
def test_best_keeping_rule_matches_brute_force(seed: int, sizes: int | None):
    problem = _problem(seed, sizes=sizes)
    found = best_keeping_rule(problem)
    expected = _brute_force(problem)
    if math.isnan(expected):
        assert found.status == "onhaalbaar"
        assert found.chosen is None
        return
    assert found.status == "optimaal"
    assert found.chosen is not None
    assert found.mean_score == pytest.approx(expected)
    assert problem.score[found.chosen].mean() == pytest.approx(expected)
    planned = np.bincount(
        problem.gemeente, weights=problem.places * found.chosen, minlength=len(problem.targets)
    )
    eligible = np.bincount(problem.gemeente, minlength=len(problem.targets))
    assert rule_violations(planned, problem.targets, eligible) == 0


def test_the_rule_costs_suitability_when_the_best_sites_are_at_share():
    # Gemeente 0 (at its share) holds the three best sites; gemeenten 1 and 2 (below it)
    # one weak site each. Two places: both below-share sites, or none of them.
    problem = PlanProblem(
        score=np.array([0.9, 0.85, 0.8, 0.2, 0.1]),
        places=np.ones(5, dtype=np.int64),
        gemeente=np.array([0, 0, 0, 1, 2]),
        targets=np.array([0.0, 1.0, 1.0]),
        total=2,
        xy=np.column_stack([np.arange(5) * 1000.0, np.zeros(5)]),
        buurt=np.arange(5).astype(object),
    )
    found = best_keeping_rule(problem)
    assert found.chosen is not None
    assert found.chosen.tolist() == [False, False, False, True, True]
    assert found.mean_score == pytest.approx(0.15)
    # Three places: one for each below-share gemeente frees the third for the best site.
    three = best_keeping_rule(PlanProblem(**{**problem.__dict__, "total": 3}))
    assert three.chosen is not None
    assert three.chosen.tolist() == [True, False, False, True, True]


def test_no_plan_keeps_the_rule_when_spacing_parts_the_below_share_sites():
    # Sites 3 and 4 (gemeenten 1 and 2, below their share) lie 100 m apart, within the
    # 200 m spacing: they cannot both be planned, and alone they hold one of the two places.
    problem = PlanProblem(
        score=np.array([0.9, 0.8, 0.2, 0.1]),
        places=np.ones(4, dtype=np.int64),
        gemeente=np.array([0, 0, 1, 2]),
        targets=np.array([0.0, 1.0, 1.0]),
        total=2,
        xy=np.array([[0.0, 0.0], [1000.0, 0.0], [5000.0, 0.0], [5100.0, 0.0]]),
        buurt=np.arange(4).astype(object),
        min_spacing_m=200.0,
    )
    found = best_keeping_rule(problem)
    assert (found.status, found.chosen) == ("onhaalbaar", None)
    assert math.isnan(found.mean_score)
    assert math.isnan(_brute_force(problem))


@pytest.mark.parametrize(("seed", "sizes"), [*((s, None) for s in range(6)), (8, 2), (9, 1)])
@pytest.mark.parametrize("share", [0.0, 0.6, 0.9, 1.0])
def test_closest_keeping_rule_matches_brute_force(seed: int, sizes: int | None, share: float):
    # The least mean runs from none to the best rule-keeping mean itself.
    problem = _problem(seed, sizes=sizes)
    plans = _rule_keeping(problem)
    best_mean = max(m for m, _ in plans)
    min_mean = share * best_mean - 1e-5
    ok = [(d, -m) for m, d in plans if m >= min_mean]
    deviation, mean = min(ok)
    found = closest_keeping_rule(problem, min_mean=min_mean)
    assert found.status == "optimaal"
    assert found.chosen is not None
    assert (found.deviation, found.mean_score) == pytest.approx((deviation, -mean))
    planned = np.bincount(
        problem.gemeente, weights=problem.places * found.chosen, minlength=len(problem.targets)
    )
    eligible = np.bincount(problem.gemeente, minlength=len(problem.targets))
    assert rule_violations(planned, problem.targets, eligible) == 0
    assert problem.score[found.chosen].mean() >= min_mean


def test_closest_keeping_rule_finds_none_above_the_best_mean():
    problem = _problem(3)
    best = best_keeping_rule(problem)
    found = closest_keeping_rule(problem, min_mean=best.mean_score + 0.01)
    assert (found.status, found.chosen) == ("onhaalbaar", None)
