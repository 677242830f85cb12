"""What the protocol pages and PDF fetch: the walk's photos (for whom) and WeasyPrint's rendering."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from werkzeug.security import safe_join

from fieldapp.errors import N_, NotFound
from fieldapp.extensions import db
from fieldapp.models import Finding, Photo, Walk
from fieldapp.services import photo_visibility
from fieldapp.services.protocol_pdf import ensure_pdf_possible
from fieldapp.services.protocol_versions import published_versions
from fieldapp.storage import photo_store

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse


def photo_bytes(walk: Walk, sha256: str, *, staff: bool) -> bytes:
    """The stored image ``sha256`` if it belongs to the walk and the viewer may see it.

    Staff see every photo of the walk. Everyone else only the published rendition of a photo approved for
    publication (services.photo_visibility), once the walk has a published protocol.
    """
    if not staff and not published_versions(walk):
        raise NotFound(N_("There is no such photo."))  # nothing is public before the first publication
    stmt = select(Photo.id).join(Finding, Photo.finding_id == Finding.id).where(Finding.walk_id == walk.id)
    if staff:
        stmt = stmt.where(
            (Photo.sha256 == sha256) | (Photo.thumb_sha256 == sha256) | (Photo.blurred_sha256 == sha256)
            | (Photo.published_sha256 == sha256)
        )
    else:
        stmt = stmt.where(photo_visibility.external_condition(), Photo.published_sha256 == sha256)
    data = photo_store().get(sha256) if db.session.scalar(stmt.limit(1)) is not None else None
    if data is None:
        raise NotFound(N_("There is no such photo."))
    return data


def static_fetcher() -> Callable[[str], URLFetcherResponse]:
    """A WeasyPrint URL fetcher that reads our own static files from disk (and inline data: URIs) and
    refuses everything else."""
    from weasyprint.urls import URLFetcherResponse, default_url_fetcher

    static_root = Path(current_app.static_folder or "")
    static_prefix = (current_app.static_url_path or "/static").rstrip("/") + "/"

    def fetch(url: str) -> URLFetcherResponse:
        if url.startswith("data:"):
            return default_url_fetcher(url)
        path = urlsplit(url).path
        if path.startswith(static_prefix):
            target = safe_join(str(static_root), path[len(static_prefix) :])
            if target and Path(target).is_file():
                kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
                return URLFetcherResponse(url, Path(target).read_bytes(), {"Content-Type": kind})
        raise ValueError(f"not fetched for the PDF: {url}")

    return fetch


def pdf_bytes(
    page_html: str, walk: Walk, *, staff: bool, progress: Callable[[str], None] | None = None
) -> bytes:
    """Render a protocol page to PDF with WeasyPrint, fetching only our static files and the walk's photos.

    Refused with ValidationError (``pdf_too_large``) for walks above PROTOCOL_PDF_MAX_FINDINGS.
    ``progress`` hears ``"fetched"`` after each file WeasyPrint loads and ``"laid_out"`` before writing.
    Takes seconds to minutes: only the job queue (and the CLI) call it, never a request.
    """
    ensure_pdf_possible(walk)
    from weasyprint import HTML
    from weasyprint.urls import URLFetcherResponse

    photo_prefix = f"/walks/{walk.slug}/protocol/photos/"
    static = static_fetcher()

    def fetch(url: str) -> URLFetcherResponse:
        path = urlsplit(url).path
        if not path.startswith(photo_prefix):
            return static(url)
        sha = path[len(photo_prefix) :].removesuffix(".jpg")
        return URLFetcherResponse(url, photo_bytes(walk, sha, staff=staff), {"Content-Type": "image/jpeg"})

    def fetch_reporting(url: str) -> URLFetcherResponse:
        try:
            return fetch(url)
        finally:
            if progress is not None:
                progress("fetched")

    document = HTML(
        string=page_html, base_url=current_app.config["PUBLIC_URL"] + "/", url_fetcher=fetch_reporting
    ).render()
    if progress is not None:
        progress("laid_out")
    data: bytes = document.write_pdf()
    return data
