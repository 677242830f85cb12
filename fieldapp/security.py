"""Security headers on every response and the staff user loader."""
from __future__ import annotations

from flask import Flask, Response

from fieldapp.extensions import db, login_manager
from fieldapp.models import User


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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


login_manager.login_view = "staff.login"
