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
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from fieldapp import municipality
from fieldapp.exporters.base import METRIC_CRS, Exporter, crs_name
from fieldapp.exporters.tabular import Column, finding_columns
from gis import crs

if TYPE_CHECKING:
    from fieldapp.exporters.rows import WalkExport

DELIMITER = ";"
BOM = "\ufeff"
FORMULA_FIRST = frozenset("=+-@\t\r")
ROWS_PER_CHUNK = 500


def _texts(values: Iterable[Any]) -> list[str]:
    out = []
    for value in values:
        if value is None or value == "":
            out.append("")
            continue
        text = value if type(value) is str else str(value)
        out.append("'" + text if text[0] in FORMULA_FIRST else text)
    return out


def _decimals(places: int) -> Callable[[Iterable[Any]], list[str]]:
    spec = f".{places}f"
    return lambda values: ["" if v is None else format(v, spec).replace(".", ",") for v in values]


def _ints(values: Iterable[Any]) -> list[str]:
    return ["" if v is None or v == "" else str(int(v)) for v in values]


def _datetimes(values: Iterable[Any]) -> list[str]:
    local = municipality.zone()
    # str() of an aware datetime is "YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM"; the first 16 characters are
    # the local minute (a third of the time strftime takes).
    return ["" if v is None else str(v.astimezone(local))[:16] for v in values]


def _dates(values: Iterable[Any]) -> list[str]:
    return ["" if v is None else v.isoformat() for v in values]


def column_formatter(kind: str) -> Callable[[Iterable[Any]], list[str]]:
    """Formats a whole column of values in the dialect above (chosen once per export, run per batch:
    one list comprehension per column is a third of the cost of a function call per cell)."""
    if kind.startswith("float:"):
        return _decimals(int(kind[6:]))
    return {"int": _ints, "datetime": _datetimes, "date": _dates}.get(kind, _texts)


def write_rows(data: WalkExport) -> Iterator[str]:
    """The walk's findings as CSV text (BOM first) in chunks of ROWS_PER_CHUNK rows."""
    return write_table(finding_columns(crs_name(data.findings_crs), data.audience), data.findings())


def write_table(columns: list[Column], rows: Iterator[Any]) -> Iterator[str]:
    """Rows under ``columns`` as CSV text in this dialect (BOM first), in chunks of ROWS_PER_CHUNK rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([c.header for c in columns])
    formats = [(c.value, column_formatter(c.kind)) for c in columns]
    while batch := list(islice(rows, ROWS_PER_CHUNK)):
        writer.writerows(zip(*[fmt(map(get, batch)) for get, fmt in formats], strict=True))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
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
