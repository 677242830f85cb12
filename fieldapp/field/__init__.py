"""Participant blueprint: join a walk, the field page, photos."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("field", __name__)

from fieldapp.field import live, photos, views  # noqa: E402,F401  (registers routes)
