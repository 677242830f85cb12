"""Responsible parties: who fixes what (departments, housing companies, Trafikverket…).

Organizers and admins create, edit and deactivate parties and set their Open311 service codes. Admins keep
the secrets: only an admin sets or removes a party's Open311 API key, and once a key is stored only an admin
may change the endpoint (the key is sent to that address with every request). The rule is enforced here,
whatever form or command calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext
from sqlalchemy import func, select

from fieldapp import secret_box
from fieldapp.errors import Conflict, Forbidden, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Category, PartyServiceCode, ResponsibleParty

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


def _check_permissions(party: ResponsibleParty, data: PartyInput, *, admin: bool) -> None:
    """Organizers may not touch the API key, nor move the endpoint a stored key is sent to."""
    if admin:
        return
    if data.open311_api_key.strip() or data.remove_open311_api_key:
        raise Forbidden(gettext("Only an admin can set or remove the Open311 API key."),
                        code="admin_only_api_key")
    endpoint = data.open311_endpoint.strip() or None
    if party.open311_api_key_encrypted and endpoint != party.open311_endpoint:
        raise Forbidden(gettext("Only an admin can change the endpoint of a party with a stored API key: "
                                "the key is sent to that address."), code="admin_only_endpoint")


def _apply(party: ResponsibleParty, data: PartyInput, *, admin: bool) -> None:
    _check_permissions(party, data, admin=admin)
    name = data.name.strip()
    if not name:
        raise ValidationError(gettext("The responsible party needs a name."), code="party_name")
    if data.kind not in PARTY_KINDS:
        raise ValidationError(gettext("Choose a kind from the list."), code="party_kind")
    email = data.email.strip()
    if email and ("@" not in email or len(email) > 254):
        raise ValidationError(gettext("Enter a valid e-mail address."), code="party_email")
    clash = db.session.scalar(
        select(ResponsibleParty.id).where(
            func.lower(ResponsibleParty.name) == name.lower(), ResponsibleParty.id != (party.id or 0)
        )
    )
    if clash is not None:
        raise Conflict(gettext("A responsible party with this name already exists."),
                       code="party_name_taken")
    endpoint = data.open311_endpoint.strip()
    if endpoint and (urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).netloc
                     or len(endpoint) > 500):
        raise ValidationError(gettext("Enter the Open311 endpoint as a web address (https://…)."),
                              code="open311_endpoint")
    jurisdiction = data.open311_jurisdiction.strip()
    if len(jurisdiction) > 100:
        raise ValidationError(gettext("The jurisdiction id can be at most 100 characters."),
                              code="open311_jurisdiction")
    party.name, party.kind, party.email, party.active = name[:200], data.kind, email or None, data.active
    party.open311_endpoint, party.open311_jurisdiction = endpoint or None, jurisdiction or None
    if data.remove_open311_api_key:
        _store_api_key(party, "")
    elif data.open311_api_key.strip():
        _store_api_key(party, data.open311_api_key.strip())


def _store_api_key(party: ResponsibleParty, api_key: str) -> None:
    """Keep ``api_key`` encrypted (empty removes it): the plaintext never reaches the database."""
    if len(api_key) > MAX_API_KEY_LENGTH:
        raise ValidationError(gettext("The API key can be at most %(n)d characters.", n=MAX_API_KEY_LENGTH),
                              code="open311_api_key")
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


def create_party(data: PartyInput, *, admin: bool = False) -> ResponsibleParty:
    """A new party; ``admin``: the acting user is an admin (may set the API key)."""
    party = ResponsibleParty()
    _apply(party, data, admin=admin)
    db.session.add(party)
    db.session.commit()
    return party


def update_party(party: ResponsibleParty, data: PartyInput, *, admin: bool = False) -> ResponsibleParty:
    """Save the party (deactivating is ``active=False``); the module doc says who may change what."""
    _apply(party, data, admin=admin)
    db.session.commit()
    return party


# --------------------------------------------------------------------------- Open311 service codes

SERVICE_CODE_PATTERN = re.compile(r"[A-Za-z0-9_.:/-]{1,50}")


class ServiceCodeError(ValidationError):
    """A service code that cannot be stored; ``category_id`` says which field it belongs to."""

    def __init__(self, message: str, category_id: int):
        super().__init__(message, code="bad_service_code", details={"category_id": category_id})
        self.category_id = category_id


def service_code_mapping(party: ResponsibleParty) -> dict[int, str]:
    """The party's own service codes: category id → code (categories without one use their default)."""
    return {row.category_id: row.service_code for row in party.service_codes}


def set_service_codes(party: ResponsibleParty, codes: Mapping[int, str]) -> dict[int, str]:
    """Replace the party's service codes (category id → code; an empty code removes the party's own).

    Raises :class:`ServiceCodeError` for an unknown category or a code that is not 1-50 characters of
    letters, digits and ``_ . : / -``; nothing is saved then.
    """
    known = set(db.session.scalars(select(Category.id)))
    wanted: dict[int, str] = {}
    for category_id, raw in codes.items():
        if category_id not in known:
            raise ServiceCodeError(gettext("There is no such category."), category_id)
        code = raw.strip()
        if code and not SERVICE_CODE_PATTERN.fullmatch(code):
            raise ServiceCodeError(gettext(
                "A service code is at most 50 letters, digits or _ . : / - (no spaces)."), category_id)
        if code:
            wanted[category_id] = code
    existing = {row.category_id: row for row in party.service_codes}
    for category_id, row in existing.items():
        if category_id in codes and category_id not in wanted:
            party.service_codes.remove(row)
    for category_id, code in wanted.items():
        if category_id in existing:
            existing[category_id].service_code = code
        else:
            party.service_codes.append(PartyServiceCode(category_id=category_id, service_code=code))
    db.session.commit()
    return service_code_mapping(party)


def service_code_for(party: ResponsibleParty, category: Category) -> str | None:
    """The code ``party``'s system uses for ``category``: the party's own, else the category's default."""
    own = db.session.scalar(select(PartyServiceCode.service_code).where(
        PartyServiceCode.party_id == party.id, PartyServiceCode.category_id == category.id))
    return own or category.service_code or None
