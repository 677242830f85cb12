"""Participants: pseudonymous, walk-scoped, no account."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.errors import Forbidden
from fieldapp.extensions import db
from fieldapp.models import Participant, Walk


def join_walk(walk: Walk, known_public_id: str | None, *, language: str = "sv") -> Participant:
    """The participant for this browser on ``walk``: the known one, or a new pseudonymous one."""
    if walk.join_token_revoked or walk.status not in ("draft", "open"):
        raise Forbidden("This walk is closed and no longer takes new participants.", code="walk_closed")
    if known_public_id:
        existing = db.session.scalar(
            select(Participant).where(Participant.public_id == known_public_id, Participant.walk_id == walk.id)
        )
        if existing is not None:
            return existing
    participant = Participant(walk_id=walk.id, language=language)
    db.session.add(participant)
    db.session.commit()
    return participant
