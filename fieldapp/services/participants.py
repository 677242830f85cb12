"""Participants: pseudonymous, walk-scoped, no account."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from fieldapp.errors import N_, Forbidden
from fieldapp.extensions import db
from fieldapp.models import GROUP_TYPES, Participant, Walk

JOINABLE_STATUSES = ("draft", "open")
LINK_REVOKED = N_("The walk's join link was replaced or withdrawn. Ask the organiser for the new link.")


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
            select(Participant).where(Participant.public_id == known_public_id,
                                      Participant.walk_id == walk.id,
                                      Participant.join_generation == walk.join_generation)
        )
    if participant is None:  # new, or joined through an older link: a new person as far as we know
        participant = Participant(walk_id=walk.id, join_generation=walk.join_generation)
        db.session.add(participant)
    participant.language = language if language in ("sv", "en") else "sv"
    participant.group_type = group_type
    db.session.commit()
    return participant


def _key_mac(public_id: str, generation: int) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"fieldapp-participant-key:{public_id}:{generation}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def participant_key(participant: Participant) -> str:
    """A key the phone keeps to get its participant back after the session cookie is gone.

    Stateless: the participant's public id and join generation, signed with the app secret. It is
    worth nothing once the join link is regenerated or revoked (the generation moves on).
    """
    public_id, generation = participant.public_id, participant.join_generation
    return f"{public_id}.{generation}.{_key_mac(public_id, generation)}"


BAD_KEY = N_("This phone's participant key is not valid for this walk. Open the walk's join link again.")


def rejoin(walk: Walk, join_token: str, key: str) -> Participant:
    """The participant a phone's key names, if the join link it used is still the walk's link.

    Works after the walk has closed too (a phone may sync late); never creates a participant.
    Forbidden ``link_revoked`` when the link was regenerated or revoked, ``bad_participant_key``
    when the key is not one of ours for this walk.
    """
    token_ok = hmac.compare_digest(join_token.encode(), walk.join_token.encode())
    if not token_ok or walk.join_token_revoked:
        raise Forbidden(LINK_REVOKED, code="link_revoked")
    public_id, _, rest = key.partition(".")
    generation_text, _, mac = rest.partition(".")
    if not generation_text.isdigit() or not hmac.compare_digest(
            mac.encode(), _key_mac(public_id, int(generation_text)).encode()):
        raise Forbidden(BAD_KEY, code="bad_participant_key")
    if int(generation_text) != walk.join_generation:
        raise Forbidden(LINK_REVOKED, code="link_revoked")
    participant = db.session.scalars(
        select(Participant).where(Participant.public_id == public_id, Participant.walk_id == walk.id)
    ).first()
    if participant is None or participant.join_generation != walk.join_generation:
        raise Forbidden(BAD_KEY, code="bad_participant_key")
    return participant
