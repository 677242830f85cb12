"""The walk protocol: what the municipality publishes after a walk (data, rendering, published versions).

One template (``protocol/_document.html``) renders the document for screen, print and PDF. The internal
version is the live draft for staff; the public one is the external audience (services.photo_visibility):
only photos approved for publication, as their published rendition, and no internal notes. Publishing
stores a numbered, dated snapshot of the public HTML.
"""

from __future__ import annotations

import math
import mimetypes
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import elevation, sun
from flask import current_app, render_template
from markupsafe import Markup
from shapely.geometry import LineString, MultiLineString
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import safe_join

from fieldapp.errors import N_, Conflict, NotFound
from fieldapp.exporters.labels import GROUP, MEASURE_STATUS, label
from fieldapp.extensions import db
from fieldapp.models import Finding, Participant, Photo, ProtocolVersion, Walk, utcnow
from fieldapp.services import events, photo_visibility, protocol_pdf
from fieldapp.services.exports import (
    FindingRow,
    ensure_pdf_possible,
    iter_findings,
    iter_photos,
    pdf_refusal,
    stop_rows,
)
from fieldapp.storage import photo_store
from gis import convert, crs, geojson

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AUDIENCES = ("internal", "public")


def protocol_audience(export_audience: str) -> str:
    """The protocol version that goes with an export audience: ``public`` for external, else ``internal``."""
    return "public" if export_audience == "external" else "internal"
OPEN_STATUSES = ("new", "assessed", "sent", "planned", "referred")
MAP_WIDTH = 1000
MARKER_R = 17
MAX_NUMBERED_MARKERS = 400


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
    photos: list[ProtocolPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str
    polarity: str
    findings: int
    reports: int


@dataclass(frozen=True)
class MapMarker:
    x: float
    y: float
    label_x: float
    label_y: float
    number: int
    polarity: str


@dataclass
class MapSvg:
    """A route map in a local metric projection, scaled into an SVG viewBox (y down)."""

    width: int
    height: int
    route_paths: list[str]
    stops: list[tuple[float, float, int, str]]
    findings: list[MapMarker]
    numbered: bool
    scale_length_m: int
    scale_px: float


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
    map_json: dict
    route_length_km: float | None
    version_number: int | None = None
    published_at: datetime | None = None

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
        centre = convert.to_geom(walk.route.geom_el).centroid
        return centre.x, centre.y
    if walk.meeting_point_el is not None:
        point = convert.to_geom(walk.meeting_point_el)
        return point.x, point.y
    if walk.stops:
        point = convert.to_geom(walk.stops[0].geom_el)
        return point.x, point.y
    return None


def daylight(starts_at: datetime | None, position: tuple[float, float] | None) -> Light:
    """Sunset and dusk on the walk's date at its place (astral), and whether it was dark at the start.

    Dark means the sun more than 6° below the horizon (after civil twilight), twilight 0–6° below.
    Where the sun does not set that day (far north in summer) sunset and dusk are None.
    """
    if starts_at is None or position is None:
        return Light(None, None, None, None)
    observer = Observer(latitude=position[1], longitude=position[0])
    local = starts_at.astimezone(STOCKHOLM)
    try:
        times = sun(observer, date=local.date(), tzinfo=STOCKHOLM)
        sunset, dusk = times["sunset"], times["dusk"]
    except ValueError:
        sunset = dusk = None
    height = elevation(observer, starts_at)
    condition = "daylight" if height > 0 else "twilight" if height > -6 else "dark"
    return Light(sunset, dusk, round(height, 1), condition)


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
    """Findings (and reports incl. merged confirmations) per category; unsafe first, then safe places."""
    findings: Counter[str] = Counter()
    reports: Counter[str] = Counter()
    meta: dict[str, tuple[str, str]] = {}
    for row in rows:
        findings[row.category_code] += 1
        reports[row.category_code] += 1 + row.confirmations
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
        status_counts=[(label(MEASURE_STATUS, s), statuses[s]) for s in MEASURE_STATUS if statuses[s]],
        open_count=len(open_rows),
        without_measure=sum(1 for r in rows if not r.status and r.polarity == "unsafe"),
        upcoming=upcoming,
        by_responsible=sorted(owners.items(), key=lambda item: (-item[1], item[0])),
        followup_walks=later,
    )


# --------------------------------------------------------------------------- maps


def _nice_length(max_m: float) -> int:
    for length in (5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5):
        if length <= max_m:
            return length
    return 1


def _declutter(points: list[tuple[float, float]], radius: float) -> list[tuple[float, float]]:
    """Label positions near each point that do not overlap earlier labels (grid lookup, spiral search)."""
    cell = 2 * radius
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
    placed: list[tuple[float, float]] = []
    offsets = [(0.0, 0.0)] + [
        (
            ring * cell * math.cos(2 * math.pi * k / (6 * ring)),
            ring * cell * math.sin(2 * math.pi * k / (6 * ring)),
        )
        for ring in (1, 2, 3)
        for k in range(6 * ring)
    ]

    def free(x: float, y: float) -> bool:
        gx, gy = int(x // cell), int(y // cell)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for ox, oy in grid.get((gx + dx, gy + dy), ()):
                    if (ox - x) ** 2 + (oy - y) ** 2 < (cell - 1) ** 2:
                        return False
        return True

    for x, y in points:
        spot = next(((x + ox, y + oy) for ox, oy in offsets if free(x + ox, y + oy)), (x, y))
        grid.setdefault((int(spot[0] // cell), int(spot[1] // cell)), []).append(spot)
        placed.append(spot)
    return placed


def build_map(
    route: LineString | MultiLineString | None, stops: list, rows: list[FindingRow]
) -> MapSvg | None:
    """Project route, stops and findings to a local metric CRS and scale them into an SVG viewBox."""
    lonlat = [(s.lon, s.lat) for s in stops] + [(r.lon, r.lat) for r in rows]
    lines = []
    if route is not None:
        lines = list(route.geoms) if isinstance(route, MultiLineString) else [route]
        lonlat += [c[:2] for line in lines for c in line.coords]
    if not lonlat:
        return None
    lons, lats = zip(*lonlat, strict=True)
    lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    tr = crs.local_metric_transformer(round(lon0, 6), round(lat0, 6))
    xs, ys = tr.transform(lons, lats)
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = max(max_x - min_x, 50.0), max(max_y - min_y, 50.0)
    span_y = max(span_y, span_x * 0.45)  # never a thin strip: keep at least a 1000 × 450 picture
    span_x = max(span_x, span_y / 1.1)
    pad = 0.07
    scale = MAP_WIDTH / (span_x * (1 + 2 * pad))
    height = round(span_y * (1 + 2 * pad) * scale)
    cx, cy = (min_x + max_x) / 2, (min_y + max_y) / 2

    def to_px(x: float, y: float) -> tuple[float, float]:
        return round(MAP_WIDTH / 2 + (x - cx) * scale, 1), round(height / 2 - (y - cy) * scale, 1)

    paths = []
    for line in lines:
        lx, ly = tr.transform(*zip(*[c[:2] for c in line.coords], strict=True))
        pts = [to_px(x, y) for x, y in zip(lx, ly, strict=True)]
        paths.append("M" + " L".join(f"{x},{y}" for x, y in pts))
    n_stops = len(stops)
    stop_marks = [(*to_px(xs[i], ys[i]), s.seq, s.name) for i, s in enumerate(stops)]
    finding_px = [to_px(xs[n_stops + i], ys[n_stops + i]) for i in range(len(rows))]
    numbered = len(rows) <= MAX_NUMBERED_MARKERS
    labels = _declutter(finding_px, MARKER_R) if numbered else finding_px
    markers = [
        MapMarker(x, y, lx, ly, row.number, row.polarity)
        for (x, y), (lx, ly), row in zip(finding_px, labels, rows, strict=True)
    ]
    length = _nice_length(span_x / 4)
    return MapSvg(MAP_WIDTH, height, paths, stop_marks, markers, numbered, length, round(length * scale, 1))


def map_json(route, stops, rows: list[FindingRow]) -> dict:  # noqa: ANN001 - shapely line / StopRow list
    """Route, stops and numbered findings as GeoJSON for the on-screen Leaflet map."""
    return {
        "route": geojson.feature(route, {}) if route is not None else None,
        "stops": geojson.feature_collection(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                "properties": {"seq": s.seq, "name": s.name},
            }
            for s in stops
        ),
        "findings": geojson.feature_collection(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
                "properties": {"number": r.number, "category_name": r.category_name, "polarity": r.polarity},
            }
            for r in rows
        ),
    }


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
    rows = list(iter_findings(walk, crs.SWEREF99_TM, locale, audience="external" if public else "internal"))
    by_id = {row.id: row for row in rows}
    photos = _photos_by_finding(walk, public, by_id)
    actions = [ActionRow(row, photos.get(row.id, [])) for row in rows]
    stops = stop_rows(walk)
    route = convert.to_geom(walk.route.geom_el) if walk.route else None
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
    pdf_args: dict | None = None,
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


# --------------------------------------------------------------------------- published versions


def published_versions(walk: Walk) -> list[ProtocolVersion]:
    """The walk's published public versions, newest first."""
    return list(
        db.session.scalars(
            select(ProtocolVersion)
            .where(ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public")
            .order_by(ProtocolVersion.number.desc())
        )
    )


def published_version(walk: Walk, number: int | None = None) -> ProtocolVersion:
    """Published public version ``number`` (or the latest); NotFound if there is none."""
    stmt = select(ProtocolVersion).where(
        ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public"
    )
    stmt = (
        stmt.where(ProtocolVersion.number == number)
        if number is not None
        else stmt.order_by(ProtocolVersion.number.desc()).limit(1)
    )
    version = db.session.scalar(stmt)
    if version is None:
        raise NotFound(N_("The protocol of this walk has not been published yet."), code="not_published")
    return version


def publish(walk: Walk, user_id: int | None, locale: str = "sv") -> ProtocolVersion:
    """Publish the public protocol as a new numbered, dated version (1, 2, …) with its HTML snapshot.

    The version's PDF is queued in the same transaction and rendered by the worker.
    """
    number = (
        db.session.scalar(
            select(func.max(ProtocolVersion.number)).where(
                ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public"
            )
        )
        or 0
    ) + 1
    now = utcnow()
    html = render_document(build_protocol(walk, "public", locale, version_number=number, published_at=now))
    version = ProtocolVersion(
        walk_id=walk.id,
        audience="public",
        number=number,
        published_at=now,
        published_by_id=user_id,
        html=html,
    )
    db.session.add(version)
    pdf = protocol_pdf.add_version_pdf(version, walk, locale, user_id)
    if walk.status != "closed":
        walk.status = "published"
    events.record("protocol_published", walk_id=walk.id, user_id=user_id, number=number)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        message = N_("Someone published this protocol at the same moment; reload and try again.")
        raise Conflict(message) from None
    if pdf is not None:
        protocol_pdf.start(pdf)  # rendered once, in the job queue; pages say "being prepared" until then
    return version


# --------------------------------------------------------------------------- photos and PDF


def photo_bytes(walk: Walk, sha256: str, *, staff: bool) -> bytes:
    """The stored image ``sha256`` if it belongs to the walk and the viewer may see it.

    Staff see every photo of the walk. Everyone else only the published rendition of a photo approved for
    publication (services.photo_visibility), once the walk has a published protocol.
    """
    if not staff and not published_versions(walk):
        raise NotFound(N_("There is no such photo."))  # nothing is public before the first publication
    stmt = select(Photo.id).join(Finding, Photo.finding_id == Finding.id).where(Finding.walk_id == walk.id)
    if staff:
        stmt = stmt.where(
            (Photo.sha256 == sha256) | (Photo.thumb_sha256 == sha256) | (Photo.blurred_sha256 == sha256)
            | (Photo.published_sha256 == sha256)
        )
    else:
        stmt = stmt.where(photo_visibility.external_condition(), Photo.published_sha256 == sha256)
    data = photo_store().get(sha256) if db.session.scalar(stmt.limit(1)) is not None else None
    if data is None:
        raise NotFound(N_("There is no such photo."))
    return data


def pdf_bytes(
    page_html: str, walk: Walk, *, staff: bool, progress: Callable[[str], None] | None = None
) -> bytes:
    """Render a protocol page to PDF with WeasyPrint, fetching only our static files and the walk's photos.

    Refused with ValidationError (``pdf_too_large``) for walks above PROTOCOL_PDF_MAX_FINDINGS.
    ``progress`` hears ``"fetched"`` after each file WeasyPrint loads and ``"laid_out"`` before writing.
    Takes seconds to minutes: only the job queue (and the CLI) call it, never a request.
    """
    ensure_pdf_possible(walk)
    from weasyprint import HTML
    from weasyprint.urls import URLFetcherResponse

    static_root = Path(current_app.static_folder or "")
    static_prefix = (current_app.static_url_path or "/static").rstrip("/") + "/"
    photo_prefix = f"/walks/{walk.slug}/protocol/photos/"

    def fetch(url: str) -> URLFetcherResponse:
        path = urlsplit(url).path
        if path.startswith(static_prefix):
            target = safe_join(str(static_root), path[len(static_prefix) :])
            if target and Path(target).is_file():
                kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
                return URLFetcherResponse(url, Path(target).read_bytes(), {"Content-Type": kind})
        elif path.startswith(photo_prefix):
            sha = path[len(photo_prefix) :].removesuffix(".jpg")
            return URLFetcherResponse(
                url, photo_bytes(walk, sha, staff=staff), {"Content-Type": "image/jpeg"}
            )
        raise ValueError(f"not fetched for the PDF: {url}")

    def fetch_reporting(url: str) -> URLFetcherResponse:
        try:
            return fetch(url)
        finally:
            if progress is not None:
                progress("fetched")

    document = HTML(
        string=page_html, base_url=current_app.config["PUBLIC_URL"] + "/", url_fetcher=fetch_reporting
    ).render()
    if progress is not None:
        progress("laid_out")
    return document.write_pdf()


def local_date(value: datetime | None) -> date | None:
    return value.astimezone(STOCKHOLM).date() if value else None
