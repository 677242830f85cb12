"""The application's jobs. Each takes plain values and may run twice without changing the outcome."""

from __future__ import annotations

from fieldapp.jobs import crontab, job, periodic_job


@job()
def render_protocol_pdf(pdf_id: int) -> None:
    """Render one protocol PDF (a published version's or a staff draft's) unless it is done or running."""
    from fieldapp.services import protocol_pdf

    protocol_pdf.render(pdf_id)


@periodic_job(crontab(minute="*"))
def sweep_protocol_pdfs() -> None:
    """Every minute: enqueue PDFs no job is on its way to (lost jobs, renders of a worker that died)."""
    from fieldapp.services import protocol_pdf

    protocol_pdf.sweep()
