"""Who may use staff pages: every /staff/ route needs a staff login; staff accounts need an admin.

The check is one ``before_request`` hook on the blueprint, so a route added later is covered without
remembering a decorator. Someone who only joined a walk as a participant gets 403 (they are known,
but not staff); an anonymous visitor is sent to the login page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import unquote, urlsplit

from flask import request
from flask_babel import gettext
from flask_login import current_user, logout_user

from fieldapp.errors import Forbidden
from fieldapp.extensions import login_manager
from fieldapp.participant_session import current_participant_ids
from fieldapp.staff import bp

OPEN_ENDPOINTS = {"staff.login", "staff.forgot_password", "staff.password_reset", "staff.accept_invitation"}
MAX_NEXT_LENGTH = 2000
P = ParamSpec("P")
R = TypeVar("R")


@bp.before_request
def require_staff():  # noqa: ANN201 - None or a redirect response
    """Anonymous → login page; participant session without staff login → 403; deactivated → logged out."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        if current_user.is_active:
            return None
        logout_user()  # the account was deactivated since this session logged in
        return login_manager.unauthorized()
    if current_participant_ids():
        raise Forbidden(
            gettext("Staff pages are for the organizers. You have joined a walk as a participant.")
        )
    return login_manager.unauthorized()


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Only admins (staff accounts; Open311 API keys are guarded in services.responsible_parties)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_authenticated or not current_user.is_admin:
            raise Forbidden(gettext("Only an admin can manage staff accounts."))
        return view(*args, **kwargs)

    return wrapper


def user_id() -> int | None:
    """The logged-in staff user's id (for events)."""
    return current_user.id if current_user.is_authenticated else None


def safe_next_url(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``: the one check for every followed ``next``.

    Refused: absolute (``https://host``) and scheme-relative (``//host``) URLs; backslashes (browsers
    read them as slashes); tabs, newlines and other control characters (browsers drop them, so slash,
    tab, slash, host becomes ``//host``); and all of these again behind percent-encoding (``/%2F%2Fhost``).
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return fallback
    decoded = target
    for _ in range(3):  # encoded once, twice or thrice: each layer must be harmless
        if not _is_local_path(decoded):
            return fallback
        decoded = unquote(decoded)
    return target if _is_local_path(decoded) else fallback


def safe_referrer(fallback: str) -> str:
    """The page the request came from, if it is on this site (back to where an action was started)."""
    referrer = request.referrer or ""
    if not referrer.startswith(request.host_url):
        return fallback
    return safe_next_url("/" + referrer.removeprefix(request.host_url), fallback)


def _is_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(ch != " " and (ch.isspace() or ord(ch) < 32 or ord(ch) == 127) for ch in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc
