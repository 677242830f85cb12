"""Security headers on every response, and staff sessions: starting one and the user loader that checks it.

A staff session holds the account's ``session_epoch`` and the time of login. It counts only while the
epoch is unchanged (logout, a new password and deactivation bump it, so copied cookies stop working too)
and for at most ``PERMANENT_SESSION_LIFETIME`` seconds after login, however active it is.
"""
from __future__ import annotations

import time

from flask import Flask, Response, current_app, session
from flask_login import login_user

from fieldapp.extensions import db, login_manager
from fieldapp.models import User

SESSION_EPOCH_KEY = "staff_epoch"
SESSION_LOGIN_AT_KEY = "staff_login_at"
CLOCK_SKEW_SECONDS = 60  # several app servers: one may run a little behind the one that logged the user in


def content_security_policy(tile_url: str) -> str:
    """Strict CSP: scripts only from us (no inline), images from us and the tile server."""
    tile_origin = "/".join(tile_url.split("/")[:3]) if tile_url.startswith("http") else ""
    tile_host = tile_origin.replace("{s}.", "*.")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {tile_host}".strip(),
            f"connect-src 'self' {tile_host}".strip(),
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "manifest-src 'self'",
            "worker-src 'self'",
        ]
    )


def register(app: Flask) -> None:
    """Add the after-request header hook and the Flask-Login loader."""
    csp = content_security_policy(app.config["TILE_URL"])

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        return response


def start_staff_session(user: User) -> None:
    """Log ``user`` in: a fresh session carrying the account's epoch and the login time."""
    session.permanent = True
    session[SESSION_EPOCH_KEY] = user.session_epoch
    session[SESSION_LOGIN_AT_KEY] = int(time.time())
    login_user(user)


def session_is_current(user: User) -> bool:
    """This request's session was started for the account's current epoch, less than the lifetime ago."""
    login_at = session.get(SESSION_LOGIN_AT_KEY)
    if session.get(SESSION_EPOCH_KEY) != user.session_epoch or not isinstance(login_at, int):
        return False
    age = time.time() - login_at
    return -CLOCK_SKEW_SECONDS <= age <= current_app.permanent_session_lifetime.total_seconds()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not session_is_current(user):
        return None
    return user


login_manager.login_view = "staff.login"
