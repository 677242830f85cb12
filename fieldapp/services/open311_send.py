"""Open311 sender: push a measure to its responsible party's GeoReport v2 endpoint.

States (``Measure.open311_state``):

* ``None`` – never pushed; ``pending`` – queued: a send job is on the job queue (``request_send``,
  ``queue_walk``), and the worker's periodic ``push_due`` picks up anything a lost job left behind;
* ``sending`` – claimed by one worker (a stale claim is taken over after ``SENDING_STALE``);
* ``retrying`` – a transient failure (timeout, 5xx); the next attempt is due at
  ``open311_next_attempt_at``, with exponential backoff;
* ``awaiting_id`` – the server answered with a token (kept as ``token:<value>`` in
  ``external_ticket_id``); the token is resolved later via ``GET tokens/<token>.json``;
* ``sent`` – the server's ``service_request_id`` is in ``external_ticket_id``;
* ``failed`` – refused by the server (e.g. a wrong API key) or too many attempts; staff can retry.

Each attempt adds an Event (``open311_sent`` / ``open311_failed``). HTTP calls time out after
``client.DEFAULT_TIMEOUT`` seconds, so a staff request is never blocked for long.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from fieldapp import jobs
from fieldapp.errors import Conflict, DomainError, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Measure, ResponsibleParty, Walk, utcnow
from fieldapp.open311 import client
from fieldapp.secret_box import SecretUnreadable
from fieldapp.services import responsible_parties
from fieldapp.services.dml import changed_rows
from fieldapp.services.open311_read import media_url
from fieldapp.services.walks import walk_of
from gis import convert

log = logging.getLogger(__name__)
PENDING, SENDING, RETRYING, AWAITING_ID, SENT, FAILED = (
    "pending", "sending", "retrying", "awaiting_id", "sent", "failed")
DUE_STATES = (PENDING, SENDING, RETRYING, AWAITING_ID)
TOKEN_PREFIX = "token:"  # noqa: S105 (a prefix, not a secret)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 8
TOKEN_POLL_INTERVAL = timedelta(minutes=5)
SENDING_STALE = timedelta(minutes=5)
MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class PushResult:
    """What one push (or token poll) did to a measure."""

    measure_id: int
    state: str
    message: str


def backoff_delay(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4, 8… minutes, at most 6 hours."""
    factor: int = 2 ** max(attempts - 1, 0)  # int ** int is typed Any: a negative power is a float
    return min(BACKOFF_BASE * factor, BACKOFF_MAX)


def _measure(measure_id: int, walk: Walk | None) -> Measure:
    measure = db.session.get(Measure, measure_id)
    if measure is None or (walk is not None and measure.finding.walk_id != walk.id):
        raise NotFound(gettext("There is no such measure."), code="unknown_measure")
    return measure


def configured_party(measure: Measure) -> tuple[ResponsibleParty, str]:
    """The measure's responsible party and its Open311 endpoint if that is usable, else ValidationError."""
    party = measure.responsible_party
    if party is None:
        raise ValidationError(gettext("Choose a responsible party before sending the measure with Open311."),
                              code="open311_no_party")
    endpoint = party.open311_endpoint
    if not endpoint:
        raise ValidationError(
            gettext("%(party)s has no Open311 endpoint configured.", party=party.name),
            code="open311_not_configured")
    try:
        client.check_endpoint(endpoint)
    except ValueError:
        raise ValidationError(
            gettext("The Open311 endpoint of %(party)s is not an http(s) address.", party=party.name),
            code="open311_bad_endpoint") from None
    return party, endpoint


def _address(finding: Finding, walk: Walk) -> str:
    return ", ".join(p for p in ((finding.stop.name if finding.stop else ""), walk.area_name,
                                 walk.municipality) if p)


def request_description(measure: Measure) -> str:
    """Proposed measure, observation and context as one text, in the default language, ≤ 4000 characters."""
    finding = measure.finding
    walk = walk_of(finding)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = []
        if measure.proposal:
            lines.append(gettext("Proposed measure: %(text)s", text=measure.proposal))
        if finding.note:
            lines.append(gettext("Observation: %(text)s", text=finding.note))
        when = format_date(walk.starts_at, "yyyy-MM-dd") if walk.starts_at else ""
        lines.append(gettext("Safety walk: %(title)s %(date)s", title=walk.title, date=when).strip())
        if measure.deadline:
            lines.append(gettext("Deadline: %(date)s", date=measure.deadline.isoformat()))
    text = "\n".join(lines)
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def request_fields(measure: Measure, party: ResponsibleParty, api_key: str | None = None) -> dict[str, str]:
    """The form fields of ``POST requests`` for this measure (``api_key``: the decrypted key, if any)."""
    finding = measure.finding
    walk = walk_of(finding)
    point = convert.to_point(finding.geom_el)
    service_code = responsible_parties.service_code_for(party, finding.category)
    if not service_code:
        raise client.Open311Failure(gettext(
            "No Open311 service code for %(category)s at %(party)s: set one on the party's page.",
            category=finding.category.name(current_app.config["BABEL_DEFAULT_LOCALE"]), party=party.name),
            transient=False)
    fields = {
        "service_code": service_code,
        "lat": f"{point.y:.7f}",
        "long": f"{point.x:.7f}",
        "description": request_description(measure),
    }
    if api_key:
        fields["api_key"] = api_key
    if party.open311_jurisdiction:
        fields["jurisdiction_id"] = party.open311_jurisdiction
    if address := _address(finding, walk):
        fields["address_string"] = address
    if url := media_url(finding):  # external content only: the published rendition of an approved photo
        fields["media_url"] = url
    return fields


def _claim(measure: Measure, now: datetime) -> None:
    """Mark the measure ``sending`` unless another worker is sending it right now (Conflict).

    A compare-and-set UPDATE, so two workers (or a double click) never send the same measure twice.
    """
    attempts = measure.open311_attempts
    claimed = changed_rows(
        update(Measure)
        .where(Measure.id == measure.id, Measure.open311_attempts == attempts,
               or_(Measure.open311_state.is_(None), Measure.open311_state != SENDING,
                   Measure.open311_next_attempt_at <= now))
        .values(open311_state=SENDING, open311_next_attempt_at=now + SENDING_STALE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed != 1:
        raise Conflict(gettext("This measure is being sent right now."), code="open311_busy")
    db.session.refresh(measure)


def _event(measure: Measure, kind: str, user_id: int | None, data: dict[str, Any]) -> None:
    db.session.add(Event(walk_id=measure.finding.walk_id, finding_id=measure.finding_id,
                         measure_id=measure.id, user_id=user_id, kind=kind, data=data))


def _record_failure(measure: Measure, failure: client.Open311Failure, now: datetime, user_id: int | None,
                    phase: str) -> None:
    retry = failure.transient and measure.open311_attempts < MAX_ATTEMPTS
    measure.open311_last_error = failure.message
    if phase == "token":
        measure.open311_state = AWAITING_ID if failure.transient else FAILED
        measure.open311_next_attempt_at = now + TOKEN_POLL_INTERVAL if failure.transient else None
    else:
        measure.open311_state = RETRYING if retry else FAILED
        measure.open311_next_attempt_at = now + backoff_delay(measure.open311_attempts) if retry else None
    next_at = measure.open311_next_attempt_at
    _event(measure, "open311_failed", user_id, {
        "phase": phase, "attempt": measure.open311_attempts, "error": failure.message,
        "http_status": failure.status, "transient": failure.transient, "state": measure.open311_state,
        "next_attempt_at": next_at.isoformat() if next_at else None,
    })


def _record_sent(
    measure: Measure, service_request_id: str, user_id: int | None, data: dict[str, Any]
) -> None:
    measure.external_ticket_id = service_request_id
    measure.open311_state = SENT
    measure.open311_last_error = None
    measure.open311_next_attempt_at = None
    if measure.status in ("new", "assessed"):
        measure.status = "sent"
    _event(measure, "open311_sent", user_id, {"service_request_id": service_request_id,
                                              "attempt": measure.open311_attempts,
                                              "measure_status": measure.status, **data})


def _result(measure: Measure) -> PushResult:
    messages = {
        SENT: gettext("Sent: the receiver's id is %(id)s.", id=measure.external_ticket_id),
        AWAITING_ID: gettext("Received by the receiver; waiting for its id."),
        RETRYING: gettext("Not sent (%(error)s). It will be tried again.", error=measure.open311_last_error),
        FAILED: gettext("Not sent: %(error)s", error=measure.open311_last_error),
    }
    state = measure.open311_state or ""
    return PushResult(measure.id, state, messages.get(state, ""))


def _api_key(party: ResponsibleParty) -> str | None:
    """The party's decrypted API key; a key that cannot be decrypted fails the attempt (not retried)."""
    try:
        return responsible_parties.open311_api_key_for_sending(party)
    except SecretUnreadable as err:
        raise client.Open311Failure(gettext(
            "The stored API key cannot be decrypted (FIELDAPP_SECRETS_KEY changed?). An admin must enter it "
            "again."), transient=False) from err


def _post(measure: Measure, party: ResponsibleParty, endpoint: str, now: datetime, timeout: float,
          user_id: int | None) -> None:
    measure.open311_attempts += 1
    try:
        fields = request_fields(measure, party, _api_key(party))
        submitted = client.post_request(endpoint, fields, timeout=timeout)
    except client.Open311Failure as failure:
        _record_failure(measure, failure, now, user_id, phase="post")
        return
    if submitted.service_request_id:
        _record_sent(measure, submitted.service_request_id, user_id,
                     {"service_notice": submitted.service_notice})
        return
    measure.external_ticket_id = f"{TOKEN_PREFIX}{submitted.token}"
    measure.open311_state = AWAITING_ID
    measure.open311_last_error = None
    measure.open311_next_attempt_at = now  # resolve right away on the next run
    if measure.status in ("new", "assessed"):
        measure.status = "sent"
    _event(measure, "open311_sent", user_id, {"token": submitted.token, "attempt": measure.open311_attempts,
                                              "service_notice": submitted.service_notice})


def _poll_token(measure: Measure, party: ResponsibleParty, endpoint: str, now: datetime, timeout: float,
                user_id: int | None) -> None:
    token = (measure.external_ticket_id or "").removeprefix(TOKEN_PREFIX)
    try:
        query = {k: v for k, v in (("api_key", _api_key(party)),
                                   ("jurisdiction_id", party.open311_jurisdiction)) if v}
        service_request_id = client.resolve_token(endpoint, token, query, timeout=timeout)
    except client.Open311Failure as failure:
        _record_failure(measure, failure, now, user_id, phase="token")
        return
    if service_request_id is None:
        measure.open311_state = AWAITING_ID
        measure.open311_next_attempt_at = now + TOKEN_POLL_INTERVAL
        return
    _record_sent(measure, service_request_id, user_id, {"token": token})


def push_measure(measure_id: int, *, walk: Walk | None = None, now: datetime | None = None,
                 timeout: float = client.DEFAULT_TIMEOUT, user_id: int | None = None) -> PushResult:
    """Send the measure to its responsible party's Open311 endpoint (or resolve its token).

    With ``walk``, a measure of another walk is NotFound.
    Raises ValidationError when no endpoint is configured, Conflict when it is already sent or
    being sent. Server and network failures are not raised: they are recorded on the measure
    (state, attempts, last error, next attempt) and in an Event.
    """
    now = now or utcnow()
    measure = _measure(measure_id, walk)
    party, endpoint = configured_party(measure)
    if measure.open311_state == SENT:
        raise Conflict(gettext("This measure has already been sent (id %(id)s).",
                               id=measure.external_ticket_id), code="open311_already_sent")
    _claim(measure, now)
    if (measure.external_ticket_id or "").startswith(TOKEN_PREFIX):  # never POST twice once a token came back
        _poll_token(measure, party, endpoint, now, timeout, user_id)
    else:
        _post(measure, party, endpoint, now, timeout, user_id)
    db.session.commit()
    return _result(measure)


def _walk_measures(walk: Walk) -> Select[Any]:
    return (
        select(Measure)
        .join(Finding, Measure.finding_id == Finding.id)
        .where(Finding.walk_id == walk.id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))
    )


def walk_measures(walk: Walk) -> list[Measure]:
    """The walk's measures (of visible, canonical findings) with what the Open311 page shows."""
    query = _walk_measures(walk).options(
        selectinload(Measure.responsible_party),
        selectinload(Measure.finding).selectinload(Finding.category),
        selectinload(Measure.finding).selectinload(Finding.stop),
    ).order_by(Finding.created_at, Finding.id)
    return list(db.session.scalars(query))


def _unsent(walk: Walk, party_id: int | None = None) -> Select[Any]:
    """The walk's never-sent measures whose party has an endpoint (of ``party_id`` only, if given)."""
    query = (
        _walk_measures(walk)
        .join(ResponsibleParty, Measure.responsible_party_id == ResponsibleParty.id)
        .where(Measure.open311_state.is_(None), ResponsibleParty.open311_endpoint.is_not(None),
               ResponsibleParty.open311_endpoint != "")
    )
    return query if party_id is None else query.where(ResponsibleParty.id == party_id)


def unsent_by_party(walk: Walk) -> list[tuple[ResponsibleParty, int]]:
    """Parties with an endpoint and how many of the walk's measures they have never been sent (bulk send)."""
    rows = db.session.execute(
        _unsent(walk).with_only_columns(Measure.responsible_party_id, func.count(Measure.id))
        .group_by(Measure.responsible_party_id)
    ).all()
    counts = {party_id: count for party_id, count in rows}
    parties = db.session.scalars(select(ResponsibleParty).where(ResponsibleParty.id.in_(counts))
                                 .order_by(ResponsibleParty.name)).all()
    return [(party, counts[party.id]) for party in parties]


def unsent_measures(walk: Walk, party_id: int) -> list[Measure]:
    """What a bulk send to ``party_id`` would send: the walk's never-sent measures of that party."""
    query = _unsent(walk, party_id).options(
        selectinload(Measure.finding).selectinload(Finding.category)
    ).order_by(Finding.created_at, Finding.id)
    return list(db.session.scalars(query))


def _start(measure_ids: list[int]) -> None:
    """Put a send job per (committed, queued) measure on the job queue; the sweep catches lost ones."""
    from fieldapp.jobs.tasks import send_open311_measure

    for measure_id in measure_ids:
        try:
            jobs.enqueue(send_open311_measure, measure_id)
        except jobs.QUEUE_ERRORS as err:
            log.warning("could not enqueue Open311 measure %s (the sweep will): %s", measure_id, err)


def queue_walk(walk: Walk, party_id: int | None = None, *, user_id: int | None = None,
               start: bool = False) -> int:
    """Queue every never-sent measure of the walk whose party has an endpoint (of ``party_id`` only,
    if given); returns how many. ``start``: also put their send jobs on the job queue."""
    measures = db.session.scalars(_unsent(walk, party_id)).all()
    for measure in measures:
        measure.open311_state = PENDING
        measure.open311_next_attempt_at = None
        _event(measure, "open311_queued", user_id, {})
    db.session.commit()
    if start:
        _start([m.id for m in measures])
    return len(measures)


def request_send(measure_id: int, *, walk: Walk, user_id: int | None = None) -> Measure:
    """Queue one measure for sending now (also a retry, or a look-up of the id behind a token).

    The send job does the HTTP call with retries and backoff; this only records the request. Raises
    ValidationError without a usable endpoint, Conflict when the measure is sent or being sent already.
    """
    measure = _measure(measure_id, walk)
    configured_party(measure)
    if measure.open311_state == SENT:
        raise Conflict(gettext("This measure has already been sent (id %(id)s).",
                               id=measure.external_ticket_id), code="open311_already_sent")
    if measure.open311_state == SENDING:
        raise Conflict(gettext("This measure is being sent right now."), code="open311_busy")
    if measure.open311_state != AWAITING_ID:
        measure.open311_state = PENDING
    measure.open311_next_attempt_at = None
    _event(measure, "open311_queued", user_id, {})
    db.session.commit()
    _start([measure.id])
    return measure


def send_queued(measure_id: int, now: datetime | None = None, *,
                timeout: float = client.DEFAULT_TIMEOUT) -> PushResult | None:
    """The send job: push one measure if its step is due; a measure that cannot be sent any more (its
    party lost the endpoint) is marked failed with the reason. None when there was nothing to do."""
    now = now or utcnow()
    measure = db.session.get(Measure, measure_id)
    if measure is None or measure.open311_state not in DUE_STATES:
        return None  # sent, failed or never queued: a repeated job changes nothing
    if measure.open311_next_attempt_at is not None and measure.open311_next_attempt_at > now:
        return None  # a retry not due yet, or another worker's live claim
    try:
        return push_measure(measure_id, now=now, timeout=timeout)
    except ValidationError as err:
        db.session.rollback()
        measure = db.session.get(Measure, measure_id)
        if measure is None:  # deleted meanwhile (with its walk): nothing left to mark
            return None
        measure.open311_state, measure.open311_last_error = FAILED, err.message
        measure.open311_next_attempt_at = None
        db.session.commit()
        return _result(measure)
    except DomainError:
        db.session.rollback()
        return None


def due_measure_ids(now: datetime | None = None, walk: Walk | None = None) -> list[int]:
    """Measures whose next Open311 step is due: queued, retries and token polls whose time has come."""
    now = now or utcnow()
    query = (
        select(Measure.id)
        .join(Finding, Measure.finding_id == Finding.id)
        .where(Measure.open311_state.in_(DUE_STATES),
               or_(Measure.open311_next_attempt_at.is_(None), Measure.open311_next_attempt_at <= now))
        .order_by(Measure.open311_next_attempt_at.nulls_first(), Measure.id)
    )
    if walk is not None:
        query = query.where(Finding.walk_id == walk.id)
    return list(db.session.scalars(query))


def push_due(now: datetime | None = None, walk: Walk | None = None,
             timeout: float = client.DEFAULT_TIMEOUT) -> list[PushResult]:
    """Run every due step (see :func:`due_measure_ids`); what cannot be sent is reported, not raised."""
    now = now or utcnow()
    results = []
    for measure_id in due_measure_ids(now, walk):
        result = send_queued(measure_id, now, timeout=timeout)
        if result is not None:
            results.append(result)
    return results
