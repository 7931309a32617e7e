"""LSCP and MCLP on tiny hand-checked cases, the score tie-break, and a brute-force check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from criteria._errors import CoverageError
from criteria.coverage import CoverageProblem, solve_coverage

# Four buurten on a line at x = 0, 10, 20, 30 m with 1, 2, 3, 4 inhabitants; reach 5 m.
# Site "s5" reaches a+b, "s25" c+d, "s15" b+c, "s0" only a, "s30" only d. The only cover with
# two sites is {s5, s25}; every other cover needs three.
DEMAND_X = np.array([0.0, 10.0, 20.0, 30.0])
DEMAND_IDS = ["a", "b", "c", "d"]
INHABITANTS = [1.0, 2.0, 3.0, 4.0]


def line_problem(
    sites: dict[str, float],
    *,
    scores: dict[str, float] | None = None,
    existing: tuple[str, ...] = (),
    inhabitants: list[float] = INHABITANTS,
    reach_m: float = 5.0,
) -> CoverageProblem:
    ids = list(sites)
    x = np.array([sites[i] for i in ids])
    return CoverageProblem.from_cost_matrix(
        np.abs(DEMAND_X[:, None] - x[None, :]),
        reach_m=reach_m,
        demand_ids=DEMAND_IDS,
        inhabitants=inhabitants,
        site_ids=ids,
        existing=[i in existing for i in ids],
        scores=[(scores or {}).get(i, 0.5) for i in ids],
    )


LINE = {"s5": 5.0, "s25": 25.0, "s15": 15.0, "s0": 0.0, "s30": 30.0}


def test_lscp_finds_the_known_smallest_cover() -> None:
    result = solve_coverage(line_problem(LINE))
    assert result.model == "lscp"
    assert set(result.new_sites) == {"s5", "s25"}
    assert result.covered_before == 0.0
    assert result.covered_after == 1.0
    assert result.uncovered == ()
    assert result.unreachable == ()


def test_lscp_never_trades_a_site_for_score() -> None:
    # The three single-buurt sites score far better; a weighted objective "count - score"
    # would take them (3 - 2.7 < 2 - 0.2). The second solve keeps the count at 2.
    scores = {"s5": 0.1, "s25": 0.1, "s15": 0.9, "s0": 0.9, "s30": 0.9}
    result = solve_coverage(line_problem(LINE, scores=scores))
    assert set(result.new_sites) == {"s5", "s25"}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"p": 0.3, "q": 0.5, "r": 0.3, "s": 0.4}, {"q", "s"}),
        ({"p": 0.5, "q": 0.3, "r": 0.4, "s": 0.3}, {"p", "r"}),
    ],
)
def test_lscp_ties_go_to_the_highest_total_score(
    scores: dict[str, float], expected: set[str]
) -> None:
    # p and q both reach a+b, r and s both reach c+d: four covers of two sites each.
    sites = {"p": 5.0, "q": 5.0, "r": 25.0, "s": 25.0}
    result = solve_coverage(line_problem(sites, scores=scores))
    assert set(result.new_sites) == expected


def test_lscp_with_an_existing_facility_adds_only_what_is_missing() -> None:
    result = solve_coverage(line_problem(LINE, existing=("s5",)))
    assert result.existing == 1
    assert result.existing_ids == ("s5",)
    assert result.new_sites == ("s25",)
    assert result.covered_before == pytest.approx(0.3)
    assert result.covered_after == 1.0


def test_lscp_when_existing_facilities_cover_everything() -> None:
    result = solve_coverage(line_problem(LINE, existing=("s5", "s25")))
    assert result.new_sites == ()
    assert result.covered_before == result.covered_after == 1.0


def test_unreachable_buurten_are_listed_and_the_rest_is_covered() -> None:
    result = solve_coverage(line_problem({"s5": 5.0, "s15": 15.0}))
    assert [b.buurtcode for b in result.unreachable] == ["d"]
    assert [(b.buurtcode, b.inhabitants) for b in result.uncovered] == [("d", 4.0)]
    assert len(result.new_sites) == 2
    assert result.covered_after == pytest.approx(0.6)


def test_mclp_takes_the_site_reaching_most_inhabitants() -> None:
    result = solve_coverage(line_problem(LINE), n_sites=1)
    assert result.model == "mclp"
    assert result.new_sites == ("s25",)
    assert result.covered_after == pytest.approx(0.7)
    # Largest uncovered buurt first.
    assert [b.buurtcode for b in result.uncovered] == ["b", "a"]
    assert result.sites_needed is None


def test_mclp_counts_existing_facilities_as_cover() -> None:
    # With d already reached, s15 (b+c: 5 inhabitants) adds most, not s25 (adds only c: 3).
    result = solve_coverage(line_problem(LINE, existing=("s30",)), n_sites=1)
    assert result.new_sites == ("s15",)
    assert result.covered_before == pytest.approx(0.4)
    assert result.covered_after == pytest.approx(0.9)


@pytest.mark.parametrize(("better", "worse"), [("s0", "s30"), ("s30", "s0")])
def test_mclp_ties_go_to_the_higher_score(better: str, worse: str) -> None:
    sites = {"s0": 0.0, "s30": 30.0}
    problem = line_problem(sites, scores={better: 0.9, worse: 0.2}, inhabitants=[5, 1, 1, 5])
    assert solve_coverage(problem, n_sites=1).new_sites == (better,)


def test_mclp_with_more_sites_than_needed_returns_the_smallest_full_cover() -> None:
    result = solve_coverage(line_problem(LINE), n_sites=4)
    assert set(result.new_sites) == {"s5", "s25"}
    assert result.sites_asked == 4
    assert result.sites_needed == 2
    assert result.covered_after == 1.0


def test_cover_rank_orders_sites_by_the_inhabitants_they_add() -> None:
    result = solve_coverage(line_problem(LINE))
    assert [(s.id, s.cover_rank, s.adds_inhabitants) for s in result.sites] == [
        ("s25", 1, 7.0),
        ("s5", 2, 3.0),
    ]
    assert result.served_by == {"a": "s5", "b": "s5", "c": "s25", "d": "s25"}


def test_to_dict_holds_the_cli_contract() -> None:
    payload = solve_coverage(line_problem(LINE, existing=("s5",))).to_dict()
    assert {
        "reach_m",
        "model",
        "existing",
        "new_sites",
        "inhabitants",
        "covered_before",
        "covered_after",
        "uncovered",
        "solve_s",
    } <= set(payload)
    assert payload["existing"] == 1
    assert payload["new_sites"] == ["s25"]
    assert payload["inhabitants"] == 10.0


def brute_force(problem: CoverageProblem, n_sites: int | None) -> tuple[float, float, int]:
    """Best (coverage, score, -count) over every subset of candidates, by enumeration."""
    covers = problem.covers
    weights = problem.inhabitants
    candidates = np.flatnonzero(~problem.existing)
    reachable = covers.any(axis=1)
    best = None
    sizes = range(len(candidates) + 1) if n_sites is None else [n_sites]
    for size in sizes:
        for subset in itertools.combinations(candidates, size):
            open_sites = problem.existing.copy()
            open_sites[list(subset)] = True
            covered = covers[:, open_sites].any(axis=1)
            if n_sites is None and not covered[reachable].all():
                continue
            key = (
                float(weights[covered].sum()),
                -size if n_sites is None else 0,
                float(problem.scores[list(subset)].sum()),
            )
            best = key if best is None or key > best else best
    assert best is not None
    return best[0], best[2], best[1]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_sites", [None, 2])
def test_plans_match_brute_force_enumeration(seed: int, n_sites: int | None) -> None:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 1000, (9, 2))
    sites = rng.uniform(0, 1000, (8, 2))
    cost = np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    problem = CoverageProblem.from_cost_matrix(
        cost,
        reach_m=350.0,
        demand_ids=[f"d{i}" for i in range(9)],
        inhabitants=rng.integers(1, 100, 9),
        site_ids=[f"s{j}" for j in range(8)],
        existing=[j == 0 for j in range(8)],
        scores=rng.uniform(0, 1, 8).round(3),
    )
    result = solve_coverage(problem, n_sites=n_sites)
    chosen = [problem.site_ids.index(i) for i in result.new_sites]
    coverage, score, minus_count = brute_force(problem, n_sites)
    total = problem.inhabitants.sum()
    assert result.covered_after * total == pytest.approx(coverage, abs=1e-3)
    if result.sites_needed is None:
        assert problem.scores[chosen].sum() == pytest.approx(score)
    if n_sites is None:
        assert len(chosen) == -minus_count


@pytest.mark.parametrize("reach", [-5, 0, float("nan"), float("inf"), "far"])
def test_bad_reach_is_refused(reach: object) -> None:
    with pytest.raises(CoverageError, match="het bereik moet een afstand in meters > 0 zijn"):
        line_problem(LINE, reach_m=reach)  # type: ignore[arg-type]


@pytest.mark.parametrize("n_sites", [0, -1, 1.5, True])
def test_bad_site_count_is_refused(n_sites: object) -> None:
    with pytest.raises(CoverageError, match="heel getal ≥ 1"):
        solve_coverage(line_problem(LINE), n_sites=n_sites)  # type: ignore[arg-type]


def test_inconsistent_inputs_are_refused() -> None:
    with pytest.raises(CoverageError, match=r"cost_m heeft vorm \(4, 1\), verwacht \(4, 2\)"):
        CoverageProblem.from_cost_matrix(
            np.zeros((4, 1)),
            reach_m=5,
            demand_ids=DEMAND_IDS,
            inhabitants=INHABITANTS,
            site_ids=["x", "y"],
        )
    with pytest.raises(CoverageError, match="plek-id 'x' komt twee keer voor"):
        CoverageProblem.from_cost_matrix(
            np.zeros((4, 2)),
            reach_m=5,
            demand_ids=DEMAND_IDS,
            inhabitants=INHABITANTS,
            site_ids=["x", "x"],
        )
    with pytest.raises(CoverageError, match="één getal > 0 per vraagpunt"):
        CoverageProblem.from_cost_matrix(
            np.zeros((4, 1)),
            reach_m=5,
            demand_ids=DEMAND_IDS,
            inhabitants=[1, 0, 1, 1],
            site_ids=["x"],
        )
    with pytest.raises(CoverageError, match="er zijn geen plekken"):
        solve_coverage(
            CoverageProblem.from_cost_matrix(
                np.zeros((4, 0)),
                reach_m=5,
                demand_ids=DEMAND_IDS,
                inhabitants=INHABITANTS,
                site_ids=[],
            )
        )


def test_a_network_cost_matrix_replaces_straight_lines() -> None:
    # Walking around a canal: b is 40 m from s5 on foot, so s5 no longer reaches it.
    cost = np.abs(DEMAND_X[:, None] - np.array([5.0, 25.0, 15.0])[None, :])
    cost[1, 0] = 40.0
    cost[3, 1] = np.nan  # no path at all
    problem = CoverageProblem.from_cost_matrix(
        cost,
        reach_m=5,
        demand_ids=DEMAND_IDS,
        inhabitants=INHABITANTS,
        site_ids=["s5", "s25", "s15"],
    )
    result = solve_coverage(problem)
    assert [b.buurtcode for b in result.unreachable] == ["d"]
    assert set(result.new_sites) == {"s5", "s15"}
