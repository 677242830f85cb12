"""The one place for the words of coded values: priority, measure status, polarity, felt safety, lighting,
position source, participant group, party kind, staff role.

Every page, the protocol and every export format take their labels from these tables, so the same code
reads the same everywhere (exports add the code itself in a ``<field>_code`` column). Labels are lazy:
they translate into the language of the moment they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from fieldapp.exporters.rows import FindingRow

Table = Mapping[str | int | None, LazyString]
Tables = dict[str, dict[str | int | None, str]]  # coded_tables(): field name → translated labels

POLARITY: Table = {"unsafe": _l("Unsafe"), "safe": _l("Safe")}
PRIORITY: Table = {"acute": _l("Acute"), "high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}
MEASURE_STATUS: Table = {
    "new": _l("New"),
    "assessed": _l("Assessed"),
    "sent": _l("Sent"),
    "planned": _l("Planned"),
    "done": _l("Done"),
    "rejected": _l("Rejected"),
    "referred": _l("Referred to other owner"),
    "verified": _l("Verified"),
}
# Felt safety per scale (fieldapp.finding_rules.FELT_SAFETY_SCALES): every answer is named on the scale it
# was asked on, so answers from different walks and years read the same. The 3-point scale of older walks
# asked "How unsafe does it feel?" (very / somewhat / a little); the 4-point scale has words from very
# unsafe to very safe.
FELT_SAFETY: dict[int, Table] = {
    3: {1: _l("Very unsafe (1 of 3)"), 2: _l("Somewhat unsafe (2 of 3)"), 3: _l("A little unsafe (3 of 3)")},
    4: {1: _l("Very unsafe"), 2: _l("Fairly unsafe"), 3: _l("Fairly safe"), 4: _l("Very safe")},
}
LIGHTING: Table = {
    "out": _l("Light out"),
    "weak": _l("Weak light"),
    "flickering": _l("Flickering"),
    "glaring": _l("Glaring"),
    "ok": _l("Light OK"),
}
POSITION_SOURCE: Table = {"gps": _l("GPS"), "map": _l("Map"), "stop": _l("Stop")}
GROUP: Table = {
    "resident": _l("Residents"),
    "police": _l("Police"),
    "housing_company": _l("Housing companies"),
    "staff": _l("Municipal staff"),
    "association": _l("Associations"),
    "politician": _l("Politicians"),
    "other": _l("Other"),
    None: _l("Not stated"),
}
PARTY_KIND: Table = {
    "municipal": _l("Municipal department"),
    "housing_company": _l("Housing company"),
    "trafikverket": _l("Trafikverket"),
    "police": _l("Police"),
    "private_owner": _l("Private owner"),
    "other": _l("Other"),
}
ROLE: Table = {"admin": _l("Admin"), "organizer": _l("Organizer")}


def label(table: Table, key: str | int | None) -> str:
    """The label of ``key`` in ``table`` in the current language; the key itself if unknown, '' if empty."""
    if key in table:
        return str(table[key])
    return "" if key is None or key == "" else str(key)


def names(table: Table) -> dict[str | int | None, str]:
    """The whole table translated now (for a select box, or a loop over many rows)."""
    return {key: str(value) for key, value in table.items()}


def felt_safety_label(value: int | None, scale: int | None) -> str:
    """The words for a felt-safety answer on its own scale; '' for no answer."""
    if value is None or scale is None:
        return ""
    return label(FELT_SAFETY.get(scale, {}), value) if scale in FELT_SAFETY else f"{value}/{scale}"


def felt_safety_choices(scale: int) -> list[tuple[int, str]]:
    """(value, words) of every point of ``scale``, most unsafe first (the field form)."""
    return [(int(value or 0), str(text)) for value, text in FELT_SAFETY[scale].items()]


@dataclass(frozen=True)
class CodedField:
    """A coded attribute of a finding row that exports write twice: ``name`` (label), ``name_code``."""

    name: str
    attribute: str
    table: Table


# The coded fields of a finding row, in export column order (exporters/rows.py FindingRow attributes).
# Felt safety is not one of them: its words depend on the scale of each answer (felt_safety_label).
CODED_FIELDS: tuple[CodedField, ...] = (
    CodedField("polarity", "polarity", POLARITY),
    CodedField("lighting_check", "lighting_check", LIGHTING),
    CodedField("position_source", "position_source", POSITION_SOURCE),
    CodedField("priority", "priority", PRIORITY),
    CodedField("status", "status", MEASURE_STATUS),
)


def coded_tables() -> Tables:
    """Every coded field's labels, translated now (once per export file)."""
    return {field.name: names(field.table) for field in CODED_FIELDS}


class PlaceWords:
    """Where a finding is, in words: "Stop 2: Torget", "Near stop 2: Torget (40 m)", "Between stop 2 and
    3", "Before stop 1", "After stop 5" (services/exports.py decides which applies). Translated once per
    document or file, then filled in per row."""

    def __init__(self) -> None:
        self.at: str = gettext("Stop %(seq)s: %(name)s", seq="{seq}", name="{name}")
        self.near: str = gettext(
            "Near stop %(seq)s: %(name)s (%(metres)s m)", seq="{seq}", name="{name}", metres="{metres}"
        )
        self.between: str = gettext(
            "Between stop %(first)s and %(second)s", first="{first}", second="{second}"
        )
        self.before: str = gettext("Before stop %(seq)s", seq="{seq}")
        self.after: str = gettext("After stop %(seq)s", seq="{seq}")

    def describe(self, row: FindingRow) -> str:
        """The place of ``row`` ('' when the walk has no stops)."""
        if row.between is not None:
            first, second = row.between
            if first is None:
                return self.before.format(seq=second)
            if second is None:
                return self.after.format(seq=first)
            low, high = sorted((first, second))
            return self.between.format(first=low, second=high)
        if row.stop_seq is None:
            return ""
        if row.at_stop:
            return self.at.format(seq=row.stop_seq, name=row.stop_name).rstrip(": ")
        metres = round(row.stop_distance_m or 0)
        return self.near.format(seq=row.stop_seq, name=row.stop_name, metres=metres)
