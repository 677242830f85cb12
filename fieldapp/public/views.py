"""Public pages: the landing page, the privacy notice and the accessibility statement."""
from __future__ import annotations

from flask import Response, current_app, render_template, request

from fieldapp import municipality
from fieldapp.errors import N_, NotFound
from fieldapp.public import bp


@bp.get("/")
def landing() -> str:
    return render_template("landing.html")


def _municipality() -> dict:
    config = current_app.config
    settings = municipality.current()
    return {
        "name": settings.name,
        "contact": settings.contact,
        "dpo": settings.dpo_contact,
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


@bp.get("/municipality/logo.png")
def municipality_logo() -> Response:
    """The municipality's logo (admin upload or FIELDAPP_MUNICIPALITY_LOGO), cached until it changes."""
    found = municipality.logo()
    if found is None:
        raise NotFound(N_("No logo is set."))
    data, sha256 = found
    response = Response(data, mimetype="image/png")
    response.set_etag(sha256)
    if request.args.get("v") == sha256:  # the versioned URL the pages use never changes its bytes
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 24 * 3600
        response.cache_control.immutable = True
    return response.make_conditional(request)


@bp.get("/municipality/colours.css")
def municipality_css() -> Response:
    """The top bar in the municipality's colour (a stylesheet: the CSP allows no inline styles)."""
    settings = municipality.current()
    if settings.colour is None or not municipality.COLOUR.match(settings.colour):
        raise NotFound(N_("No colour is set."))
    css = f":root {{ --brand: {settings.colour}; --brand-fg: {settings.colour_text}; }}\n"
    response = Response(css, mimetype="text/css")
    if request.args.get("v") == settings.colour[1:]:
        response.cache_control.public = True
        response.cache_control.max_age = 24 * 3600
    return response
