"""Late sync (DESIGN §15): when a phone's finding may still arrive, and how its arrival is marked.

Phones capture offline and may reconnect hours or days after the walk. A finding whose phone time lies
inside the walk's open period is accepted after the organizer marked the walk done, for a grace window
(``LATE_SYNC_GRACE_DAYS``, default 7), and flagged *late*. While the walk is open it takes findings as
usual, published protocol or not (publishing never closes a walk). Once a walk marked done has a
published protocol (services.publication), after the window, or when
the phone time lies after the walk was marked done, it is still stored — hidden, in the staff's
"arrived after closing" list — never dropped.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from fieldapp.errors import N_, Forbidden
from fieldapp.models import Walk
from fieldapp.services import publication

ON_TIME, LATE, AFTER_CLOSE = "on_time", "late", "after_close"
# Phones' clocks drift: a finding stamped a little after the walk was marked done still belongs to it.
CLOCK_SKEW = timedelta(minutes=15)
# The status in which the organizer has marked the walk done (and not closed it).
WALKED_STATUSES = ("walked",)


def grace_period() -> timedelta:
    return timedelta(days=float(current_app.config["LATE_SYNC_GRACE_DAYS"]))


def _check_started(walk: Walk) -> None:
    if walk.status == "draft":
        raise Forbidden(N_("This walk has not been opened yet; try again when the organizer opens it."),
                        code="walk_not_open")
    if walk.join_token_revoked:
        raise Forbidden(N_("The organizer has closed this walk's join link; ask them for a new one."),
                        code="link_revoked")


def in_grace_window(walk: Walk, now: datetime) -> bool:
    """The walk is marked done, nothing is published yet, and the grace window has not passed."""
    return (walk.status in WALKED_STATUSES and walk.walked_at is not None
            and now <= walk.walked_at + grace_period() and not publication.is_published(walk))


def arrival_of_new_finding(walk: Walk, created_at: datetime, now: datetime) -> str:
    """How a finding first sent ``now`` and made on the phone at ``created_at`` arrives."""
    _check_started(walk)
    if walk.status == "open":
        return ON_TIME
    walked_at = walk.walked_at
    if in_grace_window(walk, now) and walked_at is not None and created_at <= walked_at + CLOCK_SKEW:
        return LATE
    return AFTER_CLOSE


def edits_apply(walk: Walk, now: datetime) -> bool:
    """Whether a participant's edit or withdrawal changes the finding now (else it is kept for staff)."""
    _check_started(walk)
    return walk.status == "open" or in_grace_window(walk, now)
