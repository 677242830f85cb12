"""Translated names of coded values (priority, status, polarity…) shared by exports and the protocol."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

POLARITY = {"unsafe": _l("Unsafe"), "safe": _l("Safe")}
PRIORITY = {"acute": _l("Acute"), "high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
MEASURE_STATUS = {
    "new": _l("New"),
    "assessed": _l("Assessed"),
    "sent": _l("Sent"),
    "planned": _l("Planned"),
    "done": _l("Done"),
    "rejected": _l("Rejected"),
    "referred": _l("Referred to other owner"),
    "verified": _l("Verified"),
}
LIGHTING = {
    "out": _l("Light out"),
    "weak": _l("Weak light"),
    "flickering": _l("Flickering"),
    "glaring": _l("Glaring"),
    "ok": _l("Light OK"),
}
# Felt safety per scale (fieldapp.finding_rules.FELT_SAFETY_SCALES): every answer is named on the scale it
# was asked on, so answers from different walks and years read the same. The 3-point scale asked "How
# unsafe does it feel?" (very / somewhat / a little); the 4-point scale has words from very unsafe to very
# safe.
FELT_SAFETY = {
    3: {
        1: _l("Very unsafe (1 of 3)"),
        2: _l("Somewhat unsafe (2 of 3)"),
        3: _l("A little unsafe (3 of 3)"),
    },
    4: {1: _l("Very unsafe"), 2: _l("Fairly unsafe"), 3: _l("Fairly safe"), 4: _l("Very safe")},
}


def felt_safety_label(value: int | None, scale: int | None) -> str:
    """The words for a felt-safety answer on its own scale; '' for no answer."""
    if value is None or scale is None:
        return ""
    return str(FELT_SAFETY.get(scale, {}).get(value, f"{value}/{scale}"))


def felt_safety_choices(scale: int) -> list[tuple[int, str]]:
    """(value, words) of every point of ``scale``, most unsafe first (the field form)."""
    return [(value, str(text)) for value, text in FELT_SAFETY[scale].items()]


POSITION_SOURCE = {"gps": _l("GPS"), "map": _l("Map"), "stop": _l("Stop")}
GROUP = {
    "resident": _l("Residents"),
    "police": _l("Police"),
    "housing_company": _l("Housing companies"),
    "staff": _l("Municipal staff"),
    "association": _l("Associations"),
    "politician": _l("Politicians"),
    "other": _l("Other"),
    None: _l("Not stated"),
}


def label(table: dict, key: str | None) -> str:
    """The translated label of ``key`` in ``table``; the key itself if unknown, '' for empty."""
    if key in table:
        return str(table[key])
    return key or ""
