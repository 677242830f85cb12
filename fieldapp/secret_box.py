"""Secrets at rest: credentials fieldapp must send on (Open311 API keys) are kept encrypted in the database.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the key(s) of ``app.config["SECRETS_KEYS"]``:
``FIELDAPP_SECRETS_KEY`` is one Fernet key, or several separated by commas to rotate (the first
encrypts, every one decrypts). Without it, a random key is kept in ``instance/secrets_key`` for development,
as the session key is in ``instance/secret_key``; it is not derived from ``FIELDAPP_SECRET_KEY``, so
rotating the session key never makes the stored credentials unreadable. Production sets it (SECURITY.md,
deployment checklist).

Plaintext is produced only by :func:`decrypt`, called when sending; pages show :func:`masked` hints.
"""
from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

MASK = "••••"
HINT_CHARS = 4
MIN_LENGTH_FOR_HINT = 12  # shorter secrets show no characters at all


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys (wrong or rotated-out key)."""


def configured_keys(instance_path: Path) -> list[str]:
    """The Fernet keys of ``FIELDAPP_SECRETS_KEY``, or the development key in ``instance/secrets_key``."""
    configured = os.environ.get("FIELDAPP_SECRETS_KEY", "")
    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if keys:
        _box(keys)  # a malformed key stops the app at start-up, not at the first Open311 send
        return keys
    key_file = instance_path / "secrets_key"
    if key_file.exists():
        return [key_file.read_text().strip()]
    instance_path.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return [key]


def _box(keys: list[str] | None = None) -> MultiFernet:
    keys = keys if keys is not None else current_app.config["SECRETS_KEYS"]
    try:
        return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
    except (ValueError, TypeError) as err:
        raise RuntimeError("FIELDAPP_SECRETS_KEY must be Fernet keys (32 url-safe base64-encoded bytes; "
                           "make one with: python -c 'from cryptography.fernet import Fernet; "
                           "print(Fernet.generate_key().decode())')") from err


def encrypt(plaintext: str, keys: list[str] | None = None) -> str:
    """The token to store for ``plaintext``."""
    return _box(keys).encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str, keys: list[str] | None = None) -> str:
    """The plaintext of a stored token; :class:`SecretUnreadable` when no configured key opens it."""
    try:
        return _box(keys).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as err:
        raise SecretUnreadable("the stored secret cannot be decrypted with FIELDAPP_SECRETS_KEY") from err


def hint(plaintext: str) -> str:
    """The few last characters kept beside the token to recognise a secret (none for short secrets)."""
    return plaintext[-HINT_CHARS:] if len(plaintext) >= MIN_LENGTH_FOR_HINT else ""


def masked(stored_hint: str | None) -> str:
    """What pages show for a stored secret: ``••••1234``."""
    return MASK + (stored_hint or "")
