"""The typed spread results and the JSON ``plekwijzer spread`` writes from them.

The files in ``tests/fixtures/spread_demo`` were written by ``plekwijzer spread`` on the demo
region before the results became dataclasses (the dict contracts of issue 4); users and
checks read that layout, so the JSON must stay byte for byte the same. The demo data
directory's path is written there as ``<DATA_DIR>``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import cli
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.labels import HEADLINE_INDEX
from geo.spread_result import (
    INDEX_NAMES,
    TABLE_COLUMNS,
    Change,
    FacilityAccess,
    RegionIndices,
    ScenarioSpread,
    SpreadReport,
)

EXPECTED = Path(__file__).parent / "fixtures" / "spread_demo"


def _indices(**values: float) -> RegionIndices:
    return RegionIndices(**{name: values.get(name, 0.0) for name in INDEX_NAMES})


# --- the dataclasses --------------------------------------------------------------------


def test_indices_by_name_and_headline():
    indices = _indices(gini=0.5, gini_pop_weighted=0.25, theil_between=math.nan)
    assert indices.value("gini") == 0.5
    assert indices.headline == indices.value(HEADLINE_INDEX) == 0.25
    assert [name for name, _ in indices.items()] == list(INDEX_NAMES)
    assert indices.to_json_dict()["theil_between"] is None
    with pytest.raises(KeyError, match="unknown evenness index 'gini_x'; use one of gini"):
        indices.value("gini_x")


def test_change_delta_and_json():
    assert Change(0.5, 0.25).delta == -0.25
    assert Change(0.5, 0.25).to_json_dict() == {"before": 0.5, "after": 0.25, "delta": -0.25}
    assert Change(math.nan, 0.25).to_json_dict() == {"before": None, "after": 0.25, "delta": None}
    assert Change(12, 16).to_json_dict() == {"before": 12, "after": 16, "delta": 4}


def _report(places: list[int], share_within: float) -> SpreadReport:
    units = pd.DataFrame(
        {
            "code": ["GM1", "GM2"],
            "name": ["Een", "Twee"],
            "inhabitants": [1000.0, 3000.0],
            "facilities": [1, 1],
            "places": places,
            "per_10k": [p / n * 1e4 for p, n in zip(places, [1000.0, 3000.0], strict=True)],
            "fair_share": [sum(places) / 4, sum(places) * 3 / 4],
            "surplus": [places[0] - sum(places) / 4, places[1] - sum(places) * 3 / 4],
            "draagkracht": [0.5, math.nan],
            "extra": ["not", "written"],
        }
    )
    access = FacilityAccess(
        mean_distance_m=300.0,
        share_within=share_within,
        within_m=2000.0,
        facilities=2,
        per_buurt=pd.DataFrame({"code": ["BU1"], "distance_m": [300.0]}),
    )
    return SpreadReport(
        level="gemeente",
        facility_type=None,
        indices=_indices(gini=sum(places) / 100),
        units=units,
        lorenz=((0.0, 0.0), (1.0, 1.0)),
        most_provided=("GM1",),
        least_provided=("GM2",),
        access=access,
    )


def test_report_json_keeps_the_contract_fields_only():
    plain = _report([2, 6], 0.5).to_json_dict()
    assert list(plain) == [
        "level",
        "type",
        "indices",
        "units",
        "lorenz",
        "most_provided",
        "least_provided",
        "access",
    ]
    assert plain["type"] == "all"
    assert [list(unit) for unit in plain["units"]] == [list(TABLE_COLUMNS)] * 2
    assert plain["units"][1]["draagkracht"] is None
    assert plain["access"] == {
        "mean_distance_m": 300.0,
        "share_within": 0.5,
        "within_m": 2000.0,
        "facilities": 2,
    }
    assert json.loads(json.dumps(plain)) == plain


def test_scenario_spread_changes():
    before, after = _report([2, 6], 0.5), _report([2, 10], 0.75)
    pair = ScenarioSpread(before=before, after=after, added=1, units_change=pd.DataFrame())
    assert pair.index_change("gini") == Change(0.08, 0.12)
    assert pair.access_change("share_within").delta == 0.25
    assert list(pair.index_changes()) == list(INDEX_NAMES)
    with pytest.raises(KeyError, match="unknown access figure 'per_buurt'"):
        pair.access_change("per_buurt")
    plain = pair.to_json_dict()
    assert list(plain)[-3:] == ["after", "delta", "added"]
    assert list(plain["delta"]) == ["indices", "units", "access"]
    assert plain["delta"]["access"]["facilities"] == {"before": 2, "after": 2, "delta": 0}


# --- what the CLI writes: unchanged from the dict contracts ---------------------------


@pytest.fixture(scope="module")
def shortlist(demo_source: DataSource, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typed_spread") / "shortlist.geojson"
    args = [
        "score",
        *_area(demo_source),
        "--profile",
        "tussenvoorziening",
        "--candidates",
        str(demo_source.path / DEMO_CANDIDATES),
        "--top",
        "4",
        "--out",
        str(out),
    ]
    assert cli.main(args) == 0
    return out


def _area(source: DataSource) -> list[str]:
    return [
        "--data-dir",
        str(source.path),
        "--region",
        "demo",
        "--facilities",
        str(source.path / DEMO_FACILITIES),
    ]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("gemeente.json", []),
        ("buurt_dagopvang.json", ["--level", "buurt", "--type", "dagopvang"]),
        (
            "wijk_scenario.json",
            ["--level", "wijk", "--scenario", "{shortlist}", "--fair-share-correction", "0.5"],
        ),
        ("gemeente_scenario.csv", ["--scenario", "{shortlist}"]),
    ],
)
def test_spread_output_is_byte_identical(
    demo_source: DataSource, shortlist: Path, tmp_path: Path, name: str, options: list[str]
):
    out = tmp_path / name
    options = [o.format(shortlist=shortlist) for o in options]
    assert cli.main(["spread", *_area(demo_source), *options, "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8").replace(str(demo_source.path), "<DATA_DIR>")
    assert written == (EXPECTED / name).read_text(encoding="utf-8")


def test_score_records_the_headline_spread_as_before(shortlist: Path):
    collection = json.loads(shortlist.read_text(encoding="utf-8"))
    expected = json.loads((EXPECTED / "score_member.json").read_text(encoding="utf-8"))
    assert collection["plekwijzer"] == expected
