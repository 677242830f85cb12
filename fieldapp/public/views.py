"""Public pages: the landing page."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def landing():
    return render_template("landing.html")
