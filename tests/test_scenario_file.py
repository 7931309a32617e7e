"""The scenario file: one layout, each fact once, checked like the options, older ones loaded.

Every bad file gets one line and exit code 2 from ``score --scenario`` and ``report
--scenario`` alike, before any data is read; a hand edit is applied or refused, never
ignored; no path of the machine it was written on is in it; an upload is asked for again
and checked by its sha256, in the CLI and in the app.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import cli
from criteria.profiles import load_profile
from criteria.scenario import SCENARIO_VERSION, Scenario, ShortlistOptions, SurfaceOptions
from criteria.scenario_file import (
    MAX_DEPTH,
    read_scenario_file,
    rerun_note,
    scenario_data,
    scenario_file_dict,
    scenario_from_bytes,
    scenario_from_data,
)
from criteria.scenario_inputs import UploadRef, expected_uploads, profile_fingerprint
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource
from geo.paths import PROJECT_ROOT
from geo.settings import DATA_DIR_ENV

FIXTURES = Path(__file__).parent / "fixtures"
LAYOUT_2 = FIXTURES / "layout2_demo_skaeve_huse.scenario.json"
APP = str(PROJECT_ROOT / "app.py")


def _inventories(demo_source: DataSource) -> Path:
    return demo_source.path / "inventories"


def _base(demo_source: DataSource, **fields: Any) -> dict[str, Any]:
    """A valid layout-3 file for the demo region, made without running anything."""
    scenario = Scenario(
        profile="skaeve_huse",
        region="demo",
        candidates=str(_inventories(demo_source) / "demo_candidates.csv"),
        facilities=str(_inventories(demo_source) / "demo_facilities.csv"),
        data_dir=str(demo_source.path),
        shortlist=ShortlistOptions(top_n=4),
        **fields,
    )
    return scenario_data(scenario, fingerprint=True)


def _with(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a copy with one field (``shortlist.top_n``) set."""
    changed = json.loads(json.dumps(data))
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return changed


def _spec_with_transform(transform: dict[str, Any]) -> dict[str, Any]:
    spec = load_profile("skaeve_huse").to_dict()
    spec["criterion"][0]["transform"] = transform
    return spec


def _nested(depth: int, *, alternate: bool = False) -> Any:
    """Lists (or lists and objects in turn) nested ``depth`` deep."""
    value: Any = 1
    for level in range(depth):
        value = {"a": value} if alternate and level % 2 else [value]
    return value


def _text_with(data: dict[str, Any], old: str, new: str) -> str:
    text = json.dumps(data)
    assert old in text
    return text.replace(old, new, 1)


# (id, file content from the base data, part of the one-line answer)
BAD_FILES: list[tuple[str, Any, str]] = [
    (
        "sensitivity-1e9",
        lambda d: _with(d, "sensitivity", 10**9),
        "veld sensitivity: 1000000000 valt buiten het bereik",
    ),
    ("sensitivity-text", lambda d: _with(d, "sensitivity", "lots"), "veld sensitivity: 'lots'"),
    ("sensitivity-bool", lambda d: _with(d, "sensitivity", True), "veld sensitivity: True"),
    (
        "nan",
        lambda d: _text_with(d, '"min_spacing_m": 0.0', '"min_spacing_m": NaN'),
        "veld shortlist.min_spacing_m: NaN is geen getal dat JSON toestaat",
    ),
    (
        "infinity",
        lambda d: _text_with(d, '"evenness_weight": 0.0', '"evenness_weight": -Infinity'),
        "veld shortlist.evenness_weight: -Infinity",
    ),
    (
        "float-overflow",
        lambda d: _text_with(d, '"evenness_weight": 0.0', '"evenness_weight": 1e999'),
        "veld shortlist.evenness_weight: 1e999",
    ),
    (
        "deep-list",
        lambda _d: '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}",
        f"dieper genest dan {MAX_DEPTH} niveaus",
    ),
    ("depth-at-the-limit", lambda d: _with(d, "weights", _nested(MAX_DEPTH - 1)), "veld weights"),
    (
        "depth-one-over",
        lambda d: _with(d, "weights", _nested(MAX_DEPTH)),
        f"dieper genest dan {MAX_DEPTH} niveaus",
    ),
    (
        "depth-alternating",
        lambda d: _with(d, "weights", _nested(MAX_DEPTH, alternate=True)),
        f"dieper genest dan {MAX_DEPTH} niveaus",
    ),
    ("top-level-list", lambda _d: "[" * 10_000 + "]" * 10_000, "een JSON-object verwacht"),
    (
        "deep-in-a-field",
        lambda d: _text_with(
            d, '"weights": {}', '"weights": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000
        ),
        f"dieper genest dan {MAX_DEPTH} niveaus",
    ),
    ("top-n-text", lambda d: _with(d, "shortlist.top_n", "5"), "veld shortlist.top_n: '5'"),
    ("top-n-zero", lambda d: _with(d, "shortlist.top_n", 0), "veld shortlist.top_n: 0 valt buiten"),
    ("spacing-negative", lambda d: _with(d, "shortlist.min_spacing_m", -5), "min_spacing_m: -5"),
    ("unknown-field", lambda d: _with(d, "colour", "red"), "veld colour: onbekend veld"),
    (
        "unknown-nested",
        lambda d: _with(d, "inputs.candidate", "x.csv"),
        "veld inputs.candidate: onbekend veld",
    ),
    (
        "newer-layout",
        lambda d: _with(d, "plekwijzer_scenario", 4),
        "komt van een nieuwere Plekwijzer",
    ),
    ("version-text", lambda d: _with(d, "plekwijzer_scenario", "3"), "is geen opmaakversie"),
    (
        "no-version",
        lambda d: {k: v for k, v in d.items() if k != "plekwijzer_scenario"},
        "geen versie 'plekwijzer_scenario'",
    ),
    ("too-big", lambda _d: b" " * (5 * 2**20 + 1), "groter dan 5 MB"),
    (
        "many-lists",
        lambda d: _text_with(d, '"weights": {}', '"weights": {"a": [' + "[]," * 200_000 + "[]]}"),
        "objecten en lijsten, meer dan de 100.000 die een scenariobestand",
    ),
    ("empty", lambda _d: b"", "het bestand is leeg"),
    ("not-json", lambda _d: '{"plekwijzer_scenario": 3,', "geen geldige JSON"),
    ("not-an-object", lambda _d: "[1, 2]", "een JSON-object verwacht"),
    ("not-utf8", lambda _d: b'{"profile": "\xff"}', "geen UTF-8-tekst"),
    (
        "huge-integer",
        lambda d: _text_with(d, '"sensitivity": 0', '"sensitivity": ' + "9" * 5000),
        "geen bruikbaar JSON-bestand",
    ),
    (
        "profile-changed",
        lambda d: _with(d, "profile_sha256", "0" * 64),
        "veld profile_sha256: het profiel 'skaeve_huse' is niet het profiel",
    ),
    ("profile-unknown", lambda d: _with(d, "profile", "mijn_huuske"), "veld profile:"),
    (
        "rule-negative",
        lambda d: _with(d, "constraints", {"plot_size": [-100]}),
        "veld constraints.plot_size: harde eis 'plot_size' (plot_area_m2 >= …): −100 is niet "
        "toegestaan: een oppervlakte in m² van 0 of meer",
    ),
    (
        "rule-unknown",
        lambda d: _with(d, "constraints", {"plot": [100]}),
        "veld constraints.plot: geen harde eis met die naam",
    ),
    (
        "rule-not-a-list",
        lambda d: _with(d, "constraints", {"plot_size": 800}),
        "veld constraints.plot_size: geef één waarde per voorwaarde",
    ),
    (
        "rule-clauses",
        lambda d: _with(d, "constraints", {"plot_size": [800, 900]}),
        "heeft 1 voorwaarde(n), maar er zijn 2 waarden",
    ),
    (
        "weight-unknown",
        lambda d: _with(d, "weights", {"ov_acess": 0.3}),
        "veld weights.ov_acess: geen criterium met die naam",
    ),
    (
        "weight-negative",
        lambda d: _with(d, "weights", {"ov_access": -1}),
        "veld weights.ov_access: -1 valt buiten het bereik",
    ),
    (
        "upload-not-given",
        lambda d: _with(d, "inputs.candidates", {"file": "mijn.csv", "sha256": "ab" * 32}),
        "veld inputs.candidates: het scenario gebruikte 'mijn.csv'",
    ),
    (
        "upload-bad-hash",
        lambda d: _with(d, "inputs.candidates", {"file": "mijn.csv", "sha256": "xyz"}),
        "veld inputs.candidates.sha256: geen sha256",
    ),
    (
        "upload-with-folder",
        lambda d: _with(d, "inputs.candidates", {"file": "../etc/x.csv", "sha256": "ab" * 32}),
        "veld inputs.candidates.file: een geüpload bestand heeft een naam zonder map",
    ),
    (
        "profile-wrong-shape",
        lambda d: _with(d, "profile", _spec_with_transform({"kind": []})),
        "veld profile: geen bruikbaar profiel",
    ),
    ("region-unknown", lambda d: _with(d, "region", "atlantis"), "veld region: "),
    (
        "region-and-gemeenten",
        lambda d: _with(d, "gemeenten", ["GM9901"]),
        'veld region: geef "region"',
    ),
    ("spread-level", lambda d: _with(d, "spread_level", "provincie"), "veld spread_level"),
    ("coverage-reach", lambda d: _with(d, "coverage", {"reach_m": 0}), "veld coverage.reach_m: 0"),
    ("surface-cell", lambda d: _with(d, "surface", {"cell_m": 1}), "veld surface.cell_m: 1"),
    (
        "surface-unknown",
        lambda d: _with(d, "surface", {"cel_m": 25}),
        "veld surface.cel_m: onbekend veld",
    ),
    (
        "surface-gemeente",
        lambda d: _with(d, "surface", {"gemeenten": ["Enschede"]}),
        "veld surface.gemeenten: 'ENSCHEDE' is geen CBS-gemeentecode",
    ),
    (
        "surface-top",
        lambda d: _with(d, "surface", {"top": 0}),
        "veld surface.top: 0",
    ),
]


def _content(make: Any, data: dict[str, Any]) -> bytes:
    made = make(data)
    if isinstance(made, bytes):
        return made
    return (made if isinstance(made, str) else json.dumps(made)).encode("utf-8")


@pytest.mark.parametrize("command", ["score", "report"])
@pytest.mark.parametrize(
    ("make", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_scenario_file_exits_2_with_one_line(
    demo_source, tmp_path, capsys, command, make, message
):  # fmt: skip
    path = tmp_path / "bad.scenario.json"
    path.write_bytes(_content(make, _base(demo_source)))
    out = tmp_path / ("x.geojson" if command == "score" else "x.html")
    assert cli.main([command, "--scenario", str(path), "--out", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("plekwijzer: fout: bad.scenario.json: ")
    assert message in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("command", ["score", "report"])
def test_sensitivity_option_is_bounded_with_the_reason(demo_source, tmp_path, capsys, command):
    path = tmp_path / "s.scenario.json"
    path.write_text(json.dumps(_base(demo_source)), encoding="utf-8")
    out = tmp_path / ("x.geojson" if command == "score" else "x.html")
    args = [command, "--scenario", str(path), "--sensitivity", "20000", "--out", str(out)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "--sensitivity: '20000' is ongeldig" in err
    assert "≤ 10.000" in err
    assert "0,8 GB" in err  # the reason, not only the bound
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("plot_size=-100", "−100 is niet toegestaan: een oppervlakte in m² van 0 of meer"),
        ("distance_from_homes=-5", "−5 is niet toegestaan: een afstand in meters van 0 of meer"),
        ("plot_size=nan", "nan is geen eindig getal"),
        ("site_use=,", "vraagt minstens één waarde"),
    ],
)
def test_constraint_option_is_checked_against_the_feature(
    demo_source, tmp_path, capsys, rule, message
):
    inventories = _inventories(demo_source)
    args = [
        "score", "--profile", "skaeve_huse", "--region", "demo", "--data-dir",
        str(demo_source.path), "--candidates", str(inventories / "demo_candidates.csv"),
        "--constraint", rule, "--out", str(tmp_path / "x.geojson"),
    ]  # fmt: skip
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"harde eis '{rule.split('=')[0]}'" in err[0]
    assert message in err[0]


@pytest.mark.parametrize(
    "prefix", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE], ids=["utf-8-bom", "utf-16"]
)
def test_a_byte_order_mark_is_read(demo_source, prefix):
    plain = json.dumps(_base(demo_source))
    raw = codecs.BOM_UTF8 + plain.encode() if prefix == codecs.BOM_UTF8 else plain.encode("utf-16")
    assert scenario_from_bytes(raw).scenario == scenario_from_bytes(plain.encode()).scenario


def test_round_trip_keeps_every_field(demo_source):
    data = _base(
        demo_source,
        weights=(("ov_access", 0.4),),
        constraint_values=(("plot_size", (250.0,)), ("site_use", (("grond", "kantoor"),))),
        sensitivity=50,
        spread_level="wijk",
    )
    scenario = scenario_from_data(json.loads(json.dumps(data))).scenario
    assert scenario_data(scenario, fingerprint=True) == data
    hash(scenario)  # the app caches on it


@pytest.mark.parametrize(
    "options",
    [
        SurfaceOptions(),
        SurfaceOptions(
            gemeenten=("GM9902",), cell_m=50, min_score=0.4, min_area_m2=2500, top=3,
            min_distance_m=500,
        ),
    ],
    ids=["defaults", "every-field"],
)  # fmt: skip
def test_surface_round_trips(demo_source, options):
    data = json.loads(json.dumps(_base(demo_source, surface=options)))
    assert data["surface"]["cell_m"] == options.cell_m
    scenario = scenario_from_data(data).scenario
    assert scenario.surface == options
    assert scenario_data(scenario, fingerprint=True) == data
    hash(scenario)
    # Without the member the scenario asks for no surface.
    assert (
        scenario_from_data({k: v for k, v in data.items() if k != "surface"}).scenario.surface
        is None
    )


# --- runs ---------------------------------------------------------------------------------


def _score(*args: str) -> None:
    assert cli.main(["score", *args]) == 0


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_written_file_holds_no_server_path_and_reruns_byte_identical(
    demo_source, tmp_path, monkeypatch
):
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_source.path))
    monkeypatch.chdir(demo_source.path)
    _score(
        "--profile", "noaberhuuske", "--region", "demo",
        "--candidates", "inventories/demo_candidates.csv",
        "--facilities", "inventories/demo_facilities.csv",
        "--weight", "ov_access=0.5", "--top", "5", "--out", str(tmp_path / "first.geojson"),
    )  # fmt: skip
    path = tmp_path / "first.scenario.json"
    text = path.read_text(encoding="utf-8")
    written = json.loads(text)
    assert str(demo_source.path) not in text
    assert str(tmp_path) not in text
    assert not [s for s in _strings(written) if s.startswith("/") or re.match(r"^\w:\\", s)]
    assert written["inputs"]["data_dir"] == f"${DATA_DIR_ENV}"
    assert written["inputs"]["candidates"] == "inventories/demo_candidates.csv"
    # Each fact once: the profile by name with its one override, no effective spec beside it.
    assert written["profile"] == "noaberhuuske"
    assert written["weights"] == {"ov_access": 0.5}
    assert sorted(written) == sorted(
        [
            "plekwijzer_scenario", "region", "gemeenten", "profile", "profile_sha256",
            "weights", "constraints", "shortlist", "inputs", "spread_level", "sensitivity",
            "coverage", "plan", "rasters", "surface", "result",
        ]
    )  # fmt: skip
    _score("--scenario", str(path), "--out", str(tmp_path / "again.geojson"))
    first = (tmp_path / "first.geojson").read_bytes()
    assert (tmp_path / "again.geojson").read_bytes() == first


def test_hand_edited_weight_and_rule_are_applied(demo_source, tmp_path, capsys):
    inventories = _inventories(demo_source)
    common = [
        "--region", "demo", "--data-dir", str(demo_source.path),
        "--candidates", str(inventories / "demo_candidates.csv"),
        "--facilities", str(inventories / "demo_facilities.csv"), "--top", "4",
    ]  # fmt: skip
    _score("--profile", "skaeve_huse", *common, "--out", str(tmp_path / "plain.geojson"))
    edited = json.loads((tmp_path / "plain.scenario.json").read_text(encoding="utf-8"))
    edited["weights"] = {"ov_access": 0.9}
    edited["constraints"] = {"plot_size": [250]}
    path = tmp_path / "edited.scenario.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    capsys.readouterr()
    _score("--scenario", str(path), "--out", str(tmp_path / "edited.geojson"))
    note = capsys.readouterr().err
    flags = ("--weight", "ov_access=0.9", "--constraint", "plot_size=250")
    _score("--profile", "skaeve_huse", *common, *flags, "--out", str(tmp_path / "flags.geojson"))
    by_edit = (tmp_path / "edited.geojson").read_bytes()
    assert by_edit == (tmp_path / "flags.geojson").read_bytes()
    assert by_edit != (tmp_path / "plain.geojson").read_bytes()
    rerun = json.loads((tmp_path / "edited.scenario.json").read_text(encoding="utf-8"))
    if rerun["result"]["shortlist"] != edited["result"]["shortlist"]:
        assert "let op: de shortlist verschilt van die in het scenariobestand" in note


def test_upload_is_asked_for_and_checked_by_hash(demo_source, tmp_path, capsys):
    inventories = _inventories(demo_source)
    own = tmp_path / "mijn_vastgoed.csv"
    own.write_bytes((inventories / "demo_candidates.csv").read_bytes())
    digest = hashlib.sha256(own.read_bytes()).hexdigest()
    data = _with(_base(demo_source), "inputs.candidates", {"file": own.name, "sha256": digest})
    path = tmp_path / "app.scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    other = tmp_path / "ander.csv"
    other.write_bytes(own.read_bytes().replace(b"\n", b"\r\n"))
    out = str(tmp_path / "x.geojson")
    assert (
        cli.main(["score", "--scenario", str(path), "--candidates", str(other), "--out", out]) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "ander.csv: niet het bestand dat het scenario voor candidates gebruikte" in err[0]
    assert digest[:16] in err[0]
    assert cli.main(["score", "--scenario", str(path), "--candidates", str(own), "--out", out]) == 0


def test_upload_is_written_by_name_and_hash(demo_source):
    scenario = Scenario(profile="noaberhuuske", region="demo", use_defaults=True)
    ref = UploadRef("mijn.csv", "cd" * 32)
    written = scenario_file_dict(
        scenario,
        source=demo_source,
        inputs={"candidates": ref.label, "facilities": "/srv/plekwijzer/data/facilities.csv"},
        shortlist_ids=["A"],
    )
    assert written["inputs"]["candidates"] == {"file": "mijn.csv", "sha256": "cd" * 32}
    assert written["inputs"]["facilities"] is None  # what the run read by default: no path
    assert written["inputs"]["data_dir"] == "demo"
    assert expected_uploads(scenario_from_data(written).scenario) == {"candidates": ref}


# --- older layouts ------------------------------------------------------------------------


def test_layout_2_loads_as_name_and_overrides_and_reruns_to_its_shortlist(monkeypatch):
    from criteria.run import run_scenario
    from geo.datasets.demo import ensure_demo_data

    ensure_demo_data()  # the fixture names data/demo, as the CLI was given it
    monkeypatch.chdir(PROJECT_ROOT)
    read = read_scenario_file(LAYOUT_2)
    assert read.version == 2
    scenario = read.scenario
    assert (scenario.profile, scenario.profile_spec) == ("skaeve_huse", None)
    assert scenario.weights == (("ov_access", 0.3),)
    assert scenario.constraint_values == (("plot_size", (250.0,)),)
    result = run_scenario(scenario)
    assert rerun_note(read.result, list(result.shortlist["id"])) is None


def test_layout_2_with_a_changed_profile_keeps_its_recorded_spec():
    data = json.loads(LAYOUT_2.read_text(encoding="utf-8"))
    spec = data["scenario"]["profile_spec"]
    spec["criterion"][0]["transform"] = {"kind": "distance_decay", "half_distance_m": 123.0}
    scenario = scenario_from_data(data).scenario
    assert scenario.profile_spec is not None
    assert scenario.weights == ()  # the recorded spec already carries them
    effective = scenario.load_profile()
    assert effective.criteria[0].transform["half_distance_m"] == 123.0
    assert effective.weights["ov_access"] == pytest.approx(
        load_profile("skaeve_huse").with_weights({"ov_access": 0.3}).weights["ov_access"]
    )


def test_layout_2_from_the_app_remembers_the_upload():
    data = json.loads(LAYOUT_2.read_text(encoding="utf-8"))
    data["scenario"]["candidates"] = None
    data["data"]["candidates"] = "upload:vastgoed.csv#sha256:0123456789abcdef"
    scenario = scenario_from_data(data).scenario
    ref = expected_uploads(scenario)["candidates"]
    assert ref.file == "vastgoed.csv"
    assert ref.matches("0123456789abcdef" + "0" * 48)
    assert not ref.matches("f" * 64)


def test_layout_1_loads():
    profile = load_profile("noaberhuuske")
    data = {
        "plekwijzer_scenario": 1,
        "region": {"name": "demo", "gemeenten": ["GM9901", "GM9902", "GM9903"]},
        "profile": profile.to_dict(),
        "data": {"candidates": "c.csv", "facilities": "none", "data_dir": "/old/data"},
        "shortlist": {"top_n": 3, "min_spacing_m": 500.0, "ids": ["A", "B", "C"]},
    }
    read = scenario_from_data(data)
    assert read.version == 1
    assert (read.scenario.profile, read.scenario.profile_spec) == ("noaberhuuske", None)
    assert read.scenario.candidates == "c.csv"
    assert read.scenario.facilities is None
    assert read.scenario.shortlist.top_n == 3
    assert read.result is not None
    assert read.result.shortlist == ("A", "B", "C")


def test_layout_3_fingerprint_ignores_texts_only():
    profile = load_profile("noaberhuuske")
    reworded = profile.to_dict()
    reworded["criterion"][0]["label"] = "Anders gezegd"
    reweighed = profile.to_dict()
    reweighed["criterion"][0]["weight"] = 0.99
    from criteria.profiles import profile_from_dict

    assert profile_fingerprint(profile_from_dict(reworded)) == profile_fingerprint(profile)
    assert profile_fingerprint(profile_from_dict(reweighed)) != profile_fingerprint(profile)


def test_bad_fields_raise_the_input_error_class():
    with pytest.raises(PlekwijzerInputError, match="veld sensitivity"):
        scenario_from_data(
            {"plekwijzer_scenario": SCENARIO_VERSION, "region": "demo", "profile": "noaberhuuske",
             "sensitivity": -1}
        )  # fmt: skip


# --- the app ------------------------------------------------------------------------------


def _app(demo_source: DataSource, monkeypatch) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(demo_source.path))
    return AppTest.from_file(APP, default_timeout=120).run()


def test_app_asks_for_the_uploaded_file_and_checks_its_hash(demo_source, monkeypatch):
    own = (_inventories(demo_source) / "demo_candidates.csv").read_bytes()
    data = _with(
        _base(demo_source, weights=(("ov_access", 0.372),)),
        "inputs.candidates",
        {"file": "mijn_vastgoed.csv", "sha256": hashlib.sha256(own).hexdigest()},
    )
    data["inputs"]["data_dir"] = None
    at = _app(demo_source, monkeypatch)
    at.file_uploader(key="up_scn").upload("s.scenario.json", json.dumps(data).encode()).run()
    assert not at.exception, at.exception
    assert "het scenario vraagt: mijn_vastgoed.csv" in at.file_uploader(key="up_cand").label
    assert at.select_slider(key="w_skaeve_huse_ov_access").value == 0.372  # exactly, not rounded
    at.file_uploader(key="up_cand").upload("ander.csv", own.replace(b"\n", b"\r\n")).run()
    assert any("niet hetzelfde bestand" in e.value for e in at.error), [e.value for e in at.error]
    at.file_uploader(key="up_cand").upload("mijn_vastgoed.csv", own).run()
    assert not at.exception, at.exception
    assert not any("niet hetzelfde bestand" in e.value for e in at.error)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shortlist.top_n", 500, "veld shortlist.top_n"),
        ("sensitivity", 10**9, "veld sensitivity"),
        ("weights", {"ov_access": 3.0}, "veld weights.ov_access"),
        ("region", "twente", "veld region: 'twente' zit niet in de data"),
    ],
)
def test_app_refuses_a_scenario_it_cannot_show(demo_source, monkeypatch, field, value, message):
    at = _app(demo_source, monkeypatch)
    data = _with(_base(demo_source), field, value)
    at.file_uploader(key="up_scn").upload("s.scenario.json", json.dumps(data).encode()).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.sidebar.error]
    assert any(message in e for e in errors), errors


def test_rerun_note_names_other_data_or_another_shortlist():
    from criteria.scenario_file import ResultRecord

    record = ResultRecord(shortlist=("A", "B"), created="2026-01-01", synthetic_data=False)
    assert rerun_note(record, ["A", "B"], synthetic=False) is None
    assert "result.shortlist A, B… nu B, A…" in rerun_note(record, ["B", "A"], synthetic=False)
    assert "draaide op echte data" in rerun_note(record, ["A", "B"], synthetic=True)
    assert rerun_note(None, ["A"]) is None


def test_app_restores_spread_level_and_coverage_and_names_what_it_cannot_apply(
    demo_source, monkeypatch
):
    data = _base(demo_source, spread_level="wijk", default_places=4.0)
    data["coverage"] = {"reach_m": 2500.0, "sites": 3}
    at = _app(demo_source, monkeypatch)
    at.file_uploader(key="up_scn").upload("s.scenario.json", json.dumps(data).encode()).run()
    assert not at.exception, at.exception
    notes = " ".join(i.value for i in at.sidebar.info)
    # Restored while their tabs are closed; each tab shows them when opened (only the open
    # tab runs).
    at.session_state["tab"] = "Spreiding"
    assert at.run().radio(key="level").value == "wijk"
    at.session_state["tab"] = "Bereik"
    assert at.run().select_slider(key="reach_km").value == 2.5
    assert at.radio(key="reach_mode").value == "N plekken"
    assert at.number_input(key="reach_sites").value == 3
    assert "default_places" in notes
