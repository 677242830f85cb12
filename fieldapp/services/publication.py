"""Whether a walk's protocol is published, and what publishing the next version makes public.

Publication is its own fact, kept apart from the walk's status (DESIGN §15): a walk is published once it
has a public :class:`~fieldapp.models.ProtocolVersion`. Publishing never changes whether the walk accepts
findings or new participants; closing the walk is a separate action (``services.planning.set_status``).
Everything that asks "is this walk public?" (Open311 read, public photos, late sync) asks here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select

from fieldapp.extensions import db
from fieldapp.models import ProtocolVersion, Walk


def published_condition() -> ColumnElement[bool]:
    """SQL condition on Walk: its protocol has at least one published public version."""
    return exists().where(ProtocolVersion.walk_id == Walk.id, ProtocolVersion.audience == "public")


def is_published(walk: Walk) -> bool:
    """Whether ``walk`` has a published public protocol version."""
    found = db.session.scalar(
        select(ProtocolVersion.id)
        .where(ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public")
        .limit(1)
    )
    return found is not None


def latest_number(walk: Walk) -> int:
    """The number of the walk's latest published public version (0 before the first)."""
    number = db.session.scalar(
        select(func.max(ProtocolVersion.number)).where(
            ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public"
        )
    )
    return int(number or 0)


@dataclass(frozen=True)
class PublicationPreview:
    """What publishing the next version makes public, for the confirmation page."""

    version_number: int
    findings: int
    public_photos: int
    internal_photos: int  # photos of the listed findings that stay internal (not approved for publication)
    pdf_refusal: str | None  # why no public PDF is made, or None: the PDF is made in the job queue
    accepts_findings: bool  # the walk keeps taking findings after publishing (publication does not close it)

    @property
    def makes_pdf(self) -> bool:
        return self.pdf_refusal is None


def preview(walk: Walk) -> PublicationPreview:
    """Counts of what the public version would show if published now (the same rows the protocol uses)."""
    from fieldapp.services.counting import count_findings
    from fieldapp.services.exports import iter_photos
    from fieldapp.services.protocol_pdf import pdf_refusal

    findings = count_findings(walk)
    public_photos = sum(1 for _ in iter_photos(walk, audience="external"))
    all_photos = sum(1 for _ in iter_photos(walk, audience="internal"))
    return PublicationPreview(
        version_number=latest_number(walk) + 1,
        findings=findings,
        public_photos=public_photos,
        internal_photos=max(all_photos - public_photos, 0),
        pdf_refusal=pdf_refusal(walk, findings),
        accepts_findings=walk.accepts_findings,
    )
