"""Responsible parties: who fixes what (departments, housing companies, Trafikverket…). Admins manage them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import func, select

from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import ResponsibleParty

PARTY_KINDS = ("municipal", "housing_company", "trafikverket", "police", "private_owner", "other")


@dataclass(frozen=True)
class PartyInput:
    name: str
    kind: str = "municipal"
    email: str = ""
    active: bool = True


def list_parties(*, only_active: bool = False) -> list[ResponsibleParty]:
    query = select(ResponsibleParty).order_by(func.lower(ResponsibleParty.name))
    if only_active:
        query = query.where(ResponsibleParty.active.is_(True))
    return list(db.session.scalars(query))


def party_by_id(party_id: int) -> ResponsibleParty:
    party = db.session.get(ResponsibleParty, party_id)
    if party is None:
        raise NotFound(gettext("There is no such responsible party."))
    return party


def _apply(party: ResponsibleParty, data: PartyInput) -> None:
    name = data.name.strip()
    if not name:
        raise ValidationError(gettext("The responsible party needs a name."))
    if data.kind not in PARTY_KINDS:
        raise ValidationError(gettext("Choose a kind from the list."))
    email = data.email.strip()
    if email and ("@" not in email or len(email) > 254):
        raise ValidationError(gettext("Enter a valid e-mail address."))
    clash = db.session.scalar(
        select(ResponsibleParty.id).where(
            func.lower(ResponsibleParty.name) == name.lower(), ResponsibleParty.id != (party.id or 0)
        )
    )
    if clash is not None:
        raise Conflict(gettext("A responsible party with this name already exists."))
    party.name, party.kind, party.email, party.active = name[:200], data.kind, email or None, data.active


def create_party(data: PartyInput) -> ResponsibleParty:
    party = ResponsibleParty()
    _apply(party, data)
    db.session.add(party)
    db.session.commit()
    return party


def update_party(party: ResponsibleParty, data: PartyInput) -> ResponsibleParty:
    _apply(party, data)
    db.session.commit()
    return party
