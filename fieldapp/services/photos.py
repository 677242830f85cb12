"""Photos of findings: process (upright, small, no metadata), store, record; idempotent by UUID."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.errors import Conflict
from fieldapp.extensions import db
from fieldapp.imaging import process_photo
from fieldapp.models import Finding, Photo
from fieldapp.services.findings import parse_uuid
from fieldapp.storage import photo_store


def add_photo(finding: Finding, photo_uuid: str, data: bytes) -> tuple[Photo, bool]:
    """Process and store one photo for ``finding``. Returns (photo, created).

    The same photo UUID sent again returns the stored photo without reprocessing.
    """
    photo_uuid = parse_uuid(photo_uuid)
    existing = db.session.scalar(select(Photo).where(Photo.uuid == photo_uuid))
    if existing is not None:
        if existing.finding_id != finding.id:
            raise Conflict("This photo id belongs to another finding.", code="uuid_conflict")
        return existing, False
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
        taken_at=processed.taken_at if processed.taken_at and processed.taken_at.tzinfo else None,
        exif_lon=processed.gps_lon,
        exif_lat=processed.gps_lat,
    )
    db.session.add(photo)
    db.session.commit()
    return photo, True
