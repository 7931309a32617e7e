"""Start-up guard: the score path and a legend do not import the heavy optional libraries.

A check of ``sys.modules`` in a fresh interpreter, not a timing: each library named here
costs a tenth of a second to a second at start and is needed only by other commands (the
report, the app's maps, rasters, downloads). A module-level import of one of them on the
score path would bring that cost back to every ``plekwijzer score``.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ILLUSTRATIVE = ROOT / "data" / "illustrative"

#: Imported only where used (see the function-level imports and their comments).
HEAVY = (
    "dask",
    "esda",
    "folium",
    "jinja2",
    "libpysal",
    "mapclassify",
    "matplotlib",
    "networkx",
    "numba",
    "osmnx",
    "rasterio",
    "sklearn",
    "streamlit",
    "weasyprint",
)


def _loaded_after(code: str) -> list[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, check=True, capture_output=True, text=True
    )
    modules = set(json.loads(result.stdout.strip().splitlines()[-1]))
    return [name for name in HEAVY if name in modules]


def test_one_gemeente_score_imports_no_heavy_library(tmp_path):
    out = tmp_path / "out.geojson"
    code = (
        "import cli\n"
        "cli.main(['score', '--profile', 'noaberhuuske', '--gemeenten', 'GM0164',"
        f" '--candidates', {str(ILLUSTRATIVE / 'twente_candidates.csv')!r},"
        f" '--facilities', {str(ILLUSTRATIVE / 'twente_facilities.csv')!r},"
        f" '--out', {str(out)!r}])"
    )
    assert _loaded_after(code) == []
    assert out.exists()


def test_quantile_legend_imports_no_mapclassify():
    code = "from geo.legend import legend_classes\nlegend_classes([0.5, 1, 2, 3, 5, 8, 13], k=3)"
    assert _loaded_after(code) == []
