"""`fieldapp check`: photo store ⇄ database consistency."""
from __future__ import annotations

import click


@click.command("check")
@click.option(
    "--repair", is_flag=True, help="Delete orphaned and temporary files, rebuild missing thumbnails."
)
def check_command(repair: bool) -> None:
    """Report orphaned files, missing files and photo rows without files (exit 1 when not clean)."""
    from fieldapp.services.consistency import check_store

    report = check_store(repair=repair)
    for line in report.repaired:
        click.echo(f"repaired: {line}")
    for key in report.orphaned:
        click.echo(f"orphaned file: {key}")
    for name in report.temp_files:
        click.echo(f"temporary file left by an interrupted write: {name}")
    for key in report.missing:
        click.echo(f"missing file: {key}")
    for photo_uuid in report.rows_without_files:
        click.echo(f"photo without its display file: {photo_uuid}")
    if report.clean:
        click.echo("Photo store and database agree.")
    else:
        raise SystemExit(1)
