"""A zip for the technical department or a responsible party: GeoPackage, CSV, the protocol PDF and the
photos, named by finding (the names the photo-file column of the CSV and GeoPackage gives)."""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_babel import gettext

from fieldapp.exporters import csv as csv_exporter
from fieldapp.exporters.base import Exporter, crs_name, file_chunks, photo_file_name, temp_dir
from fieldapp.exporters.gpkg import write_geopackage
from gis import crs

if TYPE_CHECKING:
    from fieldapp.exporters.rows import FindingRow, WalkExport


def _readme(data: WalkExport, has_pdf: bool) -> str:
    lines = [
        data.title,
        "",
        gettext(
            "%(slug)s.gpkg – GeoPackage with the layers findings, route and stops "
            "in %(crs)s (EPSG:%(epsg)s).",
            slug=data.slug,
            crs=crs_name(data.crs_epsg),
            epsg=data.crs_epsg,
        ),
        gettext(
            "%(slug)s.csv – the findings for Excel (UTF-8, semicolon, decimal comma), N/E in %(crs)s.",
            slug=data.slug,
            crs=crs_name(data.findings_crs),
        ),
        gettext("photos/ – the photos, named by finding number."),
    ]
    if data.audience == "external":
        lines.append(gettext("For external use: no internal notes; only photos approved for publication, "
                             "with faces and number plates blurred where staff found them."))
    if has_pdf:
        lines.append(
            gettext("protocol.pdf – the protocol (public version).") if data.audience == "external"
            else gettext("protocol.pdf – the protocol (internal version).")
        )
    elif data.protocol_pdf_omitted:
        lines += ["", gettext("No protocol.pdf:"), data.protocol_pdf_omitted]
    return "\r\n".join(lines) + "\r\n"


class ArchiveExporter(Exporter):
    name = "zip"
    label = "Zip"
    extension = "zip"
    media_type = "application/zip"
    crs_choices = crs.EXPORT_CRS
    default_crs = crs.SWEREF99_TM
    metric_rows = True  # the CSV inside keeps N/E in SWEREF 99 TM when the GeoPackage is WGS84
    includes_protocol_pdf = True

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        with temp_dir() as folder:
            path = folder / self.filename(data)
            numbers: dict[int, int] = {}

            def numbered() -> Iterator[FindingRow]:
                for row in data.findings():
                    numbers[row.id] = row.number
                    yield row

            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                gpkg_path = folder / f"{data.slug}.gpkg"
                write_geopackage(gpkg_path, data)
                archive.write(gpkg_path, gpkg_path.name)
                gpkg_path.unlink()
                with archive.open(f"{data.slug}.csv", "w") as handle:
                    for text in csv_exporter.write_rows(dataclasses.replace(data, findings=numbered)):
                        handle.write(text.encode("utf-8"))
                pdf = data.protocol_pdf() if data.protocol_pdf is not None else None
                if pdf is not None:
                    archive.writestr("protocol.pdf", pdf, compress_type=zipfile.ZIP_STORED)
                counts: dict[int, int] = {}
                for ref, photo in data.photos():
                    number = numbers.get(ref.finding_id)
                    if number is None:
                        continue
                    counts[number] = counts.get(number, 0) + 1  # counted even when the file is missing
                    if photo is not None:
                        archive.writestr(
                            photo_file_name(number, counts[number]), photo, compress_type=zipfile.ZIP_STORED
                        )
                archive.writestr("README.txt", _readme(data, pdf is not None))
            yield from file_chunks(path)
