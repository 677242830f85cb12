"""Photos of findings: process (upright, small, no metadata), store, record; idempotent by UUID."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp import municipality
from fieldapp.errors import N_, Conflict, Forbidden, NotFound, PhotoError, ValidationError
from fieldapp.extensions import db
from fieldapp.imaging import process_photo
from fieldapp.models import Event, Finding, Photo, Walk
from fieldapp.services import photo_detection, photo_visibility
from fieldapp.services.findings import parse_uuid, photo_urls
from fieldapp.storage import photo_store

MAX_PHOTOS_PER_FINDING = 10


def _aware(taken_at: datetime | None) -> datetime | None:
    """EXIF times without an offset are the camera's local time: assume the municipality's time zone."""
    if taken_at is None or taken_at.tzinfo is not None:
        return taken_at
    return taken_at.replace(tzinfo=municipality.zone())


def _stored(finding: Finding, photo_uuid: str) -> Photo | None:
    existing = db.session.scalar(select(Photo).where(Photo.uuid == photo_uuid))
    if existing is not None and existing.finding_id != finding.id:
        raise Conflict(N_("This photo id belongs to another finding."), code="uuid_conflict")
    return existing


def _withdrawn_before_arrival(finding: Finding, photo_uuid: str) -> bool:
    """Whether the phone withdrew this photo UUID before its upload reached the server."""
    withdrawals = db.session.scalars(select(Event.data).where(Event.finding_id == finding.id,
                                                              Event.kind == "photo_withdrawn"))
    return any(data.get("uuid") == photo_uuid for data in withdrawals)


def add_photo(finding: Finding, photo_uuid: str, data: bytes) -> tuple[Photo, bool]:
    """Process and store one photo for ``finding``. Returns (photo, created).

    The same photo UUID sent again returns the stored photo without reprocessing (also when two copies
    race). Nothing is stored when the photo is refused. A photo of a finding is accepted whenever its
    finding was (late sync included): photos stay internal until staff approve them, so nothing a
    participant sends is dropped. A new photo's face/plate detection is queued after the commit (it runs
    in the worker; without one the photo just stays pending).
    """
    photo_uuid = parse_uuid(photo_uuid)
    existing = _stored(finding, photo_uuid)
    if existing is not None:
        return existing, False
    if len(finding.photos) >= MAX_PHOTOS_PER_FINDING:
        raise PhotoError(
            N_("A finding can have at most %(n)s photos."), code="too_many_photos", status=409,
            params={"n": MAX_PHOTOS_PER_FINDING},
        )
    processed = process_photo(data)
    store = photo_store()
    store.put(processed.display.sha256, processed.display.data)
    store.put(processed.thumb.sha256, processed.thumb.data)
    photo = Photo(
        uuid=photo_uuid,
        finding_id=finding.id,
        sha256=processed.display.sha256,
        thumb_sha256=processed.thumb.sha256,
        width=processed.display.width,
        height=processed.display.height,
        source_format=processed.source_format,
        taken_at=_aware(processed.taken_at),
        exif_lon=processed.gps_lon,
        exif_lat=processed.gps_lat,
        hidden=_withdrawn_before_arrival(finding, photo_uuid),
    )
    db.session.add(photo)
    try:
        db.session.commit()
    except IntegrityError:  # the same photo UUID was stored by a concurrent request
        db.session.rollback()
        existing = _stored(finding, photo_uuid)
        if existing is None:
            raise
        return existing, False
    photo_detection.start(photo.id)
    return photo, True


def photo_out(photo: Photo) -> dict[str, Any]:
    """What the upload API answers: stored sizes' URLs and the EXIF position/time read before stripping."""
    urls = photo_urls(photo)
    return {
        "uuid": photo.uuid,
        "finding_uuid": photo.finding.uuid,
        "width": photo.width,
        "height": photo.height,
        "display_url": urls["display_url"],
        "thumb_url": urls["thumb_url"],
        "exif": {"lon": photo.exif_lon, "lat": photo.exif_lat,
                 "taken_at": photo.taken_at.isoformat() if photo.taken_at else None},
    }


@dataclass(frozen=True)
class ServedPhoto:
    data: bytes
    etag: str
    public: bool


def photo_for_viewer(photo_uuid: str, variant: str, *, staff: bool,
                     participates: Callable[[Walk], bool]) -> ServedPhoto:
    """The bytes of one size of a photo, if this viewer may see it; NotFound otherwise (never a hint).

    ``participates(walk)`` is the session's one access rule for participants (it also refuses
    participants of a replaced join link). Which rendition whom: photo_visibility.rendition_for.
    """
    if variant not in photo_visibility.VARIANTS:
        raise NotFound(N_("No such photo."))
    try:
        photo_uuid = parse_uuid(photo_uuid)
    except ValidationError:
        raise NotFound(N_("No such photo.")) from None
    row = db.session.execute(
        select(Photo, Finding.hidden, Walk)
        .join(Finding, Photo.finding_id == Finding.id)
        .join(Walk, Finding.walk_id == Walk.id)
        .where(Photo.uuid == photo_uuid)
    ).first()
    if row is None:
        raise NotFound(N_("No such photo."))
    photo, finding_hidden, walk = row
    rendition = photo_visibility.rendition_for(
        photo, variant, staff=staff, participant_of_walk=not staff and participates(walk),
        finding_hidden=finding_hidden,
    )
    if rendition is None:
        raise NotFound(N_("No such photo."))
    data = photo_store().get(rendition.key)
    if data is None:
        raise NotFound(N_("The photo file is missing from the store."), code="photo_missing")
    return ServedPhoto(data=data, etag=rendition.key, public=rendition.public)


def withdraw_photo(finding_uuid: str, photo_uuid: str, participant_for: Callable[[Walk], int]) -> None:
    """The finding's owner takes a photo back: it is hidden (kept for the record, with an Event).

    ``participant_for(walk)`` is the caller's participant id on the finding's walk (it raises when
    the caller is not a participant). Repeating, or withdrawing a photo that never arrived, is
    harmless; works after the walk has closed too, since it only ever shows less.
    """
    finding_uuid = parse_uuid(finding_uuid)
    photo_uuid = parse_uuid(photo_uuid)
    finding = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
    if finding is None:
        raise NotFound(N_("No such finding."), code="unknown_finding")
    participant_id = participant_for(db.session.get_one(Walk, finding.walk_id))
    if finding.participant_id != participant_id:
        raise Forbidden(N_("Only the person who added a finding can remove its photos."), code="not_yours")
    photo = db.session.scalar(select(Photo).where(Photo.uuid == photo_uuid))
    if photo is None:
        # Its upload is still on the way (or lost): remember the withdrawal so a late upload stays hidden.
        if not _withdrawn_before_arrival(finding, photo_uuid):
            db.session.add(Event(walk_id=finding.walk_id, finding_id=finding.id,
                                 participant_id=participant_id, kind="photo_withdrawn",
                                 data={"uuid": photo_uuid}))
            db.session.commit()
        return
    if photo.hidden:
        return
    if photo.finding_id != finding.id:
        raise Conflict(N_("This photo id belongs to another finding."), code="uuid_conflict")
    photo.hidden = True
    db.session.add(Event(walk_id=finding.walk_id, finding_id=finding.id, participant_id=participant_id,
                         kind="photo_withdrawn", data={"uuid": photo.uuid}))
    db.session.commit()
