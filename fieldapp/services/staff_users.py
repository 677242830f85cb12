"""Managing staff accounts (admins only): list, create, change role, deactivate, reset password."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import ROLES, User
from fieldapp.services.passwords import require_acceptable_password
from fieldapp.services.users import invalidate_sessions


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(func.lower(User.email))))


def user_by_id(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("There is no such user."))
    return user


def _active_admins() -> int:
    return (
        db.session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))) or 0
    )


def update_user(user: User, *, name: str, role: str, active: bool, acting_user_id: int) -> User:
    """Change name, role and whether the account can log in; the last active admin cannot be demoted.

    Deactivating ends the account's sessions.
    """
    if role not in ROLES:
        raise ValidationError(gettext("Choose a role from the list."))
    if user.id == acting_user_id and (role != user.role or not active):
        raise Conflict(gettext("You cannot change your own role or deactivate yourself."))
    losing_admin = user.role == "admin" and user.active and (role != "admin" or not active)
    if losing_admin and _active_admins() <= 1:
        raise Conflict(gettext("There must be at least one active admin."))
    if user.active and not active:
        invalidate_sessions(user)
    user.name, user.role, user.active = name.strip()[:200], role, active
    db.session.commit()
    return user


def set_password(user: User, password: str) -> User:
    """Give the account a new password (the admin tells the person); ends the account's sessions."""
    require_acceptable_password(password, (user.email, user.name))
    user.password_hash = generate_password_hash(password)
    invalidate_sessions(user)
    db.session.commit()
    return user
