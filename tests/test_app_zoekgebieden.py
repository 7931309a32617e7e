"""The app's Zoekgebieden layer through AppTest (synthetic demo: quick)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.datasets.demo import ensure_demo_data
from geo.settings import DATA_DIR_ENV

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_zoekgebieden_layer_shows_areas_and_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(ensure_demo_data(tmp_path / "demo")))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["tab"] = "Kaart"  # the layer is part of the map tab
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="zg_cel").set_value(100)
    at.number_input(key="zg_m2").set_value(0)
    at.slider(key="zg_score").set_value(0.3)
    at.toggle(key="zg_aan").set_value(True).run()
    assert not at.exception, at.exception
    text = "\n".join(c.value for c in at.caption)
    assert "cellen van 100 m" in text
    assert "Niet per cel toegepast" in text
    tables = [t.value for t in at.dataframe if "Zoekgebied" in t.value.columns]
    assert tables
    assert len(tables[0]) >= 1
    assert tables[0]["Zoekgebied"].tolist() == list(range(1, len(tables[0]) + 1))
