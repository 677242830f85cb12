"""``fieldapp purge``: delete personal data past retention (also a daily job)."""
from __future__ import annotations

import click


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what is past retention; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete personal data past retention (contact details, photo originals); prints counts only."""
    from fieldapp.services.retention import purge

    for line in purge(dry_run=dry_run).lines():
        click.echo(line)
