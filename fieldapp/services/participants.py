"""Participants: pseudonymous, walk-scoped, no account."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.errors import N_, Forbidden
from fieldapp.extensions import db
from fieldapp.models import GROUP_TYPES, Participant, Walk

JOINABLE_STATUSES = ("draft", "open")


def can_join(walk: Walk) -> bool:
    """New people can join a walk that is planned or under way and whose link is not revoked."""
    return walk.status in JOINABLE_STATUSES and not walk.join_token_revoked


def join_walk(walk: Walk, known_public_id: str | None, *, language: str = "sv",
              group_type: str | None = None) -> Participant:
    """The participant for this browser on ``walk``: the known one (updated), or a new pseudonymous one."""
    if not can_join(walk):
        raise Forbidden(N_("This walk is closed and no longer takes new participants."), code="walk_closed")
    if group_type is not None and group_type not in GROUP_TYPES:
        group_type = "other"
    participant = None
    if known_public_id:
        participant = db.session.scalar(
            select(Participant).where(Participant.public_id == known_public_id, Participant.walk_id == walk.id)
        )
    if participant is None:
        participant = Participant(walk_id=walk.id)
        db.session.add(participant)
    participant.language = language if language in ("sv", "en") else "sv"
    participant.group_type = group_type
    db.session.commit()
    return participant
