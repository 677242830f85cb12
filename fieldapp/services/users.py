"""Staff accounts: create, authenticate (in constant time), end every session of an account."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.errors import N_, Conflict, ValidationError
from fieldapp.extensions import db
from fieldapp.models import ROLES, User
from fieldapp.services.passwords import require_acceptable_password

# Checked when the e-mail is unknown or the account inactive, so those answers take as long as a wrong
# password for a real account (otherwise the response time tells which e-mails are staff).
_DUMMY_HASH = generate_password_hash("fieldapp: no such account")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, *, role: str = "organizer", name: str = "") -> User:
    """Create a staff account; refuses duplicates, weak or common passwords and unknown roles."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationError(N_("Enter a valid e-mail address."))
    if role not in ROLES:
        raise ValidationError(N_("Role must be one of: %(roles)s."), params={"roles": ", ".join(ROLES)})
    require_acceptable_password(password, (email, name))
    if user_by_email(email) is not None:
        raise Conflict(N_("A user with the e-mail %(email)s already exists."), params={"email": email})
    user = User(email=email, name=name, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; always checks one password hash."""
    user = user_by_email(email)
    stored_hash = user.password_hash if user is not None and user.active else _DUMMY_HASH
    matches = check_password_hash(stored_hash, password)
    return user if user is not None and user.active and matches else None


def invalidate_sessions(user: User) -> None:
    """Make every existing session of this account invalid (new password, deactivation); no commit."""
    user.session_epoch = (user.session_epoch or 0) + 1


def end_sessions(user: User) -> None:
    """Log the account out everywhere (logout): every session and copied cookie stops working."""
    invalidate_sessions(user)
    db.session.commit()
