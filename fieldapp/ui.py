"""Small presentation helpers shared by templates: translated names and date formatting."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, lazy_gettext


def status_names() -> dict[str, str]:
    """Walk statuses in the current language."""
    return {
        "draft": str(lazy_gettext("Draft")),
        "open": str(lazy_gettext("Open")),
        "walked": str(lazy_gettext("Walked")),
        "protocol_draft": str(lazy_gettext("Protocol draft")),
        "published": str(lazy_gettext("Published")),
        "closed": str(lazy_gettext("Closed")),
    }


def local_datetime(value: datetime | None) -> str:
    """A date and time in Europe/Stockholm, in the current language."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y HH:mm")


def register(app: Flask) -> None:
    from fieldapp.exporters.labels import felt_safety_choices, felt_safety_label
    from fieldapp.finding_rules import FELT_SAFETY_SCALE

    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.globals.update(felt_safety_label=felt_safety_label, felt_safety_choices=felt_safety_choices,
                                 FELT_SAFETY_SCALE=FELT_SAFETY_SCALE)
