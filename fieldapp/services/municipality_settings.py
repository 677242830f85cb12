"""The admin page's municipality settings: validate and store the one row that overrides the configuration.

Reading the merged values is ``fieldapp/municipality.py``; this module only writes them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from fieldapp import imaging, municipality
from fieldapp.errors import N_, PhotoError, ValidationError
from fieldapp.extensions import db
from fieldapp.models import MunicipalitySettings

MIN_ZOOM, MAX_ZOOM = 3, 18


@dataclass(frozen=True)
class SettingsInput:
    """What the admin fills in; an empty text or None means "as configured"."""

    name: str = ""
    contact: str = ""
    dpo_contact: str = ""
    colour: str = ""
    map_lon: float | None = None
    map_lat: float | None = None
    map_zoom: int | None = None
    time_zone: str = ""
    sweref_epsg: int | None = None
    logo: bytes | None = None  # a new logo file, or None to keep the current one
    remove_logo: bool = False


def settings_row() -> MunicipalitySettings | None:
    """The stored settings, or None when the admin has never saved any."""
    return db.session.execute(
        select(MunicipalitySettings).where(MunicipalitySettings.id == municipality.SETTINGS_ROW_ID)
    ).scalar_one_or_none()


def settings_problems(data: SettingsInput) -> dict[str, str]:
    """Field name → what is wrong with it (untranslated message ids); empty when everything can be saved."""
    problems: dict[str, str] = {}
    if data.colour and not municipality.COLOUR.match(data.colour):
        problems["colour"] = N_("Write the colour as # and six hex digits, e.g. #1b5e8c.")
    if data.time_zone and municipality.time_zone_problem(data.time_zone):
        problems["time_zone"] = N_("Not a time zone name (e.g. Europe/Stockholm).")
    if data.sweref_epsg is not None and data.sweref_epsg not in municipality.SWEREF_ZONES:
        problems["sweref_epsg"] = N_("Choose SWEREF 99 TM or one of the local SWEREF 99 zones.")
    if (data.map_lon is None) != (data.map_lat is None):
        problems["map_lat" if data.map_lat is None else "map_lon"] = N_(
            "Give both the longitude and the latitude, or neither.")
    if data.map_lon is not None and not -180 <= data.map_lon <= 180:
        problems["map_lon"] = N_("The longitude must be between -180 and 180.")
    if data.map_lat is not None and not -90 <= data.map_lat <= 90:
        problems["map_lat"] = N_("The latitude must be between -90 and 90.")
    if data.map_zoom is not None and not MIN_ZOOM <= data.map_zoom <= MAX_ZOOM:
        problems["map_zoom"] = N_("The zoom level must be between 3 and 18.")
    return problems


def update_settings(data: SettingsInput) -> MunicipalitySettings:
    """Store the admin's settings (ValidationError with per-field ``details`` when a value is unusable)."""
    problems = settings_problems(data)
    logo_png = None
    if data.logo is not None and not data.remove_logo:
        try:
            logo_png = imaging.logo_png(data.logo)
        except PhotoError as err:
            problems["logo"] = err.message
    if problems:
        raise ValidationError(N_("Some settings could not be saved; see the fields."),
                              code="invalid_settings", details=problems)
    row = settings_row()
    if row is None:
        row = MunicipalitySettings(id=municipality.SETTINGS_ROW_ID)
        db.session.add(row)
    row.name = data.name or None
    row.contact = data.contact or None
    row.dpo_contact = data.dpo_contact or None
    row.colour = data.colour.lower() or None
    row.map_lon, row.map_lat = data.map_lon, data.map_lat
    row.map_zoom = data.map_zoom
    row.time_zone = data.time_zone or None
    row.sweref_epsg = data.sweref_epsg
    if data.remove_logo:
        row.logo_png = row.logo_sha256 = None
    elif logo_png is not None:
        row.logo_png, row.logo_sha256 = logo_png, hashlib.sha256(logo_png).hexdigest()
    db.session.commit()
    municipality.forget()
    return row
