"""Participant pages: join a walk by its link, the field page, its PWA manifest and service worker."""
from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from fieldapp.errors import Forbidden
from fieldapp.extensions import limiter
from fieldapp.field import bp
from fieldapp.field.forms import JoinForm
from fieldapp.field.offline import service_worker_source
from fieldapp.field.strings import js_strings
from fieldapp.participant_session import known_public_id, remember_participant, require_walk_access
from fieldapp.services import map_outline, participants, tile_precache
from fieldapp.services import walks as walk_service


@bp.route("/j/<token>", methods=["GET", "POST"])
@limiter.limit("120 per minute")  # per IP: 40 people behind one NAT each load the form and post it
def join(token: str) -> str | Response:
    """Ask (optionally) for group and language, then open the field page."""
    walk = walk_service.walk_by_join_token(token)
    if not participants.can_join(walk):
        return render_template("field/closed.html", walk=walk), 410
    form = JoinForm(language=str(get_locale()))
    if form.validate_on_submit():
        participant = participants.join_walk(walk, known_public_id(walk), language=form.language.data,
                                             group_type=form.group.data or None)
        remember_participant(walk, participant)
        response = redirect(url_for("field.walk_page", slug=walk.slug, lang=form.language.data))
        return response
    return render_template("field/join.html", walk=walk, form=form)


@bp.get("/w/<slug>")
def walk_page(slug: str) -> str:
    """The field page: map, route progress, findings, and the add-finding sheet."""
    walk = walk_service.walk_by_slug(slug)
    participant = require_walk_access(walk)
    locale = str(get_locale())
    map_data = walk_service.walk_map_data(walk, locale, with_findings=True)
    # What this phone keeps to get its participant back when the session cookie is gone (late sync).
    rejoin = ({"join_token": walk.join_token, "participant_key": participants.participant_key(participant)}
              if participant is not None else None)
    return render_template("field/walk.html", walk=walk, map_data=map_data, strings=js_strings(),
                           participant=participant, rejoin=rejoin, theme=request.cookies.get("theme", "auto"),
                           dark_now=walk_service.is_dark_now(walk),
                           precache=tile_precache.precache_enabled(), outline=map_outline.walk_outline(walk),
                           findings_count=len(map_data["findings"]["features"]))


@bp.get("/w/<slug>/tiles.json")
def precache_tiles(slug: str) -> Response:
    """The map tiles this walk's phones fetch ahead (route plus buffer), when the tile source allows it."""
    walk = walk_service.walk_by_slug(slug)
    require_walk_access(walk)
    response = make_response(tile_precache.tile_precache(walk))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/w/<slug>/manifest.webmanifest")
def manifest(slug: str) -> Response:
    """Web app manifest: installing the page opens this walk (for those who may open the page)."""
    walk = walk_service.walk_by_slug(slug)
    require_walk_access(walk)
    response = make_response(
        {
            "name": walk.title,
            "short_name": "fieldapp",
            "start_url": url_for("field.walk_page", slug=walk.slug),
            "scope": "/",
            "display": "standalone",
            "background_color": "#0b1120",
            "theme_color": "#1d4ed8",
            "lang": str(get_locale()),
            "icons": [
                {
                    "src": url_for("static", filename="icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from the root so it controls every field page."""
    response = make_response(service_worker_source(current_app.static_folder))
    response.headers["Cache-Control"] = "no-cache"
    response.mimetype = "text/javascript"
    return response


@bp.errorhandler(Forbidden)
def _not_joined(err: Forbidden) -> tuple[str, int] | Response:
    """A page (not the API) asked for by someone who has not joined: explain how to join."""
    if request.path.startswith("/w/") and err.code in ("not_joined", "link_revoked"):
        return render_template("field/not_joined.html", message=gettext(err.message)), 403
    from fieldapp.errors_http import error_response

    return error_response(err.status, err.code, err.message)
