"""Admin page: the municipality's name, contacts, logo, colour, map start view, time zone and SWEREF zone."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from fieldapp import municipality
from fieldapp.errors import ValidationError
from fieldapp.exporters.base import crs_name
from fieldapp.services import municipality_settings as settings_service
from fieldapp.staff import bp
from fieldapp.staff.access import admin_required
from fieldapp.staff.forms import MunicipalityForm


def _form() -> MunicipalityForm:
    row = settings_service.settings_row()
    form = MunicipalityForm(obj=row) if request.method == "GET" and row is not None else MunicipalityForm()
    configured = municipality.configured_sweref_epsg()
    form.sweref_epsg.choices = [(0, gettext("As configured: %(crs)s", crs=crs_name(configured)))] + [
        (code, f"{crs_name(code)} (EPSG:{code})") for code in municipality.SWEREF_ZONES
    ]
    if request.method == "GET":
        form.sweref_epsg.data = (row.sweref_epsg if row is not None else None) or 0
    return form


def _input(form: MunicipalityForm) -> settings_service.SettingsInput:
    upload = form.logo.data
    return settings_service.SettingsInput(
        name=form.name.data or "",
        contact=form.contact.data or "",
        dpo_contact=form.dpo_contact.data or "",
        colour=(form.colour.data or "").strip(),
        map_lon=form.map_lon.data,
        map_lat=form.map_lat.data,
        map_zoom=form.map_zoom.data,
        time_zone=(form.time_zone.data or "").strip(),
        sweref_epsg=form.sweref_epsg.data or None,
        logo=upload.read() if upload and getattr(upload, "filename", "") else None,
        remove_logo=bool(form.remove_logo.data),
    )


@bp.route("/admin/municipality", methods=["GET", "POST"])
@admin_required
def municipality_settings() -> str | Response | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        try:
            settings_service.update_settings(_input(form))
        except ValidationError as err:
            for name, message in (err.details or {}).items():
                form[name].errors = [*form[name].errors, gettext(message)]
        else:
            flash(gettext("The municipality settings were saved."), "success")
            return redirect(url_for("staff.municipality_settings"))
    row = settings_service.settings_row()
    return render_template(
        "staff/admin_municipality.html", form=form, configured=municipality.configured(),
        uploaded_logo=row is not None and row.logo_sha256 is not None,
    ), (422 if form.errors else 200)
