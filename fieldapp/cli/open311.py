"""``fieldapp open311-push``: send the measures whose Open311 step is due (run it from cron)."""
from __future__ import annotations

from collections import Counter

import click

from fieldapp.errors import DomainError
from fieldapp.open311.client import DEFAULT_TIMEOUT


@click.command("open311-push")
@click.option("--walk", "walk_slug", default=None, help="Only this walk's measures (its slug).")
@click.option("--queue-new", is_flag=True,
              help="First queue the walk's never-sent measures whose responsible party has an endpoint.")
@click.option("--timeout", type=click.FloatRange(0.1, 60), default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds to wait for each Open311 server.")
def open311_push_command(walk_slug: str | None, queue_new: bool, timeout: float) -> None:
    """Send queued measures, retries whose time has come and pending tokens to the Open311 endpoints."""
    from fieldapp.services import open311_send
    from fieldapp.services.walks import walk_by_slug

    if queue_new and not walk_slug:
        raise click.UsageError("--queue-new needs --walk SLUG.")
    try:
        walk = walk_by_slug(walk_slug) if walk_slug else None
    except DomainError as err:
        raise click.ClickException(f"{err.message} ({walk_slug})") from None
    if queue_new:
        click.echo(f"Queued: {open311_send.queue_walk(walk)}")
    results = open311_send.push_due(walk=walk, timeout=timeout)
    for result in results:
        click.echo(f"Measure {result.measure_id}: {result.state} – {result.message}")
    states = Counter(result.state for result in results)
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    click.echo(f"Due: {len(results)}" + (f" ({summary})" if summary else ""))
