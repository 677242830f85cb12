"""Where the extended real-world test corpus lives: ``../shared/realworld`` beside the clone, or the
directory in FIELDAPP_REALWORLD_DIR (relative paths are taken from the project root)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def realworld_dir() -> Path:
    """The corpus directory (it may not exist; callers decide whether that is an error)."""
    configured = os.environ.get("FIELDAPP_REALWORLD_DIR")
    path = Path(configured) if configured else ROOT.parent / "shared" / "realworld"
    return path if path.is_absolute() else ROOT / path
