"""GeoPackage via pyogrio (GDAL): layers ``findings``, ``route`` and ``stops`` in WGS84, SWEREF 99 TM or a
local SWEREF 99 zone. Findings are appended in batches, so memory stays bounded however many there are."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyogrio import raw
from shapely.geometry import LineString, MultiLineString

from fieldapp.exporters.base import Exporter, file_chunks, temp_dir
from fieldapp.labels import Tables, coded_tables, felt_safety_label, label
from gis import crs

if TYPE_CHECKING:
    from fieldapp.exporters.rows import FindingRow, StopRow, WalkExport

BATCH_SIZE = 5000
# GeoPackage 1.2 (application_id GPKG, user_version 10200): GDAL 3.6 (Debian 12, the QGIS LTR of the
# period) warns on the 1.4 files newer GDAL writes by default; 1.2 opens everywhere without a warning.
DATASET_OPTIONS = {"VERSION": "1.2"}
GDAL_TZ_UTC = 100  # GDAL's TZFlag for "UTC"

TEXT_FIELDS = (
    "uuid",
    "category",
    "category_name",
    "polarity",
    "felt_safety",
    "lighting_check",
    "note",
    "internal_note",
    "stop_name",
    "position_source",
    "proposal",
    "responsible",
    "priority",
    "status",
    "status_reason",
    "public_answer",
    "photo_files",
    "arrival",
    "polarity_code",
    "lighting_check_code",
    "position_source_code",
    "priority_code",
    "status_code",
)


def _text_values(rows: list[FindingRow], tables: Tables) -> dict[str, np.ndarray]:
    """Text columns: coded fields as labels in the export's language, their codes in ``*_code``."""
    getters = {
        "uuid": lambda r: r.uuid,
        "category": lambda r: r.category_code,
        "category_name": lambda r: r.category_name,
        "polarity": lambda r: label(tables["polarity"], r.polarity),
        "felt_safety": lambda r: felt_safety_label(r.felt_safety, r.felt_safety_scale) or None,
        "lighting_check": lambda r: label(tables["lighting_check"], r.lighting_check) or None,
        "note": lambda r: r.note,
        "internal_note": lambda r: r.internal_note,
        "stop_name": lambda r: r.stop_name or None,
        "position_source": lambda r: label(tables["position_source"], r.position_source),
        "proposal": lambda r: r.proposal or None,
        "responsible": lambda r: r.responsible or None,
        "priority": lambda r: label(tables["priority"], r.priority) or None,
        "status": lambda r: label(tables["status"], r.status) or None,
        "status_reason": lambda r: r.status_reason or None,
        "public_answer": lambda r: r.public_answer or None,
        "photo_files": lambda r: r.photo_files or None,
        "arrival": lambda r: r.arrival,
        "polarity_code": lambda r: r.polarity,
        "lighting_check_code": lambda r: r.lighting_check,
        "position_source_code": lambda r: r.position_source,
        "priority_code": lambda r: r.priority or None,
        "status_code": lambda r: r.status or None,
    }
    return {name: np.array([getters[name](r) for r in rows], dtype=object) for name in TEXT_FIELDS}


def _optional_ints(values: list[int | None]) -> tuple[np.ndarray, np.ndarray]:
    mask = np.array([v is None for v in values], dtype=bool)
    return np.array([0 if v is None else v for v in values], dtype="int32"), mask


def _finding_batch(
    rows: list[FindingRow], metric: bool, tables: Tables, *,
    external: bool = False,
) -> tuple[np.ndarray, list[np.ndarray], list[str], list[np.ndarray | None], dict]:
    if metric:
        x = np.fromiter((r.easting for r in rows), float, len(rows))
        y = np.fromiter((r.northing for r in rows), float, len(rows))
    else:
        x = np.fromiter((r.lon for r in rows), float, len(rows))
        y = np.fromiter((r.lat for r in rows), float, len(rows))
    geometry = shapely.to_wkb(shapely.points(x, y))
    felt, felt_mask = _optional_ints([r.felt_safety for r in rows])
    scale, scale_mask = _optional_ints([r.felt_safety_scale for r in rows])
    stop, stop_mask = _optional_ints([r.stop_seq for r in rows])
    accuracy = np.array([np.nan if r.accuracy_m is None else r.accuracy_m for r in rows], dtype=float)
    created = np.array(
        [None if r.created_at is None else r.created_at.replace(tzinfo=None) for r in rows],
        dtype="datetime64[ms]",
    )
    deadline = np.array([r.deadline for r in rows], dtype="datetime64[D]")
    texts = _text_values(rows, tables)
    fields = [
        "number",
        *TEXT_FIELDS[:6],
        "felt_safety_code",
        "felt_safety_scale",
        "stop",
        "at_stop",
        "lon",
        "lat",
        "accuracy_m",
        "created_at",
        "confirmations",
        "photo_count",
        *TEXT_FIELDS[6:],
        "deadline",
    ]
    values = {
        "number": np.array([r.number for r in rows], dtype="int32"),
        "felt_safety_code": felt,
        "felt_safety_scale": scale,
        "stop": stop,
        "at_stop": np.array([r.at_stop for r in rows], dtype=bool),
        "lon": np.array([r.lon for r in rows]),
        "lat": np.array([r.lat for r in rows]),
        "accuracy_m": accuracy,
        "created_at": created,
        "confirmations": np.array([r.confirmations for r in rows], dtype="int32"),
        "photo_count": np.array([r.photo_count for r in rows], dtype="int32"),
        "deadline": deadline,
        **texts,
    }
    masks = {"felt_safety_code": felt_mask, "felt_safety_scale": scale_mask, "stop": stop_mask}
    tz = {"created_at": np.full(len(rows), GDAL_TZ_UTC, dtype="int16")}
    if external:
        fields.remove("internal_note")  # the external audience's file has no such column
    return geometry, [values[f] for f in fields], fields, [masks.get(f) for f in fields], tz


def _write_findings(path: Path, data: WalkExport) -> None:
    metric = data.crs_epsg != crs.WGS84
    if metric and data.findings_crs != data.crs_epsg:
        raise ValueError("finding rows are not in the GeoPackage's CRS")
    rows_iter = data.findings()
    tables = coded_tables()
    first = True
    while True:
        rows = list(islice(rows_iter, BATCH_SIZE))
        if not rows and not first:
            return
        external = data.audience == "external"
        geometry, values, fields, masks, tz = _finding_batch(rows, metric, tables, external=external)
        raw.write(
            path,
            geometry,
            values,
            fields,
            field_mask=masks,
            layer="findings",
            driver="GPKG",
            geometry_type="Point",
            crs=f"EPSG:{data.crs_epsg}",
            append=not first,
            gdal_tz_offsets=tz,
            **({} if not first else {"dataset_options": DATASET_OPTIONS}),
        )
        first = False
        if len(rows) < BATCH_SIZE:
            return


def _write_route(path: Path, data: WalkExport) -> None:
    if data.route is None:
        geometries: list = []
    else:
        route = crs.transform(data.route, crs.WGS84, data.crs_epsg)
        geometries = [
            route
            if isinstance(route, MultiLineString)
            else MultiLineString([route])
            if isinstance(route, LineString)
            else route
        ]
    raw.write(
        path,
        np.array(shapely.to_wkb(geometries), dtype=object) if geometries else np.array([], dtype=object),
        [np.array([data.title] * len(geometries), dtype=object)],
        ["title"],
        layer="route",
        driver="GPKG",
        geometry_type="MultiLineString",
        crs=f"EPSG:{data.crs_epsg}",
        append=True,
    )


def _write_stops(path: Path, stops: list[StopRow], epsg: int) -> None:
    lon = np.array([s.lon for s in stops], dtype=float)
    lat = np.array([s.lat for s in stops], dtype=float)
    x, y = (lon, lat) if epsg == crs.WGS84 else crs.transformer(crs.WGS84, epsg).transform(lon, lat)
    geometry = shapely.to_wkb(shapely.points(x, y)) if stops else np.array([], dtype=object)
    raw.write(
        path,
        geometry,
        [np.array([s.seq for s in stops], dtype="int32"), np.array([s.name for s in stops], dtype=object)],
        ["seq", "name"],
        layer="stops",
        driver="GPKG",
        geometry_type="Point",
        crs=f"EPSG:{epsg}",
        append=True,
    )


def write_geopackage(path: Path, data: WalkExport) -> None:
    """Write the three layers to a new GeoPackage at ``path``."""
    _write_findings(path, data)
    _write_route(path, data)
    _write_stops(path, data.stops, data.crs_epsg)


class GeoPackageExporter(Exporter):
    name = "gpkg"
    label = "GeoPackage"
    extension = "gpkg"
    media_type = "application/geopackage+sqlite3"
    crs_choices = crs.EXPORT_CRS
    default_crs = crs.SWEREF99_TM

    def stream(self, data: WalkExport) -> Iterator[bytes]:
        with temp_dir() as folder:
            path = folder / self.filename(data)
            write_geopackage(path, data)
            yield from file_chunks(path)
