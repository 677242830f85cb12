"""Responsible parties: who fixes what (departments, housing companies, Trafikverket…). Admins manage them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import func, select

from fieldapp import secret_box
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
    open311_endpoint: str = ""
    open311_jurisdiction: str = ""
    #: A new API key; empty keeps the stored one (the stored key is never shown back).
    open311_api_key: str = ""
    remove_open311_api_key: bool = False


MAX_API_KEY_LENGTH = 500


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
    endpoint = data.open311_endpoint.strip()
    if endpoint and (urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc
                     or len(endpoint) > 500):
        raise ValidationError(gettext("Enter the Open311 endpoint as a web address (https://…)."))
    jurisdiction = data.open311_jurisdiction.strip()
    if len(jurisdiction) > 100:
        raise ValidationError(gettext("The jurisdiction id can be at most 100 characters."))
    party.name, party.kind, party.email, party.active = name[:200], data.kind, email or None, data.active
    party.open311_endpoint, party.open311_jurisdiction = endpoint or None, jurisdiction or None
    if data.remove_open311_api_key:
        _store_api_key(party, "")
    elif data.open311_api_key.strip():
        _store_api_key(party, data.open311_api_key.strip())


def _store_api_key(party: ResponsibleParty, api_key: str) -> None:
    """Keep ``api_key`` encrypted (empty removes it): the plaintext never reaches the database."""
    if len(api_key) > MAX_API_KEY_LENGTH:
        raise ValidationError(gettext("The API key can be at most %(n)d characters.", n=MAX_API_KEY_LENGTH))
    party.open311_api_key_encrypted = secret_box.encrypt(api_key) if api_key else None
    party.open311_api_key_hint = (secret_box.hint(api_key) or None) if api_key else None


def set_open311_api_key(party: ResponsibleParty, api_key: str) -> None:
    """Replace the party's Open311 API key (empty removes it)."""
    _store_api_key(party, api_key.strip())
    db.session.commit()


def masked_open311_api_key(party: ResponsibleParty) -> str | None:
    """``••••1234`` for a stored key, None without one: all that pages and JSON ever show of it."""
    if not party.open311_api_key_encrypted:
        return None
    return secret_box.masked(party.open311_api_key_hint)


def open311_api_key_for_sending(party: ResponsibleParty) -> str | None:
    """The plaintext API key, only for the request to the party's Open311 server.

    Raises :class:`fieldapp.secret_box.SecretUnreadable` when the configured keys cannot open it.
    """
    if not party.open311_api_key_encrypted:
        return None
    return secret_box.decrypt(party.open311_api_key_encrypted)


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
