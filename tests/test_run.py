"""The seam: one Scenario, run_scenario, and the same figures in the CLI, the app and a rerun."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cli
from criteria.run import run_scenario
from criteria.scenario import Scenario, ShortlistOptions
from criteria.scenario_file import scenario_data, scenario_from_data
from geo._errors import PlekwijzerError, PlekwijzerInputError
from geo.labels import HEADLINE_LABEL
from geo.presentation import parse_number
from geo.settings import DATA_DIR_ENV

APP = str(Path(__file__).resolve().parents[1] / "app.py")
#: The app's shortlist defaults: top 10, 1,000 m apart, at most one per buurt.
APP_OPTIONS = {"top_n": 10, "min_spacing_m": 1000.0, "max_per_buurt": 1}


def _write(scenario: Scenario, path: Path) -> Path:
    path.write_text(json.dumps(scenario_data(scenario)), encoding="utf-8")
    return path


def _score(tmp_path: Path, name: str, *args: str) -> dict:
    out = tmp_path / f"{name}.geojson"
    assert cli.main(["score", *args, "--out", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _demo(demo_source, **fields) -> Scenario:
    inventories = demo_source.path / "inventories"
    return Scenario(
        profile=fields.pop("profile", "noaberhuuske"),
        region=fields.pop("region", "demo"),
        candidates=str(inventories / "demo_candidates.csv"),
        facilities=str(inventories / "demo_facilities.csv"),
        data_dir=str(demo_source.path),
        **fields,
    )


def test_scenario_round_trip_keeps_every_field(demo_source):
    scenario = _demo(
        demo_source,
        profile="skaeve_huse",
        weights=(("ov_access", 0.4),),
        constraint_values=(("plot_size", (250.0,)),),
        shortlist=ShortlistOptions(top_n=4, min_spacing_m=500, max_per_gemeente=2),
        sensitivity=50,
        spread_level="wijk",
    )
    data = json.loads(json.dumps(scenario_data(scenario)))
    assert scenario_from_data(data).scenario == scenario


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"region": None}, 'veld region: geef "region"'),
        ({"spread_level": "provincie"}, "veld spread_level: 'provincie': kies uit"),
        ({"shortlist": {"top_n": -1}}, "veld shortlist.top_n: -1 valt buiten het bereik"),
        ({"shortlist": {"evenness_weight": 5}}, "veld shortlist.evenness_weight: 5 valt buiten"),
        ({"colour": "red"}, "veld colour: onbekend veld"),
    ],
)
def test_bad_scenario_fields_are_refused(fields, message):
    data = scenario_data(Scenario(profile="noaberhuuske", region="demo")) | fields
    with pytest.raises(PlekwijzerInputError, match=re.escape(message)):
        scenario_from_data(data)


def test_every_expected_failure_shares_one_root():
    from criteria._errors import FeatureTableError, ProfileError, ShortlistOptionError

    for error in (PlekwijzerInputError, ProfileError, FeatureTableError, ShortlistOptionError):
        assert issubclass(error, PlekwijzerError)
        assert issubclass(error, ValueError)


def test_run_scenario_evenness_lowers_the_gini(demo_source):
    plain = run_scenario(_demo(demo_source, shortlist=ShortlistOptions(top_n=5)))
    even = run_scenario(
        _demo(demo_source, shortlist=ShortlistOptions(top_n=5, evenness_weight=0.9))
    )
    assert plain.spread.after.indices.gini >= even.spread.after.indices.gini
    assert list(even.shortlist["pick_order"]) != []
    assert plain.table is not even.table


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param((), id="plain"),
        pytest.param(("--evenness", "0.9", "--top", "5"), id="evenness"),
        pytest.param(("--weight", "ov_access=0.6", "--max-per-gemeente", "2"), id="weights"),
        pytest.param(("--constraint", "plot_size=150", "--min-spacing-m", "800"), id="rule"),
        pytest.param(("--sensitivity", "40", "--top", "4"), id="sensitivity"),
    ],
)
def test_rerun_from_the_scenario_file_reproduces_the_geojson(demo_source, tmp_path, extra):
    inventories = demo_source.path / "inventories"
    first = tmp_path / "first.geojson"
    args = [
        "score", "--profile", "skaeve_huse" if "--constraint" in extra else "noaberhuuske",
        "--region", "demo", "--data-dir", str(demo_source.path),
        "--candidates", str(inventories / "demo_candidates.csv"),
        "--facilities", str(inventories / "demo_facilities.csv"), *extra,
    ]  # fmt: skip
    assert cli.main([*args, "--out", str(first)]) == 0
    again = tmp_path / "again.geojson"
    scenario_file = tmp_path / "first.scenario.json"
    assert cli.main(["score", "--scenario", str(scenario_file), "--out", str(again)]) == 0
    assert again.read_bytes() == first.read_bytes()
    recorded = json.loads(scenario_file.read_text(encoding="utf-8"))
    rerun = json.loads((tmp_path / "again.scenario.json").read_text(encoding="utf-8"))
    assert rerun.pop("result")["shortlist"] == recorded.pop("result")["shortlist"]
    assert rerun == recorded
    if "--sensitivity" in extra:
        assert (tmp_path / "again.sensitivity.json").exists()


def test_scenario_flags_cannot_be_mixed_with_a_scenario_file(demo_source, tmp_path, capsys):
    path = _write(_demo(demo_source), tmp_path / "s.scenario.json")
    code = cli.main(
        [
            "score",
            "--scenario",
            str(path),
            "--profile",
            "skaeve_huse",
            "--out",
            str(tmp_path / "x.geojson"),
        ]
    )
    assert code == 2
    assert "--scenario legt --profile al vast" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top", "-1"], "--top: '-1' is ongeldig"),
        (["--min-spacing-m", "nan"], "--min-spacing-m: 'nan' is ongeldig"),
        (["--min-spacing-m", "-500"], "--min-spacing-m: '-500' is ongeldig"),
        (["--max-per-buurt", "0"], "--max-per-buurt: '0' is ongeldig"),
        (["--evenness", "5"], "--evenness: '5' is ongeldig"),
        (["--sensitivity", "-3"], "--sensitivity: '-3' is ongeldig"),
        (["--weight", "ov_access"], "schrijf CRITERION=NUMBER"),
        (["--constraint", "plot_size"], "schrijf NAME=VALUE"),
    ],
)
def test_bad_options_exit_2_with_one_line(demo_source, tmp_path, capsys, args, message):
    out = tmp_path / "x.geojson"
    out.write_text("OLD", encoding="utf-8")
    inventories = demo_source.path / "inventories"
    base = [
        "score", "--profile", "noaberhuuske", "--region", "demo", "--data-dir",
        str(demo_source.path), "--candidates", str(inventories / "demo_candidates.csv"),
    ]  # fmt: skip
    assert cli.main([*base, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert out.read_text(encoding="utf-8") == "OLD"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/x.geojson", "bestaat niet: maak die eerst"),
        (".", "is een map"),
        ("x.txt", "gebruik een bestandsnaam die eindigt op .geojson of .json"),
    ],
)
def test_bad_out_exits_2(demo_source, tmp_path, capsys, out, message):
    path = _write(_demo(demo_source), tmp_path / "s.scenario.json")
    target = str(tmp_path / out) if out != "." else str(tmp_path)
    assert cli.main(["score", "--scenario", str(path), "--out", target]) == 2
    assert message in capsys.readouterr().err


def test_help_imports_nothing_heavy():
    import subprocess
    import sys

    heavy = "('pandas', 'geopandas', 'scipy', 'osmnx')"
    code = f"import sys, cli; cli.build_parser(); print([m for m in {heavy} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- the same figures in the CLI and the app --------------------------------------------------


def _app_figures(
    data_dir: Path, monkeypatch, *, region: str | None, gemeenten: list[str] | None, evenness: float
) -> dict:
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    at = AppTest.from_file(APP, default_timeout=120).run()
    if region:
        at.selectbox(key="region").set_value(region).run()
    else:
        at.sidebar.radio[0].set_value("Eigen keuze gemeenten").run()
        at.multiselect(key="gemeenten").set_value(gemeenten).run()
    at.selectbox(key="profile").set_value("noaberhuuske").run()
    if evenness:
        at.select_slider(key="evenness").set_value(evenness).run()
    assert not at.exception, at.exception
    at.session_state["tab"] = "Shortlist"  # the app runs only the open tab
    at.run()
    shortlist = next(d.value for d in at.dataframe if "rang" in d.value and "gebruik" in d.value)
    caption = next(c.value for c in at.caption if f"{HEADLINE_LABEL} over gemeenten" in c.value)
    at.session_state["tab"] = "Spreiding"
    at.run()
    units = next(d.value for d in at.dataframe if "inwoners" in d.value and "code" in d.value)
    before, after = re.search(r"nu (\d,\d{3}), met deze shortlist (\d,\d{3})", caption).groups()
    before, after = parse_number(before), parse_number(after)
    return {
        "ids": list(shortlist["id"]),
        "scores": [parse_number(s) for s in shortlist["score"]],
        "inhabitants": dict(
            zip(units["code"], (parse_number(n) for n in units["inwoners"]), strict=True)
        ),
        "gini": (before, after),
    }


def _cli_figures(tmp_path: Path, scenario: Scenario) -> dict:
    path = _write(scenario, tmp_path / "app_like.scenario.json")
    collection = _score(tmp_path, "cli", "--scenario", str(path))
    short = sorted(
        (f["properties"] for f in collection["features"] if f["properties"]["shortlisted"]),
        key=lambda p: p["rank"],
    )
    result = run_scenario(scenario)
    units = result.spread_at("gemeente").before.units
    spread = collection["plekwijzer"]["spread"]
    return {
        "ids": [p["id"] for p in short],
        "scores": [round(p["score"], 3) for p in short],
        "inhabitants": dict(zip(units["code"], units["inhabitants"].astype(float), strict=True)),
        "gini": (round(spread["gini_before"], 3), round(spread["gini_after"], 3)),
    }


@pytest.mark.parametrize(
    ("region", "gemeenten", "evenness"),
    [
        pytest.param("twente", None, 0.0, id="preset"),
        pytest.param(None, ["GM0153", "GM0164"], 0.0, id="own-gemeenten"),
        pytest.param("twente", None, 0.9, id="evenness"),
    ],
)
def test_cli_and_app_show_the_same_figures(
    shared_source, tmp_path, monkeypatch, region, gemeenten, evenness
):
    scenario = Scenario(
        profile="noaberhuuske",
        region=region,
        gemeenten=tuple(gemeenten or ()),
        shortlist=ShortlistOptions(**APP_OPTIONS, evenness_weight=evenness),
        use_defaults=True,
        data_dir=str(shared_source.path),
    )
    from_cli = _cli_figures(tmp_path, scenario)
    from_app = _app_figures(
        shared_source.path, monkeypatch, region=region, gemeenten=gemeenten, evenness=evenness
    )
    assert from_app["ids"] == from_cli["ids"]
    assert from_app["scores"] == from_cli["scores"]
    assert from_app["gini"] == from_cli["gini"]
    assert from_app["inhabitants"] == from_cli["inhabitants"]


def test_coverage_runs_through_the_seam_into_the_report(demo_source):
    from criteria.council import council_report
    from criteria.scenario import CoverageOptions
    from geo.report import render_html

    result = run_scenario(_demo(demo_source, coverage=CoverageOptions(reach_m=2000)))
    plan = result.coverage
    assert plan is not None
    assert result.scenario_file()["result"]["coverage"]["model"] == "lscp"
    html = render_html(council_report(result))
    assert "Bereik: hoeveel plekken, en waar?" in html
    assert plan.summary_nl() in html
    for site in plan.result.sites:
        assert result.table.loc[site.id, "name"] in html


def test_ctrl_c_exits_130_with_one_line(demo_source, tmp_path, monkeypatch, capsys):
    import criteria.run

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(criteria.run, "run_scenario", interrupted)
    path = _write(_demo(demo_source), tmp_path / "s.scenario.json")
    out = tmp_path / "x.geojson"
    assert cli.main(["score", "--scenario", str(path), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "plekwijzer: afgebroken"
    assert not out.exists()


# --- one door: prepare once, run per weighing --------------------------------------------------


def test_prepared_run_equals_run_scenario_for_any_weights(demo_source):
    from criteria.run import prepare

    base = _demo(demo_source, profile="tussenvoorziening", sensitivity=30)
    prepared = prepare(base)
    for weights in ((), (("ov_access", 0.6),), (("draagkracht", 0.0), ("ov_access", 0.1))):
        scenario = base.replace(weights=weights, shortlist=ShortlistOptions(top_n=4))
        again = prepared.run(scenario)
        fresh = run_scenario(scenario)
        assert again.table.drop(columns="geometry").equals(fresh.table.drop(columns="geometry"))
        assert again.scoring.weights == fresh.scoring.weights
        assert again.spread.before.indices == fresh.spread.before.indices
        assert again.spread.after.indices == fresh.spread.after.indices
        assert again.sensitivity.to_dict() == fresh.sensitivity.to_dict()
        assert again.prepared is prepared


def test_prepared_refuses_another_profile_or_rule(demo_source):
    from criteria.run import prepare

    prepared = prepare(_demo(demo_source))
    for other in (
        _demo(demo_source, profile="skaeve_huse"),
        _demo(demo_source, constraint_values=(("room_for_a_cabin", (10.0, 5.0)),)),
    ):
        with pytest.raises(ValueError, match="belongs to another scenario"):
            prepared.run(other)


def test_nothing_mutable_in_the_region_data_or_the_result(demo_source):
    import dataclasses

    from criteria.run import prepare
    from geo.workspace import RegionData

    assert "spread_memo" not in {f.name for f in dataclasses.fields(RegionData)}
    prepared = prepare(_demo(demo_source))
    result = prepared.run(_demo(demo_source))
    # Another level is computed through the prepared stage, its 'before' part once.
    wijk = result.spread_at("wijk")
    assert result.spread_at("wijk").after.indices == wijk.after.indices
    assert prepared.spreads.before("wijk") is prepared.spreads.before("wijk")
    assert not [f.name for f in dataclasses.fields(result) if f.name.startswith("_")]


# --- one headline evenness index, one rounding rule for shares ---------------------------------


def test_one_headline_index_with_one_name_in_cli_app_and_report(
    demo_source, tmp_path, monkeypatch, capsys
):
    from geo import nlformat
    from geo.labels import HEADLINE_INDEX

    scenario = _demo(demo_source, shortlist=ShortlistOptions(**APP_OPTIONS), use_defaults=True)
    scenario = scenario.replace(candidates=None, facilities=None)
    path = _write(scenario, tmp_path / "s.scenario.json")
    collection = _score(tmp_path, "cli", "--scenario", str(path))
    recorded = collection["plekwijzer"]["spread"]
    assert recorded["index"] == HEADLINE_INDEX
    before, after = (
        nlformat.number(recorded[k], decimals=3) for k in ("gini_before", "gini_after")
    )
    line = f"{HEADLINE_LABEL}, gemeente: nu {before}, met de shortlist {after}"
    assert line in capsys.readouterr().err
    report = tmp_path / "report.html"
    assert cli.main(["report", "--scenario", str(tmp_path / "cli.scenario.json"),
                     "--out", str(report)]) == 0  # fmt: skip
    html = report.read_text(encoding="utf-8")
    assert f"{HEADLINE_LABEL} over de gemeenten:" in html
    assert f"nu <strong>{before}</strong>, met de shortlist\n      <strong>{after}</strong>" in html
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_source.path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["tab"] = "Shortlist"  # the app runs only the open tab
    caption = f"{HEADLINE_LABEL} over gemeenten: nu {before}, met deze shortlist {after}."
    assert any(caption in c.value for c in at.run().caption)
    at.session_state["tab"] = "Spreiding"
    assert any(m.label == HEADLINE_LABEL for m in at.run().metric)
    # The unweighted Gini shows only under its own name.
    assert not any(m.label == "Gini" for m in at.metric)


def test_shares_round_down_so_100_means_everyone(demo_source, monkeypatch):
    from geo import nlformat

    assert nlformat.share(0.99999) == "99,9%"
    assert nlformat.share(0.3489) == nlformat.share(0.3481) == "34,8%"
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_source.path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["tab"] = "Bereik"  # the app runs only the open tab
    at.run().select_slider(key="reach_km").set_value(1.0).run()
    assert not at.exception, at.exception
    metric = {m.label: m.value for m in at.metric}
    summary = next(c.value for c in at.caption if c.value.startswith("Bereik "))
    after = metric["Met deze plekken"]
    assert f"→ {after}." in summary  # one rule: the sentence and the metric agree
    if "buiten bereik" in summary:
        assert after != "100,0%"


def test_result_types_live_in_run_result_and_are_reexported():
    import criteria.run
    import criteria.run_result

    for name in ("ScenarioResult", "ScoringRun", "EXPORT_PROPERTIES", "facility_type_of"):
        assert getattr(criteria.run, name) is getattr(criteria.run_result, name), name
        assert name in criteria.run.__all__, name
