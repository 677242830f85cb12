"""Duplicates: suggested groups to merge, merged groups to undo."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp.services import counting
from fieldapp.services import merge as merge_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import safe_referrer, user_id
from fieldapp.staff.forms import ActionForm, MergeForm, RadiusForm
from fieldapp.staff.views import checked


def _radius(form: RadiusForm) -> float:
    if form.radius.data is not None and form.validate():
        return float(form.radius.data)
    return float(current_app.config.get("DUPLICATE_RADIUS_M", merge_service.DEFAULT_RADIUS_M))


@bp.get("/walks/<slug>/duplicates")
def duplicates(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    radius_form = RadiusForm(request.args)
    radius = _radius(radius_form)
    radius_form.radius.data = int(radius)
    return render_template(
        "staff/duplicates.html",
        walk=walk,
        radius_form=radius_form,
        radius=radius,
        groups=merge_service.suggest_duplicates(walk, radius),
        merged=merge_service.merged_groups(walk),
        confirmations=counting.confirmation_counts(walk),
        merge_form=MergeForm(),
        action_form=ActionForm(),
    )


@bp.post("/walks/<slug>/merge")
def merge(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(MergeForm())
    canonical = merge_service.merge(walk, form.canonical.data, form.members.data or [], user_id=user_id())
    flash(
        gettext("Merged: the finding now has %(n)d confirmations.", n=counting.confirmations(canonical)),
        "success",
    )
    return redirect(url_for("staff.duplicates", slug=slug))


@bp.post("/walks/<slug>/findings/<finding_uuid>/unmerge")
def unmerge(slug: str, finding_uuid: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    members = merge_service.unmerge(walk, finding_uuid, user_id=user_id())
    flash(
        gettext("The merge was undone: %(n)d findings stand on their own again.", n=len(members) + 1),
        "success",
    )
    return redirect(safe_referrer(url_for("staff.duplicates", slug=slug)))
