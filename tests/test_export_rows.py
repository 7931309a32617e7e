"""Exports for QGIS: names, the inventory's own columns, flat columns, the GeoPackage."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from criteria.export_rows import export_properties, inventory_by_id
from criteria.run import EXPORT_PROPERTIES, run_scenario
from criteria.scenario import Scenario
from geo.datadir import DataSource
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES


@pytest.fixture(scope="module")
def demo_run(demo_source: DataSource):
    scenario = Scenario(
        profile="tussenvoorziening",
        region="demo",
        data_dir=str(demo_source.path),
        use_defaults=True,
    )
    return run_scenario(scenario)


def test_geojson_adds_names_inventory_and_flat_columns(demo_run):
    collection = demo_run.feature_collection()
    props = collection["features"][0]["properties"]
    assert list(props)[: len(EXPORT_PROPERTIES)] == list(EXPORT_PROPERTIES)
    criteria = list(demo_run.scoring.weights)
    expected = {"gemeentenaam", "buurtnaam", "use", "floor_area_m2", "n_checks"}
    expected |= {f"raw_{c}" for c in criteria} | {f"contrib_{c}" for c in criteria}
    assert expected <= set(props)
    table = demo_run.table
    for feature in collection["features"]:
        p = feature["properties"]
        row = table.loc[p["id"]]
        assert p["gemeentenaam"]
        assert p["n_checks"] == len(p["checks"])
        assert p["first_exclusion_reason"] == (
            p["exclusion_reasons"][0] if p["exclusion_reasons"] else None
        )
        for c in criteria:
            assert p[f"contrib_{c}"] == pytest.approx(p["criteria"][c]["contribution"])
        assert p["use"] == row["use"]
    assert "x" not in export_properties(demo_run)


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo is not installed")
def test_geopackage_opens_in_gdal_with_the_named_columns(demo_source: DataSource, tmp_path: Path):
    out = tmp_path / "sites.gpkg"
    args = [
        "score", "--profile", "tussenvoorziening", "--region", "demo",
        "--data-dir", str(demo_source.path),
        "--candidates", str(demo_source.path / DEMO_CANDIDATES),
        "--facilities", str(demo_source.path / DEMO_FACILITIES),
        "--top", "3", "--out", str(out),
    ]  # fmt: skip
    assert cli.main(args) == 0
    assert (tmp_path / "sites.scenario.json").exists()
    sites = subprocess.run(
        ["ogrinfo", "-so", "-ro", str(out), "locaties"], capture_output=True, text=True, check=True
    ).stdout
    for column in (
        "gemeentenaam", "buurtnaam", "floor_area_m2", "owner", "n_checks",
        "first_exclusion_reason", "raw_ov_access", "contrib_ov_access", "criteria", "checks",
    ):  # fmt: skip
        assert f"\n{column}: " in sites, column
    assert "rank: Integer64" in sites
    assert 'EPSG",28992' in sites
    summary = subprocess.run(
        ["ogrinfo", "-so", "-ro", str(out), "gemeenten"], capture_output=True, text=True, check=True
    ).stdout
    for column in ("gemeentenaam", "per_10k_nu", "per_10k_met_shortlist", "shortlist"):
        assert f"\n{column}: " in summary, column
    assert "Geometry: Polygon" in summary or "Geometry: Multi Polygon" in summary
    with sqlite3.connect(out) as db:
        (qml,) = db.execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_name = 'locaties' AND useAsDefault"
        ).fetchone()
        shortlisted = db.execute("SELECT count(*) FROM locaties WHERE shortlisted").fetchone()[0]
    assert shortlisted == 3
    assert qml == (tmp_path / "sites.qml").read_text(encoding="utf-8")
    rules = ET.fromstring(qml.split("\n", 1)[1]).findall(".//rule")
    assert [r.get("label") for r in rules][:2] == ["Uitgesloten", "score 0,0 – 0,2"]
    assert json.loads((tmp_path / "sites.scenario.json").read_text())["shortlist"]["top_n"] == 3


def test_inventory_by_id_reuses_the_readers_id_index_without_a_copy():
    ids = ["a", "b", "c"]
    inventory = pd.DataFrame(
        {"id": pd.array(ids, dtype="string"), "floor_area_m2": [10.0, 20.0, 30.0]},
        index=pd.Index(ids, dtype=object),
    )
    keyed = inventory_by_id(inventory, ["floor_area_m2"])
    assert np.shares_memory(keyed.index.to_numpy(), inventory.index.to_numpy())
    assert np.shares_memory(
        keyed["floor_area_m2"].to_numpy(), inventory["floor_area_m2"].to_numpy()
    )
    assert keyed.reindex(np.array(["c", "a"], dtype=object))["floor_area_m2"].tolist() == [
        30.0,
        10.0,
    ]


def test_inventory_by_id_keeps_the_first_row_of_an_id_given_twice():
    ids = ["a", "b", "a"]
    keyed_by_reader = pd.DataFrame(
        {"id": ids, "use": ["kerk", "school", "zorg"]}, index=pd.Index(ids, dtype=object)
    )
    numbered = keyed_by_reader.reset_index(drop=True)
    for inventory in (keyed_by_reader, numbered):
        keyed = inventory_by_id(inventory, ["use"])
        assert keyed["use"].to_dict() == {"a": "kerk", "b": "school"}
