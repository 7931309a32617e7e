"""Two runs side by side (criteria.compare) on the synthetic demo region."""

from __future__ import annotations

import json

import pytest

from criteria.compare import IN_BOTH, INDICES, ONLY_A, ONLY_B, compare_runs
from criteria.run import ScenarioResult, run_scenario
from criteria.scenario import Scenario, ShortlistOptions
from criteria.scenario_file import read_scenario_file
from geo.datadir import DataSource
from geo.labels import INDEX_LABELS
from geo.presentation import comparison_tables


def _run(source: DataSource, **changes) -> ScenarioResult:
    scenario = Scenario(
        profile="noaberhuuske", region="demo", data_dir=str(source.path), use_defaults=True
    )
    return run_scenario(scenario.replace(**changes))


@pytest.fixture(scope="module")
def runs(demo_source: DataSource) -> tuple[ScenarioResult, ScenarioResult]:
    a = _run(demo_source, shortlist=ShortlistOptions(top_n=5))
    b = _run(demo_source, shortlist=ShortlistOptions(top_n=5, min_spacing_m=3000))
    return a, b


def test_a_run_compared_with_itself_shares_everything(runs) -> None:
    a, _ = runs
    same = compare_runs(a, a)
    assert same.shared == len(a.shortlist) == 5
    assert (same.sites["in"] == IN_BOTH).all()
    assert (same.indices["a_after"] == same.indices["b_after"]).all()


def test_shortlist_differences_indices_and_gemeenten(runs) -> None:
    a, b = runs
    compared = compare_runs(a, b)
    ids_a, ids_b = set(a.shortlist["id"]), set(b.shortlist["id"])
    assert compared.shared == len(ids_a & ids_b)
    assert ids_a != ids_b, "3 km spacing changes the demo shortlist"
    membership = compared.sites["in"].to_dict()
    assert {i for i, m in membership.items() if m == ONLY_A} == ids_a - ids_b
    assert {i for i, m in membership.items() if m == ONLY_B} == ids_b - ids_a
    # Numbers are each list's own order 1, 2, … (3 km apart, fewer demo sites fit).
    assert sorted(compared.sites["a_number"].dropna().astype(int)) == [1, 2, 3, 4, 5]
    assert sorted(compared.sites["b_number"].dropna().astype(int)) == list(range(1, len(ids_b) + 1))
    assert list(compared.indices.index) == list(INDICES)
    gini = b.spread.index_change("gini")
    assert compared.indices.loc["gini", "b_after"] == pytest.approx(gini.after)
    assert compared.indices.loc["gini", "a_before"] == pytest.approx(gini.before)
    # New sites per gemeente add up to each shortlist.
    assert compared.gemeenten["a_new_sites"].sum() == 5
    assert compared.gemeenten["b_new_sites"].sum() == len(b.shortlist)
    places = compared.gemeenten["b_places_after"] - compared.gemeenten["b_places_before"]
    assert places.sum() > 0


def test_comparison_tables_in_dutch(runs) -> None:
    a, b = runs
    compared = compare_runs(a, b)
    indices, gemeenten, sites = comparison_tables(
        compared.indices, compared.gemeenten, compared.sites, INDEX_LABELS
    )
    assert list(indices.columns) == ["maat", "A nu", "A met shortlist", "B nu", "B met shortlist"]
    assert indices["maat"].iloc[0] == INDEX_LABELS["gini"]
    assert all("," in value for value in indices["A nu"])
    assert "A: per 10.000 met shortlist" in gemeenten.columns
    assert len(gemeenten) == len(a.spread.before.units)
    assert set(sites["op de shortlist van"]) <= {IN_BOTH, ONLY_A, ONLY_B}
    assert sites["nr. in A"].iloc[0] == "#1"


def test_a_saved_scenario_file_runs_to_the_same_shortlist(runs, tmp_path) -> None:
    a, _ = runs
    path = tmp_path / "a.scenario.json"
    path.write_text(json.dumps(a.scenario_file()), encoding="utf-8")
    again = run_scenario(read_scenario_file(path).scenario)
    assert compare_runs(a, again).shared == len(a.shortlist)
