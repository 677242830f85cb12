"""The walk protocol's content: the data the document shows and its HTML rendering.

The map is drawn by ``services/protocol_map.py``, published versions live in
``services/protocol_versions.py``, what the PDF fetches (photos, static files) in
``services/protocol_files.py`` and stored PDFs in ``services/protocol_pdf.py``. One template
(``protocol/_document.html``) renders the document for screen, print and PDF. The internal version is the
live draft for staff; the public one is the external audience (services.photo_visibility): only photos
approved for publication, as their published rendition, and no internal notes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select

from fieldapp import municipality
from fieldapp.errors import N_, NotFound
from fieldapp.exporters.rows import FindingRow
from fieldapp.extensions import db
from fieldapp.labels import GROUP, MEASURE_STATUS, PlaceWords, label
from fieldapp.models import MEASURE_STATUSES, Participant, ProtocolVersion, Walk
from fieldapp.services import follow_up as follow_up_walks
from fieldapp.services.exports import iter_findings, iter_photos, stop_rows
from fieldapp.services.protocol_map import MapSvg, build_map, map_json
from fieldapp.services.protocol_pdf import pdf_refusal
from gis import convert, sun

AUDIENCES = ("internal", "public")


def protocol_audience(export_audience: str) -> str:
    """The protocol version that goes with an export audience: ``public`` for external, else ``internal``."""
    return "public" if export_audience == "external" else "internal"


OPEN_STATUSES = ("new", "assessed", "sent", "planned", "referred")


@dataclass(frozen=True)
class Light:
    """Daylight at the walk's start: sunset and end of civil twilight that day, and how dark it was."""

    sunset: datetime | None
    dusk: datetime | None
    sun_elevation: float | None
    condition: str | None  # "daylight" | "twilight" | "dark" | None (no time or place)


@dataclass(frozen=True)
class ProtocolPhoto:
    finding_number: int
    category_name: str
    thumb_sha256: str
    image_sha256: str
    alt_text: str


@dataclass
class ActionRow:
    finding: FindingRow
    place: str  # where, in words (fieldapp.labels.PlaceWords)
    photos: list[ProtocolPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    polarity: str
    findings: int
    reports: int


@dataclass
class FollowUp:
    status_counts: list[tuple[str, int]]
    open_count: int
    without_measure: int
    upcoming: list[FindingRow]
    by_responsible: list[tuple[str, int]]
    followup_walks: list[Walk]


@dataclass
class ProtocolData:
    walk: Walk
    audience: str
    light: Light
    participants: list[tuple[str, int]]
    participant_total: int
    summary: list[CategoryCount]
    rows: list[ActionRow]
    appendix: list[ProtocolPhoto]
    followup: FollowUp
    map_svg: MapSvg | None
    map_json: dict[str, Any]
    route_length_km: float | None
    version_number: int | None = None
    published_at: datetime | None = None
    compared: follow_up_walks.Comparison | None = None  # a follow-up walk against the walk before it

    @property
    def is_public(self) -> bool:
        return self.audience == "public"

    @property
    def finding_total(self) -> int:
        return len(self.rows)

    @property
    def summary_max(self) -> int:
        return max((c.findings for c in self.summary), default=0)


# --------------------------------------------------------------------------- header facts


def walk_position(walk: Walk) -> tuple[float, float] | None:
    """(lon, lat) that stands for the walk: route centre, else meeting point, else first stop."""
    if walk.route is not None:
        centre = convert.to_line(walk.route.geom_el).centroid
        return centre.x, centre.y
    if walk.meeting_point_el is not None:
        point = convert.to_point(walk.meeting_point_el)
        return point.x, point.y
    if walk.stops:
        point = convert.to_point(walk.stops[0].geom_el)
        return point.x, point.y
    return None


def daylight(starts_at: datetime | None, position: tuple[float, float] | None) -> Light:
    """Sunset and dusk on the walk's date at its place, and the light at the start (``gis.sun`` decides).

    Where the sun does not set that day (far north in summer) sunset and dusk are None.
    """
    if starts_at is None or position is None:
        return Light(None, None, None, None)
    zone = municipality.zone()
    sunset, dusk = sun.sunset_and_dusk(position[0], position[1], starts_at.astimezone(zone).date(), zone)
    height = sun.sun_elevation(position[0], position[1], starts_at)
    return Light(sunset, dusk, round(height, 1), sun.condition(height))


def participant_counts(walk: Walk) -> list[tuple[str, int]]:
    """Participants per group (translated group names, never people's names), largest first."""
    rows = db.session.execute(
        select(Participant.group_type, func.count(Participant.id))
        .where(Participant.walk_id == walk.id)
        .group_by(Participant.group_type)
    )
    counts = sorted(
        ((label(GROUP, group), count) for group, count in rows), key=lambda item: (-item[1], item[0])
    )
    return counts


# --------------------------------------------------------------------------- findings, photos, summary


def _photos_by_finding(
    walk: Walk, public: bool, numbers: dict[int, FindingRow]
) -> dict[int, list[ProtocolPhoto]]:
    result: dict[int, list[ProtocolPhoto]] = {}
    audience = "external" if public else "internal"
    for ref in iter_photos(walk, audience=audience):
        row = numbers.get(ref.finding_id)
        image = ref.key(audience)
        if row is None or image is None:
            continue
        # The published (or, for staff, the blurred) file at both sizes: never an unblurred thumbnail of a
        # blurred photo. Unblurred photos keep their small thumbnail in the internal version.
        thumb = image if public or ref.blurred_sha256 or ref.originals_purged else ref.thumb_sha256
        result.setdefault(ref.finding_id, []).append(
            ProtocolPhoto(
                finding_number=row.number,
                category_name=row.category_name,
                thumb_sha256=thumb,
                image_sha256=image,
                alt_text=ref.alt_text or row.category_name,
            )
        )
    return result


def category_summary(rows: list[FindingRow]) -> list[CategoryCount]:
    """Findings and reports (their confirmations, services/counting.py) per category; unsafe first."""
    findings: Counter[str] = Counter()
    reports: Counter[str] = Counter()
    meta: dict[str, tuple[str, str]] = {}
    for row in rows:
        findings[row.category_code] += 1
        reports[row.category_code] += row.confirmations
        meta[row.category_code] = (row.category_name, row.polarity)
    summary = [
        CategoryCount(code, meta[code][0], meta[code][1], findings[code], reports[code]) for code in findings
    ]
    return sorted(summary, key=lambda c: (c.polarity == "safe", -c.findings, c.name))


def follow_up(walk: Walk, rows: list[FindingRow]) -> FollowUp:
    """Where the action list stands: measures per status, the next deadlines, open items per owner."""
    with_measure = [r for r in rows if r.status]
    statuses = Counter(r.status for r in with_measure)
    open_rows = [r for r in with_measure if r.status in OPEN_STATUSES]
    upcoming = sorted((r for r in open_rows if r.deadline), key=lambda r: (r.deadline, r.number))[:8]
    owners = Counter(r.responsible for r in open_rows if r.responsible)
    later = list(
        db.session.scalars(
            select(Walk)
            .where(Walk.previous_walk_id == walk.id)
            .order_by(Walk.starts_at.nulls_last(), Walk.id)
        )
    )
    return FollowUp(
        status_counts=[(label(MEASURE_STATUS, s), statuses[s]) for s in MEASURE_STATUSES if statuses[s]],
        open_count=len(open_rows),
        without_measure=sum(1 for r in rows if not r.status and r.polarity == "unsafe"),
        upcoming=upcoming,
        by_responsible=sorted(owners.items(), key=lambda item: (-item[1], item[0])),
        followup_walks=later,
    )


# --------------------------------------------------------------------------- assembling and rendering


def build_protocol(
    walk: Walk,
    audience: str = "internal",
    locale: str = "sv",
    *,
    version_number: int | None = None,
    published_at: datetime | None = None,
) -> ProtocolData:
    """Everything the protocol template shows, for ``audience`` internal (staff) or public."""
    if audience not in AUDIENCES:
        raise NotFound(N_("There is no such protocol version."))
    public = audience == "public"
    local_zone = municipality.current().sweref_epsg
    rows = list(iter_findings(walk, local_zone, locale, audience="external" if public else "internal"))
    by_id = {row.id: row for row in rows}
    photos = _photos_by_finding(walk, public, by_id)
    place = PlaceWords().describe
    actions = [ActionRow(row, place(row), photos.get(row.id, [])) for row in rows]
    stops = stop_rows(walk)
    route = convert.to_line(walk.route.geom_el) if walk.route else None
    participants = participant_counts(walk)
    return ProtocolData(
        walk=walk,
        audience=audience,
        light=daylight(walk.starts_at, walk_position(walk)),
        participants=participants,
        participant_total=sum(c for _, c in participants),
        summary=category_summary(rows),
        rows=actions,
        appendix=[p for action in actions for p in action.photos],
        followup=follow_up(walk, rows),
        map_svg=build_map(route, stops, rows),
        map_json=map_json(route, stops, rows),
        route_length_km=round(walk.route.length_m / 1000, 2) if walk.route else None,
        version_number=version_number,
        published_at=published_at,
        compared=follow_up_walks.comparison(walk),
    )


def render_document(data: ProtocolData) -> str:
    """The protocol document (an <article>) as HTML; the same markup for screen, print and PDF."""
    return render_template("protocol/_document.html", p=data)


def render_page(
    walk: Walk,
    document_html: str,
    *,
    audience: str,
    for_pdf: bool = False,
    version: ProtocolVersion | None = None,
    pdf_args: dict[str, Any] | None = None,
) -> str:
    """A full HTML page (site chrome, hidden in print) around a protocol document rendered by us."""
    return render_template(
        "protocol/page.html",
        walk=walk,
        # document_html is our own autoescaped protocol template (or its stored snapshot), never user HTML.
        document=Markup(document_html),  # noqa: S704  # nosec B704
        audience=audience,
        for_pdf=for_pdf,
        version=version,
        pdf_args=pdf_args or {},
        pdf_refusal=None if for_pdf else pdf_refusal(walk),
    )


def local_date(value: datetime | None) -> date | None:
    return value.astimezone(municipality.zone()).date() if value else None
