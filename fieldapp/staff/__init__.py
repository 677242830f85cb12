"""Staff (organizer/admin) blueprint: every route here needs a logged-in staff user.

The blueprint object lives here; each module below adds its routes to it.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from fieldapp.staff import views  # noqa: E402,F401,I001  (registers routes; one import per line)
from fieldapp.staff import exports_views  # noqa: E402,F401  (exports and publishing)
from fieldapp.staff import open311_views  # noqa: E402,F401
from fieldapp.staff import access  # noqa: E402,F401  (login/403 check for every staff route)
from fieldapp.staff import planning  # noqa: E402,F401
from fieldapp.staff import live  # noqa: E402,F401
from fieldapp.staff import review  # noqa: E402,F401
from fieldapp.staff import duplicates  # noqa: E402,F401
from fieldapp.staff import measures  # noqa: E402,F401
from fieldapp.staff import admin  # noqa: E402,F401
from fieldapp.staff import parties  # noqa: E402,F401  (responsible parties, Open311 connection)
from fieldapp.staff import categories_admin  # noqa: E402,F401  (the finding categories)
from fieldapp.staff import privacy_views  # noqa: E402,F401  (participants' removal requests)
from fieldapp.staff import accounts  # noqa: E402,F401  (forgotten password, invitation links)
from fieldapp.staff import situation  # noqa: E402,F401  (the situation picture across walks)
from fieldapp.staff import follow_up  # noqa: E402,F401  (follow-up walks)
from fieldapp.staff import promises  # noqa: E402,F401  (citizen promises)
from fieldapp.staff import municipality_views  # noqa: E402,F401  (admin: municipality settings)
