"""Small presentation helpers shared by templates: translated names, date, number and length formatting."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, format_percent, gettext, lazy_gettext

from fieldapp import labels


def status_names() -> dict[str, str]:
    """Walk statuses in the current language."""
    return {
        "draft": str(lazy_gettext("Draft")),
        "open": str(lazy_gettext("Open")),
        "walked": str(lazy_gettext("Walked")),
        "closed": str(lazy_gettext("Closed")),
    }


def walk_status_confirmation(status: str) -> str:
    """The question asked before a walk moves to ``status`` (closing says what it ends)."""
    if status == "closed":
        return gettext("Close the walk? It no longer takes findings and its join link stops working. "
                       "Publishing the protocol is a separate step and is not changed.")
    if status == "walked":
        return gettext("Mark the walk as walked? Phones that were offline can still send their findings "
                       "for a few days; new participants can no longer join.")
    return gettext("Change the walk's status to %(status)s?", status=status_names().get(status, status))


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
    return labels.label(labels.GROUP, code)


def register(app: Flask) -> None:
    from fieldapp.finding_rules import FELT_SAFETY_SCALE
    from fieldapp.labels import felt_safety_choices, felt_safety_label

    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["walk_status_confirmation"] = walk_status_confirmation
    app.jinja_env.globals["labels"] = labels  # the words of coded values (fieldapp/labels.py)
    app.jinja_env.globals.update(felt_safety_label=felt_safety_label, felt_safety_choices=felt_safety_choices,
                                 FELT_SAFETY_SCALE=FELT_SAFETY_SCALE)
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["distance"] = distance
    app.jinja_env.filters["group_label"] = group_label
