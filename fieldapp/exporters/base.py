"""What every exporter has: a name, a file type, the CRS it may be written in, and ``stream``."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyproj

from gis import crs

if TYPE_CHECKING:
    from fieldapp.exporters.rows import WalkExport

CHUNK_SIZE = 64 * 1024
METRIC_CRS: tuple[int, ...] = (crs.SWEREF99_TM, *crs.SWEREF99_LOCAL_ZONES)


class Exporter:
    """Base class: subclasses set the class attributes and implement :meth:`stream`."""

    name: ClassVar[str]
    label: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]
    crs_choices: ClassVar[tuple[int, ...]] = (crs.WGS84,)
    default_crs: ClassVar[int] = crs.WGS84
    # True: rows carry N/E in a metric CRS even when the file itself is asked for in WGS84 (CSV in the zip).
    metric_rows: ClassVar[bool] = False
    # True: the file carries the protocol PDF (the export service fetches it, see WalkExport.protocol_pdf).
    includes_protocol_pdf: ClassVar[bool] = False

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        """The file's bytes, in chunks; reads the finding rows lazily."""
        raise NotImplementedError

    def filename(self, data: WalkExport) -> str:
        suffix = "" if data.crs_epsg == crs.WGS84 or len(self.crs_choices) == 1 else f"-epsg{data.crs_epsg}"
        return f"{data.slug}{suffix}.{self.extension}"


def photo_file_name(number: int, index: int) -> str:
    """Name of finding ``number``'s ``index``-th (1-based) photo inside the zip export."""
    return f"photos/{number:04d}-{index}.jpg"


@contextmanager
def temp_dir() -> Iterator[Path]:
    """A private temporary directory, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-export-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path`` in CHUNK_SIZE pieces."""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


@lru_cache(maxsize=32)
def crs_name(epsg: int) -> str:
    """Human name of an export CRS, e.g. 'SWEREF 99 TM' or 'WGS 84'."""
    return pyproj.CRS.from_epsg(epsg).name.replace("SWEREF99", "SWEREF 99")
