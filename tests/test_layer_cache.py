import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, MultiLineString, Point

from geo import datalayers, layer_cache
from geo.amenities import stations_from_chb, stops_from_ovapi
from geo.boundary import gemeente_borders_from_cbs
from geo.datadir import DataSource
from geo.dwellings import dwellings_from_file
from geo.neighbourhoods import kerncijfers_from_cbs, neighbourhoods_from_cbs
from geo.network import WalkNetwork, network_from_roads, roads_from_file, walking_distance_m
from geo.regions import resolve_region
from geo.settings import CACHE_DIR_ENV, CRS_RD
from geo.workspace import load_region_data


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def _addresses(path: Path, *, n: int = 5) -> Path:
    gpd.GeoDataFrame(
        {
            "identificatie": [f"000101000{i}" for i in range(n)],
            "gebruiksdoel": ["woonfunctie"] * (n - 1) + ["onderwijsfunctie"],
        },
        geometry=[Point(100_200 + 100 * i, 400_500) for i in range(n)],
        crs=CRS_RD,
    ).to_file(path, layer="verblijfsobject")
    return path


def _roads(path: Path) -> Path:
    gpd.GeoDataFrame(
        {"highway": ["primary", "footway", "residential"], "name": ["A", None, "C"]},
        geometry=[
            LineString([(0, 0), (500, 0), (1_000, 0)]),
            LineString([(500, -500), (500, 0), (500, 500)]),
            LineString([(1_000, 0), (1_000, 400)]),
        ],
        crs=CRS_RD,
    ).to_file(path, layer="highways")
    return path


def _addresses_through_cache(path: Path) -> gpd.GeoDataFrame:
    return layer_cache.cached_frame(
        "addresses", path, ("verblijfsobject",), lambda: dwellings_from_file(path)
    )


def _must_not_build() -> gpd.GeoDataFrame:
    msg = "a cache hit must not build again"
    raise AssertionError(msg)


def test_cache_hit_equals_cache_miss(tmp_path: Path, cache_dir: Path):
    source = _addresses(tmp_path / "bag.gpkg")
    missed = _addresses_through_cache(source)
    assert len(list(cache_dir.glob("addresses-*.parquet"))) == 1
    hit = layer_cache.cached_frame("addresses", source, ("verblijfsobject",), _must_not_build)
    assert_geodataframe_equal(hit, missed, check_dtype=True, check_index_type=True)
    assert hit.attrs == missed.attrs
    assert list(hit.dtypes) == list(missed.dtypes)


def test_mixed_geometries_come_back_as_they_were(tmp_path: Path, cache_dir: Path):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[
            LineString([(0, 0), (1, 1)]),
            MultiLineString([[(0, 0), (1, 0)], [(2, 0), (3, 0)]]),
            None,
        ],
        crs=CRS_RD,
    )
    source = tmp_path / "lines.txt"
    source.write_text("x")
    layer_cache.cached_frame("roads", source, (), lambda: frame)
    hit = layer_cache.cached_frame("roads", source, (), _must_not_build)
    assert hit.geom_type.tolist()[:2] == ["LineString", "MultiLineString"]
    assert_geodataframe_equal(hit, frame)
    assert len(list(cache_dir.iterdir())) == 1


def test_cached_network_routes_as_the_built_one(tmp_path: Path, cache_dir: Path):
    source = _roads(tmp_path / "roads.gpkg")

    def network() -> WalkNetwork:
        return layer_cache.cached(
            "network",
            source,
            ("highways",),
            build=lambda: network_from_roads(roads_from_file(source)),
            dump=WalkNetwork.to_npz_bytes,
            load=WalkNetwork.from_npz,
            suffix=".npz",
        )

    built, read = network(), network()
    assert read is not built
    assert len(list(cache_dir.glob("network-*.npz"))) == 1
    assert (read.graph != built.graph).nnz == 0
    np.testing.assert_array_equal(read.nodes_xy, built.nodes_xy)
    assert read.coverage.equals(built.coverage)
    assert read.stats == built.stats
    sites = gpd.GeoSeries([Point(0, 20), Point(480, 400)], crs=CRS_RD)
    targets = gpd.GeoSeries([Point(1_000, 390)], crs=CRS_RD)
    walks = [walking_distance_m(sites, targets, network=n, name="w") for n in (built, read)]
    assert walks[0].equals(walks[1])
    assert walks[0]["source__w"].tolist() == ["network", "network"]


def test_a_changed_source_is_read_again(tmp_path: Path, cache_dir: Path):
    source = _addresses(tmp_path / "bag.gpkg")
    assert len(_addresses_through_cache(source)) == 5
    source.unlink()
    _addresses(source, n=7)
    stat = source.stat()
    # Same second on a coarse clock: the size alone must tell the files apart.
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert len(_addresses_through_cache(source)) == 7
    # The stale entry made way for the fresh one.
    assert len(list(cache_dir.glob("addresses-*.parquet"))) == 1


@pytest.mark.usefixtures("cache_dir")
def test_changed_code_is_not_served_old_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = _addresses(tmp_path / "bag.gpkg")
    _addresses_through_cache(source)
    monkeypatch.setattr(layer_cache, "code_stamp", lambda: "another reader")
    calls = []

    def build() -> gpd.GeoDataFrame:
        calls.append(1)
        return dwellings_from_file(source)

    layer_cache.cached_frame("addresses", source, ("verblijfsobject",), build)
    assert calls == [1]


def test_an_unreadable_entry_is_rebuilt(tmp_path: Path, cache_dir: Path):
    source = _addresses(tmp_path / "bag.gpkg")
    expected = _addresses_through_cache(source)
    (entry,) = cache_dir.glob("addresses-*.parquet")
    entry.write_bytes(b"PAR1 truncated")
    assert_geodataframe_equal(_addresses_through_cache(source), expected)
    assert entry.read_bytes()[:4] == b"PAR1"
    assert entry.stat().st_size > 100


def test_an_unwritable_cache_folder_still_gives_the_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A file where the folder should be: mkdir fails even for root (chmod would not).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    source = _addresses(tmp_path / "bag.gpkg")
    assert len(_addresses_through_cache(source)) == 5
    assert len(_addresses_through_cache(source)) == 5


def test_a_layer_parquet_cannot_hold_is_still_given(tmp_path: Path, cache_dir: Path):
    # Mixed Python objects in one column: Arrow refuses to store them.
    odd = gpd.GeoDataFrame(
        {"mixed": [1, "twee", {"drie": 3}]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
        crs=CRS_RD,
    )
    source = tmp_path / "odd.txt"
    source.write_text("x")
    assert layer_cache.cached_frame("odd", source, (), lambda: odd) is odd
    assert not list(cache_dir.glob("odd-*"))


@pytest.mark.parametrize("value", ["off", "0", "OFF", " none "])
def test_switched_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv(CACHE_DIR_ENV, value)
    monkeypatch.chdir(tmp_path)
    assert layer_cache.cache_folder() is None
    source = _addresses(tmp_path / "bag.gpkg")
    assert len(_addresses_through_cache(source)) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag.gpkg"]


@pytest.mark.parametrize("value", [None, ""])
def test_default_folder_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, value: str | None):
    if value is None:
        monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(CACHE_DIR_ENV, value)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    folder = layer_cache.cache_folder()
    assert folder is not None
    assert folder.name == "plekwijzer"
    if os.name == "posix" and not Path("/System").exists():  # Linux: XDG decides
        assert folder == Path("/somewhere/cache/plekwijzer")


def _clear_memos() -> None:
    for memo in (datalayers._read_addresses, datalayers._read_roads, datalayers._network):
        memo.cache_clear()


def test_a_layer_with_confidential_rows_is_never_written(tmp_path: Path, cache_dir: Path):
    register = gpd.GeoDataFrame(
        {"id": ["V1"], "type": ["vrouwenopvang"], "confidential": [True]},
        geometry=[Point(100_000, 400_000)],
        crs=CRS_RD,
    )
    source = tmp_path / "register.csv"
    source.write_text("x")
    got = layer_cache.cached_frame("register", source, (), lambda: register)
    assert got is register
    assert not cache_dir.exists() or not any(cache_dir.iterdir())


@pytest.mark.parametrize("which", ["demo_source", "shared_source"])
def test_cbs_layers_from_cache_equal_the_files(
    which: str, request: pytest.FixtureRequest, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    source: DataSource = request.getfixturevalue(which)
    some = sorted(kerncijfers_from_cbs(source).query("level == 'gemeente'")["code"])[:2]
    area = neighbourhoods_from_cbs(source, gemeenten=some).geometry.dropna().union_all()

    def layers() -> list[gpd.GeoDataFrame | None]:
        return [
            neighbourhoods_from_cbs(source, gemeenten=some),
            stops_from_ovapi(source, area=area),
            stations_from_chb(source, area=area),
            gemeente_borders_from_cbs(source),
        ]

    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    read = layers()
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache_dir))
    layers()  # fills the cache
    kinds = {p.name.split("-")[0] for p in cache_dir.iterdir()}
    assert {"buurten", "stops", "stations", "borders"} <= kinds
    for cached, direct in zip(layers(), read, strict=True):
        assert cached is not None
        assert direct is not None
        assert_geodataframe_equal(cached, direct, check_dtype=True, check_index_type=True)
        assert cached.attrs == direct.attrs
    # Another choice of gemeenten is another entry, not the first one's answer.
    other = neighbourhoods_from_cbs(source, gemeenten=some[:1])
    assert set(other["gemeentecode"]) == {some[0]}


def test_region_from_cache_equals_region_without(
    shared_source: DataSource, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    region = resolve_region("custom", gemeenten=["GM0153"])
    monkeypatch.setenv(CACHE_DIR_ENV, "off")
    _clear_memos()
    without = load_region_data(region, shared_source)
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache_dir))
    for _ in range(2):  # the first fills the cache, the second reads it
        _clear_memos()
        cached = load_region_data(region, shared_source)
    assert {p.name.split("-")[0] for p in cache_dir.iterdir()} == {
        "addresses",
        "roads",
        "network",
        "buurten",
        "borders",
        "stops",
        "stations",
    }
    assert_geodataframe_equal(cached.features, without.features)
    assert cached.layers == without.layers
    _clear_memos()


def test_register_data_never_reaches_the_cache(
    shared_source: DataSource, cache_dir: Path, tmp_path: Path
):
    register = tmp_path / "register.csv"
    register.write_text(
        "id,name,type,places,x,y,confidential\n"
        "GEHEIM-7731,Blijfhuis Zonnestraal,vrouwenopvang,12,257936.3,471236.7,ja\n"
        "OPEN-0001,Dagopvang Centrum,dagopvang,30,258574.5,471482.5,nee\n",
        encoding="utf-8",
    )
    _clear_memos()
    data = load_region_data(
        resolve_region("custom", gemeenten=["GM0153"]), shared_source, facilities_path=register
    )
    assert len(data.facilities) == 2
    entries = list(cache_dir.iterdir())
    assert entries, "the run should have cached the open-data layers"
    for entry in entries:
        content = entry.read_bytes()
        for secret in (b"GEHEIM-7731", b"Zonnestraal", b"Dagopvang Centrum", b"257936"):
            assert secret not in content, f"{secret!r} in {entry.name}"
    _clear_memos()


def test_found_layers_from_cache_equal_a_fresh_look(
    shared_source: DataSource, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    datalayers._find_layers.cache_clear()
    fresh = datalayers.find_layers(shared_source)
    assert list(cache_dir.glob("found-layers-*.json"))
    datalayers._find_layers.cache_clear()
    monkeypatch.setattr(datalayers, "_classify", lambda _state: _must_not_build())
    assert datalayers.find_layers(shared_source) == fresh
    assert {f.kind for f in fresh} == {"addresses", "roads"}
    datalayers._find_layers.cache_clear()
