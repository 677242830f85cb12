"""The follow-up walk: the same route a year later, checking what became of what was reported.

``plan_follow_up`` copies a walk's route, stops, meeting point and category set into a new draft linked
to it (``previous_walk_id``). During the follow-up walk the phone shows the earlier walk's findings
with their measure's status, and a participant says in two taps "fixed" or "still a problem": a
:class:`~fieldapp.models.FollowUpCheck`, sent by the phone's UUID like a finding (offline, retried,
never duplicated) and taken in by the same late-sync rule as findings. ``comparison`` is what the
follow-up walk's protocol and staff page show.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fieldapp.errors import N_, Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import VERDICTS, Finding, FollowUpCheck, Measure, Participant, Route, Stop, Walk
from fieldapp.services import late_sync
from fieldapp.services.findings import parse_uuid
from fieldapp.services.walks import new_join_token, unique_slug
from fieldapp.text import clean_text
from gis import convert
from gis.nearby import within_metres

FIXED_STATUSES = ("done", "verified")
MAX_NOTE = 2000


def plan_follow_up(walk: Walk, *, created_by_id: int | None) -> Walk:
    """A new draft walk on the same route, stops, meeting point and categories, linked to ``walk``."""
    title = gettext("%(title)s – follow-up", title=walk.title)[:200]
    follow_up = Walk(
        slug=unique_slug(title), title=title, area_name=walk.area_name, purpose=walk.purpose,
        municipality=walk.municipality, meeting_point_text=walk.meeting_point_text,
        meeting_point_el=walk.meeting_point_el, status="draft", join_token=new_join_token(),
        created_by_id=created_by_id, previous_walk_id=walk.id, categories=list(walk.categories),
    )
    if walk.route is not None:
        follow_up.route = Route(geom_el=walk.route.geom_el, length_m=walk.route.length_m,
                                source=walk.route.source)
    follow_up.stops = [Stop(seq=s.seq, name=s.name, questions=s.questions, geom_el=s.geom_el)
                       for s in walk.stops]
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


def _earlier(walk: Walk) -> list[Finding]:
    """The earlier walk's visible findings (not hidden, not merged into another), oldest first."""
    if walk.previous_walk_id is None:
        return []
    return list(db.session.scalars(
        select(Finding)
        .where(Finding.walk_id == walk.previous_walk_id, Finding.hidden.is_(False),
               Finding.canonical_id.is_(None))
        .options(selectinload(Finding.measure), selectinload(Finding.category))
        .order_by(Finding.created_at, Finding.id)
    ))


def earlier_findings_for_phone(walk: Walk, locale: str) -> list[dict[str, Any]]:
    """What the phone shows of the earlier walk: place, category, measure status and public answer only
    (the external audience: no notes, no participant data)."""
    from fieldapp.staff.labels import measure_status_names

    names = measure_status_names()
    out = []
    for finding in _earlier(walk):
        point = convert.to_point(finding.geom_el)
        measure = finding.measure
        out.append({
            "uuid": finding.uuid, "lon": point.x, "lat": point.y,
            "category": finding.category.name(locale), "polarity": finding.polarity,
            "status": measure.status if measure else None,
            "status_label": names[measure.status] if measure else gettext("No measure decided"),
            "public_answer": measure.public_answer if measure else "",
        })
    return out


@dataclass(frozen=True)
class CheckInput:
    earlier_finding: str  # the earlier finding's UUID
    verdict: str
    note: str = ""
    created_at: datetime | None = None


def record_check(walk: Walk, check_uuid: str, data: CheckInput, *, participant_id: int,
                 now: datetime | None = None) -> tuple[FollowUpCheck, bool]:
    """Store (or, repeated, change) a participant's verdict; returns the check and whether it is new."""
    now = now or datetime.now(UTC)
    check_uuid = parse_uuid(check_uuid)
    if data.verdict not in VERDICTS:
        raise ValidationError(N_("Say whether it is fixed or still a problem."))
    note = clean_text(data.note).strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(gettext("The note is too long (at most %(n)d characters).", n=MAX_NOTE))
    earlier = db.session.scalar(select(Finding).where(Finding.uuid == data.earlier_finding))
    if earlier is None or walk.previous_walk_id is None or earlier.walk_id != walk.previous_walk_id:
        raise NotFound(N_("This finding is not from the walk this one follows up."))
    created_at = data.created_at or now
    existing = db.session.scalar(select(FollowUpCheck).where(FollowUpCheck.uuid == check_uuid))
    if existing is not None:
        if existing.walk_id != walk.id or existing.participant_id != participant_id:
            raise Conflict(N_("This id is already used for something else."))
        if late_sync.edits_apply(walk, now):
            existing.verdict, existing.note, existing.earlier_finding_id = data.verdict, note, earlier.id
            db.session.commit()
        return existing, False
    check = FollowUpCheck(uuid=check_uuid, walk_id=walk.id, earlier_finding_id=earlier.id,
                          participant_id=participant_id, verdict=data.verdict, note=note,
                          created_at=created_at, received_at=now,
                          arrival=late_sync.arrival_of_new_finding(walk, created_at, now))
    db.session.add(check)
    try:
        db.session.commit()
    except IntegrityError:  # the same check sent twice at once: the other request stored it
        db.session.rollback()
        stored = db.session.scalar(select(FollowUpCheck).where(FollowUpCheck.uuid == check_uuid))
        if stored is None:
            raise
        return stored, False
    return check, True


OUTCOMES = ("fixed_confirmed", "broke_again", "remains", "fixed_by_others", "not_checked")


@dataclass
class ComparedFinding:
    """One finding of the earlier walk and what the follow-up walk found."""

    finding: Finding
    measure: Measure | None
    fixed: int = 0
    still: int = 0
    groups: Counter[str] = field(default_factory=Counter)  # who checked it (participant groups)
    notes: list[str] = field(default_factory=list)
    felt_now: list[tuple[int, int]] = field(default_factory=list)  # answers at the same place on this walk

    @property
    def felt_then(self) -> tuple[int, int] | None:
        """The earlier finding's felt-safety answer as (value, scale)."""
        return self.finding.felt

    @property
    def measure_done(self) -> bool:
        return self.measure is not None and self.measure.status in FIXED_STATUSES

    @property
    def outcome(self) -> str:
        """fixed_confirmed · broke_again (done, but reported still a problem) · remains · fixed_by_others
        (no measure done, yet participants found it fixed) · not_checked."""
        if not (self.fixed or self.still):
            return "not_checked"
        if self.measure_done:
            return "broke_again" if self.still else "fixed_confirmed"
        return "remains" if self.still else "fixed_by_others"


@dataclass(frozen=True)
class Comparison:
    earlier_walk: Walk
    items: list[ComparedFinding]

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)


def comparison(walk: Walk) -> Comparison | None:
    """The follow-up walk against the walk before it, or None when ``walk`` follows up nothing."""
    if walk.previous_walk is None:
        return None
    items = {f.id: ComparedFinding(f, f.measure) for f in _earlier(walk)}
    rows = db.session.execute(
        select(FollowUpCheck, Participant.group_type)
        .outerjoin(Participant, Participant.id == FollowUpCheck.participant_id)
        .where(FollowUpCheck.walk_id == walk.id, FollowUpCheck.arrival != late_sync.AFTER_CLOSE)
        .order_by(FollowUpCheck.created_at, FollowUpCheck.id)
    )
    for check, group in rows:
        item = items.get(check.earlier_finding_id)
        if item is None:  # the earlier finding was hidden or merged since
            continue
        if check.verdict == "fixed":
            item.fixed += 1
        else:
            item.still += 1
        item.groups[group or "unknown"] += 1
        if check.note:
            item.notes.append(check.note)
    _felt_now_at_the_same_places(walk, list(items.values()))
    return Comparison(walk.previous_walk, list(items.values()))


SAME_PLACE_M = 50.0  # a finding on the follow-up walk this close to an earlier one is about the same place


def _felt_now_at_the_same_places(walk: Walk, items: list[ComparedFinding]) -> None:
    """For each earlier finding, the felt-safety answers given on ``walk`` within SAME_PLACE_M of it."""
    table = Finding.__table__.c
    dialect = db.engine.dialect.name
    for item in items:
        if item.felt_then is None:
            continue
        point = convert.to_point(item.finding.geom_el)
        nearby = db.session.scalars(
            select(Finding).where(Finding.walk_id == walk.id, Finding.hidden.is_(False),
                                  Finding.canonical_id.is_(None),
                                  within_metres(dialect, table.geom, table.id, point, SAME_PLACE_M))
        )
        item.felt_now = [answer for answer in (f.felt for f in nearby) if answer is not None]
