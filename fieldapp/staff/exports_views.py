"""Staff: the exports page, file downloads for the technical department, publishing the protocol."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required

from fieldapp.services import exports as export_service
from fieldapp.services import protocol as protocol_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp


def _protocol_pdf(slug: str, audience: str):  # noqa: ANN202 - a callable that renders the protocol PDF
    """The protocol PDF for an export of ``audience``: the public version for external exports."""
    version = protocol_service.protocol_audience(audience)

    def render() -> bytes:
        walk = walk_service.walk_by_slug(slug)
        data = protocol_service.build_protocol(walk, version, str(get_locale()))
        page = protocol_service.render_page(
            walk, protocol_service.render_document(data), audience=version, for_pdf=True
        )
        return protocol_service.pdf_bytes(page, walk, staff=version == "internal")

    return render


@bp.get("/walks/<slug>/export.<fmt>")
@login_required
def walk_export(slug: str, fmt: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    audience = export_service.check_audience(request.args.get("audience"))
    exporter, data = export_service.build_export(
        walk, fmt, request.args.get("crs"), str(get_locale()), protocol_pdf=_protocol_pdf(slug, audience),
        audience=audience,
    )
    response = Response(stream_with_context(exporter.stream(data)), mimetype=exporter.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exporter.filename(data)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/walks/<slug>/exports")
@login_required
def walk_exports(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template("protocol/exports.html", walk=walk, page=export_service.exports_page(walk))


@bp.post("/walks/<slug>/protocol/publish")
@login_required
def publish_protocol(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    version = protocol_service.publish(walk, current_user.id, str(get_locale()))
    flash(gettext("Protocol version %(number)s is published.", number=version.number), "success")
    return redirect(url_for("staff.walk_exports", slug=walk.slug))
