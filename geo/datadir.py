"""Where the data comes from: the data-directory setting.

Order: an explicit ``--data-dir``, then ``$PLEKWIJZER_DATA``, then ``../shared/data`` beside the
project when it exists, else the synthetic demo region that :mod:`geo.demo` generates.
Every front end shows :meth:`DataSource.describe` so users know whether figures are real.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geo._errors import DataDirError
from geo.settings import DATA_DIR_ENV

#: Project root (the folder holding pyproject.toml).
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def project_file(relative: str | Path) -> Path:
    """Return a file the project authors in ``data/`` (presets, draagkracht, illustrative).

    An installed wheel carries ``data/`` as the package ``plekwijzer_data``; a source
    checkout reads the folder itself.

    Parameters
    ----------
    relative
        Path inside ``data/``, e.g. ``"regions.toml"``.

    Returns
    -------
    pathlib.Path
    """
    from importlib.util import find_spec

    spec = find_spec("plekwijzer_data")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (installed := Path(folder) / relative).exists():
            return installed
    return PROJECT_ROOT / "data" / relative


#: Files of the data layout, relative to the data directory. The synthetic demo writes the
#: same layout, so every reader serves both.
KWB_TABLE = Path("cbs_kwb2024/kerncijfers_2024_gm_wk_bu.parquet")
KWB_BUURT_GEOMETRY = Path("cbs_kwb2024/buurten_2024_approx_geom.gpkg")
GEMEENTE_BORDERS = Path("gemeenten2022/gemeenten_2022_gegeneraliseerd.gpkg")
GEMEENTE_STATS = Path("gemeenten2022/gemeente_stats_cbs85039NED.parquet")
BUS_TRAM_STOPS = Path("ov/bus_tram_stops_ovapi_2015.gpkg")
RAIL_STATIONS = Path("ov/rail_stations_chb_2026.gpkg")
DORDRECHT_BUURTEN = Path("dordrecht2020/buurten_dordrecht_2020.gpkg")
BAG_SAMPLE = Path("bag_sample/bag_panden_haarlem_sample.gpkg")
ENSCHEDE_ROADS = Path("osm_enschede/osm_highways_enschede_2023-12.gpkg")
#: Marker file the demo generator writes: its presence means the data are synthetic.
SYNTHETIC_MARKER = Path("SYNTHETIC.md")


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
        kind = "SYNTHETIC demo data (not real)" if self.synthetic else "real open data"
        return f"data: {self.path} ({kind}, via {self.origin})"

    def file(self, relative: str | Path) -> Path:
        """Return a file of the layout, refusing clearly when it is absent."""
        path = self.path / relative
        if not path.exists():
            msg = (
                f"the data directory {self.path} has no {relative}. Point --data-dir or "
                f"${DATA_DIR_ENV} at a directory with the Plekwijzer data layout "
                "(see README, 'Data')."
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
        environment, ``../shared/data`` and finally the synthetic demo.

    Returns
    -------
    DataSource
        The directory, whether it is synthetic, and how it was chosen.
    """
    if data_dir is not None:
        return _explicit(Path(data_dir), origin="--data-dir")
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return _explicit(Path(env), origin=f"${DATA_DIR_ENV}")
    shared = shared_data_dir()
    if shared is not None:
        return DataSource(path=shared, synthetic=False, origin="../shared/data")
    from geo.demo import ensure_demo_data

    return DataSource(path=ensure_demo_data(), synthetic=True, origin="synthetic demo")


def _explicit(path: Path, *, origin: str) -> DataSource:
    if not path.is_dir():
        msg = f"data directory {path} (from {origin}) does not exist. Fix the path."
        raise DataDirError(msg, source=path)
    if not (path / KWB_TABLE).exists():
        msg = (
            f"data directory {path} (from {origin}) has no {KWB_TABLE}. Point it at a "
            "directory with the Plekwijzer data layout, e.g. ../shared/data."
        )
        raise DataDirError(msg, source=path)
    return DataSource(
        path=path.resolve(), synthetic=(path / SYNTHETIC_MARKER).exists(), origin=origin
    )
