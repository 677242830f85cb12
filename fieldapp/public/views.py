"""Public pages: the landing page."""
from __future__ import annotations

from flask import render_template

from fieldapp.public import bp


@bp.get("/")
def landing() -> str:
    return render_template("landing.html")
