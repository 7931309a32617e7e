"""A copied profile with a name of its own runs through score, spread, cover and report.

The profile's name is its own; the facility type it sites is ``facility_type`` (issue 16).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import cli
from criteria.profiles import load_profile, profile_from_dict
from geo._errors import PlekwijzerError

SHIPPED = Path(__file__).resolve().parents[1] / "criteria" / "profiles" / "noaberhuuske.toml"


def _copy(tmp_path: Path, *, facility_type: bool = True) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace('name = "noaberhuuske"', 'name = "mijn_huuske"', 1)
    if not facility_type:
        text = text.replace('facility_type = "noaberhuuske"\n', "", 1)
    path = tmp_path / "mijn_huuske.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _inputs(demo_source) -> list[str]:
    inventories = demo_source.path / "inventories"
    return [
        "--region", "demo", "--data-dir", str(demo_source.path),
        "--candidates", str(inventories / "demo_candidates.csv"),
        "--facilities", str(inventories / "demo_facilities.csv"),
    ]  # fmt: skip


def test_shipped_profiles_site_their_own_type():
    for name in ("noaberhuuske", "tussenvoorziening", "skaeve_huse"):
        profile = load_profile(name)
        assert profile.facility_type == name
        assert profile_from_dict(profile.to_dict(), source=profile.source) == profile


def test_a_copied_profile_runs_through_score_spread_cover_and_report(demo_source, tmp_path, capsys):
    profile = _copy(tmp_path)
    assert load_profile(profile).name == "mijn_huuske"
    assert load_profile(profile).facility_type == "noaberhuuske"
    inputs = _inputs(demo_source)
    out = tmp_path / "mijn.geojson"
    assert cli.main(["score", "--profile", str(profile), *inputs, "--out", str(out)]) == 0
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["plekwijzer"]["profile"] == "mijn_huuske"
    assert collection["plekwijzer"]["facility_type"] == "noaberhuuske"
    shortlisted = sum(f["properties"]["shortlisted"] for f in collection["features"])
    assert shortlisted > 0

    spread = tmp_path / "spread.json"
    register = inputs[inputs.index("--facilities") + 1]
    args = ["spread", "--region", "demo", "--data-dir", str(demo_source.path)]
    args += ["--facilities", register, "--scenario", str(out), "--out", str(spread)]
    assert cli.main(args) == 0
    assert json.loads(spread.read_text(encoding="utf-8"))["added"] == shortlisted

    cover = tmp_path / "cover.json"
    args = ["cover", "--profile", str(profile), *inputs, "--reach-m", "3000", "--all"]
    assert cli.main([*args, "--out", str(cover)]) == 0
    assert json.loads(cover.read_text(encoding="utf-8"))["profile"] == "mijn_huuske"

    report = tmp_path / "report.html"
    scenario = tmp_path / "mijn.scenario.json"
    assert cli.main(["report", "--scenario", str(scenario), "--out", str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    assert "Noaberhuuske in" in html
    assert "onbekend type voorziening" not in capsys.readouterr().err


def test_a_copied_profile_without_a_type_is_refused_in_one_line(demo_source, tmp_path, capsys):
    profile = _copy(tmp_path, facility_type=False)
    assert load_profile(profile).facility_type is None
    out = tmp_path / "x.geojson"
    assert (
        cli.main(["score", "--profile", str(profile), *_inputs(demo_source), "--out", str(out)])
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert re.search(
        r"profiel 'mijn_huuske' noemt geen type voorziening; voeg facility_type", err[-1]
    )
    assert not out.exists()


def test_an_unknown_facility_type_is_refused(tmp_path):
    path = _copy(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'facility_type = "noaberhuuske"', 'facility_type = "huuske"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(PlekwijzerError, match=r"onbekend facility_type 'huuske'; gebruik een van"):
        load_profile(path)
