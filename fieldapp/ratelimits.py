"""Rate-limit keys and limits for participant writes (Flask-Limiter).

Forty people on one walk often share one public IP (a municipal guest Wi-Fi or a mobile
carrier's NAT), so limits on findings and photos are counted per participant — the pseudonymous
id in the signed, walk-scoped session cookie — not per IP. Requests without a participant
cookie (which the API refuses anyway) fall back to the client IP. New participant ids can only
be minted through the join page, which is limited per IP — but 120 joins a minute would still multiply
the per-participant photo limit, so photo uploads are also limited per IP, high enough for a whole
group behind one NAT sending its offline backlog at once.
"""
from __future__ import annotations

from contextlib import AbstractContextManager

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from fieldapp.participant_session import current_participant_ids

# A person adds a finding every minute or two; an outbox that was offline for the whole walk
# sends its backlog at once (the phone retries 429 with backoff, so nothing is lost).
FINDING_WRITES = "120 per minute"
PHOTO_UPLOADS = "60 per minute"
# Re-joining with a kept participant key (per IP: a whole walk behind one NAT may come back online
# at once, but guessing keys is pointless work for anyone else).
REJOINS = "60 per minute"
# Per client IP (after ProxyFix): 40 phones × a backlog of ~7 photos. Each decode is also bounded in
# pixels and concurrency (fieldapp.imaging), so this caps the CPU one address can take.
PHOTO_UPLOADS_PER_IP = "300 per minute"


def participant_key() -> str:
    """The participant cookie's id for this request's walk, else every joined id, else the IP."""
    joined = current_participant_ids()
    slug = (request.view_args or {}).get("slug")
    if slug and slug in joined:
        return f"participant:{joined[slug]}"
    if joined:
        return "participant:" + ",".join(sorted(joined.values()))
    return ip_key()


def ip_key() -> str:
    """The client IP (as ProxyFix resolved it)."""
    return f"ip:{get_remote_address()}"


def staff_user_key() -> str:
    """The logged-in staff member (several organizers often share the town hall's IP)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


def draft_pdf_renders() -> AbstractContextManager:
    """The per-staff-member limit on new draft PDF renders (PROTOCOL_DRAFT_PDF_LIMIT); 429 beyond it."""
    from fieldapp.extensions import limiter

    return limiter.limit(
        current_app.config["PROTOCOL_DRAFT_PDF_LIMIT"], key_func=staff_user_key, scope="protocol-draft-pdf"
    )
