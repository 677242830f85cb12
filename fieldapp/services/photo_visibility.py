"""Photo visibility: who may see which rendition of which photo. The one place that decides (DESIGN §15).

Renditions of a photo (all stored content-addressed, none with EXIF/XMP/ICC metadata):

* ``original`` — the display image made at upload (``Photo.sha256``) and its thumbnail (``thumb_sha256``);
* ``blurred`` — staff's working copy with regions blurred (``blurred_sha256``);
* ``published`` — the one file approved for publication (``published_sha256``), fixed when staff approve:
  approved *with blur* it is the blurred image as it was at approval; approved *without blur* (staff judged
  there is nothing to hide) it is a fresh re-encode of the display image, a separate file so the originals
  can be purged while the published picture stays. Changing the blur of an approved photo sends it back to
  ``internal`` (it must be approved again), so the published file is always what staff looked at.

Audiences:

* ``internal`` (staff): every photo and every rendition, hidden ones included. Internal exports and the
  internal protocol use the blurred copy where there is one, else the original.
* ``participant`` (someone who joined this walk): the walk's photos that are not hidden, original display
  image and thumbnail (they took them, on that walk).
* ``external`` (the public, responsible parties, Open311, external exports, the public protocol): approved
  photos only, never hidden ones or those of hidden findings, and always the ``published`` rendition, for the
  display size and the thumbnail alike. Approving a photo is the act of publishing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask import current_app
from sqlalchemy import ColumnElement, and_

from fieldapp.models import Finding, Photo

Audience = Literal["internal", "external", "participant"]
AUDIENCES: tuple[str, ...] = ("internal", "external")  # the audiences of exports and the protocol
VARIANTS = ("display", "thumb")


def external_condition() -> ColumnElement[bool]:
    """SQL condition on Photo (and its Finding, joined by the caller): visible to the external audience."""
    return and_(
        Photo.publication == "approved",
        Photo.published_sha256.is_not(None),
        Photo.hidden.is_(False),
        Finding.hidden.is_(False),
    )


def is_external(photo: Photo, *, finding_hidden: bool | None = None) -> bool:
    """Whether ``photo`` may be shown outside the municipality (``finding_hidden``: default its finding's)."""
    if finding_hidden is None:
        finding_hidden = photo.finding.hidden
    return (
        photo.publication == "approved"
        and photo.published_sha256 is not None
        and not photo.hidden
        and not finding_hidden
    )


def internal_key(photo: Photo, variant: str = "display") -> str | None:
    """What staff see by default: the blurred copy where there is one, else the original size."""
    if photo.originals_purged_at is not None:
        return photo.published_sha256  # after retention only the approved picture is left
    if variant == "thumb":
        return photo.thumb_sha256
    return photo.blurred_sha256 or photo.sha256


@dataclass(frozen=True)
class Rendition:
    """A stored file chosen for a viewer; ``public`` means shared caches may keep it."""

    key: str
    public: bool


def rendition_for(
    photo: Photo, variant: str, *, staff: bool, participant_of_walk: bool, finding_hidden: bool
) -> Rendition | None:
    """The file of ``variant`` (display/thumb) this viewer may get, or None (the caller says 'not found').

    Staff get the originals (the staff review pages show the blurred copy through their own route);
    participants of the walk get the originals of photos that are not hidden; everyone else the published
    rendition of an approved photo.
    """
    if variant not in VARIANTS:
        return None
    hidden = photo.hidden or finding_hidden
    originals = photo.originals_purged_at is None
    if staff or (participant_of_walk and not hidden):
        if originals:
            return Rendition(photo.thumb_sha256 if variant == "thumb" else photo.sha256, public=False)
        if photo.published_sha256 and (staff or is_external(photo, finding_hidden=finding_hidden)):
            return Rendition(photo.published_sha256, public=False)
        return None
    if is_external(photo, finding_hidden=finding_hidden) and photo.published_sha256:
        return Rendition(photo.published_sha256, public=True)
    return None


def export_key(
    *, publication: str, published: str | None, blurred: str | None, original: str,
    originals_purged: bool, audience: str,
) -> str | None:
    """The stored file an export of ``audience`` carries for a photo (None: the photo is left out).

    Works on plain column values so exports can stream photo rows without loading Photo objects; the
    caller has already left out hidden photos and hidden findings.
    """
    if audience == "external":
        return published if publication == "approved" else None
    if originals_purged:
        return published
    return blurred or original


def external_url(photo: Photo) -> str | None:
    """Absolute public address of the published rendition, or None when the photo is not external."""
    if not is_external(photo):
        return None
    return f"{current_app.config['PUBLIC_URL']}/photos/{photo.uuid}/display.jpg"


def first_external_photo(finding: Finding) -> Photo | None:
    """The finding's first photo approved for publication (Open311 media_url)."""
    return next((p for p in finding.photos if is_external(p, finding_hidden=finding.hidden)), None)
