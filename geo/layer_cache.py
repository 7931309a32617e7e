"""Derived-data cache: parsed open-data layers kept on disk between runs, as osmnx does.

Reading the data directory's address points and roads and building the walking network was
most of what a one-gemeente run did besides importing its libraries. The parsed results
are kept in a cache folder so the next process reads them back in a few milliseconds:

* **what**: only layers derived from *public* open data in the data directory (address
  points, roads, the walking network; a region's CBS buurten, the gemeente borders, the OV
  stops and stations around it). The facility register (confidential addresses) and the
  user's own inventory never pass through this module;
* **where**: ``$PLEKWIJZER_CACHE_DIR`` when set, else the user's cache folder
  (``platformdirs.user_cache_dir("plekwijzer")``, e.g. ``~/.cache/plekwijzer`` on Linux) —
  never inside the data directory, which may be read-only and shared;
* **switched off** with ``PLEKWIJZER_CACHE_DIR=off`` (also ``0``, ``no``, ``false``, ``none``);
* **key**: the entry's name is a hash of the kind, the source file's resolved path and the
  reader's parameters; its *stamp* (in the file name too) hashes the source's size and
  change time, this package's source code (:func:`code_stamp`) and the storage format. A
  changed source or a changed reader gives another stamp: the stale file is not read and is
  removed when the fresh one is written;
* **written atomically** (:mod:`geo._atomic`), so a reader never sees half a file; a cache
  file that cannot be read (truncated, foreign) is rebuilt, and a folder that cannot be
  written leaves the run as fast as without a cache — a cache never makes a run fail.

Frames are stored as GeoParquet, the network as a NumPy ``.npz`` of plain arrays (never a
pickle: a cache folder is no place to load code from).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import geopandas as gpd

from geo import _atomic
from geo.settings import CACHE_DIR_ENV

_LOG = logging.getLogger(__name__)

#: Values of ``$PLEKWIJZER_CACHE_DIR`` that switch the cache off.
OFF_VALUES = frozenset({"0", "off", "no", "false", "none"})
#: A layer with this column may hold confidential addresses: never written to the cache.
CONFIDENTIAL_COLUMN = "confidential"
#: Bumped when the way entries are stored changes (readers' changes are caught by the code
#: stamp).
FORMAT_VERSION = 1

_T = TypeVar("_T")


def cache_folder() -> Path | None:
    """Return the cache folder in force, or None when the cache is switched off.

    Returns
    -------
    pathlib.Path or None
        ``$PLEKWIJZER_CACHE_DIR``, else the user's cache folder for ``plekwijzer``. The folder
        need not exist yet.
    """
    value = os.environ.get(CACHE_DIR_ENV, "").strip()
    if not value:
        import platformdirs  # only a run that caches pays for it

        return Path(platformdirs.user_cache_dir("plekwijzer", appauthor=False))
    if value.lower() in OFF_VALUES:
        return None
    return Path(value).expanduser()


@functools.cache
def code_stamp() -> str:
    """Return a hash of this package's Python source: any change to a reader invalidates.

    Hashing every module of ``geo`` (a few hundred kilobytes, about a millisecond) is simpler
    and safer than a version number someone must remember to bump.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.relative_to(Path(__file__).parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _hash(parts: Sequence[object]) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:24]


def entry_paths(
    kind: str, source: Path | Sequence[Path], params: Sequence[object], *, suffix: str
) -> tuple[Path, str] | None:
    """Return the cache file for one derived layer and the glob of its older stamps.

    Parameters
    ----------
    kind
        What the entry holds, e.g. ``"addresses"``; a prefix of the file name.
    source
        The open-data file (or files) the entry is derived from.
    params
        The reader's parameters that change the result (layer name, uses, …).
    suffix
        The file suffix, e.g. ``".parquet"``.

    Returns
    -------
    tuple of (pathlib.Path, str) or None
        None when the cache is switched off or the source cannot be inspected.
    """
    folder = cache_folder()
    if folder is None:
        return None
    sources = [source] if isinstance(source, Path) else list(source)
    try:
        resolved = [path.resolve() for path in sources]
        stats = [path.stat() for path in resolved]
    except OSError:
        return None
    name = f"{kind}-{_hash([kind, *resolved, *params])}"
    state = [(stat.st_size, stat.st_mtime_ns) for stat in stats]
    stamp = _hash([*state, code_stamp(), FORMAT_VERSION])
    return folder / f"{name}-{stamp}{suffix}", f"{name}-*{suffix}"


def cached(
    kind: str,
    source: Path | Sequence[Path],
    params: Sequence[object],
    *,
    build: Callable[[], _T],
    dump: Callable[[_T], bytes],
    load: Callable[[Path], _T],
    suffix: str,
) -> _T:
    """Return the derived layer from the cache, or build it and store it.

    Parameters
    ----------
    kind, source, params, suffix
        See :func:`entry_paths`.
    build
        Makes the layer from the source (the slow path).
    dump, load
        Turn the layer into bytes and read it back from a file.

    Returns
    -------
    The layer, equal whether it came from the cache or from ``build``.
    """
    entry = entry_paths(kind, source, params, suffix=suffix)
    if entry is None:
        return build()
    path, pattern = entry
    if path.is_file():
        try:
            return load(path)
        except Exception as exc:  # whatever makes an entry unreadable, it is rebuilt
            _LOG.debug("cache entry %s unreadable (%s): rebuilt", path, exc)
    value = build()
    _store(path, pattern, dump, value)
    return value


def _store(path: Path, pattern: str, dump: Callable[[_T], bytes], value: _T) -> None:
    if isinstance(value, gpd.GeoDataFrame) and CONFIDENTIAL_COLUMN in value.columns:
        _LOG.debug("cache entry %s not written: the layer holds confidential rows", path)
        return
    try:
        payload = dump(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic.write_files({path: payload})
    except Exception as exc:  # an unwritable folder, a column Parquet cannot hold, …
        # A cache that cannot be written costs the next run its speed, never this run its
        # result.
        _LOG.debug("cache entry %s not written (%s)", path, exc)
        return
    for stale in path.parent.glob(pattern):
        if stale != path:
            with contextlib.suppress(OSError):
                stale.unlink()


def frame_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """Return a GeoDataFrame as GeoParquet bytes (``attrs`` kept by pandas' metadata).

    One geometry type throughout (address points) is stored in GeoArrow's native encoding,
    read back faster than WKB (70,000 points: 33 ms against 55 ms); mixed types stay WKB,
    because GeoArrow would give back every LineString as a MultiLineString.
    """
    geometry = frame.geometry[frame.geometry.notna()]
    uniform = geometry.geom_type.nunique() == 1 and geometry.has_z.nunique() == 1
    buffer = io.BytesIO()
    # A RangeIndex stays a RangeIndex, any other index is stored as columns.
    frame.to_parquet(buffer, geometry_encoding="geoarrow" if uniform else "WKB")
    return buffer.getvalue()


def frame_from_file(path: Path) -> gpd.GeoDataFrame:
    """Read a frame written by :func:`frame_bytes`."""
    return gpd.read_parquet(path)


def cached_frame(
    kind: str,
    source: Path | Sequence[Path],
    params: Sequence[object],
    build: Callable[[], gpd.GeoDataFrame],
) -> gpd.GeoDataFrame:
    """Return a GeoDataFrame derived from ``source``, through the cache (GeoParquet).

    A frame with a ``confidential`` column (a facility register) is never written: a
    safeguard should such a layer ever be routed here.
    """
    return cached(
        kind,
        source,
        params,
        build=build,
        dump=frame_bytes,
        load=frame_from_file,
        suffix=".parquet",
    )
