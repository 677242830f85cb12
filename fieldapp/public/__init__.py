"""Public blueprint: landing page, published protocols and feedback pages (no login)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

# Registers the routes: the public pages, and the walk protocol (HTML and PDF).
from fieldapp.public import feedback, promises, protocol, views  # noqa: E402,F401
