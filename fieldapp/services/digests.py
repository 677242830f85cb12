"""The weekly digest per responsible party: what is new for them and what is past its deadline.

Every Monday the worker mails each active party with an e-mail address the open measures that became
theirs in the last seven days and those past their deadline (nothing to say: no mail). The content is
for the external audience (DESIGN §15): category, walk, place, proposal, priority, deadline, status —
no internal notes, no participant data. ``digest_week`` on the party records the week sent, so a repeated
job (retry, second worker) sends nothing twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from fieldapp import municipality
from fieldapp.extensions import db
from fieldapp.mail import Mail, send
from fieldapp.models import Finding, Measure, ResponsibleParty, Walk
from fieldapp.services.situation import OPEN_MEASURE_STATUSES

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DigestItem:
    finding: Finding
    measure: Measure
    walk: Walk


@dataclass(frozen=True)
class Digest:
    party: ResponsibleParty
    new: list[DigestItem]
    overdue: list[DigestItem]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def digest_for(party: ResponsibleParty, today: date) -> Digest:
    """The party's open measures decided in the seven days before ``today``, and those past their deadline."""
    rows = db.session.execute(
        select(Finding, Measure, Walk)
        .join(Measure, Measure.finding_id == Finding.id)
        .join(Walk, Walk.id == Finding.walk_id)
        .where(Measure.responsible_party_id == party.id, Measure.status.in_(OPEN_MEASURE_STATUSES),
               Finding.hidden.is_(False), Finding.canonical_id.is_(None))
        .order_by(Measure.deadline.is_(None), Measure.deadline, Measure.id)
    ).all()
    since = datetime.combine(today - WEEK, datetime.min.time(), tzinfo=municipality.zone())
    items = [DigestItem(f, m, w) for f, m, w in rows]
    return Digest(party,
                  new=[i for i in items if i.measure.created_at >= since],
                  overdue=[i for i in items if i.measure.deadline is not None and i.measure.deadline < today])


def _mail(digest: Digest, lang: str) -> Mail:
    with force_locale(lang):
        subject = gettext("Safety walks: %(new)s and %(overdue)s for %(party)s",
                          new=ngettext("%(num)d new measure", "%(num)d new measures", len(digest.new)),
                          overdue=ngettext("%(num)d past its deadline", "%(num)d past their deadline",
                                           len(digest.overdue)),
                          party=digest.party.name)
        body = render_template("mail/weekly_digest.txt", digest=digest)
    assert digest.party.email  # noqa: S101 - only parties with an address get here
    return Mail(to=digest.party.email, subject=subject, body=body)


def send_weekly_digests(today: date | None = None, lang: str = "sv") -> int:
    """Mail this week's digest to every active party with an address and something to report, once a
    week; returns how many were queued."""
    today = today or municipality.today()
    week = monday_of(today)
    sent = 0
    parties = db.session.scalars(select(ResponsibleParty).where(
        ResponsibleParty.active.is_(True), ResponsibleParty.email.is_not(None), ResponsibleParty.email != ""))
    for party in list(parties):
        if party.digest_week is not None and party.digest_week >= week:
            continue
        digest = digest_for(party, today)
        party.digest_week = week
        db.session.commit()  # marked before it is queued: a retry never mails the same week twice
        if digest.new or digest.overdue:
            send(_mail(digest, lang))
            sent += 1
    return sent
