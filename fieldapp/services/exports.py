"""Gather a walk's data for exports and the protocol: plain rows, streamed from the database in batches.

Findings are numbered 1…n in the order they were made (created_at, id). Merged duplicates count as
confirmations of their canonical finding; hidden findings are left out. Coordinates stay WGS84 in the
database and are transformed here, batch by batch, to the requested CRS.

Every export has an audience (DESIGN §15): ``internal`` (staff: everything, internal notes included) or
``external`` (responsible parties, the public: no internal notes, nothing about participants, only photos
approved for publication, as their published rendition — see services.photo_visibility).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString
from sqlalchemy import ColumnElement, Row, Select, Subquery, and_, func, select
from sqlalchemy.orm import aliased

from fieldapp import finding_rules, municipality
from fieldapp.errors import N_, NotFound, ValidationError
from fieldapp.exporters import EXPORTERS, Exporter
from fieldapp.exporters.base import crs_name
from fieldapp.exporters.rows import FindingRow, PhotoRef, StopRow, WalkExport
from fieldapp.extensions import db
from fieldapp.models import Category, Finding, Measure, Photo, ProtocolVersion, ResponsibleParty, Walk
from fieldapp.services import counting, photo_visibility, protocol_pdf
from gis import convert, crs

BATCH_SIZE = 2000
NEAR_STOP_M = 150.0  # farther from every stop, a finding is placed "between stop 2 and 3" along the route
AUDIENCES = photo_visibility.AUDIENCES
K = TypeVar("K")
V = TypeVar("V")


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


def default_crs(exporter: Exporter) -> int:
    """The format's default CRS; a metric default is the municipality's SWEREF 99 zone (TM or local)."""
    local_zone = municipality.current().sweref_epsg
    return local_zone if exporter.default_crs == crs.SWEREF99_TM else exporter.default_crs


def export_crs(exporter: Exporter, requested: str | int | None) -> int:
    """The CRS to export in: the format's default, or ``requested`` if valid and allowed by the format."""
    if requested is None or requested == "":
        return default_crs(exporter)
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
        point = convert.to_point(stop.geom_el)
        rows.append(StopRow(seq=stop.seq, name=stop.name, lon=point.x, lat=point.y))
    return rows


def _exported_photos(audience: str) -> ColumnElement[bool]:
    """SQL condition on Photo: exported to ``audience`` (the rows export_key gives a file for)."""
    if audience == "external":
        return and_(Photo.publication == "approved", Photo.published_sha256.is_not(None))
    return (Photo.originals_purged_at.is_(None)) | (Photo.published_sha256.is_not(None))


def _photo_count_subquery(walk_id: int, audience: str) -> Subquery:
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


@dataclass(frozen=True)
class _Lookups:
    """Small per-walk tables read once, so the row query joins nothing but the measure."""

    stops: list[StopRow]
    stop_seq: dict[int, int]  # stop id → seq
    category: dict[int, tuple[str, str]]  # category id → (code, name in the export's language)
    responsible: dict[int, str]  # responsible party id → name
    merged: dict[int, int]  # canonical finding id → visible findings merged into it
    photo_counts: dict[int, int]  # canonical finding id → visible photos
    route_m: LineString | MultiLineString | None  # the route in SWEREF 99 TM
    stops_along: list[tuple[float, int]]  # (metres along the route, stop seq), in route order


def _pairs(stmt: Select[K, V]) -> dict[K, V]:
    """A two-column select as a dict: first column → second."""
    return {key: value for key, value in db.session.execute(stmt)}


def _lookups(walk: Walk, locale: str, audience: str) -> _Lookups:
    name = Category.name_en if locale == "en" else Category.name_sv
    categories = select(Category.id, Category.code, name)
    photo_counts = _photo_count_subquery(walk.id, audience)
    route_m, stops_along = _route_stations(walk)
    return _Lookups(
        stops=stop_rows(walk),
        stop_seq={stop.id: stop.seq for stop in walk.stops},
        category={cid: (code, text) for cid, code, text in db.session.execute(categories)},
        responsible=_pairs(select(ResponsibleParty.id, ResponsibleParty.name)),
        # Counts come from two small grouped queries read into dicts: joining them as subqueries made
        # SQLite rescan the materialised counts for every row.
        merged=counting.merged_counts(walk.id),
        photo_counts=_pairs(select(photo_counts.c.finding_id, photo_counts.c.n)),
        route_m=route_m,
        stops_along=stops_along,
    )


def _route_stations(walk: Walk) -> tuple[LineString | MultiLineString | None, list[tuple[float, int]]]:
    """The route in SWEREF 99 TM and where along it each stop lies (for "between stop 2 and 3")."""
    if walk.route is None or len(walk.stops) < 2:
        return None, []
    route_m = crs.transform(convert.to_line(walk.route.geom_el), crs.WGS84, crs.SWEREF99_TM)
    stops = stop_rows(walk)
    x, y = crs.transformer(crs.WGS84, crs.SWEREF99_TM).transform(
        np.array([s.lon for s in stops]), np.array([s.lat for s in stops])
    )
    along = shapely.line_locate_point(route_m, shapely.points(x, y))
    stations = sorted(zip(along.tolist(), (s.seq for s in stops), strict=True))
    return route_m, stations


def _between_stops(
    east: np.ndarray, north: np.ndarray, far: np.ndarray, lookups: _Lookups
) -> list[tuple[int | None, int | None] | None]:
    """For points farther than NEAR_STOP_M from every stop: the stops before and after them along the route
    ((None, first) before the first stop, (last, None) after the last); None where not far or no route."""
    result: list[tuple[int | None, int | None] | None] = [None] * len(east)
    if lookups.route_m is None or not far.any():
        return result
    index = np.flatnonzero(far)
    along = shapely.line_locate_point(lookups.route_m, shapely.points(east[index], north[index]))
    stations = np.array([a for a, _ in lookups.stops_along])
    seqs = [seq for _, seq in lookups.stops_along]
    slots = np.searchsorted(stations, along, side="right")
    for k, slot in zip(index.tolist(), slots.tolist(), strict=True):
        before = seqs[slot - 1] if slot > 0 else None
        after = seqs[slot] if slot < len(seqs) else None
        result[k] = (before, after)
    return result


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
            *(getattr(Finding, column) for column in finding_rules.FELT_SAFETY_COLUMNS.values()),
        )
        .outerjoin(Measure, Measure.finding_id == Finding.id)
        .where(counting.visible_findings(walk.id))
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


def _batch_rows(
    batch: Sequence[Row[*tuple[Any, ...]]], start: int, crs_epsg: int, lookups: _Lookups, *,
    external: bool,
) -> list[FindingRow]:
    lon = np.fromiter((row[2] for row in batch), np.float64, len(batch))
    lat = np.fromiter((row[3] for row in batch), np.float64, len(batch))
    if crs_epsg == crs.WGS84:
        east, north = lon, lat
    else:
        east, north = crs.transformer(crs.WGS84, crs_epsg).transform(lon, lat)
    nearest, distance = _nearest_stops(lon, lat, lookups.stops)
    distances = distance.tolist() if distance is not None else None
    at_stop_mask = np.array([row[13] is not None for row in batch], dtype=np.bool_)
    if distance is not None and lookups.route_m is not None:
        metric_x, metric_y = (
            (np.asarray(east), np.asarray(north)) if crs_epsg == crs.SWEREF99_TM
            else crs.transformer(crs.WGS84, crs.SWEREF99_TM).transform(lon, lat)
        )
        between = _between_stops(metric_x, metric_y, (distance > NEAR_STOP_M) & ~at_stop_mask, lookups)
    else:
        between = [None] * len(batch)
    lon, lat, east, north = lon.tolist(), lat.tolist(), np.asarray(east).tolist(), np.asarray(north).tolist()
    names = {s.seq: s.name for s in lookups.stops}
    stop_seq, category, responsible = lookups.stop_seq, lookups.category, lookups.responsible
    merged, photo_counts = lookups.merged, lookups.photo_counts
    rows = []
    for i, (
        fid, uuid, _x, _y, accuracy, source, polarity, felt, lighting, note, internal, created, category_id,
        stop_id, proposal, priority, deadline, status, reason, answer, party_id, arrival, *felt_columns,
    ) in enumerate(batch):
        felt, felt_scale = finding_rules.felt_answer(felt_columns) or (None, None)
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
                counting.confirmations_from(merged.get(fid, 0)), photo_counts.get(fid, 0), proposal or "",
                responsible.get(party_id, "") if party_id is not None else "",
                priority or "", deadline, status or "", reason or "", answer or "", arrival, between[i],
                felt_scale,
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


def _archive_pdf(
    walk: Walk,
    exporter: Exporter,
    locale: str,
    audience: str,
    user_id: int | None,
    admit: Callable[[], AbstractContextManager[object]],
    render_now: bool,
) -> tuple[Callable[[], bytes] | None, str | None]:
    """(the PDF's bytes, None) or (None, why there is none) for an export that carries the protocol."""
    if not exporter.includes_protocol_pdf:
        return None, None
    if not render_now:
        return protocol_pdf.archive_pdf(walk, locale, user_id, audience=audience, admit=admit)
    refusal = protocol_pdf.pdf_refusal(walk)
    if refusal is not None:
        return None, refusal
    version = "public" if audience == "external" else "internal"
    return (lambda: protocol_pdf.render_now(walk, version, locale)), None


def build_export(
    walk: Walk,
    fmt: str,
    requested_crs: str | int | None,
    locale: str = "sv",
    audience: str | None = "internal",
    *,
    user_id: int | None = None,
    admit: Callable[[], AbstractContextManager[object]] = nullcontext,
    render_pdf_now: bool = False,
) -> tuple[Exporter, WalkExport]:
    """Validate format, CRS and audience and describe the export; the rows are only read when it is written.

    A zip carries the protocol PDF of the same audience (services.protocol_pdf.archive_pdf: the stored
    internal draft, queued inside ``admit()`` for ``user_id`` when missing, or the published public
    version for ``external``); when there is none, the zip's README says why. ``render_pdf_now``: the
    current protocol is rendered in this process instead (the CLI and benchmarks, which have no worker).
    """
    from fieldapp.storage import photo_store

    audience = check_audience(audience)
    exporter = exporter_for(fmt)
    crs_epsg = export_crs(exporter, requested_crs)
    rows_in_export_crs = crs_epsg != crs.WGS84 or not exporter.metric_rows
    row_crs = crs_epsg if rows_in_export_crs else municipality.current().sweref_epsg
    route = convert.to_line(walk.route.geom_el) if walk.route else None
    pdf, omitted = _archive_pdf(walk, exporter, locale, audience, user_id, admit, render_pdf_now)
    store = photo_store()

    def photos() -> Iterator[tuple[PhotoRef, bytes | None]]:
        for ref in iter_photos(walk, audience=audience):
            key = ref.key(audience)
            yield ref, store.get(key) if key else None

    data = WalkExport(
        slug=walk.slug,
        title=walk.title,
        area_name=walk.area_name,
        municipality=walk.municipality or municipality.current().name,
        starts_at=walk.starts_at,
        crs_epsg=crs_epsg,
        findings_crs=row_crs,
        route=route,
        stops=stop_rows(walk),
        findings=lambda: iter_findings(walk, row_crs, locale, audience=audience),
        photos=photos,
        audience=audience,
        protocol_pdf=pdf,
        protocol_pdf_omitted=omitted,
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
            e.name, e.label, [(c, f"{crs_name(c)} (EPSG:{c})") for c in e.crs_choices], default_crs(e)
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
    count = counting.count_findings(walk)
    return ExportsPage(count, formats, versions, protocol_pdf.pdf_refusal(walk, count))
