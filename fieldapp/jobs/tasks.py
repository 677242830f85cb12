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


@job()
def detect_photo_regions(photo_id: int) -> None:
    """Look for faces and number plates on one uploaded photo (suggestions for staff); once per photo."""
    from fieldapp.services import photo_detection

    photo_detection.run(photo_id)


@periodic_job(crontab(minute="*/5"))
def sweep_photo_detection() -> None:
    """Every 5 minutes: queue again photos whose detection job got lost (still pending after a while)."""
    from fieldapp.services import photo_detection

    photo_detection.sweep()


@periodic_job(crontab(hour="2", minute="30"))
def purge_expired_data() -> None:
    """Daily at 02:30 UTC (03:30 in Swedish winter, 04:30 in summer): delete what is past retention
    (fieldapp.services.retention.purge logs the counts)."""
    from fieldapp.services import retention

    retention.purge()


@job(retries=6, retry_delay=120)
def deliver_mail(to: str, subject: str, body: str, headers: dict[str, str]) -> None:
    """Hand one mail to the SMTP server (fieldapp.mail); retried for ~12 minutes when it cannot."""
    from fieldapp import mail

    mail.deliver(mail.Mail(to, subject, body, headers))


@periodic_job(crontab(minute="*"))
def notify_subscribers() -> None:
    """Every minute: mail subscribers the changes on their walk, batched (fieldapp.services.subscriptions)."""
    from fieldapp.services import subscriptions

    subscriptions.notify_changes()


@periodic_job(crontab(day_of_week="1", hour="5", minute="0"))
def send_weekly_digests() -> None:
    """Mondays at 05:00 UTC: each responsible party's weekly digest (new and overdue measures), once."""
    from fieldapp.services import digests

    digests.send_weekly_digests()


@job()
def send_open311_measure(measure_id: int) -> None:
    """Send one queued measure to its responsible party's Open311 endpoint (a no-op once sent)."""
    from fieldapp.services import open311_send

    open311_send.send_queued(measure_id)


@periodic_job(crontab(minute="*"))
def push_due_open311() -> None:
    """Every minute: Open311 retries whose backoff has passed, token look-ups, and lost send jobs."""
    from fieldapp.services import open311_send

    open311_send.push_due()
