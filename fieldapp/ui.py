"""Small presentation helpers shared by templates: translated names, date, number and length formatting."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_decimal, gettext, lazy_gettext


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


def number(value: float | None, decimals: int = 0) -> str:
    """A number in the current language ("2,77" in Swedish, "2.77" in English), ``decimals`` places."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern)


def distance(metres: float | None) -> str:
    """A distance for people: "850 m" below a kilometre, else "2,77 km" (Swedish) / "2.77 km" (English)."""
    if metres is None:
        return ""
    if metres < 1000:
        return gettext("%(metres)s m", metres=number(metres))
    return gettext("%(km)s km", km=number(metres / 1000, 2 if metres < 10_000 else 1))


def group_label(code: str | None) -> str:
    """A participant group code ("resident", "police") as the translated name used in every export."""
    from fieldapp.exporters.labels import GROUP, label

    return label(GROUP, code)


def register(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["group_label"] = group_label
