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
