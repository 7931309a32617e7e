"""Exports written as one unit: on any failure the earlier files stay byte-identical."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import Point, box

from geo import export
from geo.export import ExportError, GeoJSONStream, geojson_dict, write_export_pair
from geo.settings import CRS_RD

OLD = {"out.geojson": b'{"old": "geojson"}\n', "out.scenario.json": b'{"old": "scenario"}\n'}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, blob in OLD.items():
        (tmp_path / name).write_bytes(blob)
    return tmp_path


def _pair(folder: Path, **extra: object) -> dict[Path, object]:
    return {
        folder / "out.geojson": {"type": "FeatureCollection", "features": []},
        folder / "out.scenario.json": {"profile": "skaeve_huse"},
        **{folder / k: v for k, v in extra.items()},
    }


def _assert_untouched(folder: Path) -> None:
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == OLD


def test_writes_every_file_and_leaves_nothing_else(folder: Path):
    written = write_export_pair(_pair(folder, **{"out.csv": "a;b\n1;2\n"}))
    assert [p.name for p in written] == ["out.geojson", "out.scenario.json", "out.csv"]
    assert json.loads((folder / "out.scenario.json").read_text()) == {"profile": "skaeve_huse"}
    assert (folder / "out.csv").read_text() == "a;b\n1;2\n"
    assert sorted(p.name for p in folder.iterdir()) == [
        "out.csv",
        "out.geojson",
        "out.scenario.json",
    ]


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_file_mode_follows_the_umask(tmp_path: Path, umask: int):
    previous = os.umask(umask)
    try:
        write_export_pair(_pair(tmp_path))
    finally:
        os.umask(previous)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_missing_folder_is_refused_naming_it(tmp_path: Path):
    target = tmp_path / "nowhere" / "out.geojson"
    with pytest.raises(ExportError, match=r"map \S*nowhere bestaat niet. Maak die aan"):
        write_export_pair({target: {}})
    assert not target.parent.exists()


def test_target_that_is_a_directory_is_refused(folder: Path):
    (folder / "out.scenario.json").unlink()
    (folder / "out.scenario.json").mkdir()
    with pytest.raises(
        ExportError,
        match=r"out.scenario.json niet schrijven: dat is een map. Geef een bestandsnaam",
    ):
        write_export_pair(_pair(folder))
    assert (folder / "out.geojson").read_bytes() == OLD["out.geojson"]
    assert sorted(p.name for p in folder.iterdir()) == ["out.geojson", "out.scenario.json"]


def test_read_only_file_is_refused_and_the_pair_untouched(folder: Path):
    (folder / "out.scenario.json").chmod(0o444)
    with pytest.raises(ExportError, match=r"alleen-lezen. Maak het schrijfbaar \(chmod u\+w"):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)


def test_value_json_cannot_store_leaves_the_pair_untouched(folder: Path):
    with pytest.raises(ExportError, match="waarde die JSON niet kan opslaan"):
        write_export_pair(_pair(folder, **{"out.sensitivity.json": {"bad": object()}}))
    _assert_untouched(folder)


def test_same_file_twice_is_refused(folder: Path):
    (folder / "sub").mkdir()
    with pytest.raises(ExportError, match="twee keer voor in één export"):
        write_export_pair({folder / "out.geojson": {}, folder / "sub" / ".." / "out.geojson": {}})
    (folder / "sub").rmdir()
    _assert_untouched(folder)


def test_disk_full_while_writing_leaves_no_temporary_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    calls = []

    def fsync(handle: int) -> None:
        calls.append(handle)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(ExportError, match=r"out.scenario.json niet schrijven: de schijf is vol"):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)


def test_failed_second_rename_puts_the_first_file_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if Path(target).name == "out.scenario.json" and "plekwijzer-tmp" in str(source):
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ExportError, match=r"out.scenario.json niet schrijven: Input/output error"):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)


def test_failed_rename_of_a_new_pair_removes_the_first_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if Path(target).name == "out.scenario.json":
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ExportError):
        write_export_pair(_pair(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_leaves_the_pair_untouched(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    def interrupted(_: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)


def test_ctrl_c_between_renames_puts_the_first_file_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch
):
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if Path(target).name == "out.scenario.json" and "plekwijzer-tmp" in str(source):
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)


_SLOW_WRITER = """
import os, sys, time
from pathlib import Path
from geo import export
real_fsync = os.fsync
def slow_fsync(handle):
    Path(sys.argv[1], "ready").touch()
    time.sleep(30)
os.fsync = slow_fsync
folder = Path(sys.argv[1], "out")
export.write_export_pair({folder / "out.geojson": {"new": 1}, folder / "out.scenario.json": {}})
"""


def test_sigterm_while_writing_leaves_the_pair_untouched(tmp_path: Path):
    work = tmp_path
    (work / "out").mkdir()
    for name, blob in OLD.items():
        (work / "out" / name).write_bytes(blob)
    root = Path(export.__file__).parents[1]
    log = work / "stderr.txt"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _SLOW_WRITER, str(work)], cwd=root, stderr=stderr
        )
    try:
        for _ in range(300):
            if (work / "ready").exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert (work / "ready").exists(), log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        process.kill()
        process.wait()
    _assert_untouched(work / "out")


def _layer(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n)], "score": [i / n for i in range(n)]},
        geometry=[box(155_000, 463_000, 155_010, 463_010)]
        + [Point(155_000 + i, 463_000) for i in range(1, n)],
        crs=CRS_RD,
    )


def test_stream_writes_the_same_collection_as_geojson_dict(folder: Path):
    layer = _layer(7)
    stream = GeoJSONStream(
        layer,
        properties=["id", "score", "double"],
        members={"plekwijzer": {"profile": "skaeve_huse"}},
        enrich=lambda chunk: chunk.assign(double=chunk["score"] * 2),
        chunk_rows=3,
    )
    write_export_pair({folder / "out.geojson": stream, folder / "out.scenario.json": {}})
    written = json.loads((folder / "out.geojson").read_text())
    doubled = layer.assign(double=layer["score"] * 2)
    expected = json.loads(json.dumps(geojson_dict(doubled, properties=["id", "score", "double"])))
    assert written["plekwijzer"] == {"profile": "skaeve_huse"}
    assert written["features"] == expected["features"]
    assert written["type"] == "FeatureCollection"


def test_stream_of_no_features_is_valid_json(tmp_path: Path):
    write_export_pair(
        {tmp_path / "out.geojson": GeoJSONStream(_layer(1).iloc[:0], properties=["id"])}
    )
    assert json.loads((tmp_path / "out.geojson").read_text())["features"] == []


def test_stream_failing_half_way_leaves_the_pair_untouched(folder: Path):
    def enrich(chunk):
        if chunk.index[0] >= 4:
            return chunk.assign(bad=[object()] * len(chunk))
        return chunk.assign(bad=1)

    stream = GeoJSONStream(_layer(9), properties=["id", "bad"], enrich=enrich, chunk_rows=4)
    with pytest.raises(
        ExportError, match=r"out.geojson niet schrijven: de uitkomst bevat een waarde die JSON"
    ):
        write_export_pair({folder / "out.geojson": stream, folder / "out.scenario.json": {}})
    _assert_untouched(folder)


# --- Stale temporary files, read-only disks (issue 18) ------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporary_files_carry_a_recognisable_name(folder: Path, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    write_export_pair(_pair(folder))
    assert seen
    assert all(
        name.startswith((".out.geojson.plekwijzer-tmp-", ".out.scenario.json.plekwijzer-tmp-"))
        and f"-{os.getpid()}-" in name
        for name in seen
    )


def test_stale_temporary_files_of_the_target_are_removed(folder: Path):
    dead = _dead_pid()
    stale = [
        folder / f".out.geojson.plekwijzer-tmp-{dead}-0a1b2c3d",
        folder / f".out.scenario.json.plekwijzer-old-{dead}-0a1b2c3d",
        folder / ".out.geojson.0123456789ab.tmp",  # an earlier version's name, an hour old
    ]
    alive = folder / f".out.geojson.plekwijzer-tmp-{os.getppid()}-0a1b2c3d"  # still running
    other = folder / f".other.geojson.plekwijzer-tmp-{dead}-0a1b2c3d"  # not this target's
    young_legacy = folder / ".out.geojson.ba9876543210.tmp"
    for path in [*stale, alive, other, young_legacy]:
        path.write_bytes(b"half a file")
    old = time.time() - 2 * 3600
    os.utime(stale[2], (old, old))
    write_export_pair(_pair(folder))
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(
        ["out.geojson", "out.scenario.json", alive.name, other.name, young_legacy.name]
    )


_KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from geo import export
def slow_fsync(handle):
    Path(sys.argv[1], "ready").touch()
    time.sleep(30)
os.fsync = slow_fsync
folder = Path(sys.argv[1], "out")
export.write_export_pair({folder / "out.geojson": {"new": 1}, folder / "out.scenario.json": {}})
"""


def test_kill_9_leaves_a_temporary_file_that_the_next_write_removes(tmp_path: Path):
    (tmp_path / "out").mkdir()
    for name, blob in OLD.items():
        (tmp_path / "out" / name).write_bytes(blob)
    root = Path(export.__file__).parents[1]
    process = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(tmp_path)], cwd=root)
    try:
        for _ in range(300):
            if (tmp_path / "ready").exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert (tmp_path / "ready").exists()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    finally:
        process.kill()
        process.wait()
    left = [p.name for p in (tmp_path / "out").iterdir() if "plekwijzer-tmp" in p.name]
    assert left == [f".out.geojson.plekwijzer-tmp-{process.pid}-{left[0].rsplit('-', 1)[1]}"]
    _pair_written = write_export_pair(_pair(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in _pair_written
    )


def test_read_only_file_system_is_named_as_such(folder: Path, monkeypatch):
    real = os.statvfs

    class ReadOnly:
        def __init__(self, result: os.statvfs_result) -> None:
            self.f_flag = result.f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnly(real(path)))
    with pytest.raises(ExportError, match=r"bestandssysteem van \S+ is alleen-lezen") as caught:
        write_export_pair(_pair(folder))
    assert "chmod" not in str(caught.value)
    _assert_untouched(folder)


def test_read_only_error_while_writing_is_named_as_such(folder: Path, monkeypatch):
    def refuse(*_args: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(ExportError, match=r"het bestandssysteem is alleen-lezen"):
        write_export_pair(_pair(folder))
    _assert_untouched(folder)
