"""Staff: the exports page, file downloads for the technical department, publishing the protocol."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required

from fieldapp.public.protocol import send_pdf
from fieldapp.ratelimits import draft_pdf_renders
from fieldapp.services import exports as export_service
from fieldapp.services import protocol_pdf as pdf_service
from fieldapp.services import protocol_versions, publication
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.forms import PublishForm
from fieldapp.staff.labels import pdf_state_label


@bp.get("/walks/<slug>/export.<fmt>")
@login_required
def walk_export(slug: str, fmt: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    exporter, data = export_service.build_export(
        walk, fmt, request.args.get("crs"), str(get_locale()), request.args.get("audience"),
        user_id=current_user.id, admit=draft_pdf_renders,
    )
    response = Response(stream_with_context(exporter.stream(data)), mimetype=exporter.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{exporter.filename(data)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/walks/<slug>/exports")
@login_required
def walk_exports(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    return render_template(
        "protocol/exports.html",
        walk=walk,
        page=export_service.exports_page(walk),
        version_pdfs=pdf_service.versions_with_pdfs(walk),
        pdf_state_label=pdf_state_label,
    )


@bp.get("/walks/<slug>/protocol/publish")
@login_required
def publish_protocol_confirm(slug: str) -> str:
    """Before publishing: what becomes public (findings, photos, the PDF) and that the walk stays as it is."""
    walk = walk_service.walk_by_slug(slug)
    return render_template("protocol/publish_confirm.html", walk=walk, form=PublishForm(),
                           preview=publication.preview(walk))


@bp.post("/walks/<slug>/protocol/publish")
@login_required
def publish_protocol(slug: str) -> Response | tuple[str, int]:
    walk = walk_service.walk_by_slug(slug)
    form = PublishForm()
    if not form.validate_on_submit():
        return render_template("protocol/publish_confirm.html", walk=walk, form=form,
                               preview=publication.preview(walk)), 422
    version = protocol_versions.publish(walk, current_user.id, str(get_locale()),
                                        expected_number=form.version.data)
    flash(gettext("Protocol version %(number)s is published.", number=version.number), "success")
    return redirect(url_for("staff.walk_exports", slug=walk.slug))


@bp.get("/walks/<slug>/protocol/pdfs/<int:pdf_id>")
@login_required
def protocol_pdf_status(slug: str, pdf_id: int) -> str:
    """"PDF being prepared…": state and progress of one PDF render, polled until it is ready."""
    walk = walk_service.walk_by_slug(slug)
    return render_template(
        "protocol/pdf_status.html",
        walk=walk,
        pdf=pdf_service.pdf_of_walk(walk, pdf_id),
        pdf_state_label=pdf_state_label,
    )


@bp.get("/walks/<slug>/protocol/pdfs/<int:pdf_id>/status")
@login_required
def protocol_pdf_status_json(slug: str, pdf_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    pdf = pdf_service.pdf_of_walk(walk, pdf_id)
    ready = pdf.state == "ready"
    response = jsonify(
        state=pdf.state,
        progress=pdf.progress,
        label=pdf_state_label(pdf.state),
        error=pdf.error or None,
        url=url_for("staff.protocol_pdf_download", slug=walk.slug, pdf_id=pdf.id) if ready else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/walks/<slug>/protocol/pdfs/<int:pdf_id>/download")
@login_required
def protocol_pdf_download(slug: str, pdf_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    pdf = pdf_service.ready(pdf_service.pdf_of_walk(walk, pdf_id))
    return send_pdf(pdf, walk, "private, no-cache")


@bp.post("/walks/<slug>/protocol/pdfs/<int:pdf_id>/retry")
@login_required
def protocol_pdf_retry(slug: str, pdf_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    with draft_pdf_renders():
        pdf = pdf_service.retry(walk, pdf_id)
    return redirect(url_for("staff.protocol_pdf_status", slug=walk.slug, pdf_id=pdf.id))
