"""``fieldapp worker``: the job consumer, run next to the web server (``make run`` starts both)."""

from __future__ import annotations

import logging

import click
from flask import current_app


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at the same time (threads).")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic jobs (another worker does).")
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run background jobs (protocol PDFs, photo detection, the daily purge, …) from the queue until stopped.

    Ctrl-C (SIGINT) finishes the running jobs first; SIGTERM stops at once (an interrupted PDF is
    taken up again by the next worker once its lease has run out).
    """
    from fieldapp.jobs import huey_for, request_context
    from fieldapp.services import photo_detection, protocol_pdf

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    huey = huey_for(app)
    with request_context(app):
        protocol_pdf.sweep()  # what was queued when no worker ran, or lost with a dead one
        photo_detection.sweep()
    click.echo(f"fieldapp worker: {workers} thread(s), queue {app.config['JOBS_URL']}")
    huey.create_consumer(workers=workers, periodic=not no_periodic, worker_type="thread").run()
