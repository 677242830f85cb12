"""Participant pages: join a walk by its link, the walk's field page."""
from __future__ import annotations

from flask import redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from fieldapp.errors import Forbidden
from fieldapp.extensions import limiter
from fieldapp.services import participants
from fieldapp.services import walks as walk_service

from fieldapp.field import bp


@bp.get("/j/<token>")
@limiter.limit("30 per minute")
def join(token: str) -> Response:
    walk = walk_service.walk_by_join_token(token)
    participant = participants.join_walk(walk, session.get("walks", {}).get(walk.slug),
                                         language=str(get_locale()))
    session.setdefault("walks", {})[walk.slug] = participant.public_id
    session.modified = True
    session.permanent = True
    return redirect(url_for("field.walk_page", slug=walk.slug))


@bp.get("/w/<slug>")
def walk_page(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    if not (current_user.is_authenticated or session.get("walks", {}).get(slug)):
        raise Forbidden("Open the walk's join link (or scan its QR code) to take part.", code="not_joined")
    map_data = walk_service.walk_map_data(walk, str(get_locale()), with_findings=True)
    return render_template("field/walk.html", walk=walk, map_data=map_data,
                           findings_count=len(map_data["findings"]["features"]))
