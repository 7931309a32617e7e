"""The ``plekwijzer`` command line: ``score``, ``spread`` and ``profiles`` through ``cli.main``.

Outputs are produced once per module (module-scoped fixtures) and checked against the CLI
contracts of issues 3 and 4: property names, lon/lat order, the scenario file, the spread
JSON layout, exit code 2 with one message for bad input, and no confidential coordinates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import itertools
import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

import cli
from criteria.profiles import list_profiles, load_profile, profile_from_dict
from criteria.run import EXPORT_PROPERTIES, run_scenario
from criteria.scenario import SCENARIO_VERSION
from criteria.scenario_file import scenario_from_data
from criteria.scenario_inputs import profile_fingerprint
from geo import nlformat
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.datasets.illustrative import illustrative_paths
from geo.regions import resolve_region
from geo.settings import CRS_RD, DEFAULT_PLACES, FACILITY_TYPES
from geo.workspace import load_region_data

PROFILES = ("noaberhuuske", "tussenvoorziening", "skaeve_huse")
INDICES = ("gini", "gini_pop_weighted", "theil", "theil_between", "theil_within", "hoover")
UNIT_FIELDS = (
    "code",
    "name",
    "inhabitants",
    "facilities",
    "places",
    "per_10k",
    "fair_share",
    "surplus",
    "draagkracht",
)
SCENARIO_KEYS = (
    "plekwijzer_scenario",
    "region",
    "profile",
    "profile_sha256",
    "weights",
    "constraints",
    "shortlist",
    "inputs",
    "result",
)
CRITERION_FIELDS = {"raw", "transformed", "weight", "contribution", "source"}
# Spacing in metres that still leaves room for TOP picks in the small demo region.
SPACING_M = {"demo": 400.0, "twente": 2_000.0}
TOP = 6


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(args: list[str]) -> CliResult:
    """Run ``cli.main`` capturing stdout and stderr (usable in module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Inputs:
    region: str
    source: DataSource
    candidates: Path
    facilities: Path


def _inputs(request: pytest.FixtureRequest, region: str) -> Inputs:
    if region == "demo":
        source = request.getfixturevalue("demo_source")
        return Inputs(region, source, source.path / DEMO_CANDIDATES, source.path / DEMO_FACILITIES)
    source = request.getfixturevalue("shared_source")
    paths = illustrative_paths(region)
    return Inputs(region, source, paths["candidates"], paths["facilities"])


def _area_args(inputs: Inputs) -> list[str]:
    return ["--data-dir", str(inputs.source.path), "--region", inputs.region]


def _score_args(inputs: Inputs, profile: str, out: Path, *extra: str) -> list[str]:
    return [
        "score",
        *_area_args(inputs),
        "--profile",
        profile,
        "--candidates",
        str(inputs.candidates),
        "--facilities",
        str(inputs.facilities),
        *extra,
        "--out",
        str(out),
    ]


@dataclass(frozen=True)
class Scored:
    inputs: Inputs
    profile: str
    spacing_m: float
    result: CliResult
    out: Path
    collection: dict
    scenario: dict

    @property
    def properties(self) -> list[dict]:
        return [f["properties"] for f in self.collection["features"]]


@pytest.fixture(
    scope="module",
    params=[(r, p) for r in ("demo", "twente") for p in PROFILES],
    ids=lambda param: "-".join(param),
)
def scored(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scored:
    region, profile = request.param
    inputs = _inputs(request, region)
    out = tmp_path_factory.mktemp(f"score_{region}_{profile}") / f"{profile}.geojson"
    spacing = SPACING_M[region]
    extra = ("--top", str(TOP), "--min-spacing-m", str(spacing))
    result = run_cli(_score_args(inputs, profile, out, *extra))
    assert result.code == 0, result.stderr
    scenario_path = out.with_name(out.stem + ".scenario.json")
    return Scored(
        inputs=inputs,
        profile=profile,
        spacing_m=spacing,
        result=result,
        out=out,
        collection=json.loads(out.read_text(encoding="utf-8")),
        scenario=json.loads(scenario_path.read_text(encoding="utf-8")),
    )


@pytest.fixture(scope="module")
def demo_inputs(request: pytest.FixtureRequest) -> Inputs:
    return _inputs(request, "demo")


@pytest.fixture(scope="module")
def demo_noaberhuuske(demo_inputs: Inputs, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo_base") / "base.geojson"
    assert run_cli(_score_args(demo_inputs, "noaberhuuske", out)).code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _scores(collection: dict) -> dict[str, float]:
    return {f["properties"]["id"]: f["properties"]["score"] for f in collection["features"]}


# --- score ------------------------------------------------------------------------------


def test_score_writes_one_feature_per_candidate(scored: Scored):
    assert scored.collection["type"] == "FeatureCollection"
    assert "crs" not in scored.collection  # RFC 7946
    ids = pd.read_csv(scored.inputs.candidates)["id"].astype(str)
    assert len(scored.collection["features"]) == len(ids)
    assert sorted(p["id"] for p in scored.properties) == sorted(ids)
    assert all(f["type"] == "Feature" for f in scored.collection["features"])
    assert f"{len(ids)} kandidaten" in scored.result.stderr


def test_score_properties_are_the_contract(scored: Scored):
    for props in scored.properties:
        # The contract, plus columns for GIS users (criteria/export_rows.py): only added.
        assert set(EXPORT_PROPERTIES) <= set(props)
        assert {"gemeentenaam", "buurtnaam", "n_checks", "first_exclusion_reason"} <= set(props)
    skipped = [p for p in scored.properties if p.get("skip_reason")]
    assert all(not p["shortlisted"] and p["rank"] for p in skipped)
    assert all(p["skip_reason"].startswith("overgeslagen: ") for p in skipped)
    assert set(EXPORT_PROPERTIES) == {
        "id",
        "name",
        "score",
        "rank",
        "excluded",
        "exclusion_reasons",
        "criteria",
        "shortlisted",
        "buurtcode",
        "gemeentecode",
        "checks",
    }


def test_score_values_and_explanations(scored: Scored):
    profile = load_profile(scored.profile)
    weighted_sum = profile.aggregation == "weighted_sum"
    assert scored.scenario["weights"] == {}  # untouched: the profile's own weights
    names = set(scored.properties[0]["criteria"])
    assert names <= {c.name for c in profile.criteria}
    for props in scored.properties:
        assert 0.0 <= props["score"] <= 1.0
        assert isinstance(props["excluded"], bool)
        assert (props["rank"] is None) == props["excluded"]
        assert bool(props["exclusion_reasons"]) == props["excluded"]
        assert props["criteria"], props["id"]
        assert set(props["criteria"]) == names
        for name, parts in props["criteria"].items():
            assert set(parts) == CRITERION_FIELDS, name
            assert 0.0 <= parts["transformed"] <= 1.0
        weights = [p["weight"] for p in props["criteria"].values()]
        assert sum(weights) == pytest.approx(1.0)
        if weighted_sum:
            total = sum(p["contribution"] for p in props["criteria"].values())
            assert total == pytest.approx(props["score"], abs=1e-9)


def test_score_ranks_follow_scores(scored: Scored):
    ranked = sorted((p for p in scored.properties if not p["excluded"]), key=lambda p: p["rank"])
    assert [p["rank"] for p in ranked] == list(range(1, len(ranked) + 1))
    scores = [p["score"] for p in ranked]
    assert scores == sorted(scores, reverse=True)


def test_score_shortlist_respects_top_and_spacing(scored: Scored):
    frame = gpd.read_file(scored.out)
    picked = frame[frame["shortlisted"]]
    assert len(picked) <= TOP
    assert not picked["excluded"].any()
    coords = np.column_stack([picked.to_crs(CRS_RD).geometry.x, picked.to_crs(CRS_RD).geometry.y])
    gaps = np.hypot(*(coords[:, None, :] - coords[None, :, :]).transpose(2, 0, 1))
    off_diagonal = gaps[~np.eye(len(coords), dtype=bool)]
    # exported coordinates are rounded to 1e-7 degree (about 1 cm)
    assert (off_diagonal >= scored.spacing_m - 0.05).all()
    ids = list(picked.sort_values("rank")["id"])
    assert scored.scenario["result"]["shortlist"] == ids
    printed = [line.split()[2] for line in scored.result.stdout.splitlines()]
    assert printed == ids


def test_score_shortlists_real_sites_on_twente(scored: Scored):
    if scored.inputs.region != "twente":
        pytest.skip("the small synthetic demo may have fewer eligible sites than --top")
    assert sum(p["shortlisted"] for p in scored.properties) == TOP


def test_score_geojson_is_lon_lat(scored: Scored):
    for feature in scored.collection["features"]:
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert 3.0 < lon < 7.5
        assert 50.5 < lat < 53.7


def test_score_geojson_opens_in_geopandas(scored: Scored):
    frame = gpd.read_file(scored.out)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == len(scored.collection["features"])
    assert set(EXPORT_PROPERTIES) <= set(frame.columns)
    minx, miny, maxx, maxy = frame.total_bounds
    assert 3.0 < minx <= maxx < 7.5
    assert 50.5 < miny <= maxy < 53.7


def test_score_geojson_opens_with_ogrinfo(scored: Scored):
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("the ogrinfo binary (GDAL) is not installed")
    done = subprocess.run(
        [ogrinfo, "-ro", "-so", "-al", str(scored.out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert f"Feature Count: {len(scored.collection['features'])}" in done.stdout
    assert "Geometry: Point" in done.stdout
    extent = re.search(r"Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)", done.stdout)
    assert extent, done.stdout
    min_lon, min_lat, max_lon, max_lat = map(float, extent.groups())
    assert 3.0 < min_lon <= max_lon < 7.5
    assert 50.5 < min_lat <= max_lat < 53.7


def test_score_scenario_file(scored: Scored):
    scenario = scored.scenario
    assert set(SCENARIO_KEYS) <= set(scenario)
    assert scenario["plekwijzer_scenario"] == SCENARIO_VERSION
    assert scenario["region"] == scored.inputs.region
    assert scenario["profile"] == scored.profile
    assert scenario["profile_sha256"] == profile_fingerprint(load_profile(scored.profile))
    assert scenario["inputs"]["candidates"] == str(scored.inputs.candidates)
    assert scenario["inputs"]["facilities"] == str(scored.inputs.facilities)
    assert scenario["weights"] == {}
    assert scenario["constraints"] == {}
    result = scenario["result"]
    assert result["synthetic_data"] is scored.inputs.source.synthetic
    assert result["versions"]["python"]
    assert result["versions"]["geopandas"] == gpd.__version__
    created = dt.datetime.fromisoformat(result["created"])
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(hours=1)
    assert scenario["shortlist"]["top_n"] == TOP
    assert scenario["shortlist"]["min_spacing_m"] == scored.spacing_m


def test_score_is_reproducible_from_the_scenario(scored: Scored):
    scenario = scenario_from_data(scored.scenario).scenario
    data = load_region_data(
        resolve_region(scenario.region),
        scored.inputs.source,
        candidates_path=scenario.candidates,
        facilities_path=scenario.facilities,
        use_defaults=False,
    )
    run = run_scenario(scenario, data=data).scoring
    exported = {p["id"]: p["score"] for p in scored.properties}
    rescored = dict(zip(run.table["id"], run.table["score"].astype(float), strict=True))
    assert rescored == exported
    used = {name: c["weight"] for name, c in scored.properties[0]["criteria"].items()}
    assert run.weights == used
    assert list(run.shortlist["id"]) == scored.scenario["result"]["shortlist"]


def test_score_confidential_facility_not_in_output(scored: Scored):
    assert_no_confidential_coordinates(
        scored.inputs.facilities, scored.out.read_text(encoding="utf-8") + scored.result.stdout
    )


def test_score_weight_override_changes_scores(
    demo_inputs: Inputs, demo_noaberhuuske: dict, tmp_path: Path, capsys: pytest.CaptureFixture
):
    out = tmp_path / "no_ov.geojson"
    code = cli.main(_score_args(demo_inputs, "noaberhuuske", out, "--weight", "ov_access=0"))
    assert code == 0, capsys.readouterr().err
    changed = json.loads(out.read_text(encoding="utf-8"))
    scenario = json.loads((tmp_path / "no_ov.scenario.json").read_text(encoding="utf-8"))
    assert scenario["weights"] == {"ov_access": 0.0}
    assert scenario["profile"] == "noaberhuuske"
    before = {
        f["properties"]["id"]: f["properties"]["score"] for f in demo_noaberhuuske["features"]
    }
    after = {f["properties"]["id"]: f["properties"]["score"] for f in changed["features"]}
    assert before.keys() == after.keys()
    assert any(not math.isclose(before[k], after[k]) for k in before)
    for feature in changed["features"]:
        assert feature["properties"]["criteria"]["ov_access"]["contribution"] == 0.0


def test_score_unknown_weight_lists_valid_names(
    demo_inputs: Inputs, tmp_path: Path, capsys: pytest.CaptureFixture
):
    out = tmp_path / "x.geojson"
    code = cli.main(_score_args(demo_inputs, "noaberhuuske", out, "--weight", "nope=1"))
    err = capsys.readouterr().err
    assert code == 2
    assert "'nope'" in err
    for name in load_profile("noaberhuuske").criterion_names:
        assert name in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("weight", ["ov_access", "ov_access=much"])
def test_score_malformed_weight_exits_2(
    demo_inputs: Inputs, tmp_path: Path, capsys: pytest.CaptureFixture, weight: str
):
    code = cli.main(
        _score_args(demo_inputs, "noaberhuuske", tmp_path / "x.geojson", "--weight", weight)
    )
    assert code == 2
    assert "CRITERION=NUMBER" in capsys.readouterr().err


def test_score_bad_candidates_keeps_existing_output(
    demo_inputs: Inputs, tmp_path: Path, capsys: pytest.CaptureFixture
):
    bad = tmp_path / "no_id_column.csv"
    pd.read_csv(demo_inputs.candidates).drop(columns="id").to_csv(bad, index=False)
    out = tmp_path / "shortlist.geojson"
    out.write_text("SENTINEL", encoding="utf-8")
    inputs = Inputs("demo", demo_inputs.source, bad, demo_inputs.facilities)
    code = cli.main(_score_args(inputs, "noaberhuuske", out))
    err = capsys.readouterr().err
    assert code == 2
    assert "no_id_column.csv" in err
    assert "id" in err
    assert "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "SENTINEL"
    assert not (tmp_path / "shortlist.scenario.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no_id_column.csv", "shortlist.geojson"]


def test_score_unknown_profile_exits_2(
    demo_inputs: Inputs, tmp_path: Path, capsys: pytest.CaptureFixture
):
    code = cli.main(_score_args(demo_inputs, "no_such_profile", tmp_path / "x.geojson"))
    err = capsys.readouterr().err
    assert code == 2
    assert "no_such_profile" in err
    assert "Traceback" not in err


def test_score_by_gemeenten(demo_inputs: Inputs, tmp_path: Path, capsys: pytest.CaptureFixture):
    out = tmp_path / "two.geojson"
    args = _score_args(demo_inputs, "noaberhuuske", out)
    args[args.index("--region") : args.index("--region") + 2] = ["--gemeenten", "GM9901,GM9902"]
    assert cli.main(args) == 0, capsys.readouterr().err
    scenario = json.loads((tmp_path / "two.scenario.json").read_text(encoding="utf-8"))
    assert (scenario["region"], scenario["gemeenten"]) == (None, ["GM9901", "GM9902"])
    codes = {f["properties"]["gemeentecode"] for f in json.loads(out.read_text())["features"]}
    assert codes <= {"GM9901", "GM9902", None}


def test_score_region_and_gemeenten_are_exclusive(demo_inputs: Inputs, tmp_path: Path, capsys):
    args = [*_score_args(demo_inputs, "noaberhuuske", tmp_path / "x.geojson"), "--gemeenten"]
    assert cli.main([*args, "GM9901"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--gemeenten gaat niet samen met --region" in err


# --- spread -----------------------------------------------------------------------------


def _spread_args(inputs: Inputs, out: Path, *extra: str) -> list[str]:
    return [
        "spread",
        *_area_args(inputs),
        "--facilities",
        str(inputs.facilities),
        *extra,
        "--out",
        str(out),
    ]


@dataclass(frozen=True)
class Spread:
    inputs: Inputs
    level: str
    type: str | None
    result: CliResult
    text: str
    report: dict


SPREAD_CASES = (
    ("demo", "gemeente", None, ()),
    ("demo", "buurt", None, ()),
    ("drechtsteden", "gemeente", None, ()),
    ("drechtsteden", "wijk", None, ()),
    ("drechtsteden", "buurt", None, ()),
    ("drechtsteden", "gemeente", "dagopvang", ()),
    ("drechtsteden", "wijk", None, ("--fair-share-correction", "0.5")),
)


@pytest.fixture(
    scope="module",
    params=SPREAD_CASES,
    ids=lambda c: "-".join([c[0], c[1], c[2] or "all", *(["corrected"] if c[3] else [])]),
)
def spread(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Spread:
    region, level, kind, extra = request.param
    inputs = _inputs(request, region)
    out = tmp_path_factory.mktemp(f"spread_{region}_{level}") / "spread.json"
    args = ["--level", level, *(["--type", kind] if kind else []), *extra]
    result = run_cli(_spread_args(inputs, out, *args))
    assert result.code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    return Spread(inputs, level, kind, result, text, json.loads(text))


def _expected_units(inputs: Inputs, level: str) -> int:
    data = load_region_data(
        resolve_region(inputs.region), inputs.source, use_defaults=False, with_candidates=False
    )
    key = {"gemeente": "gemeentecode", "wijk": "wijkcode", "buurt": "buurtcode"}[level]
    return data.buurten[key].nunique()


def check_report(report: dict, *, level: str, kind: str | None) -> None:
    """Check one spread report (before or after) against the issue 4 layout."""
    assert report["level"] == level
    assert report["type"] == (kind or "all")
    assert set(report["indices"]) == set(INDICES)
    for name, value in report["indices"].items():
        assert value is None or isinstance(value, float), name
    units = report["units"]
    assert units
    for unit in units:
        assert set(unit) == set(UNIT_FIELDS)
        assert unit["draagkracht"] is None or 0.0 <= unit["draagkracht"] <= 1.0
        if unit["inhabitants"]:
            assert unit["per_10k"] == pytest.approx(unit["places"] / unit["inhabitants"] * 1e4)
        assert unit["surplus"] == pytest.approx(unit["places"] - unit["fair_share"])
    codes = [u["code"] for u in units]
    assert len(set(codes)) == len(codes)
    places = sum(u["places"] for u in units)
    assert places > 0
    assert sum(u["fair_share"] for u in units) == pytest.approx(places)
    curve = np.array(report["lorenz"], dtype=float)
    assert curve[0].tolist() == [0.0, 0.0]
    assert curve[-1] == pytest.approx([1.0, 1.0])
    assert (np.diff(curve, axis=0) >= -1e-12).all()


def test_spread_json_layout(spread: Spread):
    check_report(spread.report, level=spread.level, kind=spread.type)
    assert len(spread.report["units"]) == _expected_units(spread.inputs, spread.level)
    assert spread.report["region"] == spread.inputs.region
    assert spread.result.stdout.startswith(f"niveau {spread.level}, type {spread.type or 'alle'}:")
    assert "meest voorzien:" in spread.result.stdout
    assert "minst voorzien:" in spread.result.stdout


def test_spread_counts_every_facility_of_the_type(spread: Spread):
    register = pd.read_csv(spread.inputs.facilities)
    if spread.type:
        register = register[register["type"] == spread.type]
    units = spread.report["units"]
    # confidential records count in the totals like any other
    assert sum(u["facilities"] for u in units) == len(register)
    assert sum(u["places"] for u in units) == register["places"].sum()


def test_spread_hides_confidential_coordinates(spread: Spread):
    assert_no_confidential_coordinates(spread.inputs.facilities, spread.text + spread.result.stdout)


@pytest.fixture(scope="module", params=["demo", "drechtsteden"])
def scenario_spread(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Inputs, dict, dict, CliResult]:
    inputs = _inputs(request, request.param)
    if request.param == "drechtsteden":
        inputs = Inputs(
            inputs.region,
            inputs.source,
            illustrative_paths("drechtsteden")["candidates"],
            inputs.facilities,
        )
    folder = tmp_path_factory.mktemp(f"scenario_{request.param}")
    shortlist = folder / "shortlist.geojson"
    scored = run_cli(_score_args(inputs, "tussenvoorziening", shortlist, "--top", "4"))
    assert scored.code == 0, scored.stderr
    out = folder / "spread.json"
    result = run_cli(_spread_args(inputs, out, "--scenario", str(shortlist)))
    assert result.code == 0, result.stderr
    collection = json.loads(shortlist.read_text(encoding="utf-8"))
    return inputs, collection, json.loads(out.read_text(encoding="utf-8")), result


def test_spread_scenario_before_after_delta(scenario_spread):
    _, collection, report, result = scenario_spread
    check_report(report, level="gemeente", kind=None)
    check_report(report["after"], level="gemeente", kind=None)
    added = sum(f["properties"]["shortlisted"] for f in collection["features"])
    assert added > 0
    assert report["added"] == added
    before_places = sum(u["places"] for u in report["units"])
    after_places = sum(u["places"] for u in report["after"]["units"])
    assert after_places == before_places + added * DEFAULT_PLACES["tussenvoorziening"]
    assert set(report["delta"]["indices"]) == set(INDICES)
    for name in INDICES:
        change = report["delta"]["indices"][name]
        before, after = report["indices"][name], report["after"]["indices"][name]
        assert change["before"] == before
        assert change["after"] == after
        if before is None or after is None:
            assert change["delta"] is None
        else:
            assert change["delta"] == pytest.approx(after - before, abs=1e-12)
    assert f"na toevoegen van {added} plekken" in result.stdout


def test_spread_scenario_hides_confidential_coordinates(scenario_spread):
    inputs, _, report, result = scenario_spread
    assert_no_confidential_coordinates(inputs.facilities, json.dumps(report) + result.stdout)


def test_spread_csv(request: pytest.FixtureRequest, tmp_path: Path, capsys):
    inputs = _inputs(request, "drechtsteden")
    out = tmp_path / "spread.csv"
    assert cli.main(_spread_args(inputs, out, "--level", "wijk")) == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    assert set(UNIT_FIELDS) <= set(table.columns)
    assert len(table) == _expected_units(inputs, "wijk")
    assert table["fair_share"].sum() == pytest.approx(table["places"].sum())
    assert_no_confidential_coordinates(inputs.facilities, out.read_text(encoding="utf-8"))


def test_spread_csv_with_scenario_holds_the_change(scenario_spread, tmp_path: Path, capsys):
    inputs, collection, _, _ = scenario_spread
    shortlist = tmp_path / "shortlist.geojson"
    shortlist.write_text(json.dumps(collection), encoding="utf-8")
    out = tmp_path / "change.csv"
    code = cli.main(_spread_args(inputs, out, "--scenario", str(shortlist)))
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out)
    for column in ("places_before", "places_after", "places_delta"):
        assert column in table.columns
    assert (table["places_after"] - table["places_before"] == table["places_delta"]).all()


def test_spread_bad_out_suffix_exits_2(demo_inputs: Inputs, tmp_path: Path, capsys):
    out = tmp_path / "spread.txt"
    assert cli.main(_spread_args(demo_inputs, out)) == 2
    err = capsys.readouterr().err
    assert ".json of .csv" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_spread_unknown_type_lists_types(demo_inputs: Inputs, tmp_path: Path, capsys):
    out = tmp_path / "spread.json"
    assert cli.main(_spread_args(demo_inputs, out, "--type", "hotel")) == 2
    err = capsys.readouterr().err
    assert "'hotel'" in err
    for kind in FACILITY_TYPES:
        assert kind in err
    assert "Traceback" not in err
    assert not out.exists()


def test_spread_unknown_level_is_a_usage_error(demo_inputs: Inputs, tmp_path: Path, capsys):
    code = cli.main(_spread_args(demo_inputs, tmp_path / "x.json", "--level", "provincie"))
    assert code == 2
    assert "--level: 'provincie' is geen keuze; kies uit" in capsys.readouterr().err


def test_spread_scenario_not_geojson_exits_2(demo_inputs: Inputs, tmp_path: Path, capsys):
    bogus = tmp_path / "bogus.geojson"
    bogus.write_text('{"type": "Feature"}', encoding="utf-8")
    code = cli.main(_spread_args(demo_inputs, tmp_path / "x.json", "--scenario", str(bogus)))
    err = capsys.readouterr().err
    assert code == 2
    assert "bogus.geojson" in err
    assert "FeatureCollection" in err


# --- profiles ---------------------------------------------------------------------------


def test_profiles_lists_the_three_with_weights(capsys: pytest.CaptureFixture):
    assert cli.main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert set(PROFILES) <= set(list_profiles())
    for name in PROFILES:
        profile = load_profile(name)
        assert re.search(rf"^{name}  \(", out, flags=re.MULTILINE)
        for criterion, weight in profile.weights.items():
            shown = nlformat.number(weight, decimals=2)
            assert re.search(rf"^\s+{shown}\s+{criterion}\s", out, flags=re.MULTILINE)


def test_collector_settings_are_the_callers_again_after_a_command(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    seen = []
    monkeypatch.setattr(cli, "_cmd_profiles", lambda _args: seen.append(gc.get_threshold()) or 0)
    try:
        assert cli.main(["profiles"]) == 0
        assert cli.main(["bestaat-niet"]) == 2
        assert gc.get_threshold() == (123, 4, 5)
    finally:
        gc.set_threshold(*before)
    # While the command ran, the young generation was collected less often.
    assert seen == [(cli._GC_YOUNG_THRESHOLD, 50, 100)]
    capsys.readouterr()


def test_profiles_json(capsys: pytest.CaptureFixture):
    assert cli.main(["profiles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in listed] == list_profiles()
    for entry in listed:
        profile = load_profile(entry["name"])
        assert list(entry["weights"]) == profile.criterion_names
        assert sum(entry["weights"].values()) == pytest.approx(1.0, abs=1e-3)
        assert entry["aggregation"] == profile.aggregation
        rebuilt = profile_from_dict({k: v for k, v in entry.items() if k != "weights"})
        assert rebuilt.weights.round(4).to_dict() == entry["weights"]


# --- confidentiality helper -------------------------------------------------------------

_TO_WGS84 = Transformer.from_crs(CRS_RD, "EPSG:4326", always_xy=True)


_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?")


def confidential_points(register: Path) -> list[tuple[float, float, float, float]]:
    """``(x, y, lon, lat)`` of the register's confidential facilities (RD metres, degrees)."""
    frame = pd.read_csv(register)
    flags = frame["confidential"].astype(str).str.lower().isin({"ja", "true", "yes", "1"})
    secret = frame[flags | (frame["type"] == "vrouwenopvang")]
    assert len(secret) >= 1, f"{register} has no confidential facility to check"
    points = []
    for x, y in secret[["x", "y"]].itertuples(index=False):
        lon, lat = _TO_WGS84.transform(x, y)
        points.append((float(x), float(y), lon, lat))
    return points


def assert_no_confidential_coordinates(register: Path, text: str) -> None:
    """Fail when two consecutive numbers in ``text`` locate a confidential facility.

    That is: within 1 m of its RD x and y, or, written with at least 4 decimals, within half a
    unit of the 4th decimal of its longitude and latitude (about 5 m). Pairs, not single
    numbers: one coordinate alone matches other sites by coincidence and reveals nothing.
    """
    points = confidential_points(register)
    numbers = [(m, float(m.group(0)), len(m.group(1) or "")) for m in _NUMBER.finditer(text)]
    for (first, a, dec_a), (second, b, dec_b) in itertools.pairwise(numbers):
        for x, y, lon, lat in points:
            rd = abs(a - x) <= 1.0 and abs(b - y) <= 1.0
            degrees = min(dec_a, dec_b) >= 4 and abs(a - lon) <= 5e-5 and abs(b - lat) <= 5e-5
            if rd or degrees:
                context = text[max(0, first.start() - 80) : second.end() + 80]
                pytest.fail(f"confidential coordinates {a}, {b} leak: ...{context}...")


def test_confidential_check_catches_a_leak(demo_inputs: Inputs):
    row = pd.read_csv(demo_inputs.facilities).query("type == 'vrouwenopvang'").iloc[0]
    lon, lat = _TO_WGS84.transform(row["x"], row["y"])
    for leak in (
        f"[{lon:.7f}, {lat:.7f}]",
        f"x={row['x']:.1f}, y={row['y']:.1f}",
        f'"lon": {lon:.5f}, "lat": {lat:.5f}',
    ):
        with pytest.raises(pytest.fail.Exception, match="leak"):
            assert_no_confidential_coordinates(demo_inputs.facilities, f"ok {leak} ok")


# --- argparse in Dutch ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "plekwijzer: fout: ontbreekt: OPDRACHT (zie plekwijzer --help)"),
        (["scor"], "OPDRACHT: 'scor' is geen keuze; kies uit 'regions', 'profiles'"),
        (["score"], "plekwijzer: fout: ontbreekt: --out (zie plekwijzer score --help)"),
        (["regions", "--bogus"], "onbekende opties of waarden: --bogus (zie plekwijzer --help)"),
        (["score", "--top"], "--top vraagt een waarde (zie plekwijzer score --help)"),
        (["score", "--top", "x"], "--top: 'x' is ongeldig: geef een heel getal ≥ 1"),
        (["spread", "--level", "land"], "--level: 'land' is geen keuze; kies uit 'gemeente'"),
        (["score", "--region", "demo", "--gemeenten", "GM9901"], "gaat niet samen met --region"),
        (["score", "--out", "uit.txt"], "--out: 'uit.txt': gebruik een bestandsnaam die eindigt"),
    ],
)
def test_argparse_errors_are_one_dutch_line_with_exit_2(argv, expected, capsys):
    from tests.test_bad_inputs import english_words

    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("plekwijzer: fout: "), err
    assert err.rstrip().endswith(" --help)"), err
    assert expected in err
    assert not english_words(err), err


def test_help_is_dutch_with_english_option_names(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.build_parser().parse_args(["score", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("gebruik: plekwijzer score ")
    assert "\nopties:\n" in text
    assert "-h, --help            toon deze hulp en stop" in text
    assert "--out OUT" in text
    assert "lengte van de shortlist (standaard 10)" in text
    for english in ("usage:", "options:", "show this help", "(default"):
        assert english not in text
