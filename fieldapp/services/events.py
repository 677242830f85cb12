"""History events: who changed what and when, for walks, findings and measures.

``record`` only adds the row to the session; the calling service commits it together with the
change it describes, so history and data never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select

from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Photo


def record(
    kind: str,
    *,
    walk_id: int,
    user_id: int | None = None,
    finding_id: int | None = None,
    measure_id: int | None = None,
    participant_id: int | None = None,
    details: Mapping[str, object] | None = None,
    **data: Any,
) -> Event:
    """Add one event to the session (no commit). Its data are ``details`` (a dict built up by the caller)
    and the other keyword arguments; None values are left out."""
    data = {**(details or {}), **data}
    event = Event(
        kind=kind,
        walk_id=walk_id,
        user_id=user_id,
        finding_id=finding_id,
        measure_id=measure_id,
        participant_id=participant_id,
        data={k: v for k, v in data.items() if v is not None},
    )
    db.session.add(event)
    return event


def record_photo(kind: str, photo: Photo, *, user_id: int | None, **data: Any) -> Event:
    """Add one event about a stored photo: its walk, its finding and the photo's UUID (no commit)."""
    finding = photo.finding
    return record(
        kind, walk_id=finding.walk_id, finding_id=finding.id, user_id=user_id, photo=photo.uuid, **data
    )


def history_for_finding(finding: Finding) -> list[Event]:
    """Events of a finding and of its measure, newest first."""
    conditions = [Event.finding_id == finding.id]
    if finding.measure is not None:
        conditions.append(Event.measure_id == finding.measure.id)
    return list(
        db.session.scalars(
            select(Event).where(or_(*conditions)).order_by(Event.created_at.desc(), Event.id.desc())
        )
    )
