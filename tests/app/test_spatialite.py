"""SpatiaLite setup: the clear message when it cannot load, and the GEOS/PROJ symbol trap."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gis import spatialite
from tests.conftest import skip_or_fail

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_fieldapp(
    args: list[str], env_extra: dict[str, str], tmp_path: Path, code: str = ""
) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra, "FIELDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    env.pop("SPATIALITE_LIBRARY_PATH", None) if "SPATIALITE_LIBRARY_PATH" not in env_extra else None
    script = code + "\nfrom fieldapp.cli import main\nsys.argv = ['fieldapp', *" + repr(args) + "]\nmain()"
    return subprocess.run([sys.executable, "-c", "import sys\n" + script], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)


def test_missing_mod_spatialite_gives_one_clear_message(tmp_path: Path) -> None:
    result = run_fieldapp(
        ["db", "upgrade"], {"SPATIALITE_LIBRARY_PATH": "/nonexistent/mod_spatialite.so"}, tmp_path
    )
    assert result.returncode != 0
    assert "SpatiaLite could not be loaded" in result.stderr
    assert "apt-get install libsqlite3-mod-spatialite" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_python_without_extension_loading_gives_one_clear_message(tmp_path: Path) -> None:
    # Simulate a pyenv/macOS Python whose sqlite3 lacks enable_load_extension.
    hide = "import sqlite3\ndel sqlite3.Connection.enable_load_extension\n" if False else (
        "import gis.spatialite as s\ns.sqlite_can_load_extensions = lambda: False\n")
    result = run_fieldapp(["db", "upgrade"], {}, tmp_path, code=hide)
    assert result.returncode != 0
    assert "was built without SQLite extension loading" in result.stderr
    assert "/usr/bin/python3 -m venv" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_shapely_and_pyproj_work_after_spatialite_is_loaded(pytestconfig: pytest.Config) -> None:
    """mod_spatialite brings the system's GEOS/PROJ with RTLD_GLOBAL; ours must still be used."""
    code = (
        "import sqlite3, gis.spatialite as s\n"
        "c = sqlite3.connect(':memory:'); s.load_extension(c)\n"
        "import shapely, pyproj\nfrom shapely.geometry import Point\n"
        "assert shapely.to_wkb(Point(1, 2))\n"
        "print(pyproj.Transformer.from_crs(4326, 3006, always_xy=True).transform(12.069, 57.894))\n"
    )
    try:
        spatialite.check_spatialite()
    except spatialite.SpatialiteUnavailable as err:
        skip_or_fail(pytestconfig, f"SpatiaLite: {err}")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    easting, northing = eval(result.stdout)  # noqa: S307 - our own printed tuple
    assert abs(easting - 326272.197) < 0.01 and abs(northing - 6420674.240) < 0.01
