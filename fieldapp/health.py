"""``GET /healthz``: a trivial liveness endpoint for load balancers and the load benchmark's baseline."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict:
    """Always ``{"ok": true}``; touches neither the database nor the photo store."""
    return {"ok": True}
