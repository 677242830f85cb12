"""Staff's publication decision per photo: approve (with or without blur), reject, or leave internal;
and the face/plate suggestions of the detector, which staff confirm (blur), adjust or dismiss.

What each decision means for who sees what is in fieldapp.services.photo_visibility.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp import imaging
from fieldapp.errors import NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import BlurSuggestion, Finding, Photo, Walk, utcnow
from fieldapp.services import events
from fieldapp.storage import photo_store

OPEN_SUGGESTION = "suggested"


def pending_suggestions(photo: Photo) -> list[BlurSuggestion]:
    """The detector's suggestions on ``photo`` that staff have neither confirmed nor dismissed."""
    return [s for s in photo.suggestions if s.state == OPEN_SUGGESTION]


def _decide(photo: Photo, state: str, user_id: int | None, **data: object) -> None:
    photo.publication = state
    photo.publishable = state == "approved"
    photo.publication_by_id = user_id
    photo.publication_at = utcnow()
    if state != "approved":
        photo.published_sha256 = None
    events.record_photo(f"photo_{state}", photo, user_id=user_id, **data)


def approve(photo: Photo, *, with_blur: bool, user_id: int | None, confirmed: bool = False) -> Photo:
    """Approve ``photo`` for publication; its published rendition is fixed now.

    ``with_blur``: publish the blurred image (there must be one). Without blur: a clean re-encode of the
    display image. Photos with unconfirmed face/plate suggestions need ``confirmed`` (staff looked and
    still want it published); hidden photos cannot be approved.
    """
    if photo.hidden:
        raise ValidationError(gettext("A hidden photo cannot be published. Show it first."),
                              code="photo_hidden")
    if photo.originals_purged_at is not None:
        raise ValidationError(gettext("The original of this photo has been deleted."), code="purged")
    pending = pending_suggestions(photo)
    if pending and not confirmed:
        raise ValidationError(
            gettext(
                "This photo has %(n)d detected faces or number plates that nobody has looked at. "
                "Blur or dismiss them, or confirm that the photo can be published as it is.", n=len(pending),
            ),
            code="unconfirmed_detections",
        )
    store = photo_store()
    if with_blur:
        if photo.blurred_sha256 is None:
            raise ValidationError(gettext("Blur an area of the photo before approving it with blurring."),
                                  code="not_blurred")
        published = photo.blurred_sha256
    else:
        source = store.get(photo.sha256)
        if source is None:
            raise NotFound(gettext("There is no such photo."))
        data = imaging.published_copy(source)
        published = hashlib.sha256(data).hexdigest()
        store.put(published, data)
    photo.published_sha256 = published
    _decide(photo, "approved", user_id, blurred=with_blur, unconfirmed_detections=len(pending) or None)
    db.session.commit()
    return photo


def reject(photo: Photo, *, user_id: int | None) -> Photo:
    """Never publish this photo (staff and the walk's participants still see it)."""
    _decide(photo, "rejected", user_id)
    db.session.commit()
    return photo


def make_internal(photo: Photo, *, user_id: int | None) -> Photo:
    """Withdraw a decision: the photo is internal again, not published."""
    if photo.publication != "internal":
        _decide(photo, "internal", user_id)
        db.session.commit()
    return photo


def withdraw_approval(photo: Photo, *, user_id: int | None, reason: str) -> bool:
    """Called (in the caller's transaction) when the blur of ``photo`` changes or it is hidden: an approved
    photo goes back to internal, so the published file is always one staff approved as it is now.
    True when an approval was withdrawn."""
    if photo.publication != "approved":
        return False
    _decide(photo, "internal", user_id, reason=reason)
    return True


@dataclass(frozen=True)
class BulkResult:
    approved: int
    skipped_with_detections: int
    skipped_not_examined: int = 0  # detection still pending, or failed: staff look at these one by one


def approve_without_detections(walk: Walk, *, user_id: int | None) -> BulkResult:
    """Approve every undecided, visible photo of the walk that the detector has examined (``done``) and
    that has no open suggestion (each one blurred or dismissed). Photos not examined yet, or whose
    detection failed, are left for staff. Photos with a blurred version are approved with that blur."""
    photos = db.session.scalars(
        select(Photo)
        .join(Finding, Photo.finding_id == Finding.id)
        .where(
            Finding.walk_id == walk.id, Finding.hidden.is_(False), Photo.hidden.is_(False),
            Photo.publication == "internal", Photo.originals_purged_at.is_(None),
        )
        .options(selectinload(Photo.suggestions))
        .order_by(Photo.id)
    ).all()
    approved = with_detections = not_examined = 0
    for photo in photos:
        if photo.detection_state != "done":
            not_examined += 1
        elif pending_suggestions(photo):
            with_detections += 1
        else:
            approve(photo, with_blur=photo.blurred_sha256 is not None, user_id=user_id)
            approved += 1
    return BulkResult(approved, with_detections, not_examined)


def suggestion_of(photo: Photo, suggestion_id: int) -> BlurSuggestion:
    suggestion = db.session.get(BlurSuggestion, suggestion_id)
    if suggestion is None or suggestion.photo_id != photo.id:
        raise NotFound(gettext("There is no such suggestion."))
    return suggestion


def dismiss_suggestion(suggestion: BlurSuggestion, *, user_id: int | None) -> BlurSuggestion:
    """Staff looked: not a face or plate (or nothing to hide)."""
    if suggestion.state != "dismissed":
        suggestion.state = "dismissed"
        photo = suggestion.photo
        events.record_photo("blur_suggestion_dismissed", photo, user_id=user_id, detected=suggestion.kind)
        db.session.commit()
    return suggestion


def mark_confirmed(photo: Photo, suggestion_id: int | None) -> None:
    """Record (in the caller's transaction) that a suggestion was blurred, as suggested or adjusted."""
    if suggestion_id is not None:
        suggestion_of(photo, suggestion_id).state = "confirmed"
