"""Findings: create or update by the phone's UUID (idempotent), list a walk's findings."""
from __future__ import annotations

import math
import uuid as uuid_lib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fieldapp import finding_rules as rules
from fieldapp.errors import N_, Conflict, Forbidden, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import (
    Category,
    Event,
    Finding,
    Photo,
    Stop,
    Walk,
    utcnow,
)
from fieldapp.services import events, late_sync
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
    felt_safety_scale: int | None = None  # None with an answer = the legacy 3-point scale (old phones)
    lighting_check: str | None = None
    note: str = ""
    created_at: datetime | None = None
    base_version: int | None = None


def parse_uuid(value: str) -> str:
    """Canonical lower-case UUID text, or ValidationError."""
    try:
        return str(uuid_lib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError(N_("The id must be a UUID."), code="invalid_uuid") from None


def _position(walk: Walk, data: FindingInput) -> tuple[Point, Stop | None]:
    stop = None
    if data.stop_seq is not None:
        stop = next((s for s in walk.stops if s.seq == data.stop_seq), None)
        if stop is None:
            raise ValidationError(N_("This walk has no stop number %(n)s."), code="unknown_stop",
                                  params={"n": data.stop_seq})
    if data.lon is None or data.lat is None:
        if stop is None:
            raise ValidationError(N_("Give a position (lon and lat) or a stop number."), code="no_position")
        return convert.to_point(stop.geom_el), stop
    if not (math.isfinite(data.lon) and math.isfinite(data.lat)
            and -180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        raise ValidationError(
            N_("The position is outside the map (lon −180…180, lat −90…90)."), code="bad_position"
        )
    return Point(data.lon, data.lat), stop


# A phone's clock may be wrong, and people try the app before the walk: a finding may be stamped from a day
# before the walk was created up to a day after the server's clock; anything else is a broken clock or input.
CREATED_AT_SLACK = timedelta(days=1)


def _validate(walk: Walk, data: FindingInput, now: datetime) -> None:
    if data.position_source not in rules.POSITION_SOURCES:
        raise ValidationError(N_("position_source must be one of %(values)s."),
                              params={"values": ", ".join(rules.POSITION_SOURCES)})
    if data.polarity is not None and data.polarity not in rules.POLARITIES:
        raise ValidationError(N_("polarity must be one of %(values)s."),
                              params={"values": ", ".join(rules.POLARITIES)})
    problem = rules.felt_safety_problem(data.felt_safety, _felt_scale(data))
    if problem:
        raise ValidationError(problem)
    if data.lighting_check is not None and data.lighting_check not in rules.LIGHTING_CHECKS:
        raise ValidationError(N_("lighting_check must be one of %(values)s."),
                              params={"values": ", ".join(rules.LIGHTING_CHECKS)})
    if data.accuracy_m is not None and not (
        math.isfinite(data.accuracy_m) and 0 <= data.accuracy_m <= rules.ACCURACY_MAX_M
    ):
        raise ValidationError(N_("accuracy_m must be 0 to %(max)s metres."),
                              params={"max": f"{rules.ACCURACY_MAX_M:.0f}"})
    if len(data.note) > rules.NOTE_MAX_CHARS:
        raise ValidationError(N_("The note is too long (at most %(n)d characters)."),
                              params={"n": rules.NOTE_MAX_CHARS})
    if data.created_at is not None:
        earliest = (walk.created_at or now) - CREATED_AT_SLACK
        if not earliest <= data.created_at <= now + CREATED_AT_SLACK:
            raise ValidationError(
                N_("The phone's date and time look wrong: set the clock and save the finding again."),
                code="invalid_created_at")


def _felt_scale(data: FindingInput) -> int | None:
    return rules.felt_safety_scale_of(data.felt_safety, data.felt_safety_scale)


def _felt_answer(data: FindingInput) -> tuple[int, int] | None:
    scale = _felt_scale(data)
    return (data.felt_safety, scale) if data.felt_safety is not None and scale is not None else None


def _felt_columns(data: FindingInput) -> dict[str, int | None]:
    """The felt-safety answer in the column of its scale (the other columns empty)."""
    scale = _felt_scale(data)
    columns = rules.FELT_SAFETY_COLUMNS
    return {column: data.felt_safety if s == scale else None for s, column in columns.items()}


def _category_for(walk: Walk, code: str) -> Category:
    category = next((c for c in walk.categories if c.code == code), None)
    if category is None and not walk.categories:
        category = category_by_code(code)
    if category is None:
        raise ValidationError(N_("Unknown category “%(code)s”."), code="unknown_category",
                              params={"code": code})
    return category


def _values(
    walk: Walk, data: FindingInput, current_created_at: datetime | None, now: datetime
) -> dict[str, Any]:
    """The column values ``data`` gives a finding of ``walk`` (validated, not yet applied)."""
    category = _category_for(walk, data.category)
    point, stop = _position(walk, data)
    return {
        "geom_el": convert.to_element(point),
        "stop_id": stop.id if stop else None,
        "accuracy_m": data.accuracy_m,
        "position_source": "stop" if (stop and data.lon is None) else data.position_source,
        "category_id": category.id,
        "polarity": data.polarity or rules.polarity_of(_felt_answer(data), category.polarity),
        **_felt_columns(data),
        "lighting_check": data.lighting_check if category.code == rules.LIGHTING_CATEGORY else None,
        "note": data.note.strip(),
        "created_at": data.created_at or current_created_at or now,
    }


def _same_content(finding: Finding, values: dict[str, Any]) -> bool:
    """Whether ``finding`` already holds exactly ``values`` (a repeated request)."""
    for name, value in values.items():
        current = getattr(finding, name)
        if name == "geom_el":
            if not convert.to_point(current).equals_exact(convert.to_point(value), 1e-9):
                return False
        elif name == "created_at":
            if current is None or current.astimezone(UTC) != value.astimezone(UTC):
                return False
        elif current != value:
            return False
    return True


def _check_writable(walk: Walk, finding: Finding | None, participant_id: int | None) -> None:
    if finding is None:
        return
    if finding.walk_id != walk.id:
        raise Conflict(N_("This finding id belongs to another walk."), code="uuid_conflict")
    if finding.participant_id is not None and finding.participant_id != participant_id:
        raise Forbidden(N_("Only the person who added a finding can change it."), code="not_yours")


def _conflict(finding: Finding) -> Conflict:
    return Conflict(N_("This finding was changed elsewhere since you edited it."), code="version_conflict",
                    details={"current": finding_feature(finding)})


@dataclass(frozen=True)
class SaveResult:
    """What a phone's write did: ``created`` a finding, or changed/confirmed one; ``held`` = kept for
    staff."""

    finding: Finding
    created: bool = False
    held: bool = False


def _by_uuid(finding_uuid: str) -> Finding | None:
    return db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))


def _withdrawn_before_arrival(walk: Walk, participant_id: int | None, finding_uuid: str) -> bool:
    """Whether the phone withdrew this UUID before its create reached the server (a delayed request)."""
    tombstones = db.session.scalars(
        select(Event.data).where(
            Event.walk_id == walk.id,
            Event.kind == "withdrawn_before_arrival",
            Event.participant_id == participant_id,
        )
    )
    return any(data.get("uuid") == finding_uuid for data in tombstones)


def _create(
    walk: Walk, finding_uuid: str, values: dict[str, Any], participant_id: int | None, now: datetime
) -> SaveResult:
    arrival = late_sync.arrival_of_new_finding(walk, values["created_at"], now)
    withdrawn = _withdrawn_before_arrival(walk, participant_id, finding_uuid)
    finding = Finding(uuid=finding_uuid, walk_id=walk.id, participant_id=participant_id, received_at=now,
                      arrival=late_sync.LATE if withdrawn and arrival == late_sync.AFTER_CLOSE else arrival,
                      hidden=withdrawn or arrival == late_sync.AFTER_CLOSE, **values)
    db.session.add(finding)
    try:
        db.session.flush()
        if withdrawn:
            events.record("finding_withdrawn", walk_id=walk.id, finding_id=finding.id,
                          participant_id=participant_id, uuid=finding_uuid)
        elif arrival == late_sync.AFTER_CLOSE:
            events.record("finding_after_close", walk_id=walk.id, finding_id=finding.id,
                          participant_id=participant_id, uuid=finding_uuid)
        db.session.commit()
    except IntegrityError:
        # A concurrent request created this UUID first: the same body is a repeat, another one a conflict.
        db.session.rollback()
        existing = _by_uuid(finding_uuid)
        if existing is None or existing.walk_id != walk.id:
            raise Conflict(N_("This finding id is already in use."), code="uuid_conflict") from None
        _check_writable(walk, existing, participant_id)
        if not _same_content(existing, values):
            raise _conflict(existing) from None
        return SaveResult(existing, held=existing.arrival == late_sync.AFTER_CLOSE)
    return SaveResult(finding, created=True, held=arrival == late_sync.AFTER_CLOSE)


def _update(
    walk: Walk, finding: Finding, values: dict[str, Any], data: FindingInput, now: datetime
) -> SaveResult:
    held = finding.arrival == late_sync.AFTER_CLOSE
    if _same_content(finding, values):
        return SaveResult(finding, held=held)  # a repeat: nothing to change
    # Updates must say which version they change: without it a stale copy would undo staff corrections.
    if data.base_version is None or data.base_version != finding.version:
        raise _conflict(finding)
    if not held and not late_sync.edits_apply(walk, now):
        events.record("edit_after_close", walk_id=walk.id, finding_id=finding.id,
                      participant_id=finding.participant_id, base_version=data.base_version,
                      body={"note": values["note"], "category_id": values["category_id"],
                            **{c: values[c] for c in rules.FELT_SAFETY_COLUMNS.values()},
                            "polarity": values["polarity"]})
        db.session.commit()
        return SaveResult(finding, held=True)
    for name, value in values.items():
        setattr(finding, name, value)
    try:
        db.session.commit()  # UPDATE … WHERE version = base_version: exactly one concurrent writer wins
    except StaleDataError:
        db.session.rollback()
        current = _by_uuid(finding.uuid)
        if current is None:  # deleted by the concurrent writer (its walk was deleted)
            raise NotFound(N_("This walk has no such finding.")) from None
        if _same_content(current, values):
            return SaveResult(current, held=held)
        raise _conflict(current) from None
    return SaveResult(finding, held=held)


def save_finding(
    walk: Walk, finding_uuid: str, data: FindingInput, *, participant_id: int | None = None,
) -> SaveResult:
    """Create the finding with this UUID, or update it if it exists.

    Repeating a request is harmless: the same content again changes nothing (200). An update must carry
    the ``base_version`` it was made on; a missing or older one raises Conflict with the current finding in
    ``details``, so a stale copy never silently overwrites staff corrections or another writer. Late and
    after-closing arrivals follow ``late_sync``. Findings of another walk or participant are never touched.
    """
    finding_uuid = parse_uuid(finding_uuid)
    now = utcnow()
    _validate(walk, data, now)
    finding = _by_uuid(finding_uuid)
    _check_writable(walk, finding, participant_id)
    values = _values(walk, data, finding.created_at if finding else None, now)
    if finding is None:
        return _create(walk, finding_uuid, values, participant_id, now)
    return _update(walk, finding, values, data, now)


def delete_own_finding(walk: Walk, finding_uuid: str, participant_id: int) -> bool:
    """A participant withdraws their own finding (hidden, with an Event); repeating is harmless.

    Returns False when the withdrawal came after closing and is kept for staff instead. Withdrawing a
    finding that others' findings were merged into promotes the oldest of them (``merge.withdraw_canonical``).
    """
    finding_uuid = parse_uuid(finding_uuid)
    finding = _by_uuid(finding_uuid)
    if finding is None:
        # Its create is still on the way (or lost): remember the withdrawal so a late create stays withdrawn.
        if not _withdrawn_before_arrival(walk, participant_id, finding_uuid):
            events.record("withdrawn_before_arrival", walk_id=walk.id, participant_id=participant_id,
                          uuid=finding_uuid)
            db.session.commit()
        return True
    if finding.hidden and finding.arrival != late_sync.AFTER_CLOSE:
        return True
    if finding.walk_id != walk.id or finding.participant_id != participant_id:
        raise Forbidden(N_("Only the person who added a finding can delete it."), code="not_yours")
    if finding.arrival != late_sync.AFTER_CLOSE and not late_sync.edits_apply(walk, utcnow()):
        events.record("withdrawal_after_close", walk_id=walk.id, finding_id=finding.id,
                      participant_id=participant_id, uuid=finding.uuid)
        db.session.commit()
        return False
    from fieldapp.services import merge  # merge imports review, which imports this module

    merge.promote_members(finding)
    finding.hidden = True
    if finding.arrival == late_sync.AFTER_CLOSE:
        finding.arrival = late_sync.LATE  # withdrawn: no longer waiting in the "arrived after closing" list
    events.record("finding_withdrawn", walk_id=walk.id, finding_id=finding.id, participant_id=participant_id,
                  uuid=finding.uuid)
    db.session.commit()
    return True


def finding_with_walk(finding_uuid: str) -> tuple[Walk, Finding]:
    """The finding with this UUID and its walk (NotFound if unknown or withdrawn; held ones count)."""
    finding = _by_uuid(parse_uuid(finding_uuid))
    if finding is None or (finding.hidden and finding.arrival != late_sync.AFTER_CLOSE):
        raise NotFound(N_("No such finding. Send the finding before its photos."), code="unknown_finding")
    return db.session.get_one(Walk, finding.walk_id), finding


def check_owner(finding: Finding, participant_id: int) -> None:
    if finding.participant_id != participant_id:
        raise Forbidden(N_("Only the person who added a finding can add photos to it."), code="not_yours")


def visible_findings(walk: Walk) -> list[Finding]:
    """The walk's findings that are not hidden and not merged into another, oldest first."""
    return list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))
            .order_by(Finding.created_at, Finding.id)
        )
    )


def photo_urls(photo: Photo) -> dict[str, Any]:
    """Where a photo's stored sizes are served (relative URLs; access is checked when served)."""
    return {"uuid": photo.uuid, "display_url": f"/photos/{photo.uuid}/display.jpg",
            "thumb_url": f"/photos/{photo.uuid}/thumb.jpg"}


def finding_feature(finding: Finding, locale: str = "sv") -> dict[str, Any]:
    """One finding as a GeoJSON Feature (WGS84)."""
    return geojson.feature(
        convert.to_point(finding.geom_el),
        {
            "uuid": finding.uuid,
            "category": finding.category.code,
            "category_name": finding.category.name(locale),
            "polarity": finding.polarity,
            "felt_safety": finding.felt[0] if finding.felt else None,
            "felt_safety_scale": finding.felt[1] if finding.felt else None,
            "lighting_check": finding.lighting_check,
            "note": finding.note,
            "stop": finding.stop.seq if finding.stop else None,
            "accuracy_m": finding.accuracy_m,
            "position_source": finding.position_source,
            "created_at": finding.created_at.isoformat() if finding.created_at else None,
            "photo_count": sum(1 for p in finding.photos if not p.hidden),
            "photos": [photo_urls(p) for p in finding.photos if not p.hidden],
            "version": finding.version,
            "arrival": finding.arrival,
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
