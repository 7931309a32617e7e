"""Where files are: the project's own data files and the layout of a data directory.

The lowest layer of the data plumbing: :mod:`geo.datadir` resolves which data directory to
use, :mod:`geo.datasets.demo` writes a synthetic one, and every reader opens files of it by
the relative paths below. This module imports nothing of the project.
"""

from __future__ import annotations

from pathlib import Path

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
