"""Face and number-plate detection on every uploaded photo, in the job queue (never during a request).

``start`` queues the job for a committed photo; ``run`` (the job) reads the stored display JPEG, runs
``fieldapp.detection.detect_regions`` and stores its regions as open ``BlurSuggestion`` rows. The photo's
``detection_state`` goes from ``pending`` to ``done`` (or ``failed`` with the reason, for a file that is
missing or cannot be decoded) by a compare-and-set in the transaction that adds the suggestions, so a job
that runs twice, or two workers on one photo, store the suggestions once. A job lost on the way (queue
unreachable, worker killed mid-detection) leaves the photo ``pending``; ``sweep`` queues it again.

Detection can miss faces and, more often, plates (docs/PERFORMANCE.md): suggestions help staff, they do
not replace looking at each photo.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import or_, select, update

from fieldapp import jobs
from fieldapp.extensions import db
from fieldapp.models import BlurSuggestion, Photo, utcnow
from fieldapp.services.dml import changed_rows
from fieldapp.storage import photo_store

if TYPE_CHECKING:
    from fieldapp.detection import DetectedRegion

log = logging.getLogger(__name__)
PENDING, DONE, FAILED = "pending", "done", "failed"
#: Detector errors that belong to the photo (marked failed for good); others (model missing) are retried.
PHOTO_ERRORS = ("empty", "too_many_pixels", "corrupt_image")


def start(photo_id: int) -> None:
    """Queue detection for a committed photo. An unreachable queue is logged, not raised: the photo stays
    pending and the sweep queues it later, so the upload still succeeds."""
    from fieldapp.jobs.tasks import detect_photo_regions

    try:
        jobs.enqueue(detect_photo_regions, photo_id)
    except jobs.QUEUE_ERRORS as err:
        log.warning("could not enqueue detection of photo %s (the sweep will): %s", photo_id, err)


def _finish(photo_id: int, state: str, error: str | None = None,
            regions: Sequence[DetectedRegion] = ()) -> bool:
    """Set the outcome if the photo is still pending, with its suggestions, in one transaction.

    False (and nothing written) when another run got there first."""
    claimed = changed_rows(
        update(Photo)
        .where(Photo.id == photo_id, Photo.detection_state == PENDING)
        .values(detection_state=state, detection_error=error)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        db.session.rollback()
        return False
    boxes = {(r.kind, r.x, r.y, r.w, r.h): r.score for r in regions}  # the unique key, once each
    stored = db.session.execute(  # a photo examined again (state reset by hand) keeps its earlier boxes
        select(BlurSuggestion.kind, BlurSuggestion.x, BlurSuggestion.y, BlurSuggestion.w, BlurSuggestion.h)
        .where(BlurSuggestion.photo_id == photo_id)
    ).all()
    for kind, x, y, w, h in stored:
        boxes.pop((kind, x, y, w, h), None)
    db.session.add_all(
        BlurSuggestion(photo_id=photo_id, kind=kind, x=x, y=y, w=w, h=h, score=score)
        for (kind, x, y, w, h), score in boxes.items()
    )
    db.session.commit()
    return True


def run(photo_id: int) -> str | None:
    """Examine one photo unless it is already done (or failed, or gone). Returns the state it left."""
    from fieldapp.detection import DetectionError, detect_regions  # numpy/scipy/onnx: worker processes only

    photo = db.session.get(Photo, photo_id)
    state = None if photo is None else photo.detection_state
    data = photo_store().get(photo.sha256) if photo is not None and state == PENDING else None
    db.session.rollback()  # no transaction stays open while the detector works
    if state != PENDING:
        return state
    if data is None:
        if _finish(photo_id, FAILED, "missing_file: the stored photo file is missing"):
            log.warning("detection of photo %s failed: stored file missing", photo_id)
        return FAILED
    try:
        regions = detect_regions(data)
    except DetectionError as err:
        if err.code not in PHOTO_ERRORS:  # the detector itself is broken: keep pending for the sweep
            log.error("detection of photo %s not possible now: %s", photo_id, err)
            return PENDING
        if _finish(photo_id, FAILED, f"{err.code}: {err}"[:1000]):
            log.warning("detection of photo %s failed: %s (%s)", photo_id, err.code, err)
        return FAILED
    if _finish(photo_id, DONE, regions=regions):
        log.info("detection of photo %s: %d regions", photo_id, len(regions))
    return DONE


def sweep() -> int:
    """Queue again every photo still pending whose job was queued longer ago than
    ``DETECTION_REQUEUE_SECONDS`` (or never). Returns how many were queued."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["DETECTION_REQUEUE_SECONDS"])
    due = list(db.session.scalars(
        select(Photo.id).where(
            Photo.detection_state == PENDING,
            or_(Photo.detection_requested_at.is_(None), Photo.detection_requested_at < cutoff),
        ).order_by(Photo.id)
    ))
    if not due:
        db.session.rollback()
        return 0
    db.session.execute(
        update(Photo).where(Photo.id.in_(due), Photo.detection_state == PENDING)
        .values(detection_requested_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    for photo_id in due:
        start(photo_id)
    log.info("detection sweep: queued %d pending photos again", len(due))
    return len(due)
