"""Measures (the action list): proposal, responsible party, priority, deadline and a status lifecycle.

Every change is recorded as an Event, which is the measure's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldapp.errors import Conflict, ValidationError
from fieldapp.extensions import db
from fieldapp.models import PRIORITIES, Event, Finding, Measure, ResponsibleParty, Walk
from fieldapp.services import events

# new → assessed → sent → planned → done | rejected (reason) | referred (other owner) → verified.
# Steps may be skipped forward; done/rejected/referred can be reopened.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("assessed", "sent", "planned", "rejected", "referred"),
    "assessed": ("sent", "planned", "done", "rejected", "referred"),
    "sent": ("planned", "done", "rejected", "referred"),
    "planned": ("done", "rejected", "referred"),
    "done": ("verified", "planned"),
    "rejected": ("verified", "assessed"),
    "referred": ("verified", "assessed"),
    "verified": (),
}
NEEDS_REASON = ("rejected", "referred")
MAX_TEXT = 5000


@dataclass(frozen=True)
class MeasureInput:
    """The editable fields of a measure."""

    proposal: str
    responsible_party_id: int | None
    priority: str
    deadline: date | None
    public_answer: str = ""


def _party(party_id: int) -> ResponsibleParty:
    party = db.session.get(ResponsibleParty, party_id)
    if party is None:
        raise ValidationError(gettext("Choose a responsible party from the list."))
    return party


def _check(data: MeasureInput) -> None:
    if data.priority not in PRIORITIES:
        raise ValidationError(gettext("Choose a priority from the list."))
    if len(data.proposal) > MAX_TEXT or len(data.public_answer) > MAX_TEXT:
        raise ValidationError(gettext("The text is too long (at most 5000 characters)."))


def save_measure(finding: Finding, data: MeasureInput, *, user_id: int | None) -> Measure:
    """Create the finding's measure or change it; records what changed."""
    if finding.canonical_id is not None:
        raise Conflict(gettext("This finding is merged into another one; give the measure to that one."))
    _check(data)
    party = None if data.responsible_party_id is None else _party(data.responsible_party_id)
    measure = finding.measure
    created = measure is None
    if measure is None:
        measure = Measure(finding=finding, status="new")
        db.session.add(measure)
    new_values = {
        "proposal": data.proposal.strip(),
        "responsible_party_id": party.id if party else None,
        "priority": data.priority,
        "deadline": data.deadline,
        "public_answer": data.public_answer.strip(),
    }
    changes = {}
    for field, value in new_values.items():
        if created or getattr(measure, field) != value:
            changes[field] = value.isoformat() if isinstance(value, date) else value
            setattr(measure, field, value)
    if "responsible_party_id" in changes:
        changes["responsible_party"] = party.name if party else None
    db.session.flush()
    if changes:
        events.record(
            "measure_created" if created else "measure_edited",
            walk_id=finding.walk_id,
            finding_id=finding.id,
            measure_id=measure.id,
            user_id=user_id,
            details=changes,
        )
    db.session.commit()
    return measure


def next_statuses(measure: Measure) -> tuple[str, ...]:
    return TRANSITIONS.get(measure.status, ())


def change_status(
    measure: Measure,
    status: str,
    *,
    reason: str = "",
    responsible_party_id: int | None = None,
    user_id: int | None,
) -> Measure:
    """Move the measure along its lifecycle.

    Rejected and referred need a reason; referred may name the new owner.
    """
    if status not in next_statuses(measure):
        raise Conflict(gettext("The measure cannot go from this status to the one asked for."))
    reason = reason.strip()
    if status in NEEDS_REASON and not reason:
        raise ValidationError(gettext("Give a reason when a measure is rejected or referred."))
    if len(reason) > MAX_TEXT:
        raise ValidationError(gettext("The text is too long (at most 5000 characters)."))
    data: dict[str, object] = {"old": measure.status, "new": status}
    if reason:
        data["reason"] = reason
    if status == "referred" and responsible_party_id is not None:
        party = _party(responsible_party_id)
        measure.responsible_party_id = party.id
        data["responsible_party"] = party.name
    measure.status = status
    measure.status_reason = reason if status in NEEDS_REASON else measure.status_reason
    events.record(
        "measure_status",
        walk_id=measure.finding.walk_id,
        finding_id=measure.finding_id,
        measure_id=measure.id,
        user_id=user_id,
        details=data,
    )
    db.session.commit()
    return measure


def action_list(walk: Walk) -> list[Finding]:
    """The walk's canonical, visible findings with their measures (those without one last)."""
    findings = list(
        db.session.scalars(
            select(Finding)
            .where(Finding.walk_id == walk.id, Finding.canonical_id.is_(None), Finding.hidden.is_(False))
            .options(
                selectinload(Finding.measure).selectinload(Measure.responsible_party),
                selectinload(Finding.category),
                selectinload(Finding.stop),
            )
            .order_by(Finding.created_at, Finding.id)
        )
    )
    order = {p: n for n, p in enumerate(PRIORITIES)}
    return sorted(
        findings, key=lambda f: (f.measure is None, order.get(f.measure.priority, 9) if f.measure else 9)
    )


def done_times(walk_ids: Iterable[int]) -> dict[int, datetime]:
    """When each measure of these walks last became done (its finding id → time), from its history."""
    ids = list(walk_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Event.finding_id, Event.data, Event.created_at)
        .where(Event.walk_id.in_(ids), Event.kind == "measure_status")
        .order_by(Event.created_at, Event.id)
    )
    done: dict[int, datetime] = {}
    for finding_id, data, at in rows:
        if finding_id is not None and (data or {}).get("new") == "done":
            done[finding_id] = at
    return done
