"""The columns of the spreadsheet-like exports (CSV, XLSX): translated headers, northing before easting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext

from fieldapp import municipality
from fieldapp.labels import CODED_FIELDS, PlaceWords, coded_tables, felt_safety_label, label

if TYPE_CHECKING:
    from fieldapp.exporters.rows import FindingRow


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[FindingRow], Any]
    kind: str = "text"  # text | int | float:<decimals> | datetime | date
    width: int = 14
    internal: bool = False  # staff-only content: not written for the external audience


def finding_columns(crs_label: str, audience: str = "internal") -> list[Column]:
    """Columns in order; ``crs_label`` names the system of the N/E columns (e.g. 'SWEREF 99 TM').

    The ``external`` audience gets no internal-note column.
    """
    # The labels translated once per export (each lazy string costs a gettext call when used).
    tables = coded_tables()
    polarity, lighting, source = tables["polarity"], tables["lighting_check"], tables["position_source"]
    priority, status = tables["priority"], tables["status"]
    late = gettext("yes")
    place = PlaceWords().describe

    columns = [
        Column(gettext("No."), lambda r: r.number, "int", 6),
        Column(gettext("Category"), lambda r: r.category_name, width=28),
        Column(gettext("Unsafe or safe"), lambda r: label(polarity, r.polarity), width=10),
        Column(gettext("Felt safety"), lambda r: felt_safety_label(r.felt_safety, r.felt_safety_scale),
               width=18),
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
        Column(gettext("Reason"), lambda r: r.status_reason, width=30),
        Column(gettext("Public answer"), lambda r: r.public_answer, width=30),
        Column(gettext("Sent late"), lambda r: late if r.arrival == "late" else "", width=8),
        Column(gettext("Internal note"), lambda r: r.internal_note, width=30, internal=True),
        Column(gettext("ID"), lambda r: r.uuid, width=36),
        # Stable codes for scripts and GIS joins, the same in every language and every format.
        Column("category_code", lambda r: r.category_code, width=14),
        *(Column(f"{f.name}_code", _code_getter(f.attribute), width=12) for f in CODED_FIELDS
          if f.name != "felt_safety"),
        # Felt safety: the answer and the number of points of the scale it was given on (3 or 4).
        Column("felt_safety_code", lambda r: r.felt_safety, "int", 8),
        Column("felt_safety_scale", lambda r: r.felt_safety_scale, "int", 8),
    ]
    if audience == "external":
        columns = [c for c in columns if not c.internal]
    return columns


def _code_getter(attribute: str) -> Callable[[FindingRow], Any]:
    return lambda row: getattr(row, attribute) or ""


def local_naive(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as the municipality's wall-clock time without zone (what spreadsheets show)."""
    if value is None:
        return None
    return value.astimezone(municipality.zone()).replace(tzinfo=None, microsecond=0)
