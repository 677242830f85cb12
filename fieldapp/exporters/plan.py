"""The action plan (åtgärdsplan) as CSV and XLSX: every open measure across walks, one row each.

The same dialect, labels and cells as the walk exports (fieldapp/exporters/csv.py, xlsx.py). Audiences
(DESIGN §15): *external* (responsible parties) gets the proposal, public answer and the place; *internal*
adds the finding's note and the internal note.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask_babel import get_locale, gettext
from openpyxl import Workbook

from fieldapp import municipality
from fieldapp.exporters.base import crs_name
from fieldapp.exporters.csv import write_table
from fieldapp.exporters.tabular import Column
from fieldapp.exporters.xlsx import table_sheet
from fieldapp.labels import MEASURE_STATUS, PRIORITY, label
from fieldapp.services.situation import PartyPlan, PlanRow
from fieldapp.services.walks import held_at
from gis import convert, crs


def plan_columns(audience: str) -> list[Column]:
    """Columns in order; coordinates in the municipality's SWEREF zone and WGS 84."""
    epsg = municipality.current().sweref_epsg
    locale = str(get_locale())
    to_local = crs.transformer(crs.WGS84, epsg)
    yes = gettext("yes")

    def easting_northing(row: PlanRow) -> tuple[float, float]:
        point = convert.to_point(row.finding.geom_el)
        east, north = to_local.transform(point.x, point.y)
        return float(east), float(north)

    columns = [
        Column(gettext("Responsible party"), lambda r: r.measure.responsible_party.name
               if r.measure.responsible_party else "", width=26),
        Column(gettext("Walk"), lambda r: r.walk.title, width=30),
        Column(gettext("Walk date"), lambda r: held_at(r.walk), "datetime", 17),
        Column(gettext("Area"), lambda r: r.walk.area_name, width=18),
        Column(gettext("Category"), lambda r: r.finding.category.name(locale), width=24),
        Column(gettext("Proposed measure"), lambda r: r.measure.proposal, width=40),
        Column(gettext("Priority"), lambda r: label(PRIORITY, r.measure.priority), width=10),
        Column(gettext("Deadline"), lambda r: r.measure.deadline, "date", 11),
        Column(gettext("Past the deadline"), lambda r: yes if r.overdue else "", width=9),
        Column(gettext("Days waiting"), lambda r: r.age_days, "int", 8),
        Column(gettext("Status"), lambda r: label(MEASURE_STATUS, r.measure.status), width=12),
        Column(gettext("Public answer"), lambda r: r.measure.public_answer, width=30),
        Column(gettext("Observation"), lambda r: r.finding.note, width=40, internal=True),
        Column(gettext("Internal note"), lambda r: r.finding.internal_note, width=30, internal=True),
        Column(gettext("N (%(crs)s)", crs=crs_name(epsg)), lambda r: easting_northing(r)[1], "float:3", 14),
        Column(gettext("E (%(crs)s)", crs=crs_name(epsg)), lambda r: easting_northing(r)[0], "float:3", 14),
        Column(gettext("Latitude (WGS 84)"), lambda r: convert.to_point(r.finding.geom_el).y, "float:7", 12),
        Column(gettext("Longitude (WGS 84)"), lambda r: convert.to_point(r.finding.geom_el).x, "float:7", 12),
        Column("status_code", lambda r: r.measure.status, width=10),
        Column("priority_code", lambda r: r.measure.priority, width=10),
        Column("finding_uuid", lambda r: r.finding.uuid, width=36),
    ]
    return [c for c in columns if audience == "internal" or not c.internal]


def _rows(plans: list[PartyPlan]) -> Iterator[PlanRow]:
    for plan in plans:
        yield from plan.rows


def plan_csv(plans: list[PartyPlan], audience: str) -> bytes:
    return "".join(write_table(plan_columns(audience), _rows(plans))).encode("utf-8")


def plan_xlsx(plans: list[PartyPlan], audience: str) -> bytes:
    workbook = Workbook(write_only=True)
    table_sheet(workbook, gettext("Action plan"), plan_columns(audience), _rows(plans))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
