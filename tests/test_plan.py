"""The regional plan: the MIP against brute force, reasons, keys, the CLI and its rerun."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import cli
from criteria._errors import PlanError
from criteria.fair_share import key_shares, load_key, shares_from_csv
from criteria.plan import REASON_CAP, REASON_NO_SITE, REASON_SPACING, _reason, counted_types
from criteria.plan_result import FRONTIER_EVENNESS
from criteria.plan_solver import (
    PlanProblem,
    PlanSolution,
    candidate_pool,
    solve_ends,
    solve_plan,
)
from criteria.scenario import PlanOptions, Scenario
from criteria.scenario_file import scenario_data, scenario_from_data
from geo._errors import PlekwijzerInputError

ROOT = Path(__file__).resolve().parents[1]
ILLUSTRATIVE = ROOT / "data" / "illustrative"


def _problem(seed: int, **changes) -> PlanProblem:
    rng = np.random.default_rng(seed)
    n = 10
    fields = {
        "score": rng.random(n).round(2),
        "places": rng.integers(1, 4, n),
        "gemeente": rng.integers(0, 3, n),
        "targets": np.array([3.4, 1.2, 0.0]),
        "total": 5,
        "xy": rng.random((n, 2)) * 1000,
        "buurt": rng.integers(0, 4, n).astype(object),
        "min_spacing_m": 200.0,
        "max_per_buurt": 2,
    }
    return PlanProblem(**(fields | changes))


def _objectives(problem: PlanProblem, chosen: np.ndarray) -> tuple[float, float]:
    """(S, D) written out: D = sum over gemeenten of (P - t)^2 / max(t, 1)."""
    suitability = sum(
        s * p for s, p, c in zip(problem.score, problem.places, chosen, strict=True) if c
    )
    deviation = 0.0
    for g, target in enumerate(problem.targets):
        planned = sum(
            p
            for p, h, c in zip(problem.places, problem.gemeente, chosen, strict=True)
            if c and h == g
        )
        deviation += (planned - target) ** 2 / max(target, 1.0)
    return float(suitability), deviation


def _feasible(problem: PlanProblem) -> list[tuple[float, float]]:
    """(S, D) of every feasible choice with the fewest places missing, by enumeration."""
    pairs = [tuple(p) for p in problem.pairs()]
    upper = problem.total + problem.places.max() - 1
    found = []
    for bits in itertools.product((False, True), repeat=problem.n_sites):
        chosen = np.array(bits)
        total = int((problem.places * chosen).sum())
        if total > upper or any(chosen[i] and chosen[j] for i, j in pairs):
            continue
        caps = Counter(problem.buurt[chosen])
        if problem.max_per_buurt is not None and any(
            v > problem.max_per_buurt for v in caps.values()
        ):
            continue
        found.append((total, *_objectives(problem, chosen)))
    required = min(problem.total, max(t for t, _, _ in found))
    return [(s, d) for t, s, d in found if t >= required]


@pytest.mark.parametrize(("seed", "size"), [*((s, None) for s in range(6)), (6, 2), (7, 3)])
def test_plan_is_optimal_against_brute_force(seed: int, size: int | None):
    # Equal site sizes make the chain run in steps of that size.
    problem = _problem(seed) if size is None else _problem(seed, places=np.full(10, size))
    choices = _feasible(problem)
    s0 = max(s for s, _ in choices)
    d0 = min(d for s, d in choices if s >= s0 - 1e-9)
    d1 = min(d for _, d in choices)
    s1 = max(s for s, d in choices if d <= d1 + 1e-9)
    best, even = solve_ends(problem)
    assert (best.suitability, best.deviation) == pytest.approx((s0, d0))
    assert (even.suitability, even.deviation) == pytest.approx((s1, d1))
    assert best.status == even.status == "optimaal"
    for e in (0.25, 0.5, 0.75):
        plan = solve_plan(problem, e, ends=(best, even))
        if s0 - s1 < 1e-9 or d0 - d1 < 1e-9:
            continue

        def value(s: float, d: float, e: float = e) -> float:
            return (1 - e) * (s - s1) / (s0 - s1) - e * (d - d1) / (d0 - d1)

        assert value(plan.suitability, plan.deviation) == pytest.approx(
            max(value(s, d) for s, d in choices), abs=1e-7
        )


def _even_sites(scores: list[list[float]], targets: list[float], total: int) -> PlanProblem:
    """One place per site, sites 1 km apart, no spacing or cap; scores per gemeente."""
    score = np.array([s for row in scores for s in row])
    gemeente = np.array([g for g, row in enumerate(scores) for _ in row])
    n = len(score)
    return PlanProblem(
        score=score,
        places=np.ones(n, dtype=np.int64),
        gemeente=gemeente,
        targets=np.array(targets, dtype=float),
        total=total,
        xy=np.column_stack([np.arange(n) * 1000.0, np.zeros(n)]),
        buurt=np.arange(n).astype(object),
    )


def _planned(problem: PlanProblem, chosen: np.ndarray) -> list[int]:
    return (
        np.bincount(problem.gemeente, weights=chosen, minlength=len(problem.targets))
        .astype(int)
        .tolist()
    )


def test_evenness_1_spreads_places_in_proportion_to_the_targets():
    # Targets 30/20/10 against 6 places; the first gemeente has the best sites. Within the
    # targets every split was equally close under the L1 distance (all 6 went to the best
    # sites); the key asks 3/2/1.
    problem = _even_sites([[0.9] * 8, [0.5] * 8, [0.4] * 8], [30.0, 20.0, 10.0], 6)
    best, even = solve_ends(problem)
    assert _planned(problem, best.chosen) == [6, 0, 0]
    assert _planned(problem, even.chosen) == [3, 2, 1]
    # Equally good sites everywhere: the same split.
    flat = _even_sites([[0.5] * 8] * 3, [30.0, 20.0, 10.0], 6)
    assert _planned(flat, solve_ends(flat)[1].chosen) == [3, 2, 1]


def test_evenness_1_apportions_like_sainte_lague():
    # With one place per site and room everywhere, min D is Sainte-Laguë apportionment by
    # the targets: each next place goes where target / (2 P + 1) is largest.
    rng = np.random.default_rng(7)
    for _ in range(4):
        targets = rng.uniform(1.0, 40.0, 4).round(1)
        total = int(rng.integers(3, 12))
        problem = _even_sites([list(rng.random(12).round(3)) for _ in targets], targets, total)
        planned = np.zeros(len(targets), dtype=int)
        for _ in range(total):
            planned[np.argmax(targets / (2 * planned + 1))] += 1
        assert _planned(problem, solve_ends(problem)[1].chosen) == planned.tolist()


def test_no_place_at_fair_share_while_a_gemeente_below_it_has_a_site():
    # Gemeente 0 is at its fair share (target 0) with the best sites; gemeente 1 lacks 0,3
    # place and has one weak site; gemeente 2 lacks one and has one site. Three places:
    # gemeente 0 only gets the place the others cannot hold.
    problem = _even_sites([[0.99, 0.98, 0.97], [0.1], [0.2]], [0.0, 0.3, 1.0], 3)
    best, even = solve_ends(problem)
    assert _planned(problem, best.chosen) == [3, 0, 0]
    assert _planned(problem, even.chosen) == [1, 1, 1]
    two = _even_sites([[0.99, 0.98, 0.97], [0.1], [0.2]], [0.0, 0.3, 1.0], 2)
    assert _planned(two, solve_ends(two)[1].chosen) == [0, 1, 1]


@pytest.mark.parametrize("seed", range(8))
def test_fair_share_rule_holds_at_evenness_1(seed: int):
    rng = np.random.default_rng(seed)
    targets = np.where(rng.random(5) < 0.4, 0.0, rng.uniform(0.1, 20.0, 5).round(1))
    rows = [list(rng.random(int(rng.integers(0, 4))).round(2)) for _ in targets]
    total = min(int(rng.integers(1, 9)), sum(map(len, rows)))
    problem = _even_sites(rows, targets.tolist(), total)
    planned = np.array(_planned(problem, solve_ends(problem)[1].chosen))
    has_site = np.array([len(r) > 0 for r in rows])
    above_gets = ((targets == 0) & (planned > 0)).any()
    below_none = ((targets > 0) & (planned == 0) & has_site).any()
    assert not (above_gets and below_none)


def test_equal_closeness_is_broken_by_suitability_and_reruns_identically():
    # Targets 10/10 and 3 places: 2/1 and 1/2 are equally close; the better sites take two.
    problem = _even_sites([[0.5, 0.5, 0.5], [0.7, 0.6, 0.6]], [10.0, 10.0], 3)
    even = solve_ends(problem)[1]
    assert _planned(problem, even.chosen) == [1, 2]
    assert even.chosen[3]  # the 0,7 site
    assert even.suitability == pytest.approx(0.5 + 0.7 + 0.6)
    tied = _even_sites([[0.5] * 3, [0.5] * 3], [10.0, 10.0], 3)
    first = solve_plan(tied, 1.0).chosen
    assert sorted(_planned(tied, first)) == [1, 2]
    assert all((solve_plan(tied, 1.0).chosen == first).all() for _ in range(2))


def test_places_short_of_n_are_planned_as_far_as_sites_allow():
    # Three sites, all within 100 m of each other: one can be planned.
    problem = _problem(
        0,
        score=np.array([0.9, 0.8, 0.7]),
        places=np.array([2, 2, 2]),
        gemeente=np.array([0, 0, 1]),
        xy=np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]]),
        buurt=np.array(["a", "b", "c"], dtype=object),
        targets=np.array([3.0, 3.0]),
        total=6,
    )
    best, even = solve_ends(problem)
    assert best.required_places == 2
    assert best.chosen.tolist() == [True, False, False]
    assert even.chosen.sum() == 1


def test_ties_are_broken_by_suitability_at_evenness_1():
    # Both gemeenten are below target; 1 place: either is as even, the better site wins.
    problem = _problem(
        0,
        score=np.array([0.4, 0.6, 0.9]),
        places=np.array([1, 1, 1]),
        gemeente=np.array([0, 1, 2]),
        xy=np.array([[0.0, 0.0], [5000.0, 0.0], [0.0, 5000.0]]),
        buurt=np.array(["a", "b", "c"], dtype=object),
        targets=np.array([2.0, 2.0, 0.0]),
        total=1,
    )
    best, even = solve_ends(problem)
    assert best.chosen.tolist() == [False, False, True]  # best site, in a gemeente at target 0
    assert even.chosen.tolist() == [False, True, False]
    assert solve_plan(problem, 1.0, ends=(best, even)) is even


def test_equal_scores_give_the_same_plan_every_time():
    problem = _problem(3, score=np.full(10, 0.5))
    first = solve_plan(problem, 0.5)
    assert all((solve_plan(problem, 0.5).chosen == first.chosen).all() for _ in range(2))


def _solution(problem: PlanProblem, chosen: list[bool]) -> PlanSolution:
    mask = np.array(chosen)
    s, d = problem.evaluate(mask)
    return PlanSolution(mask, s, d, 1.0, "optimaal", 0.0, 0.0, problem.total)


def test_reasons_name_why_a_gemeente_stays_short():
    problem = _problem(
        0,
        score=np.array([0.9, 0.8, 0.7, 0.6]),
        places=np.array([1, 1, 1, 1]),
        gemeente=np.array([0, 0, 1, 1]),
        targets=np.array([2.0, 2.0, 3.0]),
        xy=np.array([[0.0, 0.0], [10.0, 0.0], [5000.0, 0.0], [6000.0, 0.0]]),
        buurt=np.array(["a", "a2", "b", "b"], dtype=object),
        min_spacing_m=100.0,
        max_per_buurt=1,
    )
    solution = _solution(problem, [True, False, True, False])
    assert _reason(problem, solution, 0, 1.0, 1.0) == REASON_SPACING
    assert _reason(problem, solution, 1, 1.0, 1.0) == REASON_CAP
    assert _reason(problem, solution, 2, 3.0, 1.0) == REASON_NO_SITE
    assert _reason(problem, solution, 0, 0.4, 1.0) is None


def test_problem_refuses_fractional_places():
    with pytest.raises(PlanError, match="heel aantal plaatsen"):
        _problem(0, places=np.full(10, 1.5))


def test_counted_types():
    assert counted_types("same", facility_type="noaberhuuske") == ("noaberhuuske",)
    assert "vrouwenopvang" in counted_types("all", facility_type="noaberhuuske")
    assert counted_types("nachtopvang, dagopvang", facility_type="x") == (
        "nachtopvang",
        "dagopvang",
    )
    with pytest.raises(PlanError, match=r"onbekend\(e\) type\(n\) voorziening"):
        counted_types("nachtopvang,kasteel", facility_type="x")


def test_plan_options_round_trip_in_the_scenario():
    scenario = Scenario(profile="noaberhuuske", region="twente", plan=PlanOptions(places=40))
    data = json.loads(json.dumps(scenario_data(scenario)))
    assert data["plan"]["places"] == 40
    assert scenario_from_data(data).scenario == scenario
    with pytest.raises(PlanError, match="evenness"):
        PlanOptions(places=4, evenness=1.5)


def test_draagkracht_key_shifts_share_to_the_gemeente_that_carries_more():
    import pandas as pd

    units = pd.DataFrame(
        {"code": ["GM1", "GM2"], "inhabitants": [10_000, 10_000], "draagkracht": [0.4, 0.8]}
    )
    assert key_shares(load_key("inwoners"), units).tolist() == [0.5, 0.5]
    shares = key_shares(load_key("draagkracht"), units)
    assert shares["GM2"] > 0.5 > shares["GM1"]
    assert shares.sum() == pytest.approx(1.0)


def test_user_key_is_normalised(tmp_path: Path):
    path = tmp_path / "key.csv"
    path.write_text("gemeentecode;share\nGM0001;3\nGM0002;1\n", encoding="utf-8")
    shares = shares_from_csv(path, gemeenten=["GM0001", "GM0002"])
    assert shares.tolist() == [0.75, 0.25]
    assert load_key(str(path)).path == str(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("gemeentecode,share\nGM0001,1\nGM0009,1\n", r"key.csv: rij 3, kolom 'gemeentecode'"),
        ("gemeentecode,share\nGM0001,1\nGM0002,-1\n", r"rij 3, kolom 'share'"),
        ("gemeentecode,share\nGM0001,1\n", r"geen rij voor GM0002"),
        ("gemeentecode,share\nGM0001,1\nGM0001,2\nGM0002,1\n", r"rij 3.*staat er twee keer"),
        ("gemeentecode,aandeel\nGM0001,1\n", r"kolom 'share' ontbreekt"),
        ("gemeentecode,share\nGM0001,0\nGM0002,0\n", r"tellen op tot 0"),
    ],
)
def test_user_key_errors_name_file_row_and_column(tmp_path: Path, text: str, match: str):
    path = tmp_path / "key.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=match):
        shares_from_csv(path, gemeenten=["GM0001", "GM0002"])


def test_unknown_key_lists_the_keys():
    with pytest.raises(PlekwijzerInputError, match="gebruik inwoners, draagkracht of een CSV"):
        load_key("welvaart")


# The CLI on real data (Drechtsteden, tussenvoorziening): one run, reused by the tests below.


@pytest.fixture(scope="module")
def planned(shared_source, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "dr.geojson"
    code = cli.main([
        "plan", "--profile", "tussenvoorziening", "--region", "drechtsteden",
        "--candidates", str(ILLUSTRATIVE / "drechtsteden_candidates.csv"),
        "--facilities", str(ILLUSTRATIVE / "drechtsteden_facilities.csv"),
        "--places", "120", "--min-spacing-m", "500", "--max-per-buurt", "1",
        "--out", str(out), "--summary", str(out.with_suffix(".json")),
        "--data-dir", str(shared_source.path),
    ])  # fmt: skip
    assert code == 0
    return out


def test_plan_summary_has_the_contract_fields(planned: Path):
    summary = json.loads(planned.with_suffix(".json").read_text(encoding="utf-8"))
    assert {
        "key", "types_counted", "places", "gemeenten", "evenness_index", "mean_score",
        "mean_score_best", "frontier",
    } <= set(summary)  # fmt: skip
    assert summary["key"] == "inwoners"
    assert summary["places"] == 120
    row_keys = {
        "gemeentecode", "naam", "inwoners", "share", "existing", "fair_share", "target",
        "planned", "shortfall", "reason",
    }  # fmt: skip
    assert all(set(g) == row_keys for g in summary["gemeenten"])
    assert sum(g["planned"] for g in summary["gemeenten"]) == 120
    assert sum(g["share"] for g in summary["gemeenten"]) == pytest.approx(1.0)
    index = summary["evenness_index"]
    assert index["name"] == "gini_pop_weighted"
    assert index["after"] <= index["before"]
    assert [p["evenness"] for p in summary["frontier"]] == list(FRONTIER_EVENNESS)
    assert summary["frontier"][-1]["index_after"] == index["after"]
    assert summary["frontier"][0]["mean_score"] == summary["mean_score_best"]
    assert summary["mean_score"] <= summary["mean_score_best"]
    # No gemeente at or above its fair share gets places while one below it gets none.
    above = [g for g in summary["gemeenten"] if g["target"] == 0 and g["planned"] > 0]
    below = [g for g in summary["gemeenten"] if g["target"] > 0 and g["planned"] == 0]
    assert not (above and below)


def test_plan_export_is_the_score_export_plus_planned_and_places(planned: Path):
    collection = json.loads(planned.read_text(encoding="utf-8"))
    props = [f["properties"] for f in collection["features"]]
    assert {"id", "score", "rank", "criteria", "shortlisted", "planned", "places"} <= set(props[0])
    chosen = [p for p in props if p["planned"]]
    assert sum(p["places"] for p in chosen) == 120
    assert all(not p["excluded"] for p in chosen)
    assert set(collection["plekwijzer"]["plan"]["ids"]) == {p["id"] for p in chosen}


def test_plan_reruns_byte_identical_from_its_scenario(planned: Path, shared_source):
    again = planned.with_name("again.geojson")
    scenario = planned.with_name(planned.stem + ".scenario.json")
    assert json.loads(scenario.read_text(encoding="utf-8"))["plan"]["places"] == 120
    code = cli.main([
        "plan", "--scenario", str(scenario), "--out", str(again),
        "--data-dir", str(shared_source.path),
    ])  # fmt: skip
    assert code == 0
    assert again.read_bytes() == planned.read_bytes()


def test_plan_scenario_refuses_plan_flags(planned: Path, capsys: pytest.CaptureFixture):
    scenario = planned.with_name(planned.stem + ".scenario.json")
    code = cli.main([
        "plan", "--scenario", str(scenario), "--places", "3",
        "--out", str(planned.with_name("x.geojson")),
    ])  # fmt: skip
    assert code == 2
    assert "--scenario legt --places al vast" in capsys.readouterr().err


def test_plan_without_places_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture):
    code = cli.main([
        "plan", "--profile", "noaberhuuske", "--region", "twente",
        "--candidates", str(ILLUSTRATIVE / "twente_candidates.csv"),
        "--out", str(tmp_path / "p.geojson"),
    ])  # fmt: skip
    assert code == 2
    assert "--places" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("seed", "spacing", "cap"), [(0, 0.0, None), (1, 0.0, 1), (2, 150.0, None), (3, 300.0, 2)]
)
def test_candidate_pool_keeps_an_optimal_plan(seed: int, spacing: float, cap: int | None):
    rng = np.random.default_rng(seed)
    n = 40
    problem = _problem(
        seed,
        score=rng.random(n).round(3),
        places=np.full(n, 2),
        gemeente=rng.integers(0, 3, n),
        xy=rng.random((n, 2)) * 1500,
        buurt=rng.integers(0, 8, n).astype(object),
        min_spacing_m=spacing,
        max_per_buurt=cap,
        total=4,
    )
    pool = candidate_pool(problem)
    assert len(pool) < n
    whole = solve_ends(problem)
    pooled = solve_ends(problem.subset(pool))
    for a, b in zip(whole, pooled, strict=True):
        assert (a.suitability, a.deviation) == pytest.approx((b.suitability, b.deviation))


def _plan_result():
    from criteria.plan_result import FrontierPoint, GemeentePlan, PlanResult

    rows = (
        GemeentePlan("GM0001", "Oost", 30_000, 0.6, 10, 12.0, 2.0, 2, 2, 5, 0.0, None),
        GemeentePlan(
            "GM0002", "West", 20_000, 0.4, 0, 8.0, 8.0, 0, 0, 0, 8.0, "geen geschikte locatie"
        ),
    )
    frontier = tuple(
        FrontierPoint(e, 0.5 - 0.1 * e, 0.8 - 0.05 * e, 2, 8) for e in FRONTIER_EVENNESS
    )
    return PlanResult(
        key="inwoners", key_label="Inwoners", types_counted=("noaberhuuske",), places=10,
        evenness=1.0, site_ids=("A", "B"), site_places=(1.0, 1.0), gemeenten=rows,
        index_before=0.6, index_after=0.4, mean_score=0.75, mean_score_best=0.8,
        frontier=frontier, status="optimaal", gap=0.0, solve_s=0.1,
    )  # fmt: skip


def test_report_page_verdeelplan_shows_table_and_frontier():
    from types import SimpleNamespace

    from geo.report.content import plan_section

    section = plan_section(SimpleNamespace(plan=_plan_result()))
    assert section is not None
    assert [r["gemeente"] for r in section["rows"]] == ["Oost", "West"]
    assert section["rows"][1]["reason"] == "geen geschikte locatie"
    assert section["rows"][1]["shortfall"] == "8,0"
    assert "0,600 naar 0,400" in section["summary"]
    assert [f["evenness"] for f in section["frontier"]] == ["0,00", "0,25", "0,50", "0,75", "1,00"]
    assert section["chart"].startswith("data:image/png;base64,")
    assert plan_section(SimpleNamespace(plan=None)) is None


def test_summary_is_json_with_the_contract_fields():
    summary = json.loads(json.dumps(_plan_result().summary()))
    assert summary["evenness_index"] == {
        "name": "gini_pop_weighted",
        "label": "Gini (plaatsen per 10.000 inwoners), over de gemeenten",
        "before": 0.6,
        "after": 0.4,
    }
    assert summary["frontier"][0] == {"evenness": 0.0, "index_after": 0.5, "mean_score": 0.8}
    assert summary["gemeenten"][1]["shortfall"] == 8.0


def test_heuristic_pool_states_a_valid_gap(monkeypatch: pytest.MonkeyPatch):
    # Forced onto the heuristic pool, each end's gap must cover its distance to the true
    # optimum (found over every site): S_0 >= (1 - gap) S*, D_1 <= D* / (1 - gap).
    import criteria.plan_solver as plan_solver

    rng = np.random.default_rng(12)
    n = 30
    problem = _problem(
        12,
        score=rng.random(n).round(3),
        places=np.ones(n, dtype=np.int64),
        gemeente=rng.integers(0, 3, n),
        targets=np.array([6.0, 3.0, 0.0]),
        total=5,
        xy=rng.random((n, 2)) * 800,
        buurt=rng.integers(0, 6, n).astype(object),
        min_spacing_m=250.0,
        max_per_buurt=None,
    )
    exact_best, exact_even = solve_ends(problem)
    monkeypatch.setattr(plan_solver, "MAX_EXACT_PAIRS", -1)
    _, best, even = plan_solver.solve_ends_large(problem)
    assert best.status == even.status == "begrensd"
    assert best.suitability < exact_best.suitability  # the pool really is heuristic here
    assert best.suitability >= (1 - best.gap) * exact_best.suitability - 1e-9
    assert even.deviation * (1 - even.gap) <= exact_even.deviation + 1e-9


def test_relaxation_bound_leaves_the_sites_binary():
    # Three sites in one spacing conflict: the LP takes half of each (1,5), a plan one site.
    from criteria.plan_solver import _Model

    problem = _problem(
        0,
        score=np.ones(3),
        places=np.ones(3, dtype=np.int64),
        gemeente=np.zeros(3, dtype=np.int64),
        targets=np.array([3.0]),
        total=3,
        xy=np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]),
        buurt=np.array(["a", "b", "c"], dtype=object),
        max_per_buurt=None,
    )
    model = _Model(problem)
    model.prob.setObjective(model.suitability)
    assert model.relaxation_bound() == pytest.approx(1.5)
    chosen, status, _, _ = model.solve(model.suitability)
    assert status == "optimaal"
    assert chosen.sum() == 1
    assert all(v.varValue in (0, 1) for v in model.x)
