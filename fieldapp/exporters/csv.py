"""CSV for Excel and GIS tools, written for Swedish Excel.

Dialect, chosen for what Swedish Excel (regional format sv-SE) opens correctly by double-click:
- UTF-8 **with BOM**: without it Excel reads the file as Windows-1252 and å, ä, ö break.
- **';'** between fields: sv-SE's list separator is ';' (',' is the decimal separator), so a
  comma-separated file lands in one column.
- Decimal numbers with a **decimal comma** (57,8944012): with the sv-SE decimal separator Excel only
  recognises "57,89" as a number; "57.89" would become text (or a date). GIS tools read it with
  "decimal separator: comma" (QGIS: *Decimal separator is comma*).
- No ``sep=;`` first line: it makes Excel ignore the BOM.
- Times as ``YYYY-MM-DD HH:MM`` in Swedish local time, which Excel recognises as date-time.
- CRLF line ends (RFC 4180) and fields quoted when needed by the csv module.
- Text that starts with = + - @ gets a leading apostrophe so Excel never runs a note as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from fieldapp.exporters.base import METRIC_CRS, Exporter, crs_name
from fieldapp.exporters.tabular import Column, finding_columns, local_naive
from gis import crs

if TYPE_CHECKING:
    from fieldapp.services.exports import WalkExport

DELIMITER = ";"
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


def _text(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _formatter(kind: str) -> Callable[[Any], str]:
    """How a column of this kind is written (chosen once per export, not per cell)."""
    if kind.startswith("float:"):
        spec = f".{int(kind[6:])}f"
        return lambda value: format(value, spec).replace(".", ",")
    if kind == "int":
        return lambda value: str(int(value))
    if kind == "datetime":
        return lambda value: local_naive(value).strftime("%Y-%m-%d %H:%M")
    if kind == "date":
        return lambda value: value.isoformat()
    return _text


def cell(column: Column, value: Any) -> str:
    """One CSV cell as text in the dialect above."""
    if value is None or value == "":
        return ""
    return _formatter(column.kind)(value)


def write_rows(data: WalkExport) -> Iterator[str]:
    """The CSV text (BOM first) in chunks of ROWS_PER_CHUNK rows."""
    columns = finding_columns(crs_name(data.findings_crs))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([c.header for c in columns])
    cells = [(c.value, _formatter(c.kind)) for c in columns]
    for n, row in enumerate(data.findings(), start=1):
        values = [(get(row), fmt) for get, fmt in cells]
        writer.writerow(["" if value is None or value == "" else fmt(value) for value, fmt in values])
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class CsvExporter(Exporter):
    name = "csv"
    label = "CSV"
    extension = "csv"
    media_type = "text/csv; charset=utf-8"
    crs_choices = METRIC_CRS
    default_crs = crs.SWEREF99_TM

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        for text in write_rows(data):
            yield text.encode("utf-8")
