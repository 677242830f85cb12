"""Published protocol versions: publishing a numbered, dated public snapshot and finding it again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.errors import N_, Conflict, NotFound
from fieldapp.extensions import db
from fieldapp.models import ProtocolVersion, Walk, utcnow
from fieldapp.services import events, protocol_pdf, publication
from fieldapp.services.protocol import build_protocol, render_document


def published_versions(walk: Walk) -> list[ProtocolVersion]:
    """The walk's published public versions, newest first."""
    return list(
        db.session.scalars(
            select(ProtocolVersion)
            .where(ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public")
            .order_by(ProtocolVersion.number.desc())
        )
    )


def published_version(walk: Walk, number: int | None = None) -> ProtocolVersion:
    """Published public version ``number`` (or the latest); NotFound if there is none."""
    stmt = select(ProtocolVersion).where(
        ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public"
    )
    stmt = (
        stmt.where(ProtocolVersion.number == number)
        if number is not None
        else stmt.order_by(ProtocolVersion.number.desc()).limit(1)
    )
    version: ProtocolVersion | None = db.session.scalar(stmt)
    if version is None:
        raise NotFound(N_("The protocol of this walk has not been published yet."), code="not_published")
    return version


def publish(walk: Walk, user_id: int | None, locale: str = "sv", *,
            expected_number: int | None = None) -> ProtocolVersion:
    """Publish the public protocol as a new numbered, dated version (1, 2, …) with its HTML snapshot.

    The version's PDF is queued in the same transaction and rendered by the worker. The walk's status
    is left alone: publishing never changes whether it accepts findings (services.publication).
    ``expected_number`` (the version the confirmation page offered) turns a repeated confirmation
    into a Conflict instead of a second version.
    """
    number = publication.latest_number(walk) + 1
    if expected_number is not None and expected_number != number:
        raise Conflict(N_("Version %(number)s of the protocol is already published."),
                       params={"number": number - 1}, code="already_published")
    now = utcnow()
    html = render_document(build_protocol(walk, "public", locale, version_number=number, published_at=now))
    version = ProtocolVersion(
        walk_id=walk.id,
        audience="public",
        number=number,
        published_at=now,
        published_by_id=user_id,
        html=html,
    )
    db.session.add(version)
    pdf = protocol_pdf.add_version_pdf(version, walk, locale, user_id)
    events.record("protocol_published", walk_id=walk.id, user_id=user_id, number=number)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        message = N_("Someone published this protocol at the same moment; reload and try again.")
        raise Conflict(message) from None
    if pdf is not None:
        protocol_pdf.start(pdf)  # rendered once, in the job queue; pages say "being prepared" until then
    return version
