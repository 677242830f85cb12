"""XLSX (Excel) with openpyxl in write-only mode: rows go straight to a temporary file, not to memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from fieldapp.exporters.base import METRIC_CRS, Exporter, crs_name, file_chunks, temp_dir
from fieldapp.exporters.tabular import Column, finding_columns, local_naive
from fieldapp.text import xml_safe
from gis import crs

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from fieldapp.exporters.rows import WalkExport

NUMBER_FORMATS = {
    "float:7": "0.0000000",
    "float:3": "0.000",
    "float:1": "0.0",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}


def _value(column: Column, value: Any) -> Any:
    if value == "":
        return None
    if column.kind == "datetime":
        return local_naive(value)
    return value


def _set(cell: WriteOnlyCell, value: Any) -> WriteOnlyCell:
    """Put ``value`` in ``cell``; text is always a text cell (a note "=HYPERLINK(…)" is never a formula)
    and loses characters a spreadsheet cannot hold (XML 1.0 forbids control characters)."""
    if isinstance(value, str):
        cell.value = xml_safe(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _header(sheet: WriteOnlyWorksheet, headers: list[str]) -> None:
    cells = []
    for text in headers:
        header = WriteOnlyCell(sheet, value=text)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(header)
    sheet.append(cells)


def _findings_sheet(workbook: Workbook, data: WalkExport) -> None:
    columns = finding_columns(crs_name(data.findings_crs), data.audience)
    table_sheet(workbook, gettext("Findings"), columns, data.findings())


def table_sheet(workbook: Workbook, title: str, columns: list[Column], rows: Iterable[Any]) -> None:
    """A sheet of ``rows`` under ``columns``: widths, a frozen header row, number formats, autofilter."""
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    _header(sheet, [c.header for c in columns])
    # One styled cell per formatted column, reused for every row: the write-only sheet serialises a row when
    # it is appended, and giving each new cell its number format cost ~40 % of a large export.
    # Text columns reuse one cell each too, so their values can be marked as text.
    styled = []
    for column in columns:
        cell = WriteOnlyCell(sheet)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format is not None:
            cell.number_format = number_format
        styled.append(cell)
    count = 0
    for row in rows:
        cells = []
        for column, cell in zip(columns, styled, strict=True):
            value = _value(column, column.value(row))
            cells.append(None if value is None else _set(cell, value))
        sheet.append(cells)
        count += 1
    _autofilter(sheet, len(columns), count)


def _autofilter(sheet: WriteOnlyWorksheet, columns: int, rows: int) -> None:
    """Filter buttons on the header row over every column and row (written when the sheet is closed)."""
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows + 1}"


def _stops_sheet(workbook: Workbook, data: WalkExport) -> None:
    """The stops with WGS 84 and, like the findings, N/E in the export's metric system."""
    sheet = workbook.create_sheet(gettext("Stops"))
    for letter, width in zip("ABCDEF", (6, 36, 12, 12, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    system = crs_name(data.findings_crs)
    _header(
        sheet,
        [
            gettext("No."), gettext("Name"), gettext("Latitude (WGS 84)"), gettext("Longitude (WGS 84)"),
            gettext("N (%(crs)s)", crs=system), gettext("E (%(crs)s)", crs=system),
        ],
    )
    east, north = crs.transformer(crs.WGS84, data.findings_crs).transform(
        [s.lon for s in data.stops], [s.lat for s in data.stops]
    )
    name_cell = WriteOnlyCell(sheet)
    formats = [WriteOnlyCell(sheet) for _ in range(4)]
    for cell, kind in zip(formats, ("float:7", "float:7", "float:3", "float:3"), strict=True):
        cell.number_format = NUMBER_FORMATS[kind]
    for stop, e, n in zip(data.stops, east, north, strict=True):
        values = (stop.lat, stop.lon, float(n), float(e))
        sheet.append(
            [stop.seq, _set(name_cell, stop.name) if stop.name else None,
             *(_set(cell, value) for cell, value in zip(formats, values, strict=True))]
        )
    _autofilter(sheet, 6, len(data.stops))


class XlsxExporter(Exporter):
    name = "xlsx"
    label = "Excel (XLSX)"
    extension = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    crs_choices = METRIC_CRS
    default_crs = crs.SWEREF99_TM

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        with temp_dir() as folder:
            path = folder / self.filename(data)
            workbook = Workbook(write_only=True)
            _findings_sheet(workbook, data)
            _stops_sheet(workbook, data)
            workbook.save(path)
            yield from file_chunks(path)
