"""Photos of findings: process (upright, small, no metadata), store, record; idempotent by UUID."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp.errors import Conflict, Forbidden, NotFound, PhotoError, ValidationError
from fieldapp.extensions import db
from fieldapp.imaging import process_photo
from fieldapp.models import Finding, Photo, Walk
from fieldapp.services import photo_visibility
from fieldapp.services.findings import parse_uuid, photo_urls
from fieldapp.storage import photo_store

MAX_PHOTOS_PER_FINDING = 10
CAMERA_TIMEZONE = ZoneInfo("Europe/Stockholm")


def _aware(taken_at: datetime | None) -> datetime | None:
    """EXIF times without an offset are the camera's local time: assume Sweden."""
    if taken_at is None or taken_at.tzinfo is not None:
        return taken_at
    return taken_at.replace(tzinfo=CAMERA_TIMEZONE)


def add_photo(finding: Finding, photo_uuid: str, data: bytes, *, walk_open: bool = True) -> tuple[Photo, bool]:
    """Process and store one photo for ``finding``. Returns (photo, created).

    The same photo UUID sent again returns the stored photo without reprocessing. Nothing is
    stored when the photo is refused.
    """
    photo_uuid = parse_uuid(photo_uuid)
    existing = db.session.scalar(select(Photo).where(Photo.uuid == photo_uuid))
    if existing is not None:
        if existing.finding_id != finding.id:
            raise Conflict("This photo id belongs to another finding.", code="uuid_conflict")
        return existing, False
    if not walk_open:
        raise Forbidden("This walk is closed; photos can no longer be added.", code="walk_closed")
    if len(finding.photos) >= MAX_PHOTOS_PER_FINDING:
        raise PhotoError(f"A finding can have at most {MAX_PHOTOS_PER_FINDING} photos.", code="too_many_photos",
                         status=409)
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
    )
    db.session.add(photo)
    db.session.commit()
    return photo, True


def photo_out(photo: Photo) -> dict:
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


def photo_for_viewer(photo_uuid: str, variant: str, *, staff: bool, participant_walks: dict[str, str]) -> ServedPhoto:
    """The bytes of one size of a photo, if this viewer may see it; NotFound otherwise (never a hint).

    Which rendition whom: fieldapp.services.photo_visibility.rendition_for.
    """
    if variant not in photo_visibility.VARIANTS:
        raise NotFound("No such photo.")
    try:
        photo_uuid = parse_uuid(photo_uuid)
    except ValidationError:
        raise NotFound("No such photo.") from None
    row = db.session.execute(
        select(Photo, Finding.hidden, Walk.slug)
        .join(Finding, Photo.finding_id == Finding.id)
        .join(Walk, Finding.walk_id == Walk.id)
        .where(Photo.uuid == photo_uuid)
    ).first()
    if row is None:
        raise NotFound("No such photo.")
    photo, finding_hidden, slug = row
    rendition = photo_visibility.rendition_for(
        photo, variant, staff=staff, participant_of_walk=slug in participant_walks,
        finding_hidden=finding_hidden,
    )
    if rendition is None:
        raise NotFound("No such photo.")
    data = photo_store().get(rendition.key)
    if data is None:
        raise NotFound("The photo file is missing from the store.", code="photo_missing")
    return ServedPhoto(data=data, etag=rendition.key, public=rendition.public)
