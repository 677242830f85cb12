"""Review pages: findings as map + list with filters; one finding: edit, hide, photos, measure."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.models import MEASURE_STATUSES, POLARITIES, PRIORITIES
from fieldapp.services import counting, measure_photos, photo_publication
from fieldapp.services import events as event_service
from fieldapp.services import findings as findings_service
from fieldapp.services import measures as measure_service
from fieldapp.services import merge as merge_service
from fieldapp.services import responsible_parties as party_service
from fieldapp.services import review as review_service
from fieldapp.services import walks as walk_service
from fieldapp.staff import bp
from fieldapp.staff.access import user_id
from fieldapp.staff.forms import (
    ActionForm,
    AfterPhotoForm,
    BlurForm,
    FindingForm,
    MeasureForm,
    MeasureStatusForm,
    PublicationForm,
)
from fieldapp.staff.labels import measure_status_names, priority_names
from fieldapp.staff.views import checked, locale
from gis import convert, geojson


def _filters() -> review_service.ReviewFilter:
    args = request.args
    stop = args.get("stop", "")
    return review_service.ReviewFilter(
        category=args.get("category", ""),
        polarity=args.get("polarity", ""),
        stop=int(stop) if stop.isdigit() else None,
        with_photo=args.get("photo") == "1",
        status=args.get("status", "") if args.get("status", "") in review_service.STATUS_FILTERS else "",
    )


@bp.get("/walks/<slug>/review")
def review(slug: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    filters = _filters()
    found = review_service.review_findings(walk, filters)
    map_data = walk_service.walk_map_data(walk, locale())
    map_data["findings"] = geojson.feature_collection(
        findings_service.finding_feature(f, locale()) for f in found
    )
    return render_template(
        "staff/review.html",
        walk=walk,
        findings=found,
        filters=filters,
        map_data=map_data,
        confirmations=counting.confirmation_counts(walk),
        after_close=review_service.after_close_findings(walk),
        polarities=POLARITIES,
        status_filters=review_service.STATUS_FILTERS,
        measure_status_names=measure_status_names(),
    )


def _party_choices() -> list[tuple[str, str]]:
    return [("", "–")] + [(str(p.id), p.name) for p in party_service.list_parties(only_active=True)]


def _finding_form(walk, finding) -> FindingForm:  # noqa: ANN001 - Walk, Finding
    form = FindingForm()
    form.category.choices = [(c.code, c.name(locale())) for c in walk.categories]
    if not form.is_submitted():
        point = convert.to_geom(finding.geom_el)
        form.category.data, form.note.data = finding.category.code, finding.note
        form.internal_note.data, form.lon.data, form.lat.data = finding.internal_note, point.x, point.y
        form.version.data = finding.version
    return form


def _measure_forms(finding) -> tuple[MeasureForm, MeasureStatusForm]:  # noqa: ANN001 - Finding
    measure = finding.measure
    form = MeasureForm(prefix="measure")
    form.responsible_party.choices = _party_choices()
    form.priority.choices = list(priority_names().items())
    status_form = MeasureStatusForm(prefix="status")
    status_form.responsible_party.choices = _party_choices()
    names = measure_status_names()
    status_form.status.choices = [
        (s, names[s]) for s in (measure_service.next_statuses(measure) if measure else ())
    ]
    if not form.is_submitted():
        if measure is not None:
            form.proposal.data, form.priority.data = measure.proposal, measure.priority
            form.responsible_party.data = str(measure.responsible_party_id or "")
            form.deadline.data, form.public_answer.data = measure.deadline, measure.public_answer
        else:
            form.priority.data = "normal"
            default = finding.category.default_responsible_party_id
            form.responsible_party.data = str(default or "")
    return form, status_form


@bp.get("/walks/<slug>/findings/<finding_uuid>")
def finding(slug: str, finding_uuid: str) -> str:
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    return _finding_page(walk, item, _finding_form(walk, item))


def _finding_page(walk, item, form: FindingForm, conflict=None) -> str:  # noqa: ANN001 - Walk, Finding, Finding
    """The finding page; ``conflict`` is the newer version someone saved while this form was open."""
    measure_form, status_form = _measure_forms(item)
    point = convert.to_geom(item.geom_el)
    adjust = request.args.get("adjust", type=int)  # a suggestion whose box prefills that photo's blur form
    map_data = walk_service.walk_map_data(walk, locale())
    map_data["position"] = {"lon": point.x, "lat": point.y}
    return render_template(
        "staff/finding.html",
        walk=walk,
        finding=item,
        form=form,
        conflict=conflict,
        action_form=ActionForm(),
        blur_form=BlurForm(),
        pending_suggestions=photo_publication.pending_suggestions,
        adjust=adjust,
        confirm_photo=request.args.get("confirm", ""),
        confirm_decision=request.args.get("decision", ""),
        measure_form=measure_form,
        status_form=status_form,
        after_photo_form=AfterPhotoForm(prefix="after"),
        map_data=map_data,
        photos=merge_service.group_photos(item),
        members=merge_service.members_of(item),
        confirmations=counting.confirmations(item),
        history=event_service.history_for_finding(item),
        measure_status_names=measure_status_names(),
        priority_names=priority_names(),
        measure_statuses=MEASURE_STATUSES,
        priorities=PRIORITIES,
    )


def _back(slug: str, finding_uuid: str, anchor: str | None = None) -> Response:
    return redirect(url_for("staff.finding", slug=slug, finding_uuid=finding_uuid, _anchor=anchor))


@bp.post("/walks/<slug>/findings/<finding_uuid>")
def edit_finding(slug: str, finding_uuid: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    form = checked(_finding_form(walk, item))
    try:
        review_service.edit_finding(
            item,
            review_service.FindingEdit(
                note=form.note.data or "",
                category_code=form.category.data,
                lon=form.lon.data,
                lat=form.lat.data,
                internal_note=form.internal_note.data or "",
                base_version=form.version.data,
            ),
            user_id=user_id(),
        )
    except review_service.EditConflict as conflict:
        # Both versions side by side; the form keeps what this person typed, now based on the newer
        # version, so "keep mine" is saving it again and "take theirs" is reloading the page.
        form.version.data = conflict.current.version
        return _finding_page(walk, conflict.current, form, conflict=conflict.current), 409
    flash(gettext("The finding was saved."), "success")
    return _back(slug, finding_uuid)


@bp.post("/walks/<slug>/findings/<finding_uuid>/accept-late")
def accept_late(slug: str, finding_uuid: str) -> Response:
    """Take a finding that arrived after the walk closed into the walk."""
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    checked(ActionForm())
    review_service.accept_after_close(item, user_id=user_id())
    flash(gettext("The finding is now part of the walk, marked as sent late."), "success")
    return _back(slug, finding_uuid)


@bp.post("/walks/<slug>/findings/<finding_uuid>/<any(hide, show):action>")
def hide_finding(slug: str, finding_uuid: str, action: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    checked(ActionForm())
    review_service.set_finding_hidden(item, action == "hide", user_id=user_id())
    flash(
        gettext("The finding is hidden.") if action == "hide" else gettext("The finding is shown again."),
        "success",
    )
    return _back(slug, finding_uuid)


def _photo_of_walk(slug: str, finding_uuid: str, photo_uuid: str):  # noqa: ANN202 - Photo
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    photo = review_service.photo_by_uuid(photo_uuid)
    if photo not in merge_service.group_photos(item):
        raise NotFound(gettext("There is no such photo."))
    return photo


@bp.post("/walks/<slug>/findings/<finding_uuid>/photos/<photo_uuid>/<any(hide, show, unblur):action>")
def photo_action(slug: str, finding_uuid: str, photo_uuid: str, action: str) -> Response:
    photo = _photo_of_walk(slug, finding_uuid, photo_uuid)
    checked(ActionForm())
    if action == "unblur":
        review_service.remove_blur(photo, user_id=user_id())
    else:
        review_service.set_photo_hidden(photo, action == "hide", user_id=user_id())
    return _back(slug, finding_uuid, f"photo-{photo_uuid}")


@bp.post("/walks/<slug>/findings/<finding_uuid>/photos/<photo_uuid>/blur")
def blur_photo(slug: str, finding_uuid: str, photo_uuid: str) -> Response:
    photo = _photo_of_walk(slug, finding_uuid, photo_uuid)
    form = checked(BlurForm())
    review_service.blur_photo(
        photo,
        review_service.BlurBox(
            form.x.data / 100, form.y.data / 100, form.width.data / 100, form.height.data / 100
        ),
        user_id=user_id(),
        suggestion_id=form.suggestion.data,
    )
    flash(
        gettext("The marked area was blurred. The blurred photo is the one that can be published."), "success"
    )
    return _back(slug, finding_uuid, f"photo-{photo_uuid}")


@bp.post("/walks/<slug>/findings/<finding_uuid>/photos/<photo_uuid>/publication")
def photo_publication_decision(slug: str, finding_uuid: str, photo_uuid: str) -> Response:
    """Approve (with or without blur), reject, or make internal; unconfirmed detections ask first."""
    photo = _photo_of_walk(slug, finding_uuid, photo_uuid)
    form = checked(PublicationForm())
    decision = form.decision.data
    if decision in ("approve", "approve_blurred"):
        try:
            photo_publication.approve(
                photo, with_blur=decision == "approve_blurred", user_id=user_id(),
                confirmed=form.confirmed.data == "1",
            )
        except ValidationError as err:
            if err.code != "unconfirmed_detections":
                raise
            # The confirmation step: the finding page again, with the question next to this photo.
            return redirect(url_for("staff.finding", slug=slug, finding_uuid=finding_uuid, confirm=photo_uuid,
                                    decision=decision, _anchor=f"photo-{photo_uuid}"))
        flash(gettext("The photo is approved for publication."), "success")
    elif decision == "reject":
        photo_publication.reject(photo, user_id=user_id())
        flash(gettext("The photo will not be published."), "success")
    else:
        photo_publication.make_internal(photo, user_id=user_id())
        flash(gettext("The photo is internal again."), "success")
    return _back(slug, finding_uuid, f"photo-{photo_uuid}")


@bp.post("/walks/<slug>/findings/<finding_uuid>/photos/<photo_uuid>/suggestions/<int:suggestion_id>/dismiss")
def dismiss_suggestion(slug: str, finding_uuid: str, photo_uuid: str, suggestion_id: int) -> Response:
    photo = _photo_of_walk(slug, finding_uuid, photo_uuid)
    checked(ActionForm())
    suggestion = photo_publication.suggestion_of(photo, suggestion_id)
    photo_publication.dismiss_suggestion(suggestion, user_id=user_id())
    return _back(slug, finding_uuid, f"photo-{photo_uuid}")


@bp.post("/walks/<slug>/photos/approve-without-detections")
def approve_photos_without_detections(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    result = photo_publication.approve_without_detections(walk, user_id=user_id())
    flash(
        gettext("%(n)d photos approved for publication; %(m)d with detected faces or number plates and "
                "%(k)d not yet examined by the detector are left for you to look at.",
                n=result.approved, m=result.skipped_with_detections, k=result.skipped_not_examined),
        "success",
    )
    return redirect(url_for("staff.review", slug=slug))


@bp.get("/photos/<photo_uuid>/<any(display, thumb, blurred):variant>.jpg")
def staff_photo(photo_uuid: str, variant: str) -> Response:
    """Any stored size of any photo, original included (staff only)."""
    photo = review_service.photo_by_uuid(photo_uuid)
    response = Response(review_service.photo_bytes(photo, variant), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/walks/<slug>/findings/<finding_uuid>/measure")
def save_measure(slug: str, finding_uuid: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    form, _ = _measure_forms(item)
    checked(form)
    measure_service.save_measure(
        item,
        measure_service.MeasureInput(
            proposal=form.proposal.data or "",
            priority=form.priority.data,
            deadline=form.deadline.data,
            responsible_party_id=int(form.responsible_party.data) if form.responsible_party.data else None,
            public_answer=form.public_answer.data or "",
        ),
        user_id=user_id(),
    )
    flash(gettext("The measure was saved."), "success")
    return _back(slug, finding_uuid, "measure")


@bp.post("/walks/<slug>/findings/<finding_uuid>/measure/after-photo")
def measure_after_photo(slug: str, finding_uuid: str) -> Response:
    """Staff add a photo of the place after the work was done (before/after on the feedback page)."""
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    if item.measure is None:
        raise Conflict(gettext("Save the measure before adding a photo of it."))
    form = checked(AfterPhotoForm(prefix="after"))
    measure_photos.add_after_photo(
        item.measure, form.photo.data.read(), publish=form.publish.data, user_id=user_id()
    )
    flash(gettext("The photo after the measure was added."), "success")
    return _back(slug, finding_uuid, "measure")


@bp.post("/walks/<slug>/findings/<finding_uuid>/measure/status")
def measure_status(slug: str, finding_uuid: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    item = review_service.finding_by_uuid(walk, finding_uuid)
    if item.measure is None:
        raise Conflict(gettext("Save a measure before changing its status."))
    _, form = _measure_forms(item)
    checked(form)
    party = form.responsible_party.data
    measure_service.change_status(
        item.measure,
        form.status.data,
        reason=form.reason.data or "",
        responsible_party_id=int(party) if party else None,
        user_id=user_id(),
    )
    flash(
        gettext("The status was changed to: %(status)s.", status=measure_status_names()[form.status.data]),
        "success",
    )
    return _back(slug, finding_uuid, "measure")
