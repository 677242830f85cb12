"""Findings: create or update by the phone's UUID (idempotent), list a walk's findings."""
from __future__ import annotations

import math
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fieldapp.errors import N_, Conflict, Forbidden, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import (
    LIGHTING_CHECKS,
    POLARITIES,
    POSITION_SOURCES,
    Event,
    Finding,
    Photo,
    Stop,
    Walk,
    utcnow,
)
from fieldapp.services.categories import category_by_code
from gis import convert, geojson


@dataclass(frozen=True)
class FindingInput:
    """What a phone sends for one finding (already parsed, not yet validated)."""

    lon: float | None
    lat: float | None
    category: str
    polarity: str | None = None
    accuracy_m: float | None = None
    position_source: str = "gps"
    stop_seq: int | None = None
    felt_safety: int | None = None
    lighting_check: str | None = None
    note: str = ""
    created_at: datetime | None = None
    base_version: int | None = None


def parse_uuid(value: str) -> str:
    """Canonical lower-case UUID text, or ValidationError."""
    try:
        return str(uuid_lib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError("The id must be a UUID.", code="invalid_uuid") from None


def _position(walk: Walk, data: FindingInput) -> tuple[Point, Stop | None]:
    stop = None
    if data.stop_seq is not None:
        stop = next((s for s in walk.stops if s.seq == data.stop_seq), None)
        if stop is None:
            raise ValidationError(f"This walk has no stop number {data.stop_seq}.", code="unknown_stop")
    if data.lon is None or data.lat is None:
        if stop is None:
            raise ValidationError("Give a position (lon and lat) or a stop number.", code="no_position")
        return convert.to_geom(stop.geom_el), stop
    if not (math.isfinite(data.lon) and math.isfinite(data.lat)
            and -180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        raise ValidationError("The position is outside the map (lon −180…180, lat −90…90).", code="bad_position")
    return Point(data.lon, data.lat), stop


def _validate(data: FindingInput) -> None:
    if data.position_source not in POSITION_SOURCES:
        raise ValidationError("position_source must be gps, map or stop.")
    if data.polarity is not None and data.polarity not in POLARITIES:
        raise ValidationError("polarity must be unsafe or safe.")
    if data.felt_safety is not None and data.felt_safety not in (1, 2, 3):
        raise ValidationError("felt_safety must be 1, 2 or 3.")
    if data.lighting_check is not None and data.lighting_check not in LIGHTING_CHECKS:
        raise ValidationError(f"lighting_check must be one of {', '.join(LIGHTING_CHECKS)}.")
    if data.accuracy_m is not None and (not math.isfinite(data.accuracy_m) or data.accuracy_m < 0):
        raise ValidationError("accuracy_m must be a positive number of metres.")
    if len(data.note) > 5000:
        raise ValidationError("The note is too long (at most 5000 characters).")


def _category_for(walk: Walk, code: str):
    category = next((c for c in walk.categories if c.code == code), None)
    if category is None and not walk.categories:
        category = category_by_code(code)
    if category is None:
        raise ValidationError(f"Unknown category '{code}'.", code="unknown_category")
    return category


def _apply(finding: Finding, walk: Walk, data: FindingInput) -> None:
    """Copy validated input onto the finding (no commit)."""
    category = _category_for(walk, data.category)
    point, stop = _position(walk, data)
    finding.geom_el = convert.to_element(point)
    finding.stop_id = stop.id if stop else None
    finding.accuracy_m = data.accuracy_m
    finding.position_source = "stop" if (stop and data.lon is None) else data.position_source
    finding.category_id = category.id
    finding.polarity = data.polarity or category.polarity
    finding.felt_safety = data.felt_safety
    finding.lighting_check = data.lighting_check if category.code == "lighting" else None
    finding.note = data.note.strip()
    finding.created_at = data.created_at or finding.created_at or datetime.now(UTC)


def _snapshot(finding: Finding) -> tuple:
    return (convert.to_geom(finding.geom_el).wkb if finding.geom_el is not None else None, finding.stop_id,
            finding.accuracy_m, finding.position_source, finding.category_id, finding.polarity,
            finding.felt_safety, finding.lighting_check, finding.note,
            finding.created_at.astimezone(UTC) if finding.created_at else None)


def _check_writable(walk: Walk, finding: Finding | None, participant_id: int | None) -> None:
    if finding is None:
        return
    if finding.walk_id != walk.id:
        raise Conflict("This finding id belongs to another walk.", code="uuid_conflict")
    if finding.participant_id is not None and finding.participant_id != participant_id:
        raise Forbidden(N_("Only the person who added a finding can change it."), code="not_yours")


def save_finding(
    walk: Walk, finding_uuid: str, data: FindingInput, *, participant_id: int | None = None,
    is_demo: bool = False,
) -> tuple[Finding, bool]:
    """Create the finding with this UUID, or update it if it exists. Returns (finding, created).

    Repeating a request is harmless: the same content again changes nothing. An update based on
    an older version than the server's (``base_version``) raises Conflict with the current finding
    in ``details``. Findings of another walk or another participant are never touched.
    """
    finding_uuid = parse_uuid(finding_uuid)
    if not walk.accepts_findings and not is_demo:
        raise Forbidden(N_("This walk is closed; findings can no longer be added or changed."), code="walk_closed")
    _validate(data)
    finding = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
    _check_writable(walk, finding, participant_id)
    if finding is None:
        finding = Finding(uuid=finding_uuid, walk_id=walk.id, participant_id=participant_id,
                          received_at=utcnow(), is_demo=is_demo)
        _apply(finding, walk, data)
        db.session.add(finding)
        created = True
    else:
        before = _snapshot(finding)
        _apply(finding, walk, data)
        if _snapshot(finding) == before:
            db.session.rollback()  # a replay: nothing to change
            return db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid)), False
        if data.base_version is not None and data.base_version != finding.version:
            db.session.rollback()
            current = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
            raise Conflict(N_("This finding was changed elsewhere since you edited it."), code="version_conflict",
                           details={"current": finding_feature(current)})
        created = False
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        # A concurrent request with the same UUID won the race: the finding exists now.
        db.session.rollback()
        existing = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
        if existing is None or existing.walk_id != walk.id:
            raise Conflict("This finding id is already in use.", code="uuid_conflict") from None
        return existing, False
    return finding, created


def delete_own_finding(walk: Walk, finding_uuid: str, participant_id: int) -> None:
    """A participant withdraws their own finding (hidden, with an Event); repeating is harmless."""
    finding_uuid = parse_uuid(finding_uuid)
    finding = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
    if finding is None or finding.hidden:
        return
    if not walk.accepts_findings:
        raise Forbidden(N_("This walk is closed; findings can no longer be added or changed."), code="walk_closed")
    if finding.walk_id != walk.id or finding.participant_id != participant_id:
        raise Forbidden("Only the person who added a finding can delete it.", code="not_yours")
    finding.hidden = True
    db.session.add(Event(walk_id=walk.id, finding_id=finding.id, participant_id=participant_id,
                         kind="finding_withdrawn", data={"uuid": finding.uuid}))
    db.session.commit()


def finding_with_walk(finding_uuid: str) -> tuple[Walk, Finding]:
    """The finding with this UUID and its walk (NotFound if unknown or withdrawn)."""
    finding = db.session.scalar(select(Finding).where(Finding.uuid == parse_uuid(finding_uuid)))
    if finding is None or finding.hidden:
        raise NotFound("No such finding. Send the finding before its photos.", code="unknown_finding")
    return db.session.get(Walk, finding.walk_id), finding


def check_owner(finding: Finding, participant_id: int) -> None:
    if finding.participant_id != participant_id:
        raise Forbidden("Only the person who added a finding can add photos to it.", code="not_yours")


def visible_findings(walk: Walk) -> list[Finding]:
    """The walk's findings that are not hidden and not merged into another, oldest first."""
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))
            .order_by(Finding.created_at, Finding.id)
        )
    )


def photo_urls(photo: Photo) -> dict:
    """Where a photo's stored sizes are served (relative URLs; access is checked when served)."""
    return {"uuid": photo.uuid, "display_url": f"/photos/{photo.uuid}/display.jpg",
            "thumb_url": f"/photos/{photo.uuid}/thumb.jpg"}


def finding_feature(finding: Finding, locale: str = "sv") -> dict:
    """One finding as a GeoJSON Feature (WGS84)."""
    return geojson.feature(
        convert.to_geom(finding.geom_el),
        {
            "uuid": finding.uuid,
            "category": finding.category.code,
            "category_name": finding.category.name(locale),
            "polarity": finding.polarity,
            "felt_safety": finding.felt_safety,
            "lighting_check": finding.lighting_check,
            "note": finding.note,
            "stop": finding.stop.seq if finding.stop else None,
            "accuracy_m": finding.accuracy_m,
            "position_source": finding.position_source,
            "created_at": finding.created_at.isoformat() if finding.created_at else None,
            "photo_count": sum(1 for p in finding.photos if not p.hidden),
            "photos": [photo_urls(p) for p in finding.photos if not p.hidden],
            "version": finding.version,
            "is_demo": finding.is_demo,
        },
        id=finding.uuid,
    )


def count_by_walk() -> dict[int, int]:
    """Number of visible findings per walk id."""
    rows = db.session.execute(
        select(Finding.walk_id, func.count(Finding.id))
        .where(Finding.hidden.is_(False), Finding.canonical_id.is_(None))
        .group_by(Finding.walk_id)
    )
    return {walk_id: count for walk_id, count in rows}
