"""Raster criteria: --raster NAME=FILE as a soft criterion or a hard rule, for sites and cells."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from cli import main
from criteria.profiles import load_profile, profile_from_dict
from criteria.scoring import score
from criteria.surface import compute_surface, surface_profile
from geo._errors import CRSError, PlekwijzerInputError
from geo.datadir import DataSource
from geo.datasets.illustrative import illustrative_paths
from geo.datasets.noise import DESCRIPTION, NODATA, road_noise_proxy, write_road_noise_proxy
from geo.features import candidate_features
from geo.raster import (
    add_raster_features,
    parse_raster_options,
    raster_layer_from_file,
)
from geo.regions import resolve_region
from geo.settings import CRS_RD
from geo.surface import NODATA as SURFACE_NODATA
from geo.surface import surface_layers

ROADS = "osm_enschede/osm_highways_enschede_2023-12.gpkg"
NOISE_RULE = {
    "name": "noise_limit",
    "label": "Geluid hoogstens 63 dB",
    "rationale": "at most 63 dB Lden from roads (illustrative limit for new homes)",
    "any_of": [{"feature": "raster_geluid", "op": "<=", "value": 63, "missing": "check"}],
}
NOISE_CRITERION = {
    "name": "quiet",
    "feature": "raster_geluid",
    "transform": {"kind": "linear", "lower": 48, "upper": 63, "direction": "cost"},
    "weight": 0.2,
    "rationale": "quieter is healthier for residents (illustrative)",
}


def _write(path: Path, data: np.ndarray, *, transform: Affine, crs: str | None = CRS_RD) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=-9999.0,
    ) as dataset:
        dataset.write(data.astype("float32"), 1)
    return path


def _noise_profile():
    data = load_profile("skaeve_huse").to_dict()
    data["constraint"].append(NOISE_RULE)
    data["criterion"].append(NOISE_CRITERION)
    return profile_from_dict(data)


@pytest.fixture
def three_cells(tmp_path: Path) -> Path:
    """One row of three 100 m cells: 50 dB, 70 dB, nodata."""
    data = np.array([[50.0, 70.0, -9999.0]])
    return _write(tmp_path / "geluid.tif", data, transform=Affine(100, 0, 1_000, 0, -100, 2_100))


def _sites(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"buurtcode": ["BU1"] * len(xy)},
        geometry=[Point(x, y) for x, y in xy],
        crs=CRS_RD,
    )


def test_sample_and_buurt_mean(three_cells: Path) -> None:
    layer = raster_layer_from_file("geluid", three_cells)
    sites = _sites((1_050, 2_050), (1_150, 2_050), (1_250, 2_050), (5_000, 5_000))
    buurten = gpd.GeoDataFrame(
        {"buurtcode": ["BU1"]}, geometry=[box(1_000, 2_000, 1_300, 2_100)], crs=CRS_RD
    )
    out = add_raster_features(sites, [layer], buurten=buurten)
    assert out["raster_geluid"].tolist()[:2] == [50.0, 70.0]
    assert out["raster_geluid"].iloc[2:].isna().all()  # nodata and outside the raster
    assert out["buurt_raster_geluid"].tolist() == [60.0] * 4  # nodata left out of the mean


def test_points_are_reprojected_to_the_raster_crs(tmp_path: Path, three_cells: Path) -> None:
    layer = raster_layer_from_file("geluid", three_cells)
    sites = _sites((1_050, 2_050), (1_150, 2_050))
    wgs = sites.to_crs("EPSG:4326")
    assert layer.sample(wgs.geometry).tolist() == [50.0, 70.0]
    # A raster in lon/lat: RD sites are reprojected to it, not compared in RD numbers.
    lon, lat = wgs.geometry.x.to_numpy(), wgs.geometry.y.to_numpy()
    step = 1e-4
    transform = Affine(step, 0, lon[0] - step / 2, 0, -step, lat[0] + step / 2)
    grid = np.full((3, 30), 1.0)
    grid[0, 0] = 9.0
    lonlat = raster_layer_from_file(
        "proef", _write(tmp_path / "wgs.tif", grid, transform=transform, crs="EPSG:4326")
    )
    assert lonlat.sample(sites.geometry).iloc[0] == 9.0


def test_raster_without_crs_or_bad_name_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "nocrs.tif", np.ones((2, 2)), transform=Affine(1, 0, 0, 0, -1, 2), crs=None
    )
    with pytest.raises(CRSError, match="het raster heeft geen CRS"):
        raster_layer_from_file("geluid", path)
    with pytest.raises(PlekwijzerInputError, match="kleine letters"):
        raster_layer_from_file("Geluid dB", path)
    with pytest.raises(PlekwijzerInputError, match=r"schrijf NAAM=BESTAND\.tif"):
        parse_raster_options(["geluid"])
    with pytest.raises(PlekwijzerInputError, match="staat er twee keer"):
        parse_raster_options(["a=x.tif", "a=y.tif"])


def test_hard_rule_on_a_raster_never_passes_nodata_silently(three_cells: Path) -> None:
    layer = raster_layer_from_file("geluid", three_cells)
    sites = _sites((1_050, 2_050), (1_150, 2_050), (1_250, 2_050))
    features = add_raster_features(sites, [layer], buurten=sites.iloc[:0])
    features = features.assign(
        distance_to_dwelling_m=500.0,
        distance_to_sensitive_m=500.0,
        plot_area_m2=1_000.0,
        use="grond",
        addresses_within_250m=5.0,
        distance_to_facility_m=2_000.0,
        walk_to_bus_tram_stop_m=500.0,
        buurt_draagkracht=0.5,
    )
    result = score(features, _noise_profile())
    assert result.excluded.tolist() == [False, True, False]
    assert result.needs_check.tolist() == [False, False, True]
    rows = result.rows()
    reason = "Geluid hoogstens 63 dB: raster_geluid 70, eis ≤ 63"
    assert rows["exclusion_reasons"].iloc[1] == [reason]
    check = rows["checks"].iloc[2]
    assert [c["rule"] for c in check] == ["noise_limit"]
    explained = result.explain(2)["quiet"]
    assert explained["missing"]
    assert explained["transformed"] == 0.0  # unknown scores the worst case


def test_noise_proxy_is_labelled_illustrative_and_louder_near_main_roads(
    shared_source: DataSource, tmp_path: Path
) -> None:
    roads = gpd.read_file(shared_source.path / ROADS, layer="highways")
    roads = roads[roads.geom_type == "LineString"]
    levels, _ = road_noise_proxy(roads, cell_m=25)
    path = write_road_noise_proxy(roads, tmp_path / "geluid.tif", cell_m=25)
    with rasterio.open(path) as dataset:
        assert dataset.tags()["ILLUSTRATIEF"] == "ja"
        assert dataset.tags()["TIFFTAG_IMAGEDESCRIPTION"] == DESCRIPTION
        assert dataset.crs.to_epsg() == 28992
    layer = raster_layer_from_file("geluid", path)
    primary = roads[roads["highway"] == "primary"].geometry
    near = gpd.GeoSeries(primary.interpolate(0.5, normalized=True), crs=CRS_RD)
    footway = roads[roads["highway"] == "footway"].geometry
    quiet_spots = gpd.GeoSeries(footway.interpolate(0.5, normalized=True), crs=CRS_RD)
    assert layer.sample(near).median() > layer.sample(quiet_spots).median() + 5
    assert (levels == NODATA).any()  # beyond the extract: unknown, not quiet
    assert np.nanmax(np.where(levels == NODATA, np.nan, levels)) < 80


def test_surface_cells_and_sites_read_the_raster_the_same_way(
    demo_source: DataSource, tmp_path: Path
) -> None:
    region = resolve_region("demo", source=demo_source)
    base = surface_layers(region, demo_source)
    minx, miny, maxx, maxy = base.buurten.total_bounds
    cols, rows = int((maxx - minx) // 100) + 1, int((maxy - miny) // 100) + 1
    x = np.linspace(45, 70, cols)[None, :].repeat(rows, axis=0)
    x[: rows // 3] = -9999.0  # a stripe without data
    path = _write(tmp_path / "geluid.tif", x, transform=Affine(100, 0, minx, 0, -100, maxy))
    layers = surface_layers(region, demo_source, rasters=[("geluid", str(path))])
    profile = _noise_profile()
    surface = compute_surface(layers, profile, cell_m=250)
    inside_rows, inside_cols = np.nonzero(surface.score != SURFACE_NODATA)
    pick = np.random.default_rng(3).choice(len(inside_rows), size=200, replace=False)
    cx, cy = surface.grid.centres(inside_rows[pick], inside_cols[pick])
    sites = gpd.GeoDataFrame(geometry=gpd.points_from_xy(cx, cy), crs=CRS_RD)
    features = add_raster_features(
        candidate_features(sites, **layers.feature_options()),
        layers.rasters,
        buurten=layers.buurten,
    )
    result = score(features, surface_profile(profile).profile)
    expected = np.where(result.excluded, 0.0, result.score)
    assert np.allclose(surface.score[inside_rows[pick], inside_cols[pick]], expected, atol=1e-6)
    assert features["raster_geluid"].isna().any()
    assert features["raster_geluid"].notna().any()
    flagged = surface.needs_check[inside_rows[pick], inside_cols[pick]]
    assert flagged[features["raster_geluid"].isna().to_numpy()].all()


def test_score_cli_with_a_raster_records_it(
    shared_source: DataSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roads = gpd.read_file(shared_source.path / ROADS, layer="highways")
    noise = write_road_noise_proxy(roads[roads.geom_type == "LineString"], tmp_path / "g.tif")
    profile = tmp_path / "skaeve_huse_geluid.toml"
    profile.write_text(_toml(_noise_profile().to_dict()), encoding="utf-8")
    out = tmp_path / "enschede.geojson"
    code = main(
        ["score", "--profile", str(profile), "--gemeenten", "GM0153", "--raster",
         f"geluid={noise}", "--out", str(out), "--data-dir", str(shared_source.path),
         "--candidates", str(illustrative_paths("twente")["candidates"])]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    scenario = json.loads(out.with_name("enschede.scenario.json").read_text())
    assert scenario["rasters"] == {"geluid": str(noise)}  # once, as the user gave it
    features = json.loads(out.read_text())["features"]
    raw = pd.Series([f["properties"]["criteria"]["quiet"]["raw"] for f in features])
    assert raw.notna().any()
    assert raw.isna().any()  # sites beyond the road extract: unknown
    unknown = [
        f
        for f, r in zip(features, raw, strict=True)
        if pd.isna(r) and not f["properties"]["excluded"]
    ]
    assert unknown  # eligible sites without noise data ...
    for feature in unknown:  # ... are flagged for the noise rule, never passed silently
        assert "noise_limit" in [c["rule"] for c in feature["properties"]["checks"]]
    assert "illustratief" in capsys.readouterr().err


def _toml(data: dict) -> str:
    """A minimal TOML writer for a profile dict (strings, numbers, lists, inline tables)."""

    def value(v: object) -> str:
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, list)]
    for table in ("constraint", "criterion"):
        for entry in data[table]:
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {value(v)}" for k, v in entry.items() if v is not None]
    return "\n".join(lines) + "\n"
