"""Reviewing findings after the walk: filter, edit, hide; hide or blur photos."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from flask_babel import gettext
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from fieldapp import imaging
from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.finding_rules import POLARITIES
from fieldapp.models import MEASURE_STATUSES, Finding, Photo, Walk
from fieldapp.services import categories, events, late_sync, photo_publication
from fieldapp.services.findings import parse_uuid
from fieldapp.services.walks import walk_of
from fieldapp.storage import photo_store
from gis import convert

STATUS_FILTERS = ("no_measure", *MEASURE_STATUSES, "hidden")
PHOTO_VARIANTS = ("display", "thumb", "blurred")
MAX_NOTE = 5000


@dataclass(frozen=True)
class ReviewFilter:
    """Filters of the review list; empty values mean 'all'."""

    category: str = ""
    polarity: str = ""
    stop: int | None = None
    with_photo: bool = False
    status: str = ""


def review_findings(walk: Walk, filters: ReviewFilter = ReviewFilter()) -> list[Finding]:
    """The walk's canonical (not merged-away) findings matching ``filters``, oldest first.

    Hidden findings are only listed with ``status='hidden'``.
    """
    query = (
        select(Finding)
        .where(Finding.walk_id == walk.id, Finding.canonical_id.is_(None))
        .options(
            selectinload(Finding.photos),
            selectinload(Finding.category),
            selectinload(Finding.stop),
            selectinload(Finding.measure),
        )
        .order_by(Finding.created_at, Finding.id)
    )
    query = query.where(Finding.hidden.is_(filters.status == "hidden"))
    result = list(db.session.scalars(query))
    if filters.category:  # a top-level category includes its sub-choices
        wanted = set(categories.ids_under(filters.category))
        result = [f for f in result if f.category_id in wanted]
    if filters.polarity in POLARITIES:
        result = [f for f in result if f.polarity == filters.polarity]
    if filters.stop is not None:
        result = [f for f in result if f.stop is not None and f.stop.seq == filters.stop]
    if filters.with_photo:
        result = [f for f in result if any(not p.hidden for p in f.photos)]
    if filters.status == "no_measure":
        result = [f for f in result if f.measure is None]
    elif filters.status in MEASURE_STATUSES:
        result = [f for f in result if f.measure is not None and f.measure.status == filters.status]
    return result


def finding_by_uuid(walk: Walk, finding_uuid: str) -> Finding:
    """A finding of ``walk`` by its UUID (NotFound otherwise)."""
    finding = db.session.scalars(
        select(Finding).where(Finding.uuid == parse_uuid(finding_uuid), Finding.walk_id == walk.id)
    ).first()
    if finding is None:
        raise NotFound(gettext("This walk has no such finding."))
    return finding


@dataclass(frozen=True)
class FindingEdit:
    """What staff may correct on a finding."""

    note: str
    category_code: str
    lon: float
    lat: float
    internal_note: str = ""
    base_version: int | None = None  # the version the editor saw; None only for callers without a form


class EditConflict(Conflict):
    """Someone changed the finding after the editor opened it: nothing was saved."""

    def __init__(self, current: Finding):
        super().__init__(gettext("Someone changed this finding after you opened it. Nothing was saved: "
                                 "compare the two versions and choose."), code="version_conflict")
        self.current = current


def edit_finding(finding: Finding, edit: FindingEdit, *, user_id: int | None) -> Finding:
    """Correct text, category and position; every change is recorded as an event."""
    if len(edit.note) > MAX_NOTE or len(edit.internal_note) > MAX_NOTE:
        raise ValidationError(gettext("The note is too long (at most 5000 characters)."))
    category = next((c for c in walk_of(finding).categories if c.code == edit.category_code), None)
    if category is None:
        raise ValidationError(gettext("Choose one of the walk's categories."))
    if not (
        math.isfinite(edit.lon)
        and math.isfinite(edit.lat)
        and -180 <= edit.lon <= 180
        and -90 <= edit.lat <= 90
    ):
        raise ValidationError(gettext("The position is outside the map."))
    if edit.base_version is not None and edit.base_version != finding.version:
        raise EditConflict(finding)
    old_point = convert.to_point(finding.geom_el)
    changes: dict[str, object] = {}
    if edit.note.strip() != finding.note:
        changes["note"] = edit.note.strip()
        finding.note = edit.note.strip()
    if edit.internal_note.strip() != finding.internal_note:
        changes["internal_note"] = True
        finding.internal_note = edit.internal_note.strip()
    if category.id != finding.category_id:
        changes["category"] = category.code
        finding.category_id = category.id
        finding.category = category
        finding.polarity = category.polarity
    new_point = Point(edit.lon, edit.lat)
    if not new_point.equals_exact(old_point, 1e-8):
        changes["position"] = [round(edit.lon, 7), round(edit.lat, 7)]
        finding.geom_el = convert.to_element(new_point)
        finding.position_source = "map"
    if changes:
        events.record(
            "finding_edited", walk_id=finding.walk_id, finding_id=finding.id, user_id=user_id, details=changes
        )
    try:
        db.session.commit()  # UPDATE … WHERE version = the one read: a concurrent change is not overwritten
    except StaleDataError:
        db.session.rollback()
        current = db.session.get(Finding, finding.id)
        if current is None:  # deleted meanwhile (walk deleted): nothing left to compare with
            raise NotFound(gettext("This walk has no such finding.")) from None
        raise EditConflict(current) from None
    return finding


def after_close_findings(walk: Walk) -> list[Finding]:
    """Findings that arrived after the walk closed, kept aside for staff (late_sync), oldest first."""
    return list(db.session.scalars(
        select(Finding).where(Finding.walk_id == walk.id, Finding.arrival == late_sync.AFTER_CLOSE)
        .order_by(Finding.created_at, Finding.id)
    ))


def accept_after_close(finding: Finding, *, user_id: int | None) -> Finding:
    """Take a finding that arrived after closing into the walk: visible, flagged late."""
    if finding.arrival != late_sync.AFTER_CLOSE:
        raise Conflict(gettext("This finding is already part of the walk."))
    finding.arrival, finding.hidden = late_sync.LATE, False
    events.record("after_close_accepted", walk_id=finding.walk_id, finding_id=finding.id, user_id=user_id)
    db.session.commit()
    return finding


def set_finding_hidden(finding: Finding, hidden: bool, *, user_id: int | None) -> Finding:
    """Hide a finding from lists, map, protocol and exports (or show it again)."""
    if finding.hidden != hidden:
        finding.hidden = hidden
        events.record(
            "finding_hidden" if hidden else "finding_shown",
            walk_id=finding.walk_id,
            finding_id=finding.id,
            user_id=user_id,
        )
        db.session.commit()
    return finding


def photo_by_uuid(photo_uuid: str) -> Photo:
    photo = db.session.scalars(select(Photo).where(Photo.uuid == parse_uuid(photo_uuid))).first()
    if photo is None:
        raise NotFound(gettext("There is no such photo."))
    return photo


def photo_bytes(photo: Photo, variant: str) -> bytes:
    """The stored JPEG of one size: display, thumb, or the blurred display image (after retention purged the
    originals, only the published file is left: it stands in for every size)."""
    if photo.originals_purged_at is not None:
        key = photo.published_sha256
    else:
        key = {"display": photo.sha256, "thumb": photo.thumb_sha256, "blurred": photo.blurred_sha256}.get(
            variant
        )
    data = photo_store().get(key) if key else None
    if data is None:
        raise NotFound(gettext("There is no such photo."))
    return data


def set_photo_hidden(photo: Photo, hidden: bool, *, user_id: int | None) -> Photo:
    """Hide a photo everywhere except from staff (or show it again)."""
    if photo.hidden != hidden:
        photo.hidden = hidden
        if hidden:
            photo_publication.withdraw_approval(photo, user_id=user_id, reason="hidden")
        events.record_photo("photo_hidden" if hidden else "photo_shown", photo, user_id=user_id)
        db.session.commit()
    return photo


@dataclass(frozen=True)
class BlurBox:
    """A rectangle as fractions (0…1) of the photo's width and height."""

    x: float
    y: float
    width: float
    height: float

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        values = (self.x, self.y, self.width, self.height)
        if not all(math.isfinite(v) for v in values) or self.width <= 0 or self.height <= 0:
            raise ValidationError(gettext("Mark a rectangle on the photo to blur."))
        left = max(0.0, min(1.0, self.x))
        top = max(0.0, min(1.0, self.y))
        right = max(left, min(1.0, self.x + self.width))
        bottom = max(top, min(1.0, self.y + self.height))
        box = (round(left * width), round(top * height), round(right * width), round(bottom * height))
        if box[2] - box[0] < 2 or box[3] - box[1] < 2:
            raise ValidationError(gettext("The rectangle to blur is too small."))
        return box


def blur_photo(
    photo: Photo, box: BlurBox, *, user_id: int | None, suggestion_id: int | None = None
) -> Photo:
    """Blur a rectangle of the display image into a new stored file (the original stays for staff).

    Repeated calls add rectangles: each starts from the latest blurred image. ``suggestion_id``: the
    detector's suggestion this rectangle confirms (as suggested or adjusted). An approved photo goes
    back to internal (it must be approved again with its new blur).
    """
    store = photo_store()
    source = store.get(photo.blurred_sha256 or photo.sha256)
    if source is None:
        raise NotFound(gettext("There is no such photo."))
    pixels = box.pixels(*imaging.image_size(source))
    data = imaging.blur_region(source, pixels)
    digest = hashlib.sha256(data).hexdigest()
    store.put(digest, data)
    photo.blurred_sha256 = digest
    photo.blurred = True
    photo_publication.mark_confirmed(photo, suggestion_id)
    photo_publication.withdraw_approval(photo, user_id=user_id, reason="blur_changed")
    events.record_photo("photo_blurred", photo, user_id=user_id, box=list(pixels))
    db.session.commit()
    return photo


def remove_blur(photo: Photo, *, user_id: int | None) -> Photo:
    """Drop the blurred version (start over); the original is untouched."""
    if photo.blurred_sha256 is not None:
        photo.blurred_sha256 = None
        photo.blurred = False
        photo_publication.withdraw_approval(photo, user_id=user_id, reason="blur_changed")
        events.record_photo("photo_unblurred", photo, user_id=user_id)
        db.session.commit()
    return photo
