"""Write several files as one unit: all new, or (on any failure) all as they were.

Every payload is written to a hidden temporary file in its target folder and fsynced; only
when all are on disk are they renamed over their targets, one right after the other. A failure
at any step (missing folder, a directory or read-only file in the way, a value that cannot be
serialised, a full disk, Ctrl-C or SIGTERM) removes every temporary file and leaves the
earlier files byte-identical; a failed rename puts back the targets already replaced (through
hard-link backups). New files get the mode the umask gives (``0o666 & ~umask``), like any
file the user creates (``mkstemp`` would give 0600).

Temporary files and backups are named ``.<target>.plekwijzer-tmp-<pid>-<token>`` and
``.<target>.plekwijzer-old-<pid>-<token>``, so a user can tell what they are. A run killed
with SIGKILL (or a power cut) cannot remove its own: every later write of the same target
removes those whose process is gone (and the unnamed ``.<target>.<hex>.tmp`` of earlier
versions once they are an hour old). A read-only file system is named as such.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from geo._errors import PlekwijzerInputError

#: A payload: bytes, or pieces of text written one after the other (a streamed export).
Payload = bytes | Iterable[str]

#: Marks our temporary files and backups in their names (see module notes).
TEMPORARY_MARK, BACKUP_MARK = "plekwijzer-tmp", "plekwijzer-old"
_OURS = re.compile(rf"\.(?:{TEMPORARY_MARK}|{BACKUP_MARK})-(\d+)-[0-9a-f]+$")
_LEGACY = re.compile(r"\.[0-9a-f]{12}\.(?:tmp|old)$")
#: Age after which a temporary file of an earlier version (no process id) counts as stale.
_LEGACY_STALE_S = 3_600.0


class ExportError(PlekwijzerInputError):
    """An export cannot be written: the message names the file and the fix."""


def check_target(target: Path) -> None:
    """Refuse an unwritable target, naming it and the fix.

    Unwritable: its folder is missing or not writable, or it is a directory or a read-only
    file.
    """
    folder = target.parent
    if folder.is_dir() and _read_only_file_system(folder):
        msg = (
            f"kan {target} niet schrijven: het bestandssysteem van {folder} is alleen-lezen. Kies "
            "een --out op een schijf waarop u mag schrijven."
        )
        raise ExportError(msg)
    if not folder.exists():
        msg = (
            f"kan {target} niet schrijven: map {folder} bestaat niet. Maak die aan (mkdir -p "
            f"{folder}) of kies een andere --out."
        )
        raise ExportError(msg)
    if not folder.is_dir():
        msg = (
            f"kan {target} niet schrijven: {folder} is een bestand, geen map. Kies een andere "
            "--out."
        )
        raise ExportError(msg)
    if target.is_dir():
        msg = (
            f"kan {target} niet schrijven: dat is een map. Geef een bestandsnaam, bijv. "
            f"{target}/uit.json."
        )
        raise ExportError(msg)
    if target.exists() and _read_only(target):
        msg = (
            f"kan {target} niet schrijven: het bestaande bestand is alleen-lezen. Maak het "
            f"schrijfbaar (chmod u+w {target}) of kies een andere --out."
        )
        raise ExportError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = (
            f"kan {target} niet schrijven: geen schrijfrechten in {folder}. Kies een andere --out."
        )
        raise ExportError(msg)


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): the write itself will say
        return False


def _read_only(target: Path) -> bool:
    # The mode bits count even for root, who may write anyway: a read-only export was made
    # read-only on purpose.
    return not (target.stat().st_mode & 0o222) or not os.access(target, os.W_OK)


def write_files(payloads: Mapping[Path, Payload]) -> list[Path]:
    """Write every payload to its path as one unit (see module notes).

    Raises
    ------
    ExportError
        Naming the file and the fix; the earlier files are untouched and no temporary file
        is left behind.
    """
    targets = list(payloads)
    if len({t.resolve() for t in targets}) != len(targets):
        msg = (
            "hetzelfde bestand komt twee keer voor in één export; geef elke uitvoer een eigen naam."
        )
        raise ExportError(msg)
    for target in targets:
        check_target(target)
    for target in targets:
        remove_stale_temporaries(target)
    temporaries: list[Path] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    with _sigterm_as_exception():
        try:
            for target, payload in payloads.items():
                temporaries.append(_write_temporary(target, payload))
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


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files and backups of ``target`` left by a run that was killed.

    Ours name their process: those of a process that no longer runs are removed, those of
    a live one (another session writing the same file) are left alone. Files of earlier
    versions, which carry no process id, are removed once an hour old.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    prefix = f".{target.name}."
    removed: list[Path] = []
    try:
        entries = [p for p in target.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        rest = entry.name[len(prefix) - 1 :]
        ours = _OURS.fullmatch(rest)
        try:
            if ours:
                stale = not _running(int(ours.group(1)))
            elif _LEGACY.fullmatch(rest):
                stale = now - entry.lstat().st_mtime > _LEGACY_STALE_S
            else:
                continue
            if stale and entry.is_file():
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue  # another user's file, or gone already
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process: another thread (an app session) may be writing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists under another user, or cannot tell: leave it
    return True


def _name(target: Path, mark: str) -> Path:
    return target.with_name(f".{target.name}.{mark}-{os.getpid()}-{secrets.token_hex(4)}")


def _write_temporary(target: Path, payload: Payload) -> Path:
    """Write ``payload`` to a new hidden file beside ``target``; fsync it; return its path."""
    temporary = _name(target, TEMPORARY_MARK)
    try:
        # 0o666 filtered by the umask: the mode a user's own new file gets (mkstemp gives 0600).
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _os_error(target, exc) from exc
    try:
        with os.fdopen(handle, "wb") as out:
            if isinstance(payload, bytes):
                out.write(payload)
            else:
                for piece in payload:
                    out.write(piece.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _os_error(target, exc) from exc
    except (TypeError, ValueError) as exc:
        temporary.unlink(missing_ok=True)
        raise not_serialisable(target, exc) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _hardlink_backup(target: Path) -> Path | None:
    """Keep the old target under a second name, so a failed rename can put it back."""
    if not target.is_file():
        return None
    backup = _name(target, BACKUP_MARK)
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


def not_serialisable(target: Path, exc: Exception) -> ExportError:
    """Return the error for a value that cannot be written (a bug, not the user's input)."""
    msg = (
        f"kan {target} niet schrijven: de uitkomst bevat een waarde die JSON niet kan opslaan "
        f"({exc}). Dit is een fout in Plekwijzer; meld die met de opdracht die u gaf."
    )
    return ExportError(msg)


def _os_error(target: Path, exc: OSError) -> ExportError:
    if exc.errno == errno.EROFS:
        msg = (
            f"kan {target} niet schrijven: het bestandssysteem is alleen-lezen. Kies een --out op "
            "een schijf waarop u mag schrijven; de eerdere bestanden zijn ongewijzigd."
        )
    elif exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        msg = (
            f"kan {target} niet schrijven: de schijf is vol (of uw quotum is op). Maak ruimte vrij "
            "of kies een andere --out; de eerdere bestanden zijn ongewijzigd."
        )
    else:
        reason = exc.strerror or type(exc).__name__
        msg = (
            f"kan {target} niet schrijven: {reason}. Controleer de vrije schijfruimte en de "
            "rechten, of kies een andere --out; de eerdere bestanden zijn ongewijzigd."
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
