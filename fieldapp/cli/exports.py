"""CLI: ``fieldapp export SLUG --format F --audience external|internal [--crs EPSG] -o FILE`` and
``fieldapp protocol SLUG [--public] [--pdf] -o FILE``.
Both render as a request in the configured language would (FIELDAPP_PUBLIC_URL as the base)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from fieldapp.errors import DomainError
from gis.errors import GeometryError


def _request_context(lang: str):  # noqa: ANN202 - a Flask request context
    return current_app.test_request_context(f"/?lang={lang}", base_url=current_app.config["PUBLIC_URL"])


def _write(output: Path, chunks) -> int:  # noqa: ANN001 - an iterable of bytes
    size = 0
    tmp = output.with_name(f".{output.name}.part")
    with tmp.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            size += len(chunk)
    tmp.replace(output)
    return size


@click.command("export")
@click.argument("slug")
@click.option("--format", "fmt", required=True, help="csv, xlsx, geojson, gpkg, kml or zip")
@click.option(
    "--crs", "crs_code", default=None, help="EPSG code: 3006, 3007…3018 or 4326 where the format allows"
)
@click.option(
    "--audience", type=click.Choice(["external", "internal"]), required=True,
    help="external: for responsible parties and the public (no internal notes, only approved, blurred "
         "photos); internal: everything, for staff.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def export_command(slug: str, fmt: str, crs_code: str | None, audience: str, output: Path, lang: str) -> None:
    """Export a walk's findings (with route and stops where the format has room) to FILE."""
    from fieldapp.services import exports, walks

    with _request_context(lang):
        try:
            walk = walks.walk_by_slug(slug)
            exporter, data = exports.build_export(walk, fmt, crs_code, lang, audience, render_pdf_now=True)
            size = _write(output, exporter.stream(data))
        except (DomainError, GeometryError) as err:
            raise click.ClickException(getattr(err, "message", str(err))) from None
    click.echo(f"Wrote {output} ({exporter.label}, {audience}, EPSG:{data.crs_epsg}, {size} bytes)")


@click.command("protocol")
@click.argument("slug")
@click.option("--public", is_flag=True, help="The public version (publishable photos, no internal notes).")
@click.option("--pdf", is_flag=True, help="PDF instead of HTML.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
def protocol_command(slug: str, public: bool, pdf: bool, output: Path, lang: str) -> None:
    """Write a walk's protocol (current draft data) as HTML or PDF to FILE."""
    from fieldapp.services import protocol, protocol_files, protocol_pdf, walks

    audience = "public" if public else "internal"
    with _request_context(lang):
        try:
            walk = walks.walk_by_slug(slug)
            if pdf:
                protocol_pdf.ensure_pdf_possible(walk)
            data = protocol.build_protocol(walk, audience, lang)
            page = protocol.render_page(walk, protocol.render_document(data), audience=audience, for_pdf=pdf)
            body = protocol_files.pdf_bytes(page, walk, staff=not public) if pdf else page.encode("utf-8")
        except DomainError as err:
            raise click.ClickException(err.message) from None
    size = _write(output, [body])
    click.echo(f"Wrote {output} ({audience} protocol, {'PDF' if pdf else 'HTML'}, {size} bytes)")
