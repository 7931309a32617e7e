"""``plekwijzer cover`` through ``cli.main``: the JSON and GeoJSON contract and bad input."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import cli
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.datasets.illustrative import illustrative_paths

CONTRACT_KEYS = {
    "reach_m",
    "model",
    "existing",
    "new_sites",
    "inhabitants",
    "covered_before",
    "covered_after",
    "uncovered",
    "solve_s",
}


def run_cli(args: list[object]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def demo_args(source: DataSource, tmp_path: Path, *extra: object) -> list[object]:
    return [
        "cover",
        "--data-dir",
        source.path,
        "--region",
        "demo",
        "--profile",
        "noaberhuuske",
        "--candidates",
        source.path / DEMO_CANDIDATES,
        "--facilities",
        source.path / DEMO_FACILITIES,
        "--out",
        tmp_path / "cover.json",
        *extra,
    ]


def test_cover_all_writes_the_json_contract_and_geojson(
    demo_source: DataSource, tmp_path: Path
) -> None:
    geojson = tmp_path / "sites.geojson"
    code, stdout, stderr = run_cli(
        demo_args(demo_source, tmp_path, "--reach-m", 1500, "--all", "--geojson", geojson)
    )
    assert code == 0, stderr
    payload = json.loads((tmp_path / "cover.json").read_text())
    assert set(payload) >= CONTRACT_KEYS
    assert payload["model"] == "lscp"
    assert payload["reach_m"] == 1500.0
    assert isinstance(payload["existing"], int)
    assert 0 <= payload["covered_before"] <= payload["covered_after"] <= 1
    assert all(set(u) == {"buurtcode", "inhabitants"} for u in payload["uncovered"])
    # Everything not covered after an --all run is a buurt no eligible site can reach.
    assert payload["uncovered"] == payload["unreachable"]
    collection = json.loads(geojson.read_text())
    ranks = {f["properties"]["id"]: f["properties"]["cover_rank"] for f in collection["features"]}
    assert {i for i, r in ranks.items() if r is not None} == set(payload["new_sites"])
    assert [ranks[i] for i in payload["new_sites"]] == list(range(1, len(payload["new_sites"]) + 1))
    assert {"score", "rank", "excluded", "criteria"} <= set(collection["features"][0]["properties"])
    scenario = json.loads((tmp_path / "cover.scenario.json").read_text())
    assert scenario["coverage"] == {"reach_m": 1500.0, "sites": None}
    assert scenario["result"]["coverage"]["model"] == "lscp"
    assert scenario["result"]["coverage"]["new_sites"] == payload["new_sites"]
    assert "nieuwe plek" in stderr
    assert payload["new_sites"], "the demo needs at least one new site at 1.5 km"
    listed = [line.split()[1] for line in stdout.splitlines() if line.split()[0].isdigit()]
    assert listed == payload["new_sites"]


def test_cover_sites_runs_mclp(demo_source: DataSource, tmp_path: Path) -> None:
    code, _, stderr = run_cli(demo_args(demo_source, tmp_path, "--reach-m", 800, "--sites", 2))
    assert code == 0, stderr
    payload = json.loads((tmp_path / "cover.json").read_text())
    assert payload["model"] == "mclp"
    assert len(payload["new_sites"]) <= 2
    assert payload["sites_asked"] == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reach-m", "-5", "--all"], "--reach-m: '-5' is ongeldig: geef meters ≥ 1"),
        (["--reach-m", "0", "--all"], "--reach-m: '0' is ongeldig: geef meters ≥ 1"),
        (["--reach-m", "nan", "--all"], "--reach-m: 'nan' is ongeldig"),
        (["--reach-m", "3000", "--sites", "0"], "--sites: '0' is ongeldig"),
        (["--reach-m", "3000"], "geef precies een van --all"),
        (["--reach-m", "3000", "--all", "--sites", "3"], "geef precies een van --all"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    demo_source: DataSource, tmp_path: Path, extra: list[str], message: str
) -> None:
    code, stdout, stderr = run_cli(demo_args(demo_source, tmp_path, *extra))
    assert code == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("plekwijzer: fout: ")
    assert message in lines[0]
    assert not (tmp_path / "cover.json").exists()


@pytest.mark.shared_data
def test_cover_twente_illustrative_inventory(shared_source: DataSource, tmp_path: Path) -> None:
    paths = illustrative_paths("twente")
    code, _, stderr = run_cli(
        [
            "cover",
            "--data-dir",
            shared_source.path,
            "--region",
            "twente",
            "--profile",
            "noaberhuuske",
            "--candidates",
            paths["candidates"],
            "--facilities",
            paths["facilities"],
            "--reach-m",
            5000,
            "--all",
            "--out",
            tmp_path / "cover.json",
        ]
    )
    assert code == 0, stderr
    payload = json.loads((tmp_path / "cover.json").read_text())
    assert payload["existing"] == 2
    assert payload["inhabitants"] == pytest.approx(411_135)
    assert payload["covered_after"] > payload["covered_before"]
    assert payload["uncovered"] == payload["unreachable"]
