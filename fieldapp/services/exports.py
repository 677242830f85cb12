"""Gather a walk's data for exports and the protocol: plain rows, streamed from the database in batches.

Findings are numbered 1…n in the order they were made (created_at, id). Merged duplicates count as
confirmations of their canonical finding; hidden findings are left out. Coordinates stay WGS84 in the
database and are transformed here, batch by batch, to the requested CRS.

Every export has an audience (DESIGN §15): ``internal`` (staff: everything, internal notes included) or
``external`` (responsible parties, the public: no internal notes, nothing about participants, only photos
approved for publication, as their published rendition — see services.photo_visibility).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from flask import current_app
from flask_babel import format_number, gettext
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fieldapp.errors import N_, NotFound, ValidationError
from fieldapp.exporters import EXPORTERS, Exporter
from fieldapp.exporters.base import crs_name, photo_file_name
from fieldapp.extensions import db
from fieldapp.models import Category, Finding, Measure, Photo, ProtocolVersion, ResponsibleParty, Walk
from fieldapp.services import photo_visibility
from gis import convert, crs

BATCH_SIZE = 2000
AUDIENCES = photo_visibility.AUDIENCES


def check_audience(audience: str | None) -> str:
    """``internal`` or ``external`` (ValidationError otherwise); no value means internal (staff's own use)."""
    if audience in (None, ""):
        return "internal"
    if audience not in AUDIENCES:
        raise ValidationError(
            N_("There is no audience “%(audience)s”. Choose internal or external."), code="unknown_audience",
            params={"audience": audience},
        )
    return audience


@dataclass(frozen=True)
class StopRow:
    """A numbered stop of the walk (WGS84 lon/lat)."""

    seq: int
    name: str
    lon: float
    lat: float


@dataclass(slots=True)
class FindingRow:
    """One (canonical, visible) finding with its measure, ready for any export format.

    ``easting``/``northing`` are in ``crs_epsg`` (a metric SWEREF 99 system, or lon/lat for 4326).
    ``stop_*`` is the stop the finding was made at, or else the nearest stop (``at_stop`` False).
    ``_batch_rows`` builds it positionally: keep the field order in step with it.
    """

    number: int
    id: int
    uuid: str
    category_code: str
    category_name: str
    polarity: str
    felt_safety: int | None
    lighting_check: str | None
    note: str
    internal_note: str
    position_source: str
    accuracy_m: float | None
    created_at: datetime | None
    lon: float
    lat: float
    easting: float
    northing: float
    crs_epsg: int
    stop_seq: int | None
    stop_name: str
    at_stop: bool
    stop_distance_m: float | None
    confirmations: int
    photo_count: int
    proposal: str = ""
    responsible: str = ""
    priority: str = ""
    deadline: date | None = None
    status: str = ""
    status_reason: str = ""
    public_answer: str = ""
    arrival: str = "on_time"  # "late": synced after the walk was marked done (services/late_sync.py)

    @property
    def photo_files(self) -> str:
        """The zip's file names of this finding's photos, separated by '; ' (empty without photos)."""
        return "; ".join(photo_file_name(self.number, i) for i in range(1, self.photo_count + 1))


@dataclass(frozen=True)
class PhotoRef:
    """A photo of a finding (or of a duplicate merged into it), by stored sha256."""

    finding_id: int
    uuid: str
    sha256: str
    thumb_sha256: str
    blurred_sha256: str | None
    publishable: bool
    alt_text: str
    publication: str = "internal"
    published_sha256: str | None = None
    originals_purged: bool = False

    def key(self, audience: str) -> str | None:
        """The stored file this photo is exported as for ``audience`` (None: left out)."""
        return photo_visibility.export_key(
            publication=self.publication, published=self.published_sha256, blurred=self.blurred_sha256,
            original=self.sha256, originals_purged=self.originals_purged, audience=audience,
        )


@dataclass
class WalkExport:
    """Everything an exporter needs; the finding rows are re-iterable (each call queries again)."""

    slug: str
    title: str
    area_name: str
    municipality: str
    starts_at: datetime | None
    crs_epsg: int
    findings_crs: int
    route: BaseGeometry | None
    stops: list[StopRow]
    findings: Callable[[], Iterator[FindingRow]]
    # (photo, bytes or None when the file is missing): every exported photo is yielded, so the zip's
    # file names stay in step with the photo-file column.
    photos: Callable[[], Iterator[tuple[PhotoRef, bytes | None]]] = field(default=lambda: iter(()))
    audience: str = "internal"
    protocol_pdf: Callable[[], bytes] | None = None
    protocol_pdf_omitted: str | None = None  # why the zip has no protocol PDF (see pdf_refusal)


def exporter_for(fmt: str) -> Exporter:
    """The exporter registered under ``fmt`` or NotFound listing the formats there are."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise NotFound(
            N_("There is no export format “%(format)s”. Choose one of: %(formats)s."),
            params={"format": fmt, "formats": ", ".join(EXPORTERS)},
            code="unknown_format",
        )
    return exporter


def export_crs(exporter: Exporter, requested: str | int | None) -> int:
    """The CRS to export in: the format's default, or ``requested`` if valid and allowed by the format."""
    if requested is None or requested == "":
        return exporter.default_crs
    code = crs.check_export_crs(requested)
    if code not in exporter.crs_choices:
        allowed = ", ".join(f"EPSG:{c}" for c in exporter.crs_choices)
        raise ValidationError(
            N_("%(format)s can be exported in %(allowed)s only, not EPSG:%(code)s."), code="crs_not_allowed",
            params={"format": exporter.label, "allowed": allowed, "code": code},
        )
    return code


def stop_rows(walk: Walk) -> list[StopRow]:
    """The walk's stops in order."""
    rows = []
    for stop in walk.stops:
        point = convert.to_geom(stop.geom_el)
        rows.append(StopRow(seq=stop.seq, name=stop.name, lon=point.x, lat=point.y))
    return rows


def _confirmations_subquery(walk_id: int):
    """(canonical id, number of visible duplicates merged into it) — one grouped pass, joined once."""
    merged = aliased(Finding)
    return (
        select(merged.canonical_id.label("finding_id"), func.count(merged.id).label("n"))
        .where(merged.walk_id == walk_id, merged.canonical_id.is_not(None), merged.hidden.is_(False))
        .group_by(merged.canonical_id)
        .subquery()
    )


def _exported_photos(audience: str):
    """SQL condition on Photo: exported to ``audience`` (the rows export_key gives a file for)."""
    if audience == "external":
        return and_(Photo.publication == "approved", Photo.published_sha256.is_not(None))
    return (Photo.originals_purged_at.is_(None)) | (Photo.published_sha256.is_not(None))


def _photo_count_subquery(walk_id: int, audience: str):
    """(canonical id, number of the photos of it and of its merged duplicates exported to ``audience``)."""
    owner = aliased(Finding)
    canonical = func.coalesce(owner.canonical_id, owner.id)
    conditions = [
        owner.walk_id == walk_id, Photo.hidden.is_(False), owner.hidden.is_(False), _exported_photos(audience)
    ]
    return (
        select(canonical.label("finding_id"), func.count(Photo.id).label("n"))
        .join(owner, Photo.finding_id == owner.id)
        .where(*conditions)
        .group_by(canonical)
        .subquery()
    )


def _visible(walk_id: int):
    return and_(Finding.walk_id == walk_id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))


def count_findings(walk: Walk) -> int:
    """Number of visible canonical findings (the rows of every export)."""
    return db.session.scalar(select(func.count(Finding.id)).where(_visible(walk.id))) or 0


@dataclass(frozen=True)
class _Lookups:
    """Small per-walk tables read once, so the row query joins nothing but the measure."""

    stops: list[StopRow]
    stop_seq: dict[int, int]  # stop id → seq
    category: dict[int, tuple[str, str]]  # category id → (code, name in the export's language)
    responsible: dict[int, str]  # responsible party id → name
    confirmations: dict[int, int]  # canonical finding id → merged duplicates
    photo_counts: dict[int, int]  # canonical finding id → visible photos


def _pairs(stmt) -> dict:  # noqa: ANN001 - a two-column select
    return {key: value for key, value in db.session.execute(stmt)}


def _lookups(walk: Walk, locale: str, audience: str) -> _Lookups:
    name = Category.name_en if locale == "en" else Category.name_sv
    categories = select(Category.id, Category.code, name)
    return _Lookups(
        stops=stop_rows(walk),
        stop_seq={stop.id: stop.seq for stop in walk.stops},
        category={cid: (code, text) for cid, code, text in db.session.execute(categories)},
        responsible=_pairs(select(ResponsibleParty.id, ResponsibleParty.name)),
        # Counts come from two small grouped queries read into dicts: joining them as subqueries made
        # SQLite rescan the materialised counts for every row.
        confirmations=_pairs(select(*_confirmations_subquery(walk.id).c)),
        photo_counts=_pairs(select(*_photo_count_subquery(walk.id, audience).c)),
    )


def pdf_refusal(walk: Walk, count: int | None = None) -> str | None:
    """Why the walk's protocol cannot be made as a PDF (too many findings), or None when it can.

    ``count`` is the walk's number of findings when the caller already has it.
    """
    limit = current_app.config["PROTOCOL_PDF_MAX_FINDINGS"]
    count = count_findings(walk) if count is None else count
    if count <= limit:
        return None
    return gettext(
        "This walk has %(count)s findings; the PDF protocol is made for walks with up to %(limit)s "
        "(a larger one would take many minutes and gigabytes of memory to lay out). The web page of the "
        "protocol can be printed, and the complete action list is in the XLSX and CSV exports.",
        count=format_number(count),
        limit=format_number(limit),
    )


def ensure_pdf_possible(walk: Walk) -> None:
    """ValidationError (``pdf_too_large``) when the walk has too many findings for a PDF protocol."""
    refusal = pdf_refusal(walk)
    if refusal is not None:
        raise ValidationError(refusal, code="pdf_too_large")


def iter_findings(
    walk: Walk,
    crs_epsg: int = crs.SWEREF99_TM,
    locale: str = "sv",
    *,
    audience: str = "internal",
    batch_size: int = BATCH_SIZE,
) -> Iterator[FindingRow]:
    """The walk's visible canonical findings, numbered, with measure; streamed in batches.

    For the ``external`` audience the internal note is left empty and photo counts cover approved photos.

    Positions are read as plain numbers (ST_X/ST_Y, the same on SpatiaLite and PostGIS) rather than as
    geometry elements: for a point that is all there is, and it saves ~25 µs a row on large exports.
    """
    lookups = _lookups(walk, locale, audience)
    stmt = (
        select(
            Finding.id,
            Finding.uuid,
            func.ST_X(Finding.geom_el),
            func.ST_Y(Finding.geom_el),
            Finding.accuracy_m,
            Finding.position_source,
            Finding.polarity,
            Finding.felt_safety,
            Finding.lighting_check,
            Finding.note,
            Finding.internal_note,
            Finding.created_at,
            Finding.category_id,
            Finding.stop_id,
            Measure.proposal,
            Measure.priority,
            Measure.deadline,
            Measure.status,
            Measure.status_reason,
            Measure.public_answer,
            Measure.responsible_party_id,
            Finding.arrival,
        )
        .outerjoin(Measure, Measure.finding_id == Finding.id)
        .where(_visible(walk.id))
        .order_by(Finding.created_at, Finding.id)
        .execution_options(yield_per=batch_size)
    )
    # Executed on the session's connection (Core), not through the ORM: the rows are plain tuples either
    # way, and the ORM's per-row loading step cost ~0.4 s per 100k findings.
    result = db.session.connection().execute(stmt)
    number = 0
    for batch in result.partitions():
        rows = _batch_rows(batch, number, crs_epsg, lookups, external=audience == "external")
        number += len(rows)
        yield from rows


def _batch_rows(batch, start: int, crs_epsg: int, lookups: _Lookups, *, external: bool) -> list[FindingRow]:
    lon = np.fromiter((row[2] for row in batch), float, len(batch))
    lat = np.fromiter((row[3] for row in batch), float, len(batch))
    if crs_epsg == crs.WGS84:
        east, north = lon, lat
    else:
        east, north = crs.transformer(crs.WGS84, crs_epsg).transform(lon, lat)
    nearest, distance = _nearest_stops(lon, lat, lookups.stops)
    distances = distance.tolist() if distance is not None else None
    lon, lat, east, north = lon.tolist(), lat.tolist(), np.asarray(east).tolist(), np.asarray(north).tolist()
    names = {s.seq: s.name for s in lookups.stops}
    stop_seq, category, responsible = lookups.stop_seq, lookups.category, lookups.responsible
    confirmations, photo_counts = lookups.confirmations, lookups.photo_counts
    rows = []
    for i, (
        fid, uuid, _x, _y, accuracy, source, polarity, felt, lighting, note, internal, created, category_id,
        stop_id, proposal, priority, deadline, status, reason, answer, party_id, arrival,
    ) in enumerate(batch):
        at_stop = stop_id is not None
        seq = stop_seq.get(stop_id) if at_stop else nearest[i]
        code, category_name = category[category_id]
        # Positional, in field order: this loop runs once per finding of a 100k export.
        rows.append(
            FindingRow(
                start + i + 1, fid, uuid, code, category_name, polarity, felt, lighting,
                note or "", "" if external else internal or "", source, accuracy, created,
                lon[i], lat[i], east[i], north[i],
                crs_epsg, seq, names.get(seq, "") if seq is not None else "", at_stop,
                None if at_stop or distances is None else distances[i],
                confirmations.get(fid, 0), photo_counts.get(fid, 0), proposal or "",
                responsible.get(party_id, "") if party_id is not None else "",
                priority or "", deadline, status or "", reason or "", answer or "", arrival,
            )
        )
    return rows


def _nearest_stops(
    lon: np.ndarray, lat: np.ndarray, stops: list[StopRow]
) -> tuple[list[int | None], np.ndarray | None]:
    """Sequence number of and distance in metres to the nearest stop, per point (SWEREF 99 TM)."""
    if not stops or len(lon) == 0:
        return [None] * len(lon), None
    tr = crs.transformer(crs.WGS84, crs.SWEREF99_TM)
    px, py = tr.transform(lon, lat)
    sx, sy = tr.transform(np.array([s.lon for s in stops]), np.array([s.lat for s in stops]))
    dist = np.hypot(px[:, None] - sx[None, :], py[:, None] - sy[None, :])
    best = dist.argmin(axis=1)
    seqs = [stops[k].seq for k in best]
    return seqs, dist[np.arange(len(best)), best]


def iter_photos(walk: Walk, *, audience: str = "internal") -> Iterator[PhotoRef]:
    """Photos of the walk's visible findings exported to ``audience`` (merged duplicates' photos under their
    canonical finding)."""
    canonical = func.coalesce(Finding.canonical_id, Finding.id)
    stmt = (
        select(
            canonical,
            Photo.uuid,
            Photo.sha256,
            Photo.thumb_sha256,
            Photo.blurred_sha256,
            Photo.publishable,
            Photo.alt_text,
            Photo.publication,
            Photo.published_sha256,
            Photo.originals_purged_at,
        )
        .join(Finding, Photo.finding_id == Finding.id)
        .where(
            Finding.walk_id == walk.id, Finding.hidden.is_(False), Photo.hidden.is_(False),
            _exported_photos(audience),
        )
        .order_by(canonical, Photo.id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    hidden_canonicals = set(
        db.session.scalars(select(Finding.id).where(Finding.walk_id == walk.id, Finding.hidden.is_(True)))
    )
    for row in db.session.execute(stmt):
        if row[0] in hidden_canonicals:
            continue
        yield PhotoRef(
            finding_id=row[0],
            uuid=row[1],
            sha256=row[2],
            thumb_sha256=row[3],
            blurred_sha256=row[4],
            publishable=row[5],
            alt_text=row[6] or "",
            publication=row[7],
            published_sha256=row[8],
            originals_purged=row[9] is not None,
        )


def build_export(
    walk: Walk,
    fmt: str,
    requested_crs: str | int | None,
    locale: str = "sv",
    protocol_pdf: Callable[[], bytes] | None = None,
    protocol_pdf_omitted: str | None = None,
    audience: str | None = "internal",
) -> tuple[Exporter, WalkExport]:
    """Validate format, CRS and audience and describe the export; the rows are only read when it is written.

    ``protocol_pdf`` gives the zip's PDF, of the same audience (the published public version for
    ``external``); ``protocol_pdf_omitted`` says why there is none (the walk's own PDF refusal wins).
    """
    from fieldapp.storage import photo_store

    audience = check_audience(audience)
    exporter = exporter_for(fmt)
    crs_epsg = export_crs(exporter, requested_crs)
    row_crs = crs_epsg if crs_epsg != crs.WGS84 or not exporter.metric_rows else crs.SWEREF99_TM
    route = convert.to_geom(walk.route.geom_el) if walk.route else None
    refusal = pdf_refusal(walk) if protocol_pdf is not None else None
    store = photo_store()

    def photos() -> Iterator[tuple[PhotoRef, bytes | None]]:
        for ref in iter_photos(walk, audience=audience):
            key = ref.key(audience)
            yield ref, store.get(key) if key else None

    data = WalkExport(
        slug=walk.slug,
        title=walk.title,
        area_name=walk.area_name,
        municipality=walk.municipality,
        starts_at=walk.starts_at,
        crs_epsg=crs_epsg,
        findings_crs=row_crs,
        route=route,
        stops=stop_rows(walk),
        findings=lambda: iter_findings(walk, row_crs, locale, audience=audience),
        photos=photos,
        audience=audience,
        protocol_pdf=protocol_pdf if refusal is None else None,
        protocol_pdf_omitted=refusal or protocol_pdf_omitted,
    )
    return exporter, data


@dataclass(frozen=True)
class FormatChoice:
    """One download on the exports page: format, label, and the CRS it can be written in."""

    name: str
    label: str
    crs_choices: list[tuple[int, str]]
    default_crs: int


@dataclass(frozen=True)
class ExportsPage:
    finding_count: int
    formats: list[FormatChoice]
    versions: list[ProtocolVersion]
    pdf_refusal: str | None  # why there is no PDF for this walk, or None


def exports_page(walk: Walk) -> ExportsPage:
    """What the staff exports page lists: the formats with their CRS choices and the published versions."""
    formats = [
        FormatChoice(
            e.name, e.label, [(c, f"{crs_name(c)} (EPSG:{c})") for c in e.crs_choices], e.default_crs
        )
        for e in EXPORTERS.values()
    ]
    versions = list(
        db.session.scalars(
            select(ProtocolVersion)
            .where(ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public")
            .order_by(ProtocolVersion.number.desc())
        )
    )
    count = count_findings(walk)
    return ExportsPage(count, formats, versions, pdf_refusal(walk, count))
