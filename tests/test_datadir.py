from pathlib import Path

import pytest

from geo._errors import DataDirError
from geo.datadir import resolve_data_dir
from geo.datasets.demo import ensure_demo_data
from geo.paths import KWB_TABLE


def test_explicit_dir_wins_over_environment(demo_source, monkeypatch):
    monkeypatch.setenv("PLEKWIJZER_DATA", "/does/not/exist")
    source = resolve_data_dir(demo_source.path)
    assert source.origin == "--data-dir"
    assert source.synthetic
    assert "SYNTHETISCHE" in source.describe()


def test_environment_variable_is_used(demo_source, monkeypatch):
    monkeypatch.setenv("PLEKWIJZER_DATA", str(demo_source.path))
    assert resolve_data_dir().origin == "$PLEKWIJZER_DATA"


def test_missing_dir_names_it_and_the_fix(tmp_path):
    with pytest.raises(DataDirError, match=r"bestaat niet\. Verbeter het pad"):
        resolve_data_dir(tmp_path / "nowhere")


def test_dir_without_layout_is_refused(tmp_path):
    with pytest.raises(DataDirError, match="heeft geen cbs_kwb2024"):
        resolve_data_dir(tmp_path)


def test_shared_data_is_real(shared_source):
    source = resolve_data_dir(shared_source.path)
    assert not source.synthetic
    assert "echte open data" in source.describe()


def test_demo_generation_is_seeded_and_complete(tmp_path):
    first = ensure_demo_data(tmp_path / "a")
    second = ensure_demo_data(tmp_path / "b")
    assert (first / KWB_TABLE).read_bytes() == (second / KWB_TABLE).read_bytes()
    assert Path(first / "inventories" / "demo_candidates.csv").exists()
