"""Public pages: the landing page, the privacy notice and the accessibility statement."""
from __future__ import annotations

from flask import current_app, render_template

from fieldapp.public import bp


@bp.get("/")
def landing() -> str:
    return render_template("landing.html")


def _municipality() -> dict:
    config = current_app.config
    return {
        "name": config["MUNICIPALITY_NAME"],
        "contact": config["MUNICIPALITY_CONTACT"],
        "dpo": config["MUNICIPALITY_DPO_CONTACT"],
        "contact_months": config["RETENTION_CONTACT_MONTHS"],
        "originals_months": config["RETENTION_ORIGINALS_MONTHS"],
        "subscription_months": config["RETENTION_SUBSCRIPTION_MONTHS"],
        "subscription_unconfirmed_days": config["SUBSCRIPTION_UNCONFIRMED_DAYS"],
    }


@bp.get("/privacy")
def privacy() -> str:
    """How personal data is handled (GDPR art. 13): who is responsible, what, why, how long, your rights."""
    return render_template("privacy.html", m=_municipality())


@bp.get("/accessibility")
def accessibility() -> str:
    """Accessibility statement (lagen om tillgänglighet till digital offentlig service)."""
    return render_template("accessibility.html", m=_municipality())
