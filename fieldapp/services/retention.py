"""Retention and erasure: what personal data is deleted when (DESIGN §10, §15 "Audiences").

* Participants' contact details (display name, e-mail, consent time) are deleted
  ``RETENTION_CONTACT_MONTHS`` after the walk (its start, or its creation when it has no start).
* Photo originals (display image, thumbnail, blurred working copy) are deleted
  ``RETENTION_ORIGINALS_MONTHS`` after the walk's protocol was first published; the file approved for
  publication stays, so the public protocol keeps its pictures.
* E-mail subscriptions to a walk's feedback (fieldapp.services.subscriptions): unconfirmed ones
  ``SUBSCRIPTION_UNCONFIRMED_DAYS`` after they were asked for, confirmed ones
  ``RETENTION_SUBSCRIPTION_MONTHS`` after the last change mailed (or the confirmation).
* On request, a participant's personal content is removed (``remove_participant_content``): the notes and
  photos of their findings and their group; position and category stay for statistics.

``purge`` is what the daily job and ``fieldapp purge`` call: idempotent, logs counts (never content).
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import ColumnElement, func, or_, select

from fieldapp.errors import NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Participant, Photo, ProtocolVersion, Walk, utcnow
from fieldapp.services import events
from fieldapp.storage import photo_store

log = logging.getLogger(__name__)
PHOTO_KEYS = ("sha256", "thumb_sha256", "blurred_sha256", "published_sha256")


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class PurgeReport:
    """Counts of what ``purge`` deleted (or would delete, with ``dry_run``)."""

    dry_run: bool
    participants_cleared: int = 0
    photos_purged: int = 0
    subscriptions_deleted: int = 0
    files_deleted: int = 0
    walks: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        prefix = "would " if self.dry_run else ""
        return [
            f"{prefix}clear contact details of {self.participants_cleared} participants",
            f"{prefix}delete the originals of {self.photos_purged} photos ({self.files_deleted} files)",
            f"{prefix}delete {self.subscriptions_deleted} e-mail subscriptions",
        ]


def _walk_date() -> ColumnElement[datetime]:
    return func.coalesce(Walk.starts_at, Walk.created_at)


def _has_contact() -> ColumnElement[bool]:
    return or_(
        Participant.display_name.is_not(None),
        Participant.contact_email.is_not(None),
        Participant.contact_consent_at.is_not(None),
    )


def _expired_participants(now: datetime) -> list[Participant]:
    cutoff = months_before(now, current_app.config["RETENTION_CONTACT_MONTHS"])
    return list(db.session.scalars(
        select(Participant).join(Walk, Participant.walk_id == Walk.id)
        .where(_walk_date() < cutoff, _has_contact()).order_by(Participant.id)
    ))


def _expired_photos(now: datetime) -> list[Photo]:
    cutoff = months_before(now, current_app.config["RETENTION_ORIGINALS_MONTHS"])
    first_published = (
        select(ProtocolVersion.walk_id, func.min(ProtocolVersion.published_at).label("at"))
        .where(ProtocolVersion.audience == "public")
        .group_by(ProtocolVersion.walk_id)
        .subquery()
    )
    return list(db.session.scalars(
        select(Photo).join(Finding, Photo.finding_id == Finding.id)
        .join(first_published, first_published.c.walk_id == Finding.walk_id)
        .where(first_published.c.at < cutoff, Photo.originals_purged_at.is_(None))
        .order_by(Photo.id)
    ))


def _keys_used_by_others(excluding: set[int]) -> set[str]:
    """Stored files that photos other than ``excluding`` still need (files are shared by content)."""
    used: set[str] = set()
    rows = db.session.execute(
        select(Photo.id, Photo.originals_purged_at, *(getattr(Photo, k) for k in PHOTO_KEYS))
    )
    for photo_id, purged, sha, thumb, blurred, published in rows:
        if photo_id not in excluding:
            used.update(k for k in ((published,) if purged else (sha, thumb, blurred, published)) if k)
    return used


def _all_keys(photo: Photo) -> set[str]:
    return {getattr(photo, k) for k in PHOTO_KEYS} - {None}


def _original_keys(photo: Photo) -> set[str]:
    return _all_keys(photo) - {photo.published_sha256}


def purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete what is past retention; with ``dry_run`` only count. Running it again finds nothing new."""
    from fieldapp.services import subscriptions  # it uses months_before from here

    now = now or utcnow()
    report = PurgeReport(dry_run=dry_run)
    participants = _expired_participants(now)
    photos = _expired_photos(now)
    report.participants_cleared = len(participants)
    report.photos_purged = len(photos)
    doomed: set[str] = set()
    if photos:
        kept = {p.published_sha256 for p in photos} | _keys_used_by_others({p.id for p in photos})
        doomed = set().union(*(_original_keys(p) for p in photos)) - kept
    report.files_deleted = len(doomed)
    report.subscriptions_deleted = subscriptions.purge_expired(now, dry_run=True)
    if dry_run:
        log.info("purge (dry run): %s", "; ".join(report.lines()))
        return report
    per_walk: dict[int, dict[str, int]] = {}
    for participant in participants:
        participant.display_name = participant.contact_email = participant.contact_consent_at = None
        per_walk.setdefault(participant.walk_id, {}).setdefault("participants", 0)
        per_walk[participant.walk_id]["participants"] += 1
    for photo in photos:
        photo.originals_purged_at = now
        walk_id = photo.finding.walk_id
        per_walk.setdefault(walk_id, {}).setdefault("photos", 0)
        per_walk[walk_id]["photos"] += 1
    for walk_id, counts in per_walk.items():
        events.record("retention_purge", walk_id=walk_id, details=counts)
    subscriptions.purge_expired(now)
    db.session.commit()
    store = photo_store()
    for key in sorted(doomed):  # after the commit: a crash leaves orphaned files for `fieldapp check`
        store.delete(key)
    report.walks = set(per_walk)
    log.info("purge: %s", "; ".join(report.lines()))
    return report


@dataclass(frozen=True)
class Removal:
    """What ``remove_participant_content`` emptied."""

    findings: int
    photos: int


def participant_by_public_id(public_id: str) -> Participant:
    """The participant with this pseudonymous id (shown on their phone), or NotFound."""
    value = (public_id or "").strip().lower()
    if not value:
        raise ValidationError(gettext("Enter the participant's id."), code="missing_id")
    participant = db.session.scalars(select(Participant).where(Participant.public_id == value)).first()
    if participant is None:
        raise NotFound(gettext("No participant has this id."), code="no_participant")
    return participant


def remove_participant_content(participant: Participant, *, user_id: int | None) -> Removal:
    """Erase a participant's personal content on request: the notes and photos of their findings, their
    group and contact details. Position, category, time and measures stay (statistics); an event records
    the removal with counts only."""
    findings = list(db.session.scalars(select(Finding).where(Finding.participant_id == participant.id)))
    photos = [photo for finding in findings for photo in finding.photos]
    doomed = set().union(*(_all_keys(p) for p in photos)) - _keys_used_by_others({p.id for p in photos})
    for finding in findings:
        finding.note = ""
    finding_ids = [f.id for f in findings]
    if finding_ids:  # edit history keeps changed note texts: those go too
        for event in db.session.scalars(select(Event).where(Event.finding_id.in_(finding_ids))):
            if "note" in (event.data or {}):
                event.data = {k: v for k, v in event.data.items() if k != "note"} | {"note_removed": True}
    for photo in photos:
        db.session.delete(photo)
    participant.group_type = None
    participant.display_name = participant.contact_email = participant.contact_consent_at = None
    events.record(
        "participant_content_removed", walk_id=participant.walk_id, user_id=user_id,
        participant=participant.public_id, findings=len(findings), photos=len(photos),
    )
    db.session.commit()
    store = photo_store()
    for key in sorted(doomed):
        store.delete(key)
    return Removal(findings=len(findings), photos=len(photos))
