"""Configuration: defaults, overridden by FIELDAPP_* environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from fieldapp.secret_box import configured_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The municipality's defaults (fieldapp/municipality.py; the admin settings page overrides them).
DEFAULT_TIME_ZONE = "Europe/Stockholm"
DEFAULT_MAP_CENTRE = (15.0, 62.0)  # lon, lat: all of Sweden at DEFAULT_MAP_ZOOM
DEFAULT_MAP_ZOOM = 5


def _map_centre(value: str | None) -> tuple[float, float]:
    """FIELDAPP_MAP_CENTRE "lon,lat" (decimal degrees, WGS 84)."""
    if not value:
        return DEFAULT_MAP_CENTRE
    try:
        lon, lat = (float(part) for part in value.split(","))
    except ValueError:
        message = f"FIELDAPP_MAP_CENTRE={value!r}: write 'longitude,latitude', e.g. '12.07,57.89'."
        raise ValueError(message) from None
    return lon, lat


def _secret_key(instance_path: Path) -> str:
    """FIELDAPP_SECRET_KEY, or a random key kept in instance/secret_key for development."""
    configured = os.environ.get("FIELDAPP_SECRET_KEY")
    if configured:
        return configured
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _zoom_range(text: str) -> tuple[int, ...]:
    """``"13-18"`` → (13, …, 18); one number is one level. Web map zoom levels run from 0 to 22."""
    low, _, high = text.partition("-")
    first, last = int(low), int(high or low)
    if not 0 <= first <= last <= 22:
        raise ValueError(f"FIELDAPP_TILES_PRECACHE_ZOOMS: {text!r} is not a range like 13-18 within 0-22")
    return tuple(range(first, last + 1))


def load_config(instance_path: Path) -> dict:
    """All settings as a dict for ``app.config``."""
    env = os.environ.get
    database_url = env("FIELDAPP_DATABASE_URL") or f"sqlite:///{instance_path / 'fieldapp.sqlite'}"
    time_zone = env("FIELDAPP_TIME_ZONE") or DEFAULT_TIME_ZONE
    return {
        # "development" allows demo data (`fieldapp seed --demo`); anything else is treated as production.
        "ENVIRONMENT": env("FIELDAPP_ENV") or "production",
        "SECRET_KEY": _secret_key(instance_path),
        # Encrypts credentials kept in the database (Open311 API keys); see fieldapp/secret_box.py.
        "SECRETS_KEYS": configured_keys(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": database_url.startswith("postgresql")},
        "UPLOAD_DIR": env("FIELDAPP_UPLOAD_DIR") or str(PROJECT_ROOT / "uploads"),
        "PHOTO_STORE": env("FIELDAPP_PHOTO_STORE") or "filesystem",
        "PUBLIC_URL": (env("FIELDAPP_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "TILE_URL": env("FIELDAPP_TILE_URL") or "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": env("FIELDAPP_TILE_ATTRIBUTION")
        or '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        # Pre-fetching the route area's tiles on joining: only for a tile source whose usage policy allows
        # bulk fetching (your own tile server, a licensed provider); OpenStreetMap's public tiles do not.
        "TILES_ALLOW_PRECACHE": env("FIELDAPP_TILES_ALLOW_PRECACHE", "0") == "1",
        "TILES_PRECACHE_ZOOMS": _zoom_range(env("FIELDAPP_TILES_PRECACHE_ZOOMS") or "13-18"),
        "TILES_PRECACHE_BUFFER_M": float(env("FIELDAPP_TILES_PRECACHE_BUFFER_M") or 200),
        "TILES_PRECACHE_MAX_TILES": int(env("FIELDAPP_TILES_PRECACHE_MAX_TILES") or 1500),
        "TILES_PRECACHE_MAX_MB": float(env("FIELDAPP_TILES_PRECACHE_MAX_MB") or 30),
        "MAX_CONTENT_LENGTH": int(env("FIELDAPP_MAX_UPLOAD_BYTES") or 25 * 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": time_zone,
        "LANGUAGES": ("sv", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env("FIELDAPP_SECURE_COOKIES", "0") == "1",
        "PERMANENT_SESSION_LIFETIME": int(env("FIELDAPP_SESSION_SECONDS") or 8 * 3600),
        "RATELIMIT_STORAGE_URI": env("FIELDAPP_REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": env("FIELDAPP_RATELIMIT", "1") != "0",
        "PROXY_HOPS": int(env("FIELDAPP_PROXY_HOPS") or 0),  # reverse proxies in front that set X-Forwarded-*
        # Only text is compressed; photos (JPEG) are sent as they are, with their own ETag.
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/plain",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/geo+json",
            "application/manifest+json",
            "application/xml",
            "text/xml",
            "image/svg+xml",
        ],
        "WTF_CSRF_TIME_LIMIT": None,
        # WeasyPrint needs ~0.45 MB and ~35 ms per finding, all laid out in memory at once (10k findings:
        # 6 min, 4.3 GB; docs/PERFORMANCE.md). Larger walks get the action list as XLSX/CSV instead.
        # Findings made during the walk are still accepted (flagged late) this many days after it is
        # marked done.
        "LATE_SYNC_GRACE_DAYS": float(env("FIELDAPP_LATE_SYNC_GRACE_DAYS") or 7),
        "PROTOCOL_PDF_MAX_FINDINGS": int(env("FIELDAPP_PROTOCOL_PDF_MAX_FINDINGS") or 2000),
        # Background jobs (fieldapp.jobs): a SQLite file next to the database, or Redis for several servers.
        "JOBS_URL": env("FIELDAPP_JOBS_URL")
        or env("FIELDAPP_REDIS_URL")
        or f"sqlite:///{instance_path / 'jobs.sqlite'}",
        # A PDF render not heard from for this long counts as dead (its worker stopped) and is taken over;
        # a live render renews it every second.
        "PROTOCOL_PDF_LEASE_SECONDS": int(env("FIELDAPP_PROTOCOL_PDF_LEASE_SECONDS") or 120),
        # A photo whose face/plate detection job was queued this long ago and has not finished is queued
        # again by the worker's sweep (a lost job); a repeated job does nothing.
        "DETECTION_REQUEUE_SECONDS": int(env("FIELDAPP_DETECTION_REQUEUE_SECONDS") or 900),
        # New staff draft PDFs (renders) a staff member may ask for; a stored draft is served without limit.
        "PROTOCOL_DRAFT_PDF_LIMIT": env("FIELDAPP_PROTOCOL_DRAFT_PDF_LIMIT") or "6 per minute;30 per hour",
        # Retention (fieldapp purge): participants' contact details this many months after the walk;
        # photo originals this many months after the protocol was first published (approved files stay).
        "RETENTION_CONTACT_MONTHS": int(env("FIELDAPP_RETENTION_CONTACT_MONTHS") or 12),
        "RETENTION_ORIGINALS_MONTHS": int(env("FIELDAPP_RETENTION_ORIGINALS_MONTHS") or 12),
        # Mail (fieldapp.mail): sent through this SMTP server by the job queue; without a host (development)
        # mails are written to the log instead.
        "SMTP_HOST": env("FIELDAPP_SMTP_HOST") or "",
        "SMTP_PORT": int(env("FIELDAPP_SMTP_PORT") or 587),
        "SMTP_USER": env("FIELDAPP_SMTP_USER") or "",
        "SMTP_PASSWORD": env("FIELDAPP_SMTP_PASSWORD") or "",
        # "starttls" (port 587), "ssl" (port 465) or "none" (a relay on the local network).
        "SMTP_SECURITY": env("FIELDAPP_SMTP_SECURITY") or "starttls",
        "SMTP_TIMEOUT": float(env("FIELDAPP_SMTP_TIMEOUT") or 30),
        "MAIL_FROM": env("FIELDAPP_MAIL_FROM") or "",
        # E-mail subscriptions to a walk's feedback page: changes are collected and mailed together at most
        # this often; unconfirmed addresses are deleted after SUBSCRIPTION_UNCONFIRMED_DAYS, confirmed ones
        # after RETENTION_SUBSCRIPTION_MONTHS without any change on the walk.
        "SUBSCRIPTION_BATCH_MINUTES": int(env("FIELDAPP_SUBSCRIPTION_BATCH_MINUTES") or 15),
        "SUBSCRIPTION_UNCONFIRMED_DAYS": int(env("FIELDAPP_SUBSCRIPTION_UNCONFIRMED_DAYS") or 7),
        "RETENTION_SUBSCRIPTION_MONTHS": int(env("FIELDAPP_RETENTION_SUBSCRIPTION_MONTHS") or 24),
        # Who is responsible for the personal data (privacy notice, accessibility statement, footers).
        # No invented defaults: unset values say so on the pages (set them before going live).
        # Live updates (Server-Sent Events, fieldapp/field/live.py): each open stream holds one server thread,
        # so a process takes at most this many at once (more are told to poll); a stream ends after
        # LIVE_STREAM_SECONDS (the browser reconnects) and looks for changes every LIVE_POLL_SECONDS.
        "LIVE_MAX_STREAMS": int(env("FIELDAPP_LIVE_MAX_STREAMS") or 40),
        "LIVE_STREAM_SECONDS": float(env("FIELDAPP_LIVE_STREAM_SECONDS") or 300),
        "LIVE_POLL_SECONDS": float(env("FIELDAPP_LIVE_POLL_SECONDS") or 1.0),
        "MUNICIPALITY_NAME": env("FIELDAPP_MUNICIPALITY_NAME") or "",
        "MUNICIPALITY_CONTACT": env("FIELDAPP_MUNICIPALITY_CONTACT") or "",
        "MUNICIPALITY_DPO_CONTACT": env("FIELDAPP_MUNICIPALITY_DPO_CONTACT") or "",
        # The top bar: the municipality's colour ("#rrggbb") and logo (a PNG/JPEG/WebP file); the admin page
        # can set both, and everything below, too (fieldapp/municipality.py).
        "MUNICIPALITY_COLOUR": env("FIELDAPP_MUNICIPALITY_COLOUR") or "",
        "MUNICIPALITY_LOGO": env("FIELDAPP_MUNICIPALITY_LOGO") or "",
        # Local dates and times everywhere (pages, protocol, exports, Open311, the staff forms).
        "TIME_ZONE": time_zone,
        # Metric coordinates in exports and the protocol: SWEREF 99 TM (3006) or a local zone (3007–3018).
        "SWEREF_EPSG": int(env("FIELDAPP_SWEREF_EPSG") or 3006),
        # Where maps without a route start: "lon,lat" and a zoom level (Leaflet, 3–18).
        "MAP_CENTRE": _map_centre(env("FIELDAPP_MAP_CENTRE")),
        "MAP_ZOOM": int(env("FIELDAPP_MAP_ZOOM") or DEFAULT_MAP_ZOOM),
    }
