"""Staff accounts by e-mail: invitations and password resets through expiring, single-use links.

A link carries the account id and a fingerprint of the account's password hash and session epoch, signed
with the application's secret key. Setting a password (through the link, by an admin, or after the
account is deactivated) changes the fingerprint, so a link works once and every older link stops
working. Invitation links last :data:`INVITATION_VALID`, reset links :data:`RESET_VALID`.
Asking for a reset never says whether the address belongs to an account.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Literal

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from fieldapp.errors import N_, Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.mail import Mail, normalized_address, send
from fieldapp.models import ROLES, User
from fieldapp.services.passwords import require_acceptable_password
from fieldapp.services.users import invalidate_sessions, user_by_email

Purpose = Literal["reset", "invite"]
RESET_VALID = timedelta(hours=1)
INVITATION_VALID = timedelta(days=7)
_VALID: dict[str, timedelta] = {"reset": RESET_VALID, "invite": INVITATION_VALID}

LINK_INVALID = N_("This link is not valid or has already been used. Ask for a new one.")
LINK_EXPIRED = N_("This link has expired. Ask for a new one.")


class AccountLinkError(NotFound):
    """A reset or invitation link that cannot be used (wrong, used, expired): 404 with a message."""

    code = "account_link_invalid"


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"fieldapp-staff-{purpose}")


def _fingerprint(user: User) -> str:
    """Changes whenever the password is set or the account's sessions are ended."""
    material = f"{user.password_hash}|{user.session_epoch}|{int(bool(user.active))}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_link_token(user: User, purpose: Purpose) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str, purpose: Purpose) -> User:
    """The active account a link was made for; AccountLinkError when it is wrong, used or expired."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(_VALID[purpose].total_seconds()))
    except SignatureExpired as err:
        raise AccountLinkError(LINK_EXPIRED) from err
    except BadSignature as err:
        raise AccountLinkError(LINK_INVALID) from err
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise AccountLinkError(LINK_INVALID)
    return user


def _link(user: User, purpose: Purpose) -> str:
    """The link for the mail, on the configured public address (never the request's Host header, which a
    client chooses: a reset link pointing elsewhere would hand the token to someone else)."""
    endpoint = "staff.password_reset" if purpose == "reset" else "staff.accept_invitation"
    public_url: str = current_app.config["PUBLIC_URL"]
    return public_url + url_for(endpoint, token=make_link_token(user, purpose))


def _site_name() -> str:
    return current_app.config.get("MUNICIPALITY_NAME") or "fieldapp"


def request_password_reset(email: str, *, lang: str = "sv") -> None:
    """Mail a reset link to an active account with this address; the same outcome for unknown addresses."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    link = _link(user, "reset")
    with force_locale(lang):
        subject = gettext("Reset your password for %(site)s", site=_site_name())
        body = gettext(
            "Someone (hopefully you) asked to reset the password of the staff account %(email)s.\n\n"
            "Choose a new password here (the link works once, for %(hours)d hour):\n%(link)s\n\n"
            "If you did not ask for this, ignore this e-mail: your password stays as it is.",
            email=user.email, hours=int(RESET_VALID.total_seconds() // 3600), link=link,
        )
    send(Mail(to=user.email, subject=subject, body=body))


def invite_user(email: str, *, role: str, name: str = "", invited_by: User | None = None,
                lang: str = "sv") -> User:
    """Create an account without a usable password and mail its owner a link to choose one."""
    address = normalized_address(email)
    if address is None:
        raise ValidationError(N_("Enter a valid e-mail address."))
    email = address
    if role not in ROLES:
        raise ValidationError(N_("Choose a role from the list."))
    if user_by_email(email) is not None:
        raise Conflict(gettext("A user with the e-mail %(email)s already exists.", email=email))
    # Nobody knows this password: the account can only be used after the invitation is accepted.
    user = User(email=email, name=name.strip()[:200], role=role,
                password_hash=generate_password_hash(secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.commit()
    send_invitation(user, invited_by=invited_by, lang=lang)
    return user


def send_invitation(user: User, *, invited_by: User | None = None, lang: str = "sv") -> None:
    """Mail (again) the link with which the account's owner chooses a password; earlier links keep working
    until one of them is used."""
    if not user.active:
        raise Conflict(N_("This account is deactivated. Activate it before sending an invitation."))
    link = _link(user, "invite")
    with force_locale(lang):
        inviter = (invited_by.name or invited_by.email) if invited_by is not None else _site_name()
        subject = gettext("You are invited to %(site)s", site=_site_name())
        body = gettext(
            "%(inviter)s has made a staff account for you (%(email)s) to plan safety walks and follow up "
            "what residents report.\n\nChoose your password here (the link works once, for %(days)d days):\n"
            "%(link)s",
            inviter=inviter, email=user.email, days=INVITATION_VALID.days, link=link,
        )
    send(Mail(to=user.email, subject=subject, body=body))


def set_password_by_link(token: str, purpose: Purpose, password: str) -> User:
    """Set the account's password through a valid link; the link and every session end with it."""
    user = user_for_token(token, purpose)
    require_acceptable_password(password, (user.email, user.name))
    user.password_hash = generate_password_hash(password)
    invalidate_sessions(user)
    db.session.commit()
    return user
