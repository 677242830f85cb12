"""Photo store ⇄ database consistency: what `fieldapp check` reports and `--repair` fixes."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.imaging import process_photo
from fieldapp.models import Photo
from fieldapp.storage import FileSystemStore, PhotoStore, photo_store


@dataclass
class Report:
    """What is wrong; ``repaired`` lists what --repair did."""

    orphaned: list[str] = field(default_factory=list)  # stored files no row refers to
    missing: list[str] = field(default_factory=list)  # keys rows refer to that the store lacks
    rows_without_files: list[str] = field(default_factory=list)  # photo UUIDs whose display size is missing
    temp_files: list[str] = field(default_factory=list)  # leftovers of interrupted writes
    repaired: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.orphaned or self.missing or self.rows_without_files or self.temp_files)


def _referenced() -> dict[str, list[tuple[Photo, str]]]:
    keys: dict[str, list[tuple[Photo, str]]] = {}
    for photo in db.session.scalars(select(Photo)):
        # After retention a photo keeps only its published file (services.retention).
        roles = ("published_sha256",) if photo.originals_purged_at else (
            "sha256", "thumb_sha256", "blurred_sha256", "published_sha256")
        for role in roles:
            key = getattr(photo, role)
            if key:
                keys.setdefault(key, []).append((photo, role))
    return keys


def check_store(*, repair: bool = False) -> Report:
    """Compare the photo store with the photos table; with ``repair``, fix what is safe to fix.

    Safe repairs: delete orphaned files and leftover temp files; rebuild a missing thumbnail from
    the display image. A missing display image cannot be rebuilt: it is reported, never deleted.
    """
    store = photo_store()
    report = Report()
    referenced = _referenced()
    stored = set(store.keys())
    report.orphaned = sorted(stored - referenced.keys())
    report.missing = sorted(referenced.keys() - stored)
    if isinstance(store, FileSystemStore):
        report.temp_files = sorted(str(p) for p in store.temp_files())
    for key in report.missing:
        for photo, role in referenced[key]:
            if role == "sha256":
                report.rows_without_files.append(photo.uuid)
    if repair:
        _repair(store, report, referenced)
    return report


def _repair(
    store: PhotoStore, report: Report, referenced: dict[str, list[tuple[Photo, str]]]
) -> None:
    from pathlib import Path

    for key in report.orphaned:
        store.delete(key)
        report.repaired.append(f"deleted orphaned file {key}")
    for temp in report.temp_files:
        Path(temp).unlink(missing_ok=True)
        report.repaired.append(f"deleted temp file {temp}")
    still_missing = []
    for key in report.missing:
        rebuilt = False
        for photo, role in referenced[key]:
            display = store.get(photo.sha256) if role == "thumb_sha256" else None
            if display is not None:
                thumb = process_photo(display).thumb  # the display image is upright and clean already
                store.put(thumb.sha256, thumb.data)
                photo.thumb_sha256 = thumb.sha256
                report.repaired.append(f"rebuilt thumbnail of photo {photo.uuid}")
                rebuilt = True
        if not rebuilt:
            still_missing.append(key)
    db.session.commit()
    report.orphaned, report.temp_files, report.missing = [], [], still_missing
