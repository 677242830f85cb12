"""E-mail subscriptions to a walk's feedback page: "tell me when something on this walk changes".

Double opt-in: subscribing stores the address unconfirmed and mails a confirmation link; only a confirmed
address gets notifications. Every mail carries a one-click unsubscribe (RFC 8058 ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` headers, and a link). Changes are batched: a subscriber gets one mail listing
what changed once the oldest unsent change is ``SUBSCRIPTION_BATCH_MINUTES`` old, never one per edit.
The address is used for nothing else and deleted by ``purge_expired`` (called by the retention purge).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from fieldapp import mail
from fieldapp.errors import NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Subscription, Walk, utcnow
from fieldapp.services import feedback, publication
from fieldapp.services.dml import changed_rows
from fieldapp.services.retention import months_before

LANGUAGES = ("sv", "en")


def _link(endpoint: str, **values: Any) -> str:
    """An absolute address on the public site (mails are read outside any request)."""
    public_url: str = current_app.config["PUBLIC_URL"]
    return public_url + url_for(endpoint, **values)


def subscribe(walk: Walk, address: str, language: str) -> None:
    """Ask ``address`` to confirm its subscription to ``walk`` (a confirmation mail is queued).

    An address that is already confirmed gets nothing (and the caller's answer is the same, so the page
    never tells whether someone subscribed).
    """
    email = mail.normalized_address(address)
    if email is None:
        raise ValidationError(gettext("Enter a valid e-mail address."), code="invalid_email")
    language = language if language in LANGUAGES else "sv"
    subscription = db.session.scalar(
        select(Subscription).where(Subscription.walk_id == walk.id, Subscription.email == email)
    )
    if subscription is not None and subscription.confirmed_at is not None:
        return
    if subscription is None:
        subscription = Subscription(walk_id=walk.id, email=email, token=secrets.token_urlsafe(32),
                                    language=language)
        db.session.add(subscription)
    subscription.language = language
    try:
        db.session.commit()
    except IntegrityError:  # the same address at the same moment: one row is enough
        db.session.rollback()
        return
    _send_confirmation(subscription)


def _unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _send_confirmation(subscription: Subscription) -> None:
    walk = subscription.walk
    with force_locale(subscription.language):
        body = render_template(
            "mail/confirm_subscription.txt", walk=walk,
            confirm_url=_link("public.confirm_subscription", token=subscription.token),
            feedback_url=_link("public.feedback", slug=walk.slug),
        )
        subject = gettext("Confirm: news about the safety walk %(title)s", title=walk.title)
    mail.send(mail.Mail(subscription.email, subject, body))


def by_token(token: str) -> Subscription:
    query = select(Subscription).where(Subscription.token == token)
    subscription: Subscription | None = db.session.scalar(query)
    if subscription is None:
        raise NotFound(gettext("This link is no longer valid. The subscription may have ended already."),
                       code="no_subscription")
    return subscription


def confirm(token: str) -> Subscription:
    """Confirm the subscription (repeating is harmless); changes from now on are mailed."""
    subscription = by_token(token)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = subscription.notified_until = utcnow()
        db.session.commit()
    return subscription


def unsubscribe(token: str) -> bool:
    """Delete the subscription and its address at once; False when it was already gone."""
    statement = delete(Subscription).where(Subscription.token == token)
    deleted = changed_rows(statement)
    db.session.commit()
    return bool(deleted)


# --------------------------------------------------------------------------- notifications


@dataclass(frozen=True)
class ChangedFinding:
    number: int
    category: str
    status: str
    public_answer: str
    url: str


def notify_changes(now: datetime | None = None) -> int:
    """Mail each confirmed subscriber whose walk changed; returns the number of mails queued.

    A subscriber's changes wait until the oldest of them is SUBSCRIPTION_BATCH_MINUTES old, then go out
    together in one mail (the latest state of each changed finding).
    """
    now = now or utcnow()
    ready_before = now - timedelta(minutes=current_app.config["SUBSCRIPTION_BATCH_MINUTES"])
    subscribers: dict[int, list[Subscription]] = defaultdict(list)
    for subscription in db.session.scalars(
        select(Subscription).join(Walk, Subscription.walk_id == Walk.id)
        .where(Subscription.confirmed_at.is_not(None), publication.published_condition())
        .order_by(Subscription.id)
    ):
        subscribers[subscription.walk_id].append(subscription)
    sent = 0
    for walk_id, subscriptions in subscribers.items():
        since = min(s.notified_until for s in subscriptions)
        changes = feedback.public_changes([walk_id], since=since, until=now, limit=500)
        if not changes:
            continue
        for subscription in subscriptions:
            own = [c for c in changes if c.at > subscription.notified_until]
            if not own or min(c.at for c in own) > ready_before:
                continue
            subscription.notified_until = now
            db.session.commit()
            _send_changes(subscription, own)
            sent += 1
    return sent


def _send_changes(subscription: Subscription, changes: list[feedback.Change]) -> None:
    walk = subscription.walk
    feedback_url = _link("public.feedback", slug=walk.slug)
    unsubscribe_url = _link("public.unsubscribe", token=subscription.token)
    with force_locale(subscription.language):
        rows = feedback.numbered(walk, subscription.language)
        changed: dict[int, ChangedFinding] = {}
        for change in changes:  # newest first: the first one per finding is its state now
            row = rows.get(change.finding_id)
            if row is None or change.finding_id in changed:
                continue
            changed[change.finding_id] = ChangedFinding(
                row.number, row.category_name, feedback.bucket_label(row.status),
                row.public_answer, f"{feedback_url}#finding-{row.number}",
            )
        if not changed:
            return
        items = sorted(changed.values(), key=lambda c: c.number)
        body = render_template("mail/walk_changes.txt", walk=walk, items=items, feedback_url=feedback_url,
                               unsubscribe_url=unsubscribe_url)
        subject = gettext("News from the safety walk %(title)s", title=walk.title)
    mail.send(mail.Mail(subscription.email, subject, body, _unsubscribe_headers(unsubscribe_url)))


# --------------------------------------------------------------------------- retention


def purge_expired(now: datetime, *, dry_run: bool = False) -> int:
    """Delete unconfirmed addresses after SUBSCRIPTION_UNCONFIRMED_DAYS and confirmed ones after
    RETENTION_SUBSCRIPTION_MONTHS without a mailed change; returns how many (were or would be) deleted."""
    config = current_app.config
    unconfirmed_cutoff = now - timedelta(days=config["SUBSCRIPTION_UNCONFIRMED_DAYS"])
    idle_cutoff = months_before(now, config["RETENTION_SUBSCRIPTION_MONTHS"])
    condition = or_(
        (Subscription.confirmed_at.is_(None)) & (Subscription.created_at < unconfirmed_cutoff),
        (Subscription.confirmed_at.is_not(None)) & (Subscription.notified_until < idle_cutoff),
    )
    if dry_run:
        return int(db.session.scalar(select(func.count(Subscription.id)).where(condition)) or 0)
    return changed_rows(delete(Subscription).where(condition))
