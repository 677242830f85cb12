"""The municipality running this installation: name, contacts, logo, colour, default map view, time zone
and local SWEREF 99 zone — the one definition every page, the protocol and the exports use.

The configuration (``fieldapp/config.py``: ``FIELDAPP_MUNICIPALITY_*``, ``FIELDAPP_TIME_ZONE``,
``FIELDAPP_SWEREF_EPSG``, ``FIELDAPP_MAP_CENTRE``, ``FIELDAPP_MAP_ZOOM``) gives the values; the admin page's
row (``models.MunicipalitySettings``, edited through ``services/municipality_settings.py``) overrides each one
it sets. Read once per app context (a request, a CLI command, a job).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, g
from sqlalchemy import select

from fieldapp import imaging
from fieldapp.extensions import db
from fieldapp.models import MunicipalitySettings
from gis import crs

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: the SWEREF 99 zones a municipality may work in: TM (the national one) or one of the twelve local zones
SWEREF_ZONES: tuple[int, ...] = (crs.SWEREF99_TM, *crs.SWEREF99_LOCAL_ZONES)
SETTINGS_ROW_ID = 1


@dataclass(frozen=True)
class Municipality:
    """What the pages, the protocol and the exports need to know about the municipality."""

    name: str
    contact: str
    dpo_contact: str
    colour: str | None  # "#rrggbb" for the top bar, or None for the app's own colours
    logo_sha256: str | None  # a logo uploaded on the admin page (served by the public blueprint)
    map_lon: float
    map_lat: float
    map_zoom: int
    time_zone: str
    sweref_epsg: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def colour_text(self) -> str:
        """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""
        if self.colour is None:
            return ""
        return "#000000" if _luminance(self.colour) > 0.179 else "#ffffff"

    @property
    def sweref_label(self) -> str:
        """The local SWEREF zone as people read it, e.g. 'SWEREF 99 12 00 (EPSG:3007)'."""
        from fieldapp.exporters.base import crs_name

        return f"{crs_name(self.sweref_epsg)} (EPSG:{self.sweref_epsg})"

    def local(self, value: datetime) -> datetime:
        """An aware datetime in the municipality's time zone."""
        return value.astimezone(self.zone)


def current() -> Municipality:
    """The municipality as configured, with the admin page's settings applied (cached per app context)."""
    cached = g.get("_municipality")
    if cached is None:
        cached = g._municipality = _load()
    return cached


def forget() -> None:
    """Drop the cached value (after the admin page saved new settings)."""
    g.pop("_municipality", None)


def time_zone_name() -> str:
    """Flask-Babel's time zone selector: dates on pages are shown in the municipality's time zone."""
    return current().time_zone


def zone() -> ZoneInfo:
    """The municipality's time zone: what every local date and time is shown and read in."""
    return current().zone


def today() -> date:
    """Today's date where the municipality is (deadlines, "past the deadline", digests)."""
    return datetime.now(zone()).date()


def check_config(config: dict[str, Any]) -> None:
    """Refuse to start with a configured value no page could use (names the environment variable)."""
    problems = []
    if time_zone_problem(config["TIME_ZONE"]):
        problems.append(f"FIELDAPP_TIME_ZONE={config['TIME_ZONE']!r} is not an IANA time zone name.")
    if config["SWEREF_EPSG"] not in SWEREF_ZONES:
        problems.append(f"FIELDAPP_SWEREF_EPSG={config['SWEREF_EPSG']} is not a SWEREF 99 zone (3006–3018).")
    if config["MUNICIPALITY_COLOUR"] and not COLOUR.match(config["MUNICIPALITY_COLOUR"]):
        problems.append("FIELDAPP_MUNICIPALITY_COLOUR must look like #1b5e8c.")
    lon, lat = config["MAP_CENTRE"]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.append("FIELDAPP_MAP_CENTRE must be 'longitude,latitude' in degrees.")
    if problems:
        raise ValueError(" ".join(problems))


def time_zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable IANA time zone, or None."""
    if name not in available_timezones():
        return "Not a time zone name (e.g. Europe/Stockholm)."
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "Not a time zone name (e.g. Europe/Stockholm)."
    return None


def logo() -> tuple[bytes, str] | None:
    """The logo to show (PNG bytes and their sha256): the admin's upload, else FIELDAPP_MUNICIPALITY_LOGO."""
    row = db.session.execute(
        select(MunicipalitySettings).where(MunicipalitySettings.id == SETTINGS_ROW_ID)
    ).scalar_one_or_none()
    if row is not None and row.logo_sha256 and row.logo_png:
        return row.logo_png, row.logo_sha256
    path = current_app.config["MUNICIPALITY_LOGO"]
    return _configured_logo(path) if path else None


@lru_cache(maxsize=2)
def _configured_logo(path: str) -> tuple[bytes, str]:
    data = imaging.logo_png(Path(path).read_bytes())
    return data, hashlib.sha256(data).hexdigest()


def configured() -> Municipality:
    """The values of the configuration alone (what an empty field on the admin page falls back to)."""
    return _merge(None)


def area_centre() -> tuple[float, float] | None:
    """The municipality's own map centre (lon, lat) — the configuration or the admin page — or None while
    it is still the default view of all Sweden (no place to compare an imported route with)."""
    from fieldapp.config import DEFAULT_MAP_CENTRE

    here = current()
    centre = (here.map_lon, here.map_lat)
    return None if centre == DEFAULT_MAP_CENTRE else centre


def configured_sweref_epsg() -> int:
    return int(current_app.config["SWEREF_EPSG"])


def _load() -> Municipality:
    return _merge(db.session.execute(
        select(MunicipalitySettings).where(MunicipalitySettings.id == SETTINGS_ROW_ID)
    ).scalar_one_or_none())


def _merge(row: MunicipalitySettings | None) -> Municipality:
    config = current_app.config
    centre_lon, centre_lat = config["MAP_CENTRE"]
    return Municipality(
        name=_override(row, "name", config["MUNICIPALITY_NAME"]),
        contact=_override(row, "contact", config["MUNICIPALITY_CONTACT"]),
        dpo_contact=_override(row, "dpo_contact", config["MUNICIPALITY_DPO_CONTACT"]),
        colour=_override(row, "colour", config["MUNICIPALITY_COLOUR"]) or None,
        logo_sha256=_logo_sha256(row, config["MUNICIPALITY_LOGO"]),
        map_lon=float(_override(row, "map_lon", centre_lon)),
        map_lat=float(_override(row, "map_lat", centre_lat)),
        map_zoom=int(_override(row, "map_zoom", config["MAP_ZOOM"])),
        time_zone=_override(row, "time_zone", config["TIME_ZONE"]),
        sweref_epsg=int(_override(row, "sweref_epsg", config["SWEREF_EPSG"])),
    )


def _logo_sha256(row: MunicipalitySettings | None, configured_path: str) -> str | None:
    if row is not None and row.logo_sha256:
        return row.logo_sha256
    return _configured_logo(configured_path)[1] if configured_path else None


def _override(row: MunicipalitySettings | None, column: str, configured: Any) -> Any:
    """The admin page's value of ``column`` where it set one, else the configured value."""
    value = getattr(row, column) if row is not None else None
    return configured if value is None or value == "" else value


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
