"""The columns of the spreadsheet-like exports (CSV, XLSX): translated headers, northing before easting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask_babel import gettext

from fieldapp.exporters.labels import (
    LIGHTING,
    MEASURE_STATUS,
    POLARITY,
    POSITION_SOURCE,
    PRIORITY,
    felt_safety_label,
    label,
)

if TYPE_CHECKING:
    from fieldapp.services.exports import FindingRow


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[FindingRow], Any]
    kind: str = "text"  # text | int | float:<decimals> | datetime | date
    width: int = 14
    internal: bool = False  # staff-only content: not written for the external audience


def _resolved(table: dict) -> dict:
    """The labels translated once per export (each lazy string costs a gettext call when used)."""
    return {key: str(value) for key, value in table.items()}


def finding_columns(crs_label: str, audience: str = "internal") -> list[Column]:
    """Columns in order; ``crs_label`` names the system of the N/E columns (e.g. 'SWEREF 99 TM').

    The ``external`` audience gets no internal-note column.
    """
    polarity, lighting, source = _resolved(POLARITY), _resolved(LIGHTING), _resolved(POSITION_SOURCE)
    priority, status = _resolved(PRIORITY), _resolved(MEASURE_STATUS)
    near = gettext("Near %(stop)s (%(metres)d m)", stop="{stop}", metres=0).replace("0 m", "{metres} m")
    late = gettext("yes")

    def place(row: FindingRow) -> str:
        if row.stop_seq is None:
            return ""
        name = f"{row.stop_seq}. {row.stop_name}".strip()
        return name if row.at_stop else near.format(stop=name, metres=round(row.stop_distance_m or 0))

    columns = [
        Column(gettext("No."), lambda r: r.number, "int", 6),
        Column(gettext("Category"), lambda r: r.category_name, width=28),
        Column(gettext("Unsafe or safe"), lambda r: label(polarity, r.polarity), width=10),
        Column(gettext("Felt safety"), lambda r: felt_safety_label(r.felt_safety, r.felt_safety_scale),
               width=16),
        Column(gettext("Lighting"), lambda r: label(lighting, r.lighting_check), width=12),
        Column(gettext("Observation"), lambda r: r.note, width=50),
        Column(gettext("Place (stop)"), place, width=30),
        Column(gettext("Latitude (WGS 84)"), lambda r: r.lat, "float:7", 12),
        Column(gettext("Longitude (WGS 84)"), lambda r: r.lon, "float:7", 12),
        Column(gettext("N (%(crs)s)", crs=crs_label), lambda r: r.northing, "float:3", 14),
        Column(gettext("E (%(crs)s)", crs=crs_label), lambda r: r.easting, "float:3", 14),
        Column(gettext("GPS accuracy (m)"), lambda r: r.accuracy_m, "float:1", 8),
        Column(gettext("Position from"), lambda r: label(source, r.position_source), width=8),
        Column(gettext("Reported"), lambda r: r.created_at, "datetime", 17),
        Column(gettext("Confirmations"), lambda r: r.confirmations, "int", 8),
        Column(gettext("Photos"), lambda r: r.photo_count, "int", 6),
        Column(gettext("Photo files"), lambda r: r.photo_files, width=24),
        Column(gettext("Proposed measure"), lambda r: r.proposal, width=40),
        Column(gettext("Responsible"), lambda r: r.responsible, width=24),
        Column(gettext("Priority"), lambda r: label(priority, r.priority), width=10),
        Column(gettext("Deadline"), lambda r: r.deadline, "date", 11),
        Column(gettext("Status"), lambda r: label(status, r.status), width=12),
        Column(gettext("Reason / answer"), lambda r: r.status_reason or r.public_answer, width=30),
        Column(gettext("Sent late"), lambda r: late if r.arrival == "late" else "", width=8),
        Column(gettext("Internal note"), lambda r: r.internal_note, width=30, internal=True),
        Column(gettext("ID"), lambda r: r.uuid, width=36),
    ]
    if audience == "external":
        columns = [c for c in columns if not c.internal]
    return columns


STOCKHOLM = "Europe/Stockholm"


def local_naive(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as Swedish local wall-clock time without zone (what spreadsheets show)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(STOCKHOLM)).replace(tzinfo=None, microsecond=0)
