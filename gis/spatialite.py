"""Find and load the SpatiaLite extension into sqlite3 connections.

Two things must hold for SpatiaLite to work: the running Python's ``sqlite3`` must allow
loading extensions (pyenv and macOS builds often do not), and ``mod_spatialite`` must be
installed. :func:`check_spatialite` tells which one is missing in one readable sentence.
"""
from __future__ import annotations

import ctypes.util
import os
import sqlite3
import sys
from functools import lru_cache
from pathlib import Path

# SQLite loads extensions with RTLD_GLOBAL, so mod_spatialite puts the system's GEOS and PROJ
# symbols in the global namespace; a shapely or pyproj loaded *after* it binds to those and
# fails ("WKB output dimension must be 2 or 3", then a double free). Load their own copies first.
import pyproj  # noqa: F401,E402  (imported for its side effect)
import shapely  # noqa: F401,E402

CANDIDATE_PATHS = (
    "/usr/lib/x86_64-linux-gnu/mod_spatialite.so",
    "/usr/lib/aarch64-linux-gnu/mod_spatialite.so",
    "/usr/lib64/mod_spatialite.so",
    "/usr/local/lib/mod_spatialite.so",
    "/opt/homebrew/lib/mod_spatialite.dylib",
    "/usr/local/lib/mod_spatialite.dylib",
)


class SpatialiteUnavailable(RuntimeError):
    """SpatiaLite cannot be used from this Python; the message says how to fix it."""


def sqlite_can_load_extensions() -> bool:
    """True when this Python's sqlite3 module supports ``enable_load_extension``."""
    return hasattr(sqlite3.Connection, "enable_load_extension")


@lru_cache(maxsize=1)
def find_spatialite() -> str:
    """Return the path (or bare name) of ``mod_spatialite``; raise :class:`SpatialiteUnavailable`."""
    configured = os.environ.get("SPATIALITE_LIBRARY_PATH")
    if configured:
        return configured
    for candidate in CANDIDATE_PATHS:
        if Path(candidate).exists():
            return candidate
    found = ctypes.util.find_library("spatialite")
    if found:
        return "mod_spatialite"
    raise SpatialiteUnavailable(
        "SpatiaLite (mod_spatialite) is not installed. Install it with "
        "'apt-get install libsqlite3-mod-spatialite' (Debian/Ubuntu) or 'brew install libspatialite' "
        "(macOS), or set SPATIALITE_LIBRARY_PATH to the library file, or use PostGIS by setting "
        "FIELDAPP_DATABASE_URL=postgresql+psycopg://..."
    )


def check_spatialite() -> str:
    """Verify SpatiaLite can be loaded here and return its library path."""
    if not sqlite_can_load_extensions():
        raise SpatialiteUnavailable(
            f"This Python ({sys.executable}) was built without SQLite extension loading, so SpatiaLite "
            "cannot be used. Run fieldapp from a Python whose sqlite3 can load extensions: on Debian "
            "'/usr/bin/python3 -m venv .venv' (what 'make run' does), or 'pip install pysqlite3-binary', "
            "or use PostGIS by setting FIELDAPP_DATABASE_URL=postgresql+psycopg://..."
        )
    path = find_spatialite()
    probe = sqlite3.connect(":memory:")
    try:
        load_extension(probe, path)
    finally:
        probe.close()
    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", path)
    return path


def load_extension(dbapi_conn: sqlite3.Connection, path: str | None = None) -> None:
    """Load mod_spatialite into one DB-API connection."""
    path = path or find_spatialite()
    try:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(path)
    except (sqlite3.OperationalError, AttributeError) as exc:
        raise SpatialiteUnavailable(
            f"SpatiaLite could not be loaded from '{path}' ({exc}). Install it with "
            "'apt-get install libsqlite3-mod-spatialite' or set SPATIALITE_LIBRARY_PATH."
        ) from exc
    finally:
        if hasattr(dbapi_conn, "enable_load_extension"):
            dbapi_conn.enable_load_extension(False)


def prepare_connection(dbapi_conn: sqlite3.Connection, *, busy_timeout_ms: int = 10_000) -> None:
    """Load SpatiaLite, set WAL, busy timeout and foreign keys, and initialise metadata once.

    ``InitSpatialMetaData(1)`` runs in a single transaction (0.03 s instead of ~7 s) and keeps
    all EPSG codes, including SWEREF 99 (3006-3018).
    """
    load_extension(dbapi_conn)
    dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    mode = dbapi_conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() not in ("wal", "memory"):
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute("PRAGMA synchronous = NORMAL")
    if dbapi_conn.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
        dbapi_conn.execute("SELECT InitSpatialMetaData(1)")
        dbapi_conn.commit()
