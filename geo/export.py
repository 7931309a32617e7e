"""GeoJSON export (RFC 7946) and atomic file writing, one file or a set at once.

RFC 7946: coordinates in EPSG:4326 as lon/lat, polygon exterior rings counter-clockwise (the
right-hand rule), no ``crs`` member.

Writing (:func:`write_export_pair`): every payload is serialised first, then written to a
hidden temporary file in its target folder and fsynced; only when all are on disk are they
renamed over their targets, one right after the other. A failure at any step (missing folder,
a directory or read-only file in the way, a value that is not JSON, a full disk, Ctrl-C or
SIGTERM) removes every temporary file and leaves the earlier export byte-identical; a failed
rename puts back the targets already replaced. New files get the mode the umask gives
(``0o666 & ~umask``), like any file the user creates.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import signal
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._errors import PlekwijzerInputError
from geo.settings import CRS_WGS84

#: Decimal places of exported coordinates: 7 decimals of a degree is about 1 cm.
COORDINATE_PRECISION = 7


def geojson_dict(frame: gpd.GeoDataFrame, *, properties: list[str]) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection of ``frame`` with the given property columns.

    Values that are lists or dicts stay structured; NaN and <NA> become null.
    """
    if frame.crs is None:
        msg = "cannot export a layer without a CRS; set it first."
        raise ValueError(msg)
    wgs = frame.to_crs(CRS_WGS84)
    geometries = shapely.set_precision(wgs.geometry.to_numpy(), 10**-COORDINATE_PRECISION)
    # Orient last: set_precision rebuilds polygons with clockwise exterior rings.
    geometries = shapely.orient_polygons(geometries, exterior_cw=False)
    features = []
    records = wgs[properties].to_dict(orient="records")
    for record, geometry in zip(records, geometries, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in record.items()},
                "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _plain(value: Any) -> Any:
    """Make a value JSON-safe: numpy scalars to Python, NaN/<NA> to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class ExportError(PlekwijzerInputError):
    """An export cannot be written: the message names the file and the fix."""


def write_json_atomic(path: str | Path, payload: Any) -> Path:
    """Write JSON to ``path`` atomically (see :func:`write_export_pair`)."""
    return write_export_pair({path: payload})[0]


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write text to ``path`` atomically (see :func:`write_export_pair`)."""
    return write_export_pair({path: text})[0]


def write_export_pair(payloads: Mapping[str | Path, Any]) -> list[Path]:
    """Write several files as one unit: all new, or (on any failure) all as they were.

    Parameters
    ----------
    payloads
        Target path -> content. A ``str`` is written as UTF-8 text, anything else as JSON
        (NaN and ``<NA>`` become ``null``). Typically the GeoJSON, its scenario file and the
        sensitivity report of one run.

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order given.

    Raises
    ------
    ExportError
        When a target folder is missing or not writable, a target is a directory or a
        read-only file, a payload is not JSON-serialisable, or the disk refuses the write. The
        message names the file and the fix; the earlier files are untouched and no temporary
        file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in write_export_pair({folder / "a.json": {"n": 1}, folder / "a.txt": "x"})]
    ['a.json', 'a.txt']
    """
    targets = [Path(p) for p in payloads]
    if len({t.resolve() for t in targets}) != len(targets):
        msg = "the same file is named twice in one export; give each output its own name."
        raise ExportError(msg)
    for target in targets:
        _check_target(target)
    blobs = [_serialise(t, v) for t, v in zip(targets, payloads.values(), strict=True)]
    temporaries: list[Path] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    with _sigterm_as_exception():
        try:
            for target, blob in zip(targets, blobs, strict=True):
                temporaries.append(_write_temporary(target, blob))
            for target in targets:
                backup = _hardlink_backup(target)
                if backup is not None:
                    backups[target] = backup
            for target, temporary in zip(targets, temporaries, strict=True):
                _replace(temporary, target)
                replaced.append(target)
            for folder in {t.parent for t in targets}:
                _fsync_folder(folder)
        except BaseException:
            _roll_back(replaced, backups)
            raise
        finally:
            for leftover in [*temporaries, *backups.values()]:
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
    return targets


def _check_target(target: Path) -> None:
    folder = target.parent
    if not folder.exists():
        msg = (
            f"cannot write {target}: folder {folder} does not exist. Create it "
            f"(mkdir -p {folder}) or choose another --out."
        )
        raise ExportError(msg)
    if not folder.is_dir():
        msg = f"cannot write {target}: {folder} is a file, not a folder. Choose another --out."
        raise ExportError(msg)
    if target.is_dir():
        msg = f"cannot write {target}: it is a directory. Give a file name, e.g. {target}/out.json."
        raise ExportError(msg)
    if target.exists() and _read_only(target):
        msg = (
            f"cannot write {target}: the existing file is read-only. Make it writable "
            f"(chmod u+w {target}) or choose another --out."
        )
        raise ExportError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"cannot write {target}: no permission to write in {folder}. Choose another --out."
        raise ExportError(msg)


def _read_only(target: Path) -> bool:
    # The mode bits count even for root, who may write anyway: a read-only export was made
    # read-only on purpose.
    return not (target.stat().st_mode & 0o222) or not os.access(target, os.W_OK)


def _serialise(target: Path, payload: Any) -> bytes:
    if isinstance(payload, str):
        return payload.encode("utf-8")
    try:
        text = json.dumps(_plain(payload), ensure_ascii=False, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = (
            f"cannot write {target}: the result holds a value JSON cannot store ({exc}). "
            "This is a bug in Plekwijzer; please report it with the command you ran."
        )
        raise ExportError(msg) from exc
    return text.encode("utf-8")


def _write_temporary(target: Path, blob: bytes) -> Path:
    """Write ``blob`` to a new hidden file beside ``target``; fsync it; return its path."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        # 0o666 filtered by the umask: the mode a user's own new file gets (mkstemp gives 0600).
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _os_error(target, exc) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _os_error(target, exc) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _hardlink_backup(target: Path) -> Path | None:
    """Keep the old target under a second name, so a failed rename can put it back."""
    if not target.is_file():
        return None
    backup = target.with_name(f".{target.name}.{secrets.token_hex(6)}.old")
    try:
        os.link(target, backup)
    except OSError:
        # Some file systems have no hard links: the pair is then atomic per file only.
        return None
    return backup


def _replace(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as exc:
        raise _os_error(target, exc) from exc


def _roll_back(replaced: list[Path], backups: dict[Path, Path]) -> None:
    for target in replaced:
        backup = backups.get(target)
        with contextlib.suppress(OSError):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    # The renames themselves must reach the disk; not every platform can open a folder.
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _os_error(target: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or type(exc).__name__
    msg = (
        f"cannot write {target}: {reason}. Check free disk space and permissions, or "
        "choose another --out; the earlier files are unchanged."
    )
    return ExportError(msg)


@contextlib.contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    """Turn SIGTERM into an exception while writing, so temporary files are removed.

    Signals can only be handled in the main thread (the CLI); elsewhere (Streamlit runs
    scripts in worker threads) the default applies.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
