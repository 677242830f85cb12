"""Planning pages: walk details, route (drawn or imported), stops, open/close, join link, invitation."""

from __future__ import annotations

import json

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number, gettext, ngettext
from shapely.geometry import Point
from werkzeug.wrappers import Response

from fieldapp import municipality
from fieldapp.errors import ValidationError
from fieldapp.services import invitation, route_import
from fieldapp.services import planning as planning_service
from fieldapp.services import walks as walk_service
from fieldapp.services.categories import planning_choices, top_level
from fieldapp.staff import bp
from fieldapp.staff.access import safe_referrer, user_id
from fieldapp.staff.forms import (
    ActionForm,
    MeetingPointForm,
    RouteForm,
    RouteImportConfirmForm,
    RouteImportForm,
    StatusForm,
    StopEditForm,
    StopForm,
    WalkForm,
)
from fieldapp.staff.views import checked, locale
from fieldapp.ui import status_names


def _walk_form(walk=None) -> WalkForm:  # noqa: ANN001 - a Walk or None
    form = WalkForm(obj=walk) if walk is not None and not WalkForm().is_submitted() else WalkForm()
    form.categories.choices = [(c.code, c.name(locale())) for c in planning_choices(walk)]
    if not form.is_submitted():
        if walk is None:
            form.categories.data = [code for code, _ in form.categories.choices]
        else:
            form.categories.data = [c.code for c in top_level(walk.categories)]
            if walk.starts_at is not None:
                local = walk.starts_at.astimezone(municipality.zone())
                form.date.data, form.time.data = local.date(), local.time().replace(second=0, microsecond=0)
    return form


def _details(form: WalkForm) -> planning_service.WalkDetails:
    return planning_service.WalkDetails(
        title=form.title.data or "",
        area_name=form.area_name.data or "",
        purpose=form.purpose.data or "",
        municipality=form.municipality.data or "",
        starts_at=form.starts_at(),
        meeting_point_text=form.meeting_point_text.data or "",
        category_codes=tuple(form.categories.data or ()),
        weather=form.weather.data or "",
        organizer=form.organizer.data or "",
        contact=form.contact.data or "",
        organisations=form.organisations.data or "",
        head_count=form.head_count.data,
        case_number=form.case_number.data or "",
    )


@bp.route("/walks/new", methods=["GET", "POST"])
def new_walk() -> str | Response | tuple[str, int]:
    form = _walk_form()
    if form.validate_on_submit():
        walk = planning_service.plan_walk(_details(form), user_id=user_id())
        flash(gettext("The walk was created. Now draw or import the route and place the stops."), "success")
        return redirect(url_for("staff.plan", slug=walk.slug))
    return render_template("staff/walk_form.html", form=form, walk=None), (422 if form.errors else 200)


@bp.route("/walks/<slug>/edit", methods=["GET", "POST"])
def edit_walk(slug: str) -> str | Response | tuple[str, int]:
    walk = walk_service.walk_by_slug(slug)
    form = _walk_form(walk)
    if form.validate_on_submit():
        planning_service.update_details(walk, _details(form), user_id=user_id())
        flash(gettext("The walk was saved."), "success")
        return redirect(url_for("staff.plan", slug=walk.slug))
    return render_template("staff/walk_form.html", form=form, walk=walk), (422 if form.errors else 200)


@bp.get("/walks/<slug>/plan")
def plan(slug: str) -> str:
    return _plan_page(walk_service.walk_by_slug(slug))


def _plan_page(walk, preview: route_import.RoutePreview | None = None) -> str:  # noqa: ANN001 - a Walk
    """The planning page; ``preview`` is an imported file waiting for staff's choices."""
    confirm_form = RouteImportConfirmForm()
    if preview is not None:
        confirm_form = RouteImportConfirmForm(formdata=None, data={
            "filename": preview.filename, "route_geojson": preview.route_geojson(),
            "waypoints_geojson": preview.waypoints_geojson(),
            "waypoints": list(range(len(preview.waypoints))),
        })
    elif confirm_form.is_submitted():  # the confirmation came back with a message (fieldapp.form_again)
        try:
            preview = route_import.read_chosen(confirm_form.route_geojson.data or "",
                                               confirm_form.waypoints_geojson.data or "",
                                               confirm_form.filename.data or "", municipality.area_centre())
        except ValidationError:
            preview = None  # what the form carried cannot be read: the message asks for the file again
    if preview is not None:
        confirm_form.waypoints.choices = [(n, w.name) for n, w in enumerate(preview.waypoints)]
    map_data = walk_service.walk_map_data(walk, locale())
    if preview is not None:
        map_data["preview"] = {"route": json.loads(preview.route_geojson() or "null"),
                               "waypoints": json.loads(preview.waypoints_geojson())}
    return render_template(
        "staff/plan.html",
        walk=walk,
        map_data=map_data,
        route_form=RouteForm(),
        import_form=RouteImportForm(),
        confirm_form=confirm_form,
        preview=preview,
        stop_form=StopForm(),
        meeting_form=_meeting_form(walk),
        action_form=ActionForm(),
        status_names=status_names(),
        next_statuses=planning_service.allowed_statuses(walk),
        join_url=walk_service.join_url(walk, current_app.config["PUBLIC_URL"]),
    )


def _meeting_form(walk) -> MeetingPointForm:  # noqa: ANN001 - a Walk
    form = MeetingPointForm()
    point = walk_service.meeting_point_geom(walk)
    if not form.position.data and not form.position.errors and point is not None:
        form.position.data = f"{point.y:.6f}, {point.x:.6f}"
    return form


@bp.post("/walks/<slug>/route")
def save_route(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(RouteForm())
    route = planning_service.parse_route(form.route_geojson.data.encode(), "drawn.geojson")
    saved = planning_service.set_route(walk, route, source="drawn", user_id=user_id())
    flash(gettext("The route was saved."), "success")
    _flash_simplified(saved)
    return redirect(url_for("staff.plan", slug=slug))


def _flash_simplified(saved: planning_service.RouteSaved) -> None:
    if saved.simplified:
        flash(gettext("The route was simplified from %(before)s to %(after)s points.",
                      before=format_number(saved.points_before), after=format_number(saved.points_after)),
              "info")


@bp.route("/walks/<slug>/route/import", methods=["GET", "POST"])
def import_route(slug: str) -> str | Response:
    """Read the file; ask about waypoints and implausible routes, otherwise save it at once.

    GET is the planning page: the address the browser shows while staff choose (reloads, failed confirms).
    """
    walk = walk_service.walk_by_slug(slug)
    if request.method == "GET":
        return _plan_page(walk)
    form = checked(RouteImportForm())
    upload = form.file.data
    preview = route_import.read_upload(upload.read(), upload.filename or "route", municipality.area_centre())
    if preview.needs_a_choice:
        return _plan_page(walk, preview)
    saved = route_import.save_import(walk, preview, (), accept_warnings=False, user_id=user_id())
    _flash_import(preview, saved)
    return redirect(url_for("staff.plan", slug=slug))


@bp.post("/walks/<slug>/route/import/confirm")
def confirm_import(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(RouteImportConfirmForm())
    preview = route_import.read_chosen(form.route_geojson.data or "", form.waypoints_geojson.data or "",
                                       form.filename.data or "", municipality.area_centre())
    saved = route_import.save_import(walk, preview, form.waypoints.data or (),
                                     accept_warnings=bool(form.accept_warnings.data), user_id=user_id())
    _flash_import(preview, saved)
    return redirect(url_for("staff.plan", slug=slug))


def _flash_import(preview: route_import.RoutePreview, saved: route_import.ImportSaved) -> None:
    if saved.route is not None:
        flash(gettext("The route was imported from %(name)s.", name=preview.filename), "success")
        _flash_simplified(saved.route)
    if saved.stops_added:
        flash(ngettext("%(num)d stop was added from the file's waypoints.",
                       "%(num)d stops were added from the file's waypoints.", saved.stops_added), "success")
    if preview.note:
        flash(preview.note, "info")


@bp.post("/walks/<slug>/stops")
def add_stop(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(StopForm())
    stop = planning_service.add_stop(
        walk,
        form.name.data or "",
        form.point(),
        questions=form.questions.data or "",
        user_id=user_id(),
    )
    flash(gettext("Stop %(n)d was added.", n=stop.seq), "success")
    return redirect(url_for("staff.plan", slug=slug, _anchor="stops"))


@bp.post("/walks/<slug>/meeting-point")
def set_meeting_point(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(MeetingPointForm())
    planning_service.set_meeting_point(walk, form.point(), user_id=user_id())
    flash(gettext("The meeting point was placed on the map.") if form.point() is not None
          else gettext("The meeting point was removed from the map."), "success")
    return redirect(url_for("staff.plan", slug=slug, _anchor="meeting-point"))


@bp.post("/walks/<slug>/stops/<int:stop_id>")
def edit_stop(slug: str, stop_id: int) -> Response:
    """Rename or move a stop; answers JSON to the map's drag-and-drop, a redirect to the form."""
    walk = walk_service.walk_by_slug(slug)
    form = checked(StopEditForm())
    point = (
        Point(form.lon.data, form.lat.data)
        if form.lon.data is not None and form.lat.data is not None
        else None
    )
    stop = planning_service.update_stop(
        walk,
        stop_id,
        name=form.name.data or None,
        questions=form.questions.data if form.questions.raw_data else None,
        point=point,
        user_id=user_id(),
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(id=stop.id, seq=stop.seq, name=stop.name)
    flash(gettext("Stop %(n)d was saved.", n=stop.seq), "success")
    return redirect(url_for("staff.plan", slug=slug, _anchor="stops"))


@bp.post("/walks/<slug>/stops/<int:stop_id>/<any(up, down):direction>")
def move_stop(slug: str, stop_id: int, direction: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    planning_service.move_stop(walk, stop_id, -1 if direction == "up" else 1, user_id=user_id())
    return redirect(url_for("staff.plan", slug=slug, _anchor="stops"))


@bp.post("/walks/<slug>/stops/<int:stop_id>/delete")
def delete_stop(slug: str, stop_id: int) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    planning_service.delete_stop(walk, stop_id, user_id=user_id())
    flash(gettext("The stop was removed; the stops after it were renumbered."), "success")
    return redirect(url_for("staff.plan", slug=slug, _anchor="stops"))


@bp.post("/walks/<slug>/status")
def set_status(slug: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    form = checked(StatusForm())
    planning_service.set_status(walk, form.status.data, user_id=user_id())
    flash(gettext("The walk is now: %(status)s.", status=status_names()[walk.status]), "success")
    return redirect(safe_referrer(url_for("staff.plan", slug=slug)))


@bp.post("/walks/<slug>/join-link/<any(revoke, regenerate):action>")
def join_link(slug: str, action: str) -> Response:
    walk = walk_service.walk_by_slug(slug)
    checked(ActionForm())
    if action == "revoke":
        planning_service.revoke_join_link(walk, user_id=user_id())
        flash(gettext("The join link no longer works. Make a new one when you need it."), "success")
    else:
        planning_service.regenerate_join_link(walk, user_id=user_id())
        flash(
            gettext("A new join link was made; the old one no longer works. Print the invitation again."),
            "success",
        )
    return redirect(url_for("staff.plan", slug=slug, _anchor="join-link"))


@bp.get("/walks/<slug>/invitation")
def invitation_page(slug: str) -> str:
    return invitation.render(invitation.invitation(walk_service.walk_by_slug(slug)))


@bp.get("/walks/<slug>/invitation.pdf")
def invitation_pdf(slug: str) -> Response:
    """The invitation as a one-page A4 PDF (small: rendered in the request, in about a second)."""
    walk = walk_service.walk_by_slug(slug)
    pdf = invitation.pdf_bytes(invitation.invitation(walk))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{walk.slug}-invitation.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
