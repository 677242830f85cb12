"""Open311 GeoReport v2 read API (``/open311/v2``): discovery, services and service requests."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from fieldapp.open311 import views  # noqa: E402,F401  (registers routes)
