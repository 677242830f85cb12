"""The rows every exporter reads: plain values gathered by ``services/exports.py``.

Kept apart from the service so exporters depend on these types only, and the service on the exporter
registry: no import circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from shapely.geometry.base import BaseGeometry

from fieldapp.exporters.base import photo_file_name
from fieldapp.services import photo_visibility


@dataclass(frozen=True)
class StopRow:
    """A numbered stop of the walk (WGS84 lon/lat)."""

    seq: int
    name: str
    lon: float
    lat: float


@dataclass(slots=True)
class FindingRow:
    """One (canonical, visible) finding with its measure, ready for any export format.

    ``easting``/``northing`` are in ``crs_epsg`` (a metric SWEREF 99 system, or lon/lat for 4326).
    ``stop_*`` is the stop the finding was made at, or else the nearest stop (``at_stop`` False).
    ``_batch_rows`` builds it positionally: keep the field order in step with it.
    """

    number: int
    id: int
    uuid: str
    category_code: str
    category_name: str
    polarity: str
    felt_safety: int | None  # the answer on its own scale (felt_safety_scale); words: fieldapp/labels.py
    lighting_check: str | None
    note: str
    internal_note: str
    position_source: str
    accuracy_m: float | None
    created_at: datetime | None
    lon: float
    lat: float
    easting: float
    northing: float
    crs_epsg: int
    stop_seq: int | None
    stop_name: str
    at_stop: bool
    stop_distance_m: float | None
    confirmations: int
    photo_count: int
    proposal: str = ""
    responsible: str = ""
    priority: str = ""
    deadline: date | None = None
    status: str = ""
    status_reason: str = ""
    public_answer: str = ""
    arrival: str = "on_time"  # "late": synced after the walk was marked done (services/late_sync.py)
    # Farther than NEAR_STOP_M from every stop: the stops before and after it along the route (None: the
    # start or end of the route). None when near a stop, at a stop, or the walk has no route.
    between: tuple[int | None, int | None] | None = None
    felt_safety_scale: int | None = None  # the scale of ``felt_safety`` (finding_rules.FELT_SAFETY_SCALES)

    @property
    def photo_files(self) -> str:
        """The zip's file names of this finding's photos, separated by '; ' (empty without photos)."""
        return "; ".join(photo_file_name(self.number, i) for i in range(1, self.photo_count + 1))


@dataclass(frozen=True)
class PhotoRef:
    """A photo of a finding (or of a duplicate merged into it), by stored sha256."""

    finding_id: int
    uuid: str
    sha256: str
    thumb_sha256: str
    blurred_sha256: str | None
    publishable: bool
    alt_text: str
    publication: str = "internal"
    published_sha256: str | None = None
    originals_purged: bool = False

    def key(self, audience: str) -> str | None:
        """The stored file this photo is exported as for ``audience`` (None: left out)."""
        return photo_visibility.export_key(
            publication=self.publication, published=self.published_sha256, blurred=self.blurred_sha256,
            original=self.sha256, originals_purged=self.originals_purged, audience=audience,
        )


@dataclass
class WalkExport:
    """Everything an exporter needs; the finding rows are re-iterable (each call queries again)."""

    slug: str
    title: str
    area_name: str
    municipality: str
    starts_at: datetime | None
    crs_epsg: int
    findings_crs: int
    route: BaseGeometry | None
    stops: list[StopRow]
    findings: Callable[[], Iterator[FindingRow]]
    # (photo, bytes or None when the file is missing): every exported photo is yielded, so the zip's
    # file names stay in step with the photo-file column.
    photos: Callable[[], Iterator[tuple[PhotoRef, bytes | None]]] = field(default=lambda: iter(()))
    audience: str = "internal"
    protocol_pdf: Callable[[], bytes] | None = None
    protocol_pdf_omitted: str | None = None  # why the zip has no protocol PDF (see pdf_refusal)
