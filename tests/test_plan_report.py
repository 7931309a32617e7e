"""The council report of a plan scenario shows the plan's sites, not the score's top N.

Issue 17 item 5: a report of a scenario with a plan proposed the shortlist on its cover, map,
spread pages and site pages while its page "Verdeelplan" proposed other sites.
"""

from __future__ import annotations

import html as html_lib
import re

import pytest

from criteria.council import council_report
from criteria.run import run_scenario
from criteria.scenario import PlanOptions, Scenario
from geo import nlformat
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.report import ReportInput, render_html
from geo.report.content import shortlist
from geo.report.model import SELECTION_WORDS

TAGS = re.compile(r"<style>.*?</style>|<[^>]+>", re.DOTALL)


def _visible_text(page: str) -> str:
    """The words a reader sees: no tags, no CSS, no class names, entities decoded."""
    return html_lib.unescape(TAGS.sub(" ", page))


def _scenario(demo_source, **changes) -> Scenario:
    path = demo_source.path
    fields = {
        "profile": "noaberhuuske",
        "region": "demo",
        "data_dir": str(path),
        "candidates": str(path / DEMO_CANDIDATES),
        "facilities": str(path / DEMO_FACILITIES),
        "sensitivity": 40,
    }
    return Scenario(**(fields | changes))


@pytest.fixture(scope="module")
def planned(demo_source) -> tuple[ReportInput, str]:
    result = run_scenario(_scenario(demo_source, plan=PlanOptions(places=10)))
    report = council_report(result)
    shortlisted = set(result.table.index[result.table["shortlisted"].astype(bool)])
    assert report.plan is not None
    # The case of the issue: the plan picks other sites than the top N.
    assert set(report.plan.site_ids) != shortlisted
    return report, render_html(report)


def test_site_sections_are_exactly_the_planned_sites(planned):
    report, page = planned
    sites = shortlist(report)
    assert set(sites["id"]) == set(report.plan.site_ids)
    assert len(sites) == len(report.plan.site_ids)
    # Numbered in score-rank order; rank stays the score rank.
    assert sites["rank"].is_monotonic_increasing
    section = page.split('class="sites-title"')[1].split('<section class="annex">')[0]
    headings = re.findall(r"<h3>(\d+)\. ([^<]+)</h3>", section)
    assert [html_lib.unescape(name) for _, name in headings] == list(sites["name"])
    cover = _visible_text(page.split('<section class="page">')[0])
    assert f"{len(report.plan.site_ids)} locaties staan in het verdeelplan" in " ".join(
        cover.split()
    )


def test_plan_report_never_says_shortlist(planned):
    report, page = planned
    assert report.selection == "verdeelplan"
    text = _visible_text(page)
    assert "shortlist" not in text.lower()
    assert "Met het plan" in text
    # The shortlist's skip reasons and top-N stability would judge the plan by the wrong list.
    assert "Overgeslagen rangen" not in text
    assert "Stabiliteit" not in text
    assert {"skip_reason", "stability"}.isdisjoint(report.table.columns)
    # The sensitivity stays, labelled as about the score ranking.
    assert SELECTION_WORDS["verdeelplan"].sensitivity_note in " ".join(text.split())
    assert "Verdeelplan: 10 nieuwe plaatsen over de gemeenten" in " ".join(text.split())


def test_spread_after_is_the_plan_with_its_places(planned):
    report, page = planned
    plan = report.plan
    headline = report.spread.headline
    assert headline.after == pytest.approx(plan.index_after, rel=1e-12, abs=1e-12)
    assert headline.before == pytest.approx(plan.index_before, rel=1e-12, abs=1e-12)
    added = report.spread.after.units["places"].sum() - report.spread.before.units["places"].sum()
    assert added == pytest.approx(plan.planned_places)
    per_gemeente = report.spread.units_change.set_index("code")
    for row in plan.gemeenten:
        change = per_gemeente.loc[row.gemeentecode]
        assert change["places_after"] - change["places_before"] == pytest.approx(row.planned)
    # Page 3's index table prints the same number as the Verdeelplan page.
    evenness = _visible_text(page.split('class="page evenness"')[1].split("</section>")[0])
    assert nlformat.number(plan.index_after, decimals=3) in evenness


def test_report_without_plan_keeps_the_shortlist(demo_source):
    result = run_scenario(_scenario(demo_source, sensitivity=0))
    report = council_report(result)
    assert report.selection == "shortlist"
    assert report.table is result.table
    assert set(shortlist(report)["id"]) == set(
        result.table.loc[result.table["shortlisted"].astype(bool), "id"]
    )
    assert report.spread.headline.after == result.spread.headline.after
