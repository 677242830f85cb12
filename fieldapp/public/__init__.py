"""Public blueprint: landing page, published protocols and feedback pages (no login)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from fieldapp.public import views  # noqa: E402,F401  (registers routes)
from fieldapp.public import protocol  # noqa: E402,F401  (the walk protocol, HTML and PDF)
