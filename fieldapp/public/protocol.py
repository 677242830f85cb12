"""The walk protocol pages: HTML and PDF. Staff see the live internal draft (or ``?version=public``, the
public preview); everyone else sees the latest published public version, or ``?version=<number>``."""

from __future__ import annotations

from flask import Response, request
from flask_babel import get_locale
from flask_login import current_user

from fieldapp.text import plain_int
from fieldapp.errors import NotFound
from fieldapp.extensions import limiter
from fieldapp.models import ProtocolVersion, Walk
from fieldapp.public import bp
from fieldapp.services import protocol as protocol_service
from fieldapp.services import walks as walk_service
from fieldapp.storage import is_sha256


def _requested_version() -> str | None:
    return request.args.get("version") or None


def _page(walk: Walk, *, for_pdf: bool) -> tuple[str, bool]:
    """(page HTML, rendered for staff) for the version the request asks for and the viewer may see."""
    wanted = _requested_version()
    staff = current_user.is_authenticated
    pdf_args = {"version": wanted} if wanted else {}
    if staff and wanted in (None, "internal", "public"):
        audience = wanted or "internal"
        data = protocol_service.build_protocol(walk, audience, str(get_locale()))
        document = protocol_service.render_document(data)
        return protocol_service.render_page(
            walk, document, audience=audience, for_pdf=for_pdf, pdf_args=pdf_args
        ), audience == "internal"
    number = None
    if wanted is not None:
        number = plain_int(wanted, max_digits=6)
        if number is None:
            raise NotFound("There is no such protocol version.")
    version: ProtocolVersion = protocol_service.published_version(walk, number)
    return protocol_service.render_page(
        walk, version.html, audience="public", for_pdf=for_pdf, version=version, pdf_args=pdf_args
    ), False


@bp.get("/walks/<slug>/protocol")
def protocol(slug: str) -> str:
    html, _ = _page(walk_service.walk_by_slug(slug), for_pdf=False)
    return html


@bp.get("/walks/<slug>/protocol.pdf")
@limiter.limit("10 per minute")  # a PDF takes seconds of CPU to render
def protocol_pdf(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    protocol_service.ensure_pdf_possible(walk)  # before laying out a document that could not be rendered
    html, internal = _page(walk, for_pdf=True)
    pdf = protocol_service.pdf_bytes(html, walk, staff=internal)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{walk.slug}-protocol.pdf"'
    response.headers["Cache-Control"] = "private, no-store" if internal else "no-cache"
    return response


@bp.get("/walks/<slug>/protocol/photos/<sha256>.jpg")
def protocol_photo(slug: str, sha256: str) -> Response:
    if not is_sha256(sha256):
        raise NotFound("There is no such photo.")
    walk = walk_service.walk_by_slug(slug)
    staff = current_user.is_authenticated
    data = protocol_service.photo_bytes(walk, sha256, staff=staff)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600" if staff else "public, max-age=300"
    return response
