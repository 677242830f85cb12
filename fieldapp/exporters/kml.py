"""KML 2.2 (Google Earth, QGIS, many fault-report systems): route, stops and findings in WGS84."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from flask_babel import gettext
from shapely.geometry import LineString, MultiLineString

from fieldapp.exporters.base import Exporter
from fieldapp.exporters.geojson import finding_properties
from fieldapp.labels import coded_tables, label
from fieldapp.text import xml_safe
from gis import crs

if TYPE_CHECKING:
    from fieldapp.exporters.rows import FindingRow, WalkExport

PLACEMARKS_PER_CHUNK = 500
STYLES = """<Style id="route"><LineStyle><color>ffd84e1d</color><width>4</width></LineStyle></Style>
<Style id="stop"><IconStyle><color>ffd84e1d</color><Icon><href>http://maps.google.com/mapfiles/kml/paddle/blu-circle.png</href></Icon></IconStyle></Style>
<Style id="unsafe"><IconStyle><color>ff0c41c2</color><Icon><href>http://maps.google.com/mapfiles/kml/paddle/red-circle.png</href></Icon></IconStyle></Style>
<Style id="safe"><IconStyle><color>ff3d8015</color><Icon><href>http://maps.google.com/mapfiles/kml/paddle/grn-circle.png</href></Icon></IconStyle></Style>
"""


def _coords(points) -> str:  # noqa: ANN001 - a sequence of (lon, lat[, z])
    return " ".join(f"{p[0]:.7f},{p[1]:.7f}" for p in points)


def _route(geom) -> str:  # noqa: ANN001 - shapely LineString / MultiLineString
    lines = (
        list(geom.geoms)
        if isinstance(geom, MultiLineString)
        else [geom]
        if isinstance(geom, LineString)
        else []
    )
    parts = "".join(
        f"<LineString><tessellate>1</tessellate><coordinates>{_coords(line.coords)}</coordinates>"
        "</LineString>"
        for line in lines
    )
    return f"<MultiGeometry>{parts}</MultiGeometry>"


def _words(audience: str) -> dict:
    """Labels of the description, translated once per file rather than once per placemark."""
    return {
        "measure": gettext("Proposed measure"),
        "status": gettext("Status"),
        "tables": coded_tables(),
        "audience": audience,
    }


def _text(value: object) -> str:
    """Plain text as KML element content: XML-escaped, without characters XML forbids."""
    return escape(xml_safe("" if value is None else str(value)))


def _html(value: str) -> str:
    """Plain text for a KML ``<description>``, which viewers such as Google Earth render as HTML: escaped
    as HTML first (a note's "<a href=…>" stays text), line breaks kept, then escaped as XML."""
    return escape(html.escape(xml_safe(value)).replace("\n", "<br>"))


def _placemark(row: FindingRow, words: dict) -> str:
    description = row.note
    if row.proposal:
        description += "\n\n" + words["measure"] + ": " + row.proposal
    if row.status:
        description += "\n" + words["status"] + ": " + label(words["tables"]["status"], row.status)
    data = "".join(
        f"<Data name={quoteattr(key)}><value>{_text(value)}</value></Data>"
        for key, value in finding_properties(row, words["tables"], words["audience"]).items()
    )
    return (
        f"<Placemark id={quoteattr('finding-' + row.uuid)}>"
        f"<name>{row.number}. {_text(row.category_name)}</name>"
        f"<description>{_html(description)}</description><styleUrl>#{row.polarity}</styleUrl>"
        f"<ExtendedData>{data}</ExtendedData>"
        f"<Point><coordinates>{row.lon:.7f},{row.lat:.7f}</coordinates></Point></Placemark>\n"
    )


class KmlExporter(Exporter):
    name = "kml"
    label = "KML"
    extension = "kml"
    media_type = "application/vnd.google-earth.kml+xml"
    crs_choices = (crs.WGS84,)  # KML is always WGS84 lon/lat
    default_crs = crs.WGS84

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        head = [
            '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
            f"<name>{_text(data.title)}</name>",
            STYLES,
        ]
        if data.route is not None:
            head.append(
                f"<Folder><name>{escape(gettext('Route'))}</name><Placemark><name>{_text(data.title)}"
                f"</name><styleUrl>#route</styleUrl>{_route(data.route)}</Placemark></Folder>\n"
            )
        head.append(f"<Folder><name>{escape(gettext('Stops'))}</name>")
        head.extend(
            f"<Placemark><name>{stop.seq}. {_text(stop.name)}</name><styleUrl>#stop</styleUrl>"
            f"<Point><coordinates>{stop.lon:.7f},{stop.lat:.7f}</coordinates></Point></Placemark>\n"
            for stop in data.stops
        )
        head.append(f"</Folder>\n<Folder><name>{escape(gettext('Findings'))}</name>\n")
        yield "".join(head).encode("utf-8")
        parts: list[str] = []
        words = _words(data.audience)
        for row in data.findings():
            parts.append(_placemark(row, words))
            if len(parts) >= PLACEMARKS_PER_CHUNK:
                yield "".join(parts).encode("utf-8")
                parts.clear()
        parts.append("</Folder></Document></kml>\n")
        yield "".join(parts).encode("utf-8")
