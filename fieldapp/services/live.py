"""Live updates: a short mark of everything a walk's field page and live view show, to spot changes.

The mark changes whenever a finding of the walk is added, edited, hidden, merged or removed, or a photo is
added, withdrawn or removed. It is read from the database (no state in process memory), so a change saved
by any app server is seen by every stream on every other one.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import case, func, select

from fieldapp.extensions import db
from fieldapp.models import Finding, Photo


def change_mark(walk_id: int) -> str:
    """A short string that differs whenever the walk's findings or their photos change.

    Ends its read transaction, so a long-lived caller (an event stream) holds no database connection
    between calls.
    """
    findings = db.session.execute(
        select(func.count(Finding.id), func.max(Finding.updated_at),
               func.coalesce(func.sum(Finding.version), 0))
        .where(Finding.walk_id == walk_id)
    ).one()
    photos = db.session.execute(
        select(func.count(Photo.id), func.max(Photo.id),
               func.coalesce(func.sum(case((Photo.hidden.is_(True), 1), else_=0)), 0))
        .join(Finding, Photo.finding_id == Finding.id)
        .where(Finding.walk_id == walk_id)
    ).one()
    db.session.rollback()  # read only: give the connection back to the pool
    raw = "|".join(str(value) for value in (*findings, *photos))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
