import errno
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point, Polygon

from geo.export import (
    COORDINATE_PRECISION,
    ExportError,
    geojson_dict,
    write_json_atomic,
    write_text_atomic,
)
from geo.settings import CRS_RD

X0, Y0 = 155_000.0, 463_000.0  # Amersfoort, the origin of RD


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    # exterior given clockwise, with a clockwise hole: the export must turn the exterior round
    exterior = [(X0, Y0), (X0, Y0 + 100), (X0 + 100, Y0 + 100), (X0 + 100, Y0)]
    hole = [(X0 + 40, Y0 + 40), (X0 + 40, Y0 + 60), (X0 + 60, Y0 + 60), (X0 + 60, Y0 + 40)]
    polygon = Polygon(exterior, [hole])
    assert not shapely.is_ccw(polygon.exterior)
    return gpd.GeoDataFrame(
        {
            "id": ["A", "B", "C"],
            "count": np.array([1, 2, 3], dtype=np.int64),
            "score": [0.5, np.nan, np.float32(0.25)],
            "flag": np.array([True, False, True]),
            "label": pd.array(["x", pd.NA, "z"], dtype="string"),
            "nested": [{"a": np.nan, "b": np.int64(7)}, {"a": [np.float64(1.5), None]}, {}],
        },
        geometry=[polygon, Point(X0, Y0), None],
        crs=CRS_RD,
    )


def test_geojson_dict_is_a_feature_collection(layer):
    collection = geojson_dict(layer, properties=["id", "count"])
    assert collection["type"] == "FeatureCollection"
    assert "crs" not in collection
    assert [f["type"] for f in collection["features"]] == ["Feature"] * 3
    assert [f["properties"] for f in collection["features"]] == [
        {"id": "A", "count": 1},
        {"id": "B", "count": 2},
        {"id": "C", "count": 3},
    ]
    assert collection["features"][2]["geometry"] is None


def test_geojson_dict_exterior_counter_clockwise_holes_clockwise(layer):
    geometry = geojson_dict(layer, properties=["id"])["features"][0]["geometry"]
    assert geometry["type"] == "Polygon"
    exterior, hole = (shapely.LinearRing(ring) for ring in geometry["coordinates"])
    assert shapely.is_ccw(exterior)
    assert not shapely.is_ccw(hole)


def test_geojson_dict_is_lon_lat_wgs84(layer):
    collection = geojson_dict(layer, properties=["id"])
    lon, lat = collection["features"][1]["geometry"]["coordinates"]
    # Amersfoort's Onze Lieve Vrouwetoren, the origin of RD, stands at 5.387 E, 52.155 N
    assert lon == pytest.approx(5.3872, abs=1e-3)
    assert lat == pytest.approx(52.1552, abs=1e-3)
    assert round(lon, COORDINATE_PRECISION) == lon
    back = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(CRS_RD)
    assert back.iloc[0].distance(Point(X0, Y0)) < 0.05


def test_geojson_dict_makes_values_plain(layer):
    features = geojson_dict(layer, properties=["count", "score", "flag", "label", "nested"])[
        "features"
    ]
    first, second, third = (f["properties"] for f in features)
    assert type(first["count"]) is int
    assert type(first["flag"]) is bool
    assert first["score"] == 0.5
    assert second["score"] is None
    assert type(third["score"]) is float
    assert third["score"] == 0.25
    assert second["label"] is None
    assert first["nested"] == {"a": None, "b": 7}
    assert type(first["nested"]["b"]) is int
    assert second["nested"] == {"a": [1.5, None]}
    text = json.dumps(features, allow_nan=False)  # strict JSON: no NaN left
    assert "NaN" not in text


def test_geojson_dict_needs_a_crs(layer):
    with pytest.raises(ValueError, match="without a CRS"):
        geojson_dict(layer.set_crs(None, allow_override=True), properties=["id"])


def test_geojson_dict_does_not_touch_its_input(layer):
    before = layer.copy()
    geojson_dict(layer, properties=["id"])
    assert layer.crs == before.crs
    assert layer.geometry.geom_equals_exact(before.geometry, tolerance=0).iloc[:2].all()


def test_geojson_dict_reads_back_in_geopandas(layer, tmp_path: Path):
    path = write_json_atomic(tmp_path / "layer.geojson", geojson_dict(layer, properties=["id"]))
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 4326
    assert list(frame["id"]) == ["A", "B", "C"]
    assert frame.to_crs(CRS_RD).area.iloc[0] == pytest.approx(100 * 100 - 20 * 20, rel=1e-3)


def test_write_json_atomic_writes_plain_json(tmp_path: Path):
    path = tmp_path / "out.json"
    returned = write_json_atomic(path, {"n": np.int64(3), "x": math.nan, "s": "straße"})
    assert returned == path
    assert json.loads(path.read_text(encoding="utf-8")) == {"n": 3, "x": None, "s": "straße"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_json_atomic_replaces_an_existing_file(tmp_path: Path):
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")
    write_json_atomic(path, [1, 2])
    assert json.loads(path.read_text(encoding="utf-8")) == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_json_atomic_keeps_old_file_when_serialisation_fails(tmp_path: Path):
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(
        ExportError, match=r"out.json niet schrijven: de uitkomst bevat een waarde die JSON niet"
    ):
        write_json_atomic(path, {"fine": 1, "bad": object()})
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_text_atomic_keeps_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "out.json"
    path.write_text("old", encoding="utf-8")

    def broken_replace(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(
        ExportError, match=r"out.json niet schrijven: de schijf is vol .* Maak ruimte vrij"
    ):
        write_text_atomic(path, "new")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_write_text_atomic_missing_folder(tmp_path: Path):
    path = tmp_path / "nowhere" / "out.json"
    with pytest.raises(ExportError, match=r"map \S*nowhere bestaat niet. Maak die aan"):
        write_text_atomic(path, "x")
    with pytest.raises(ValueError, match="bestaat niet"):
        write_json_atomic(path, {})
    assert not path.parent.exists()


def test_geojson_dict_orients_every_part_of_a_multipolygon():
    def square(x: float, *, clockwise: bool) -> Polygon:
        ring = [(x, Y0), (x + 50, Y0), (x + 50, Y0 + 50), (x, Y0 + 50)]
        return Polygon(ring[::-1] if clockwise else ring)

    shapes = shapely.MultiPolygon([square(X0, clockwise=True), square(X0 + 100, clockwise=False)])
    frame = gpd.GeoDataFrame({"id": ["M"]}, geometry=[shapes], crs=CRS_RD)
    geometry = geojson_dict(frame, properties=["id"])["features"][0]["geometry"]
    assert geometry["type"] == "MultiPolygon"
    for polygon in geometry["coordinates"]:
        assert shapely.is_ccw(shapely.LinearRing(polygon[0]))
