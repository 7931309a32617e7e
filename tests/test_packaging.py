"""A wheel install works: every package and the authored data files are in it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _listed_packages() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return set(tomllib.load(handle)["tool"]["setuptools"]["packages"])


def test_every_code_folder_is_a_listed_package():
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("geo", "criteria")
        for path in (ROOT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders <= _listed_packages(), folders - _listed_packages()


def test_wheel_carries_presets_profiles_and_illustrative_inputs(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )  # fmt: skip
    # setuptools warns about data folders that are not listed packages (geo.map_frontend).
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    (wheel,) = tmp_path.glob("plekwijzer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "plekwijzer_data/regions.toml",
        "plekwijzer_data/draagkracht.toml",
        "plekwijzer_data/illustrative/twente_candidates.csv",
        "criteria/profiles/skaeve_huse.toml",
        "geo/map_frontend/index.html",
        "geo/map_frontend/plekwijzer_map.js",
        "cli.py",
    ):
        assert needed in names
