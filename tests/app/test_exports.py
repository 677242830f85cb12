"""Exports for the technical department (GeoPackage, GeoJSON, XLSX, KML, CSV, zip) via staff URL and CLI."""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import openpyxl
import pyogrio
import pyproj
import pytest
import shapely
import sqlalchemy as sa
from defusedxml import ElementTree
from pyogrio import raw

from fieldapp.extensions import db
from fieldapp.models import Finding, Measure, Photo, ResponsibleParty, Walk
from fieldapp.services import photo_publication
from gis import convert

SLUG = "demo-nodinge"
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@dataclass
class Prepared:
    """The demo walk after review: one duplicate merged, one finding hidden, measures, notes, photo flags."""

    walk: Walk
    visible: list[Finding]  # the canonical, not hidden findings in export order
    merged: Finding
    hidden: Finding
    public_photo: Photo
    private_photo: Photo


def add_measure(
    finding: Finding,
    proposal: str,
    party: ResponsibleParty | None,
    *,
    priority: str = "normal",
    status: str = "new",
    deadline: date | None = None,
    reason: str = "",
) -> Measure:
    measure = Measure(
        finding_id=finding.id,
        proposal=proposal,
        responsible_party_id=party.id if party else None,
        priority=priority,
        status=status,
        deadline=deadline,
        status_reason=reason,
    )
    db.session.add(measure)
    db.session.commit()
    return measure


def prepare_walk() -> Prepared:
    """Seed the demo walk and give it what review produces (rows written directly)."""
    from fieldapp.services.demo import seed_demo

    walk = seed_demo().walk
    findings = list(
        db.session.scalars(
            sa.select(Finding).where(Finding.walk_id == walk.id).order_by(Finding.created_at, Finding.id)
        )
    )
    first, duplicate = findings[0], findings[1]
    duplicate.canonical_id = first.id
    hidden = next(f for f in findings if f.category.code == "litter")
    hidden.hidden = True
    first.internal_note = "Intern: elnätet byts 2027, kontakta Ale Energi"
    findings[5].note = '=HYPERLINK("http://evil.example")'
    photos = list(db.session.scalars(sa.select(Photo).order_by(Photo.id)))
    public_photo, private_photo = photos[0], photos[1]
    db.session.commit()
    photo_publication.approve(public_photo, with_blur=False, user_id=None)
    party = ResponsibleParty(name="Ale kommun, gatuenheten", kind="municipal", email="gata@ale.se")
    db.session.add(party)
    db.session.commit()
    add_measure(
        first, "Byt armaturer till LED", party, priority="high", status="planned", deadline=date(2026, 11, 30)
    )
    add_measure(
        findings[2], "Gallra buskarna längs gångvägen", party, status="new", deadline=date(2026, 12, 15)
    )
    add_measure(
        findings[3],
        "Belys tunneln",
        None,
        priority="acute",
        status="rejected",
        reason="Trafikverket äger tunneln",
    )
    visible = [f for f in findings if not f.hidden and f.canonical_id is None]
    return Prepared(walk, visible, duplicate, hidden, public_photo, private_photo)


@pytest.fixture
def prepared(app) -> Prepared:
    return prepare_walk()


def lonlat(finding: Finding) -> tuple[float, float]:
    point = convert.to_geom(finding.geom_el)
    return point.x, point.y


def download(client, fmt: str, **params) -> bytes:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/staff/walks/{SLUG}/export.{fmt}" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data()


FELT_WORDS = {
    None: "",
    (1, 3): "Very unsafe (1 of 3)", (2, 3): "Somewhat unsafe (2 of 3)", (3, 3): "A little unsafe (3 of 3)",
    (1, 4): "Very unsafe", (2, 4): "Fairly unsafe", (3, 4): "Fairly safe", (4, 4): "Very safe",
}


# --------------------------------------------------------------------------- GeoPackage


@pytest.mark.parametrize("epsg", [3006, 3007, 4326])
def test_geopackage_layers_counts_crs_and_coordinates(staff_client, prepared, tmp_path, epsg) -> None:
    path = tmp_path / "walk.gpkg"
    path.write_bytes(download(staff_client, "gpkg", crs=epsg))
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == ["findings", "route", "stops"]
    for layer in ("findings", "route", "stops"):
        assert pyogrio.read_info(path, layer=layer)["crs"] == f"EPSG:{epsg}"
    assert pyogrio.read_info(path, layer="findings")["features"] == len(prepared.visible)
    assert pyogrio.read_info(path, layer="stops")["features"] == len(prepared.walk.stops)
    assert pyogrio.read_info(path, layer="route")["features"] == 1

    meta, _, geometry, fields = raw.read(path, layer="findings")
    names = list(meta["fields"])
    uuids = fields[names.index("uuid")]
    numbers = fields[names.index("number")]
    assert list(numbers) == list(range(1, len(prepared.visible) + 1))
    points = shapely.from_wkb(geometry)
    expected = {f.uuid: lonlat(f) for f in prepared.visible}
    transformer = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    for uuid, point in zip(uuids, points, strict=True):
        x, y = transformer.transform(*expected[uuid])
        tolerance = 0.001 if epsg != 4326 else 1e-8  # 1 mm; in degrees ~1 mm too
        assert abs(point.x - x) <= tolerance and abs(point.y - y) <= tolerance
    confirmations = dict(zip(uuids, fields[names.index("confirmations")], strict=True))
    assert confirmations[prepared.visible[0].uuid] == 2  # itself + the merged duplicate
    assert prepared.hidden.uuid not in expected and prepared.merged.uuid not in confirmations

    _, _, route_wkb, _ = raw.read(path, layer="route")
    route = shapely.from_wkb(route_wkb[0])
    stored = convert.to_geom(prepared.walk.route.geom_el)
    first = transformer.transform(*stored.coords[0])
    assert route.geom_type == "MultiLineString"
    assert math.dist(route.geoms[0].coords[0], first) <= (0.001 if epsg != 4326 else 1e-8)


# --------------------------------------------------------------------------- GeoJSON

POSITION = {
    "type": "array",
    "minItems": 2,
    "maxItems": 3,
    "items": {"type": "number"},
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
    ],
}
RFC7946_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "features"],
    "not": {"required": ["crs"]},
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "not": {"required": ["crs"]},
                "properties": {
                    "type": {"const": "Feature"},
                    "id": {"type": ["string", "number"]},
                    "properties": {"type": ["object", "null"]},
                    "geometry": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {"type": {"const": "Point"}, "coordinates": POSITION},
                            },
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "LineString"},
                                    "coordinates": {"type": "array", "minItems": 2, "items": POSITION},
                                },
                            },
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Polygon"},
                                    "coordinates": {
                                        "type": "array",
                                        "items": {"type": "array", "minItems": 4, "items": POSITION},
                                    },
                                },
                            },
                        ]
                    },
                },
            },
        },
    },
}


def assert_rfc7946(document: dict) -> None:
    """JSON schema of RFC 7946 §3 plus what a schema cannot say: closed rings, counter-clockwise exteriors."""
    jsonschema.validate(document, RFC7946_SCHEMA)
    for feature in document["features"]:
        geometry = feature["geometry"]
        if geometry and geometry["type"] == "Polygon":
            for index, ring in enumerate(geometry["coordinates"]):
                assert ring[0] == ring[-1]
                ccw = shapely.LinearRing(ring).is_ccw
                assert ccw if index == 0 else not ccw  # RFC 7946 §3.1.6 right-hand rule


def test_the_rfc7946_check_rejects_what_it_should() -> None:
    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    assert_rfc7946(good)
    bad_documents = [
        {**good, "crs": {"type": "name"}},
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": [57.9, 200.0]},
                }
            ],
        },
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 0]]]},
                }
            ],
        },
    ]
    for document in bad_documents:
        with pytest.raises((jsonschema.ValidationError, AssertionError)):
            assert_rfc7946(document)


def test_geojson_is_rfc7946_with_lon_lat_order_and_properties(staff_client, prepared) -> None:
    response = staff_client.get(f"/staff/walks/{SLUG}/export.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    document = json.loads(response.get_data())
    assert_rfc7946(document)
    features = document["features"]
    assert [f["properties"]["number"] for f in features] == list(range(1, len(prepared.visible) + 1))
    for feature, finding in zip(features, prepared.visible, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert 11 < lon < 13 and 57 < lat < 59  # longitude first (Nödinge is at 12° E, 57.9° N)
        assert math.isclose(lon, lonlat(finding)[0], abs_tol=1e-7)
        assert math.isclose(lat, lonlat(finding)[1], abs_tol=1e-7)
        assert feature["id"] == finding.uuid
        assert feature["properties"]["category"] == finding.category.code
    first = features[0]["properties"]
    assert first["proposal"] == "Byt armaturer till LED" and first["responsible"] == "Ale kommun, gatuenheten"
    assert first["priority_code"] == "high" and first["deadline"] == "2026-11-30"
    assert first["confirmations"] == 2


# --------------------------------------------------------------------------- XLSX, CSV, KML


def test_xlsx_reopens_with_the_right_rows(staff_client, prepared) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(download(staff_client, "xlsx", crs=3007, lang="en")))
    sheet = workbook["Findings"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == len(prepared.visible)
    column = {name: index for index, name in enumerate(header)}
    assert column["Latitude (WGS 84)"] < column["Longitude (WGS 84)"]
    assert column["N (SWEREF 99 12 00)"] < column["E (SWEREF 99 12 00)"]
    transformer = pyproj.Transformer.from_crs(4326, 3007, always_xy=True)
    for row, finding in zip(body, prepared.visible, strict=True):
        easting, northing = transformer.transform(*lonlat(finding))
        assert abs(row[column["N (SWEREF 99 12 00)"]] - northing) < 0.001
        assert abs(row[column["E (SWEREF 99 12 00)"]] - easting) < 0.001
        assert row[column["Category"]] == finding.category.name_en
        assert row[column["ID"]] == finding.uuid
    assert [r[column["No."]] for r in body] == list(range(1, len(body) + 1))
    assert body[0][column["Proposed measure"]] == "Byt armaturer till LED"
    assert body[0][column["Deadline"]].date() == date(2026, 11, 30)
    assert body[0][column["Status"]] == "Planned"
    assert [r[0] for r in workbook["Stops"].iter_rows(min_row=2, values_only=True)] == list(range(1, 8))
    for cells in sheet.iter_rows(min_row=2):  # Excel shows dates as dates and coordinates with fixed decimals
        assert cells[column["Reported"]].number_format == "yyyy-mm-dd hh:mm"
        assert cells[column["Latitude (WGS 84)"]].number_format == "0.0000000"
        assert cells[column["N (SWEREF 99 12 00)"]].number_format == "0.000"


def test_csv_has_bom_semicolons_decimal_commas_and_swedish_text(staff_client, prepared) -> None:
    data = download(staff_client, "csv", lang="en")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(prepared.visible)
    column = {name: index for index, name in enumerate(header)}
    assert column["Latitude (WGS 84)"] < column["Longitude (WGS 84)"] < column["N (SWEREF 99 TM)"]
    assert column["N (SWEREF 99 TM)"] < column["E (SWEREF 99 TM)"]
    transformer = pyproj.Transformer.from_crs(4326, 3006, always_xy=True)
    for row, finding in zip(body, prepared.visible, strict=True):
        lon, lat = lonlat(finding)
        assert "." not in row[column["Latitude (WGS 84)"]]
        assert math.isclose(float(row[column["Latitude (WGS 84)"]].replace(",", ".")), lat, abs_tol=1e-7)
        easting, northing = transformer.transform(lon, lat)
        assert abs(float(row[column["N (SWEREF 99 TM)"]].replace(",", ".")) - northing) <= 0.001
        assert abs(float(row[column["E (SWEREF 99 TM)"]].replace(",", ".")) - easting) <= 0.001
        assert row[column["Observation"]].lstrip("'") == finding.note
        local = finding.created_at.astimezone(ZoneInfo("Europe/Stockholm"))
        assert row[column["Reported"]] == local.strftime("%Y-%m-%d %H:%M")  # Swedish wall-clock time
        assert row[column["Felt safety"]] == FELT_WORDS[finding.felt]  # words on the answer's own scale
        assert row[column["felt_safety_code"]] == str(finding.felt[0] if finding.felt else "")
    numbers = [int(row[column["No."]]) for row in body]
    assert numbers == list(range(1, len(body) + 1))
    assert body[0][column["Deadline"]] == "2026-11-30" and body[0][column["Priority"]] == "High"
    without_measure = [r for r in body if not r[column["Proposed measure"]]]
    assert without_measure and all(
        r[column["Deadline"]] == r[column["Status"]] == "" for r in without_measure
    )
    assert "Två lyktstolpar släckta längs gångvägen." in text
    injected = next(r for r in body if "HYPERLINK" in r[column["Observation"]])
    assert injected[column["Observation"]].startswith("'=")
    assert body[0][column["Internal note"]].startswith("Intern:")


def test_kml_parses_with_the_right_placemarks(staff_client, prepared) -> None:
    root = ElementTree.fromstring(download(staff_client, "kml"))
    folders = root.findall("k:Document/k:Folder", KML_NS)
    assert len(folders) == 3
    route_folder, stop_folder, finding_folder = folders
    assert route_folder.find(".//k:LineString/k:coordinates", KML_NS) is not None
    assert len(stop_folder.findall("k:Placemark", KML_NS)) == 7
    placemarks = finding_folder.findall("k:Placemark", KML_NS)
    assert len(placemarks) == len(prepared.visible)
    for number, (placemark, finding) in enumerate(zip(placemarks, prepared.visible, strict=True), start=1):
        assert placemark.find("k:name", KML_NS).text == f"{number}. {finding.category.name_sv}"
        lon, lat = (float(v) for v in placemark.find("k:Point/k:coordinates", KML_NS).text.split(","))
        assert math.isclose(lon, lonlat(finding)[0], abs_tol=1e-7)
        assert math.isclose(lat, lonlat(finding)[1], abs_tol=1e-7)
        data = {
            d.get("name"): d.find("k:value", KML_NS).text for d in placemark.iter(f"{{{KML_NS['k']}}}Data")
        }
        assert data["uuid"] == finding.uuid


def test_zip_holds_geopackage_csv_protocol_pdf_and_photos(staff_client, prepared, worker, tmp_path) -> None:
    first = zipfile.ZipFile(io.BytesIO(download(staff_client, "zip", crs=3007, lang="en")))
    assert "protocol.pdf" not in first.namelist()  # never rendered during the download: queued instead
    assert "The protocol PDF is being prepared" in first.read("README.txt").decode("utf-8")
    worker.run_until_idle()
    archive = zipfile.ZipFile(io.BytesIO(download(staff_client, "zip", crs=3007)))
    names = archive.namelist()
    assert f"{SLUG}.gpkg" in names and f"{SLUG}.csv" in names and "README.txt" in names
    assert archive.read("protocol.pdf").startswith(b"%PDF")
    photos = [n for n in names if n.startswith("photos/")]
    visible_ids = {f.id for f in prepared.visible} | {prepared.merged.id}
    expected = db.session.scalar(
        sa.select(sa.func.count(Photo.id)).where(Photo.finding_id.in_(visible_ids), Photo.hidden.is_(False))
    )
    assert len(photos) == expected and all(n.endswith(".jpg") for n in photos)
    assert archive.read(photos[0])[:3] == b"\xff\xd8\xff"
    gpkg = tmp_path / "in-zip.gpkg"
    gpkg.write_bytes(archive.read(f"{SLUG}.gpkg"))
    assert pyogrio.read_info(gpkg, layer="findings")["crs"] == "EPSG:3007"
    assert archive.read(f"{SLUG}.csv").startswith(b"\xef\xbb\xbf")


# --------------------------------------------------------------------------- access, bad input, page, CLI


def test_exports_need_a_staff_login(client, prepared) -> None:
    for path in (f"/staff/walks/{SLUG}/export.csv", f"/staff/walks/{SLUG}/exports"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("export.shp", 404, "csv, xlsx"),
        ("export.gpkg?crs=3857", 422, "EPSG:3857"),
        ("export.gpkg?crs=abc", 422, "abc"),
        ("export.geojson?crs=3006", 422, "EPSG:4326"),
        ("export.csv?crs=4326", 422, "EPSG:3006"),
    ],
)
def test_bad_format_or_crs_is_a_clear_4xx(staff_client, prepared, path, status, text) -> None:
    response = staff_client.get(f"/staff/walks/{SLUG}/{path}", headers={"Accept": "application/json"})
    assert response.status_code == status
    assert text in response.get_json()["error"]["message"]


def test_unknown_walk_is_404(staff_client, prepared) -> None:
    assert staff_client.get("/staff/walks/no-such-walk/export.csv").status_code == 404


def test_exports_page_offers_every_format_with_crs_choice(staff_client, prepared) -> None:
    response = staff_client.get(f"/staff/walks/{SLUG}/exports?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for fmt in ("csv", "xlsx", "geojson", "gpkg", "kml", "zip"):
        assert f'action="/staff/walks/{SLUG}/export.{fmt}"' in html
    assert 'value="3007"' in html and "SWEREF 99 12 00" in html
    assert "Publish the protocol" in html


def test_cli_export_writes_the_file(runner, prepared, tmp_path) -> None:
    out = tmp_path / "walk.gpkg"
    result = runner.invoke(
        args=["export", SLUG, "--format", "gpkg", "--crs", "3006", "--audience", "internal", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert pyogrio.read_info(out, layer="findings")["features"] == len(prepared.visible)
    geojson_out = tmp_path / "walk.geojson"
    result = runner.invoke(
        args=["export", SLUG, "--format", "geojson", "--audience", "external", "-o", str(geojson_out)]
    )
    assert result.exit_code == 0, result.output
    assert_rfc7946(json.loads(geojson_out.read_text(encoding="utf-8")))


def test_cli_export_refuses_bad_input_without_traceback(runner, prepared, tmp_path) -> None:
    out = tmp_path / "x.gpkg"
    for args, text in ((["--format", "gpkg", "--crs", "3857"], "EPSG:3857"), (["--format", "shp"], "shp")):
        result = runner.invoke(args=["export", SLUG, *args, "--audience", "internal", "-o", str(out)])
        assert result.exit_code != 0
        assert text in result.output and "Traceback" not in result.output
    assert not out.exists()
    missing = runner.invoke(
        args=[
            "export",
            "nope",
            "--format",
            "csv",
            "--audience",
            "external",
            "-o",
            str(Path(tmp_path) / "y.csv"),
        ]
    )
    assert missing.exit_code != 0 and "no walk" in missing.output
