"""Protocol PDFs are made once, in the job queue, and served from the database ever after.

A published version gets its PDF queued in the transaction that publishes it; a staff draft (the live
internal protocol, or the preview of the public one) is keyed by the sha256 of what it shows, so asking
again for unchanged content serves the stored PDF. Rendering is claimed with a compare-and-set on the
row (``claim`` token, ``touched_at`` as the lease): a job that runs twice, or a second worker, never
renders a PDF twice; a render whose worker died is taken over once its lease has run out.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_number, gettext
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from fieldapp import jobs
from fieldapp.errors import N_, DomainError, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import ProtocolPdf, ProtocolVersion, Walk, utcnow
from fieldapp.services.counting import count_findings
from fieldapp.services.dml import changed_rows

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0  # progress and lease renewal while WeasyPrint works; the lease must be much longer


class PdfNotReady(DomainError):
    """The PDF exists only as a queued or running job (or its render failed); never rendered on request."""

    status = 503
    code = "pdf_not_ready"
    retry_after = 10


@dataclass(frozen=True)
class DraftSource:
    """What a staff draft PDF would show: the protocol document as rendered now."""

    walk: Walk
    audience: str
    locale: str
    document_html: str
    sha256: str


def source_sha256(audience: str, locale: str, document_html: str) -> str:
    """The key of a PDF's content: audience, language and the protocol document's HTML."""
    return hashlib.sha256(f"{audience}\n{locale}\n{document_html}".encode()).hexdigest()


def pdf_refusal(walk: Walk, count: int | None = None) -> str | None:
    """Why the walk's protocol cannot be made as a PDF (too many findings), or None when it can.

    ``count`` is the walk's number of findings when the caller already has it.
    """
    limit = current_app.config["PROTOCOL_PDF_MAX_FINDINGS"]
    count = count_findings(walk) if count is None else count
    if count <= limit:
        return None
    refusal: str = gettext(
        "This walk has %(count)s findings; the PDF protocol is made for walks with up to %(limit)s "
        "(a larger one would take many minutes and gigabytes of memory to lay out). The web page of the "
        "protocol can be printed, and the complete action list is in the XLSX and CSV exports.",
        count=format_number(count),
        limit=format_number(limit),
    )
    return refusal


def ensure_pdf_possible(walk: Walk) -> None:
    """ValidationError (``pdf_too_large``) when the walk has too many findings for a PDF protocol."""
    refusal = pdf_refusal(walk)
    if refusal is not None:
        raise ValidationError(refusal, code="pdf_too_large")


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["PROTOCOL_PDF_LEASE_SECONDS"])


# --------------------------------------------------------------------------- asking for PDFs


def add_version_pdf(
    version: ProtocolVersion, walk: Walk, locale: str, user_id: int | None
) -> ProtocolPdf | None:
    """Queue the PDF of a version being published (added to the caller's transaction; start() after commit).

    None when the walk is too large for a PDF (the pages say why, see ``pdf_refusal``).
    """
    if pdf_refusal(walk) is not None:
        return None
    pdf = ProtocolPdf(
        walk_id=walk.id,
        version=version,
        audience="public",
        locale=locale,
        source_sha256=source_sha256("public", locale, version.html),
        document_html=version.html,
        requested_by_id=user_id,
    )
    db.session.add(pdf)
    return pdf


def start(pdf: ProtocolPdf) -> None:
    """Put the render job for a committed row on the queue.

    If the queue cannot be reached the row stays queued and the worker's sweep enqueues it again, so
    the caller's (already committed) action still succeeds.
    """
    from fieldapp.jobs.tasks import render_protocol_pdf

    try:
        jobs.enqueue(render_protocol_pdf, pdf.id)
    except jobs.QUEUE_ERRORS as err:
        log.warning("could not enqueue protocol PDF %s (the sweep will): %s", pdf.id, err)


def draft_source(walk: Walk, audience: str, locale: str) -> DraftSource:
    """The document a staff draft PDF of ``walk`` would show now (ValidationError if too large)."""
    from fieldapp.services import protocol

    ensure_pdf_possible(walk)
    document = protocol.render_document(protocol.build_protocol(walk, audience, locale))
    return DraftSource(walk, audience, locale, document, source_sha256(audience, locale, document))


def draft_pdf(
    walk: Walk,
    audience: str,
    locale: str,
    user_id: int | None,
    *,
    admit: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> ProtocolPdf:
    """The staff draft PDF of what the protocol shows now: stored (ready or on its way) if this content
    was asked for before, else queued now, inside ``admit()`` (the per-user limit on new renders)."""
    source = draft_source(walk, audience, locale)
    pdf = existing_draft(source)
    if pdf is None:
        with admit():
            pdf = request_draft(source, user_id)
    return pdf


def archive_pdf(
    walk: Walk, locale: str, user_id: int | None, *, audience: str = "internal",
    admit: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> tuple[Callable[[], bytes] | None, str | None]:
    """The zip's protocol PDF: (its stored bytes, None), or (None, why it is missing); never rendered here.

    Internal zips carry the internal draft (a missing one is queued, so downloading the zip again a little
    later includes it); external zips carry the latest published public version's PDF.
    """
    refusal = pdf_refusal(walk)
    if refusal is not None:
        return None, refusal
    if audience == "external":
        from fieldapp.services.protocol_versions import published_versions

        versions = published_versions(walk)
        if not versions:
            return None, gettext("No protocol has been published yet, so the zip has no protocol PDF.")
        published = versions[0].pdf
        if published is not None and published.state == "ready":
            return (lambda: pdf_data(published)), None
        return None, gettext("The published protocol's PDF is being prepared. Download the zip again in a "
                             "few minutes.")
    pdf = draft_pdf(walk, "internal", locale, user_id, admit=admit)
    if pdf.state == "ready":
        return (lambda: pdf_data(pdf)), None
    return None, gettext(
        "The protocol PDF is being prepared. Download the zip again in a few minutes, "
        "or the PDF alone from the exports page."
    )


def existing_draft(source: DraftSource) -> ProtocolPdf | None:
    """The draft PDF of exactly this content, unless there is none or its render failed."""
    pdf = _draft_row(source)
    return pdf if pdf is not None and pdf.state != "failed" else None


def _draft_row(source: DraftSource) -> ProtocolPdf | None:
    return db.session.scalar(
        select(ProtocolPdf).where(
            ProtocolPdf.walk_id == source.walk.id,
            ProtocolPdf.audience == source.audience,
            ProtocolPdf.source_sha256 == source.sha256,
            ProtocolPdf.version_id.is_(None),
        )
    )


def request_draft(source: DraftSource, user_id: int | None) -> ProtocolPdf:
    """Queue the render of a draft PDF (or again, after a failed render) and return its row."""
    pdf = _draft_row(source)
    if pdf is None:
        pdf = ProtocolPdf(
            walk_id=source.walk.id,
            audience=source.audience,
            locale=source.locale,
            source_sha256=source.sha256,
            document_html=source.document_html,
            requested_by_id=user_id,
        )
        db.session.add(pdf)
    elif pdf.state == "failed":
        _requeue(pdf)
    else:
        return pdf
    try:
        db.session.commit()
    except IntegrityError:  # the same content was asked for at the same moment: use that row
        db.session.rollback()
        pdf = _draft_row(source)
        if pdf is None:
            raise
        return pdf
    start(pdf)
    return pdf


def retry(walk: Walk, pdf_id: int) -> ProtocolPdf:
    """Queue a failed render again (nothing to do for queued, running or ready ones)."""
    pdf = pdf_of_walk(walk, pdf_id)
    if pdf.state == "failed":
        _requeue(pdf)
        db.session.commit()
        start(pdf)
    return pdf


def _requeue(pdf: ProtocolPdf) -> None:
    pdf.state, pdf.progress, pdf.error, pdf.claim = "queued", 0, "", None
    pdf.requested_at = pdf.touched_at = utcnow()


# --------------------------------------------------------------------------- reading PDFs


def pdf_of_walk(walk: Walk, pdf_id: int) -> ProtocolPdf:
    pdf = db.session.get(ProtocolPdf, pdf_id)
    if pdf is None or pdf.walk_id != walk.id:
        raise NotFound(N_("There is no such PDF."))
    return pdf


def version_pdf(walk: Walk, version: ProtocolVersion) -> ProtocolPdf:
    """The ready PDF of a published version; PdfNotReady while it is queued, rendering or failed."""
    pdf = version.pdf
    if pdf is None:
        ensure_pdf_possible(walk)  # too large: the clear refusal
        raise PdfNotReady(N_("The PDF of this protocol is being prepared. Try again in a minute."))
    return ready(pdf)


def ready(pdf: ProtocolPdf) -> ProtocolPdf:
    if pdf.state != "ready":
        message = (
            N_("The PDF could not be made. Staff can try again from the exports page.")
            if pdf.state == "failed"
            else N_("The PDF of this protocol is being prepared. Try again in a minute.")
        )
        raise PdfNotReady(message, details={"state": pdf.state, "progress": pdf.progress})
    return pdf


def pdf_data(pdf: ProtocolPdf) -> bytes:
    """The stored bytes of a ready PDF."""
    data = db.session.scalar(select(ProtocolPdf.data).where(ProtocolPdf.id == ready(pdf).id))
    if data is None:
        raise NotFound(N_("There is no such PDF."))
    return data


def download_name(pdf: ProtocolPdf, walk: Walk) -> str:
    """The file name a PDF downloads under, distinct per audience and version, in the PDF's language:
    ``trygghetsvandring-<slug>-v2-publik.pdf``, ``…-utkast-intern.pdf`` for a staff draft."""
    with force_locale(pdf.locale or "sv"):
        audience = gettext("public") if pdf.audience == "public" else gettext("internal")
        version = f"v{pdf.version.number}" if pdf.version is not None else gettext("draft")
        prefix = gettext("safety-walk")
    name = f"{prefix}-{walk.slug}-{version}-{audience}.pdf"
    return "".join(c if c.isascii() and (c.isalnum() or c in "-.") else "-" for c in name)


def versions_with_pdfs(walk: Walk) -> list[tuple[ProtocolVersion, ProtocolPdf | None]]:
    """The walk's published versions (newest first), each with its PDF row (None: not queued yet)."""
    rows = db.session.execute(
        select(ProtocolVersion, ProtocolPdf)
        .outerjoin(ProtocolPdf, ProtocolPdf.version_id == ProtocolVersion.id)
        .where(ProtocolVersion.walk_id == walk.id, ProtocolVersion.audience == "public")
        .order_by(ProtocolVersion.number.desc())
    )
    return [(version, pdf) for version, pdf in rows]


# --------------------------------------------------------------------------- rendering (the job)


def render(pdf_id: int) -> bool:
    """Render PDF ``pdf_id`` if it still needs it; True if this call rendered it. Safe to call twice."""
    token = uuid.uuid4().hex
    if not _claim(pdf_id, token):
        return False
    pdf = db.session.get(ProtocolPdf, pdf_id)
    walk = db.session.get(Walk, pdf.walk_id) if pdf is not None else None
    if pdf is None or walk is None:
        return False
    started = time.monotonic()
    try:
        with _Progress(pdf_id, token, pdf.document_html.count("<img")) as progress:
            data = _render_bytes(pdf, walk, progress)
    except Exception as err:  # noqa: BLE001 - any failure is recorded on the row for staff to see and retry
        db.session.rollback()
        log.exception("protocol PDF %s failed", pdf_id)
        _finish(pdf_id, token, state="failed", error=f"{err.__class__.__name__}: {err}"[:2000])
        return False
    done = _finish(pdf_id, token, state="ready", data=data)
    log.info("rendered protocol PDF %s (walk %s, %s bytes) in %.1f s", pdf_id, walk.slug, len(data),
             time.monotonic() - started)
    return done


def _render_bytes(pdf: ProtocolPdf, walk: Walk, progress: _Progress) -> bytes:
    from fieldapp.services import protocol, protocol_files

    with force_locale(pdf.locale):
        page = protocol.render_page(
            walk, pdf.document_html, audience=pdf.audience, for_pdf=True, version=pdf.version
        )
        return protocol_files.pdf_bytes(page, walk, staff=pdf.audience == "internal", progress=progress)


def render_now(walk: Walk, audience: str, locale: str) -> bytes:
    """The protocol of ``walk`` as it stands, rendered in this process (the CLI and benchmarks, which
    have no worker; requests never call this). ValidationError when the walk is too large for a PDF."""
    from fieldapp.services import protocol, protocol_files

    ensure_pdf_possible(walk)
    data = protocol.build_protocol(walk, audience, locale)
    page = protocol.render_page(walk, protocol.render_document(data), audience=audience, for_pdf=True)
    return protocol_files.pdf_bytes(page, walk, staff=audience == "internal")


def _claim(pdf_id: int, token: str) -> bool:
    """Take the render: a queued row, or a running one whose worker stopped touching it (died)."""
    now = utcnow()
    claimed = changed_rows(
        update(ProtocolPdf)
        .where(
            ProtocolPdf.id == pdf_id,
            or_(
                ProtocolPdf.state == "queued",
                and_(ProtocolPdf.state == "rendering", ProtocolPdf.touched_at < now - lease()),
            ),
        )
        .values(state="rendering", claim=token, attempts=ProtocolPdf.attempts + 1, progress=5,
                touched_at=now, error="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed == 1


class _Progress:
    """The render's progress and heartbeat: a thread writes both every second on its own connection, so a
    long layout (WeasyPrint gives no news while it lays out) never looks like a dead worker.

    Loading files (our CSS and the photos) is most of the layout of a protocol with photos: progress
    runs from 10 to 80 % with the files loaded, 90 % once laid out, 100 % when stored.
    """

    def __init__(self, pdf_id: int, token: str, expected_files: int):
        self.pdf_id, self.token = pdf_id, token
        self.expected = max(expected_files + 2, 3)  # the photos plus the style sheets
        self.fetched = 0
        self.percent = 10
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"pdf-{pdf_id}-heartbeat", daemon=True)

    def __call__(self, event: str) -> None:
        if event == "fetched":
            self.fetched += 1
            self.percent = 10 + round(70 * min(self.fetched / self.expected, 1.0))
        else:
            self.percent = 90

    def __enter__(self) -> _Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_S):
            with self.engine.begin() as conn:
                conn.execute(
                    update(ProtocolPdf)
                    .where(ProtocolPdf.id == self.pdf_id, ProtocolPdf.claim == self.token)
                    .values(progress=self.percent, touched_at=utcnow())
                )


def _finish(pdf_id: int, token: str, *, state: str, data: bytes | None = None, error: str = "") -> bool:
    """Store the outcome if this worker still holds the claim; drafts keep only their newest PDF."""
    values: dict[str, Any] = {"state": state, "claim": None, "finished_at": utcnow(), "touched_at": utcnow()}
    if data is not None:
        sha = hashlib.sha256(data).hexdigest()
        values |= {"data": data, "sha256": sha, "size": len(data), "progress": 100, "document_html": ""}
    else:
        values["error"] = error
    stored = changed_rows(
        update(ProtocolPdf)
        .where(ProtocolPdf.id == pdf_id, ProtocolPdf.claim == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if stored != 1:
        db.session.rollback()
        return False
    pdf = db.session.get_one(ProtocolPdf, pdf_id)  # the row this worker just updated
    db.session.refresh(pdf)
    if data is not None and pdf.version_id is not None:
        db.session.execute(
            update(ProtocolVersion)
            .where(ProtocolVersion.id == pdf.version_id)
            .values(pdf_sha256=values["sha256"])
        )
    elif data is not None:
        db.session.execute(
            delete(ProtocolPdf).where(
                ProtocolPdf.walk_id == pdf.walk_id,
                ProtocolPdf.audience == pdf.audience,
                ProtocolPdf.version_id.is_(None),
                ProtocolPdf.id != pdf.id,
                ProtocolPdf.state.in_(("ready", "failed")),
            )
        )
    db.session.commit()
    return state == "ready"


def sweep() -> int:
    """Enqueue what no job is on its way to: versions without a PDF row, queued rows not touched within
    the lease, renders whose worker died. Returns how many jobs it enqueued."""
    cutoff = utcnow() - lease()
    missing = db.session.execute(
        select(ProtocolVersion, Walk)
        .join(Walk, Walk.id == ProtocolVersion.walk_id)
        .outerjoin(ProtocolPdf, ProtocolPdf.version_id == ProtocolVersion.id)
        .where(ProtocolVersion.audience == "public", ProtocolPdf.id.is_(None))
    ).all()
    created = [
        pdf
        for version, walk in missing
        if (pdf := add_version_pdf(version, walk, current_app.config["BABEL_DEFAULT_LOCALE"],
                                   version.published_by_id)) is not None
    ]
    stale = list(
        db.session.scalars(
            select(ProtocolPdf).where(
                ProtocolPdf.state.in_(("queued", "rendering")), ProtocolPdf.touched_at < cutoff
            )
        )
    )
    for pdf in stale:
        if pdf.state == "queued":
            pdf.touched_at = utcnow()  # enqueued again now; the lease counts from here
    db.session.commit()
    for pdf in stale + created:
        start(pdf)
    return len(stale) + len(created)
