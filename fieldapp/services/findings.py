"""Findings: create or update by the phone's UUID (idempotent), list a walk's findings."""
from __future__ import annotations

import math
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import UTC, datetime

from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fieldapp.errors import Conflict, Forbidden, ValidationError
from fieldapp.extensions import db
from fieldapp.models import LIGHTING_CHECKS, POLARITIES, POSITION_SOURCES, Finding, Stop, Walk, utcnow
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


def save_finding(
    walk: Walk, finding_uuid: str, data: FindingInput, *, participant_id: int | None = None,
    is_demo: bool = False,
) -> tuple[Finding, bool]:
    """Create the finding with this UUID, or update it if it exists. Returns (finding, created).

    Repeating the same request is harmless. A finding of another walk or another participant
    is never touched (Conflict / Forbidden).
    """
    finding_uuid = parse_uuid(finding_uuid)
    if not walk.accepts_findings and not is_demo:
        raise Forbidden("This walk is closed; findings can no longer be added or changed.", code="walk_closed")
    _validate(data)
    category = next((c for c in walk.categories if c.code == data.category), None) or (
        category_by_code(data.category) if not walk.categories else None
    )
    if category is None:
        raise ValidationError(f"Unknown category '{data.category}'.", code="unknown_category")
    point, stop = _position(walk, data)
    finding = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
    created = finding is None
    if finding is None:
        finding = Finding(uuid=finding_uuid, walk_id=walk.id, participant_id=participant_id,
                          received_at=utcnow(), is_demo=is_demo)
        db.session.add(finding)
    else:
        if finding.walk_id != walk.id:
            raise Conflict("This finding id belongs to another walk.", code="uuid_conflict")
        if finding.participant_id is not None and finding.participant_id != participant_id:
            raise Forbidden("Only the person who added a finding can change it.", code="not_yours")
        finding.version += 1
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
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same UUID won the race: the finding exists now.
        db.session.rollback()
        existing = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
        if existing is None or existing.walk_id != walk.id:
            raise Conflict("This finding id is already in use.", code="uuid_conflict") from None
        return existing, False
    return finding, created


def visible_findings(walk: Walk) -> list[Finding]:
    """The walk's findings that are not hidden and not merged into another, oldest first."""
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))
            .order_by(Finding.created_at, Finding.id)
        )
    )


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
