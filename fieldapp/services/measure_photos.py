"""Staff's "after" photo of a measure: the picture of the place once the work was done.

It is stored like any photo of the finding (fieldapp.services.photos: processed, no metadata) and marked
``after_measure``; the feedback page shows it next to the residents' photos (before/after). Publication is
the usual decision (fieldapp.services.photo_publication): staff may approve it while uploading.
"""

from __future__ import annotations

from fieldapp.errors import N_, Conflict
from fieldapp.extensions import db
from fieldapp.models import Measure, Photo, new_uuid
from fieldapp.services import events, photo_publication, photos


def add_after_photo(measure: Measure, data: bytes, *, publish: bool, user_id: int | None) -> Photo:
    """Store ``data`` as the measure's after photo (a history event records it); ``publish`` approves it
    for the public as it is (staff took it and have seen it)."""
    finding = measure.finding
    if finding.canonical_id is not None:
        raise Conflict(N_("This finding is merged into another one."))
    photo, _ = photos.add_photo(finding, new_uuid(), data)
    photo.after_measure = True
    events.record(
        "measure_after_photo", walk_id=finding.walk_id, finding_id=finding.id, measure_id=measure.id,
        user_id=user_id, photo=photo.uuid,
    )
    db.session.commit()
    if publish:
        photo_publication.approve(photo, with_blur=False, user_id=user_id, confirmed=True)
    return photo
