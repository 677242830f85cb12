"""Export formats, one module each, registered by name (the ``<fmt>`` of ``export.<fmt>``).

An exporter turns a :class:`fieldapp.services.exports.WalkExport` into a stream of bytes; none of them
touches the database or Flask's request, so they can run in a view, the CLI or a benchmark alike.
"""

from __future__ import annotations

from fieldapp.exporters.archive import ArchiveExporter
from fieldapp.exporters.base import Exporter
from fieldapp.exporters.csv import CsvExporter
from fieldapp.exporters.geojson import GeoJsonExporter
from fieldapp.exporters.gpkg import GeoPackageExporter
from fieldapp.exporters.kml import KmlExporter
from fieldapp.exporters.xlsx import XlsxExporter

EXPORTERS: dict[str, Exporter] = {
    exporter.name: exporter
    for exporter in (
        CsvExporter(),
        XlsxExporter(),
        GeoJsonExporter(),
        GeoPackageExporter(),
        KmlExporter(),
        ArchiveExporter(),
    )
}

__all__ = ["EXPORTERS", "Exporter"]
