"""Staff (organizer/admin) blueprint: every route here needs a logged-in staff user.

The blueprint object lives here; each module below adds its routes to it.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from fieldapp.staff import views  # noqa: E402,F401  (registers routes)
