"""Small presentation helpers shared by templates: translated names and date formatting."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_percent, lazy_gettext


def status_names() -> dict[str, str]:
    """Walk statuses in the current language."""
    return {
        "draft": str(lazy_gettext("Draft")),
        "open": str(lazy_gettext("Open")),
        "walked": str(lazy_gettext("Walked")),
        "published": str(lazy_gettext("Published")),
        "closed": str(lazy_gettext("Closed")),
    }


def local_datetime(value: datetime | None) -> str:
    """A date and time in the municipality's time zone (Babel's selector), in the current language."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y HH:mm")


def local_date(value: date | datetime | None) -> str:
    """A date (of a datetime: in the configured time zone) in the current language."""
    if value is None:
        return ""
    return format_date(value, "d MMM y")


def percent(value: float) -> str:
    """0.25 → "25 %" in Swedish, "25%" in English."""
    return format_percent(value)


def register(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["percent"] = percent
