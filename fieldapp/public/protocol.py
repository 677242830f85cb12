"""The walk protocol pages: HTML and PDF. Staff see the live internal draft (or ``?version=public``, the
public preview); everyone else sees the latest published public version, or ``?version=<number>``."""

from __future__ import annotations

from flask import Response, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from fieldapp.errors import N_, NotFound
from fieldapp.extensions import limiter
from fieldapp.models import ProtocolPdf, ProtocolVersion, Walk
from fieldapp.public import bp
from fieldapp.ratelimits import draft_pdf_renders
from fieldapp.services import protocol as protocol_service
from fieldapp.services import protocol_files, protocol_versions
from fieldapp.services import protocol_pdf as pdf_service
from fieldapp.services import walks as walk_service
from fieldapp.storage import is_sha256
from fieldapp.text import plain_int

IMMUTABLE = "public, immutable, max-age=31536000"


def _requested_version() -> str | None:
    return request.args.get("version") or None


def _page(walk: Walk) -> str:
    """The protocol page for the version the request asks for and the viewer may see."""
    wanted = _requested_version()
    if current_user.is_authenticated and wanted in (None, "internal", "public"):
        audience = wanted or "internal"
        data = protocol_service.build_protocol(walk, audience, str(get_locale()))
        document = protocol_service.render_document(data)
        return protocol_service.render_page(
            walk, document, audience=audience, pdf_args={"version": wanted} if wanted else {}
        )
    version: ProtocolVersion = protocol_versions.published_version(walk, _version_number(wanted))
    return protocol_service.render_page(
        walk, version.html, audience="public", version=version, pdf_args={"version": version.number}
    )


def _version_number(wanted: str | None) -> int | None:
    if wanted is None:
        return None
    number = plain_int(wanted, max_digits=6)
    if number is None:
        raise NotFound(N_("There is no such protocol version."))
    return number


@bp.get("/walks/<slug>/protocol")
def protocol(slug: str) -> str:
    return _page(walk_service.walk_by_slug(slug))


@bp.get("/walks/<slug>/protocol.pdf")
@limiter.limit("120 per minute", exempt_when=lambda: current_user.is_authenticated)  # stored bytes, or 304
def protocol_pdf(slug: str) -> Response:
    """A published version's PDF from storage; for staff, the live draft's PDF (queued in the job queue
    and polled on the status page until ready). Never rendered during the request."""
    walk = walk_service.walk_by_slug(slug)
    wanted = _requested_version()
    if current_user.is_authenticated and wanted in (None, "internal", "public"):
        pdf = pdf_service.draft_pdf(
            walk, wanted or "internal", str(get_locale()), current_user.id, admit=draft_pdf_renders
        )
        if pdf.state != "ready":
            return redirect(url_for("staff.protocol_pdf_status", slug=walk.slug, pdf_id=pdf.id))
        return send_pdf(pdf, walk, "private, no-cache")
    number = _version_number(wanted)
    version = protocol_versions.published_version(walk, number)
    pdf = pdf_service.version_pdf(walk, version)
    # ?version=N never changes; the latest (no ?version) does when a new version is published.
    return send_pdf(pdf, walk, IMMUTABLE if number is not None else "public, no-cache")


def send_pdf(pdf: ProtocolPdf, walk: Walk, cache_control: str) -> Response:
    """The stored PDF with its sha256 as ETag; 304 (no bytes read) when the client has it."""
    if request.if_none_match.contains(pdf.sha256 or ""):
        response = Response(status=304)
    else:
        response = Response(pdf_service.pdf_data(pdf), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{pdf_service.download_name(pdf, walk)}"'
    response.set_etag(pdf.sha256 or "")
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/walks/<slug>/protocol/photos/<sha256>.jpg")
def protocol_photo(slug: str, sha256: str) -> Response:
    if not is_sha256(sha256):
        raise NotFound(N_("There is no such photo."))
    walk = walk_service.walk_by_slug(slug)
    staff = current_user.is_authenticated
    data = protocol_files.photo_bytes(walk, sha256, staff=staff)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600" if staff else "public, max-age=300"
    return response
