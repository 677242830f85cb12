"""Who is asking: the walk-scoped participant cookie (signed session) and staff login."""
from __future__ import annotations

from flask import session
from flask_login import current_user
from sqlalchemy import select

from fieldapp.errors import N_, Forbidden
from fieldapp.extensions import db
from fieldapp.models import Participant, Walk
from fieldapp.services.participants import LINK_REVOKED

SESSION_KEY = "walks"


def remember_participant(walk: Walk, participant: Participant) -> None:
    """Store the participant for this walk in the signed session cookie."""
    joined = dict(session.get(SESSION_KEY, {}))
    joined[walk.slug] = participant.public_id
    session[SESSION_KEY] = joined
    session.permanent = True


def known_public_id(walk: Walk) -> str | None:
    return session.get(SESSION_KEY, {}).get(walk.slug)


def current_participant(walk: Walk) -> Participant | None:
    """The participant of ``walk`` this browser joined as, or None.

    The one place that decides whether a participant still has access: someone who joined through
    a link that has since been regenerated or revoked gets Forbidden ``link_revoked``, for reads
    and writes alike.
    """
    public_id = known_public_id(walk)
    if not public_id:
        return None
    participant = db.session.scalar(
        select(Participant).where(Participant.public_id == public_id, Participant.walk_id == walk.id)
    )
    if participant is not None and participant.join_generation < walk.join_generation:
        raise Forbidden(LINK_REVOKED, code="link_revoked")
    return participant


def is_staff() -> bool:
    return bool(current_user.is_authenticated)


def require_walk_access(walk: Walk) -> Participant | None:
    """Staff or a participant of this walk may look; returns the participant (None for staff)."""
    if is_staff():
        try:
            return current_participant(walk)
        except Forbidden:
            return None  # staff who once joined through an old link still see the walk as staff
    participant = current_participant(walk)
    if participant is None and not is_staff():
        raise Forbidden(
            N_("Open the walk's join link (or scan its QR code) to take part."), code="not_joined"
        )
    return participant


def require_participant(walk: Walk) -> Participant:
    """Only a participant of this walk may write to it."""
    participant = current_participant(walk)
    if participant is None:
        raise Forbidden(
            N_("Open the walk's join link (or scan its QR code) to take part."), code="not_joined"
        )
    return participant


def current_participant_ids() -> dict[str, str]:
    """Every walk slug → participant public id this browser joined."""
    return dict(session.get(SESSION_KEY, {}))
