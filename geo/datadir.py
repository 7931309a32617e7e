"""Where the data comes from: the data-directory setting.

Order: an explicit ``--data-dir``, then ``$PLEKWIJZER_DATA``, then ``../shared/data`` beside the
project when it exists, else the synthetic demo region that :mod:`geo.datasets.demo`
generates. Every front end shows :meth:`DataSource.describe` so users know whether figures are
real. The files of a data directory are named in :mod:`geo.paths`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geo._errors import DataDirError
from geo.paths import KWB_TABLE, PROJECT_ROOT, SYNTHETIC_MARKER
from geo.settings import DATA_DIR_ENV

#: How users and scenario files name the real open data beside the project.
SHARED_DATA_NAME = "../shared/data"


@dataclass(frozen=True)
class DataSource:
    """A resolved data directory.

    Attributes
    ----------
    path
        The directory.
    synthetic
        True for the generated demo region, False for real open data.
    origin
        How it was chosen: ``--data-dir``, ``$PLEKWIJZER_DATA``, ``../shared/data`` or
        ``synthetic demo``.
    """

    path: Path
    synthetic: bool
    origin: str

    def describe(self) -> str:
        """One line for users: which directory and whether its data are real."""
        kind = "SYNTHETISCHE demodata (niet echt)" if self.synthetic else "echte open data"
        return f"data: {self.path} ({kind}, via {self.origin})"

    def file(self, relative: str | Path) -> Path:
        """Return a file of the layout, refusing clearly when it is absent."""
        path = self.path / relative
        if not path.exists():
            msg = (
                f"de datamap {self.path} heeft geen {relative}. Wijs met --data-dir of "
                f"${DATA_DIR_ENV} een map aan met de indeling van de Plekwijzer-data (zie README, "
                "'Data')."
            )
            raise DataDirError(msg, source=path)
        return path

    def has(self, relative: str | Path) -> bool:
        """Return whether a file of the layout is present."""
        return (self.path / relative).exists()


def shared_data_dir() -> Path | None:
    """Return ``../shared/data`` beside the project (or the working directory), if present."""
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = (base / ".." / "shared" / "data").resolve()
        if (candidate / KWB_TABLE).exists():
            return candidate
    return None


def resolve_data_dir(data_dir: str | Path | None = None) -> DataSource:
    """Resolve the data directory setting.

    Parameters
    ----------
    data_dir
        An explicit directory (the ``--data-dir`` option); None to fall back to the
        environment, ``../shared/data`` and finally the synthetic demo. A scenario file
        names a data directory without a path of the machine it was made on: ``demo``,
        ``$PLEKWIJZER_DATA`` or ``../shared/data`` resolve as that source only.

    Returns
    -------
    DataSource
        The directory, whether it is synthetic, and how it was chosen.
    """
    env_name = f"${DATA_DIR_ENV}"
    if data_dir == "demo":
        return _demo()
    if data_dir == SHARED_DATA_NAME:
        if (shared := shared_data_dir()) is None:
            msg = f"{SHARED_DATA_NAME} staat hier niet naast het project: geef --data-dir MAP"
            raise DataDirError(msg)
        return DataSource(path=shared, synthetic=False, origin=SHARED_DATA_NAME)
    if data_dir is not None and data_dir != env_name:
        return _explicit(Path(data_dir), origin="--data-dir")
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return _explicit(Path(env), origin=env_name)
    if data_dir == env_name:
        msg = f"het scenario leest zijn data uit {env_name}, maar die is hier niet gezet: zet hem"
        raise DataDirError(msg)
    shared = shared_data_dir()
    if shared is not None:
        return DataSource(path=shared, synthetic=False, origin=SHARED_DATA_NAME)
    return _demo()


def _demo() -> DataSource:
    from geo.datasets.demo import ensure_demo_data  # writes files: only when needed

    return DataSource(path=ensure_demo_data(), synthetic=True, origin="synthetic demo")


def _explicit(path: Path, *, origin: str) -> DataSource:
    if not path.is_dir():
        msg = f"datamap {path} (uit {origin}) bestaat niet. Verbeter het pad."
        raise DataDirError(msg, source=path)
    if not (path / KWB_TABLE).exists():
        msg = (
            f"datamap {path} (uit {origin}) heeft geen {KWB_TABLE}. Wijs een map aan met de "
            "indeling van de Plekwijzer-data, bijv. ../shared/data."
        )
        raise DataDirError(msg, source=path)
    return DataSource(
        path=path.resolve(), synthetic=(path / SYNTHETIC_MARKER).exists(), origin=origin
    )
