"""Staff accounts."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.errors import Conflict, ValidationError
from fieldapp.extensions import db
from fieldapp.models import ROLES, User

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, *, role: str = "organizer", name: str = "") -> User:
    """Create a staff account; refuses duplicates, weak passwords and unknown roles."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationError("Enter a valid e-mail address.")
    if role not in ROLES:
        raise ValidationError(f"Role must be one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if user_by_email(email) is not None:
        raise Conflict(f"A user with the e-mail {email} already exists.")
    user = User(email=email, name=name, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = user_by_email(email)
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
