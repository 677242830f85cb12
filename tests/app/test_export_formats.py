"""One rule through every consumer: labels and codes in every format, the confirmation count on every page
and in every export, GeoPackage 1.2 that GDAL 3.6 opens without a warning, photo names matching the zip,
XLSX filters and SWEREF coordinates on every sheet."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pyproj
import pytest
from defusedxml import ElementTree
from pyogrio import raw

from fieldapp import labels
from fieldapp.extensions import db
from fieldapp.finding_rules import FELT_SAFETY_SCALE
from tests.app.test_exports import SLUG, Prepared, add_measure, download, prepare_walk

KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
# GDAL 3.6's own validator, installed with Debian 12's gdal-bin/python3-gdal (the release QGIS LTR users run).
GDAL_VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")


@pytest.fixture
def prepared(app) -> Prepared:
    return prepare_walk()


def gpkg_rows(path: Path) -> list[dict]:
    meta, _, _, fields = raw.read(path, layer="findings")
    names = list(meta["fields"])
    return [dict(zip(names, values, strict=True)) for values in zip(*fields, strict=True)]


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def kml_rows(data: bytes) -> list[dict]:
    root = ElementTree.fromstring(data)
    return [
        {d.get("name"): (d.find("k:value", KML_NS).text or "") for d in mark.findall(".//k:Data", KML_NS)}
        for mark in root.findall(".//k:Placemark", KML_NS)
        if (mark.get("id") or "").startswith("finding-")
    ]


def xlsx_rows(data: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def every_format(client, tmp_path: Path) -> dict[str, list[dict]]:
    """The finding rows of every export format, in English, by format name."""
    gpkg = tmp_path / "walk.gpkg"
    gpkg.write_bytes(download(client, "gpkg", lang="en"))
    geojson = json.loads(download(client, "geojson", lang="en"))
    return {
        "csv": csv_rows(download(client, "csv", lang="en")),
        "xlsx": xlsx_rows(download(client, "xlsx", lang="en")),
        "geojson": [f["properties"] for f in geojson["features"]],
        "gpkg": gpkg_rows(gpkg),
        "kml": kml_rows(download(client, "kml", lang="en")),
    }


# --------------------------------------------------------------------------- labels and codes


def test_every_format_has_the_same_labels_and_stable_codes(staff_client, prepared, tmp_path) -> None:
    referred = prepared.visible[4]
    add_measure(referred, "Kontakta fastighetsägaren", None, priority="low", status="referred",
                reason="Privat mark")
    formats = every_format(staff_client, tmp_path)
    # Column names: the spreadsheet formats have translated headers, the GIS formats stable keys.
    keys = {
        "csv": ("Status", "status_code", "Priority", "priority_code", "Unsafe or safe", "polarity_code"),
        "xlsx": ("Status", "status_code", "Priority", "priority_code", "Unsafe or safe", "polarity_code"),
        **{fmt: ("status", "status_code", "priority", "priority_code", "polarity", "polarity_code")
           for fmt in ("geojson", "gpkg", "kml")},
    }
    for fmt, rows in formats.items():
        status, status_code, priority, priority_code, polarity, polarity_code = keys[fmt]
        row = rows[4]
        assert (row[status], row[status_code]) == ("Referred to other owner", "referred"), fmt
        assert (row[priority], row[priority_code]) == ("Low", "low"), fmt
        assert (row[polarity], row[polarity_code]) == ("Unsafe", "unsafe"), fmt
        first = rows[0]
        assert (first[status], first[status_code]) == ("Planned", "planned"), fmt
    # The staff pages say it the same way (one table: fieldapp/labels.py).
    measures = staff_client.get(f"/staff/walks/{SLUG}/measures?lang=en").get_data(as_text=True)
    assert "Referred to other owner" in measures and ">Referred<" not in measures


def test_felt_safety_words_code_and_scale_come_from_the_labels_table(staff_client, prepared) -> None:
    """Each answer is named on the scale it was asked on; code and scale stand in their own columns."""
    from tests.app.test_exports import FELT_WORDS

    rows = csv_rows(download(staff_client, "csv", lang="en"))
    for row, finding in zip(rows, prepared.visible, strict=True):
        answer = finding.felt  # (value, scale) or None
        assert row["felt_safety_code"] == str(answer[0] if answer else "")
        assert row["felt_safety_scale"] == str(answer[1] if answer else "")
        assert row["Felt safety"] == FELT_WORDS[answer]
    joined = staff_client.post(f"/j/{prepared.walk.join_token}", data={"group": "resident", "language": "en"})
    page = staff_client.get(joined.headers["Location"]).get_data(as_text=True)
    choices = re.findall(r'name="felt_safety" value="\d"', page)
    assert len(choices) == len(labels.FELT_SAFETY[FELT_SAFETY_SCALE])


# --------------------------------------------------------------------------- confirmations


def test_one_confirmation_count_on_every_page_and_in_every_export(staff_client, prepared, tmp_path) -> None:
    """The finding with one visible and one hidden duplicate merged into it stands for 2 reports."""
    first = prepared.visible[0]
    hidden_duplicate = prepared.hidden
    hidden_duplicate.canonical_id = first.id  # hidden by staff, then merged: it confirms nothing
    db.session.commit()
    expected = 2
    for fmt, rows in every_format(staff_client, tmp_path).items():
        key = "Confirmations" if fmt in ("csv", "xlsx") else "confirmations"
        assert str(rows[0][key]) == str(expected), fmt
        assert all(str(row[key]) == "1" for row in rows[1:]), fmt
    feed = staff_client.get(f"/staff/walks/{SLUG}/findings.json").get_json()
    by_id = {f["id"]: f["properties"] for f in feed["features"]}
    assert by_id[first.uuid]["confirmations"] == expected
    review = staff_client.get(f"/staff/walks/{SLUG}/review?lang=en").get_data(as_text=True)
    assert f"{expected} confirmations" in review
    page = staff_client.get(f"/staff/walks/{SLUG}/findings/{first.uuid}?lang=en").get_data(as_text=True)
    assert f"{expected} confirmations" in page
    protocol = staff_client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    assert f"Confirmations: {expected}" in protocol and "Confirmations: 1" not in protocol
    duplicates = staff_client.get(f"/staff/walks/{SLUG}/duplicates?lang=en").get_data(as_text=True)
    assert f"{expected} confirmations" in duplicates


# --------------------------------------------------------------------------- GeoPackage for GDAL 3.6


def test_geopackage_is_version_1_2_and_gdal_36_opens_and_validates_it(
    staff_client, prepared, tmp_path, pytestconfig
) -> None:
    from tests.conftest import skip_or_fail

    if shutil.which("ogrinfo") is None or not GDAL_VALIDATOR.is_file():
        skip_or_fail(pytestconfig, "GDAL command line tools (apt-get install gdal-bin) are not installed")
    version = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True, check=True).stdout
    for epsg in (3006, 4326):
        path = tmp_path / f"walk-{epsg}.gpkg"
        path.write_bytes(download(staff_client, "gpkg", crs=epsg))
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
            assert connection.execute("PRAGMA user_version").fetchone()[0] == 10200
        opened = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True)
        assert opened.returncode == 0 and opened.stderr == "", (version, opened.stderr)
        assert "findings" in opened.stdout and f"Feature Count: {len(prepared.visible)}" in opened.stdout
        checked = subprocess.run(
            ["/usr/bin/python3", str(GDAL_VALIDATOR), str(path)], capture_output=True, text=True
        )
        assert checked.returncode == 0 and checked.stdout == "" and checked.stderr == "", checked


# --------------------------------------------------------------------------- zip, XLSX


@pytest.mark.parametrize("audience", ["internal", "external"])
def test_photo_file_names_in_every_table_match_the_photos_in_the_zip(
    staff_client, prepared, tmp_path, audience
) -> None:
    archive = zipfile.ZipFile(io.BytesIO(download(staff_client, "zip", audience=audience)))
    in_zip = sorted(name for name in archive.namelist() if name.startswith("photos/"))
    assert in_zip, "the demo walk has photos"
    gpkg = tmp_path / "walk.gpkg"
    gpkg.write_bytes(archive.read(f"{SLUG}.gpkg"))
    named_gpkg = sorted(
        name for row in gpkg_rows(gpkg) if row["photo_files"] for name in row["photo_files"].split("; ")
    )
    rows = csv_rows(archive.read(f"{SLUG}.csv"))
    column = next(key for key in rows[0] if key in ("Photo files", "Fotofiler"))
    named_csv = sorted(n for row in rows if row[column] for n in row[column].split("; "))
    assert named_gpkg == named_csv == in_zip
    if audience == "external":
        assert len(in_zip) == 1  # only the photo approved for publication


def test_xlsx_has_filters_and_sweref_coordinates_on_every_sheet(staff_client, prepared) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(download(staff_client, "xlsx", lang="en")))
    assert len(workbook.worksheets) == 2
    for sheet in workbook.worksheets:
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        headers = [c.value for c in sheet[1]]
        assert "N (SWEREF 99 TM)" in headers and "E (SWEREF 99 TM)" in headers, sheet.title
    stops = workbook["Stops"]
    headers = [c.value for c in stops[1]]
    to_sweref = pyproj.Transformer.from_crs(4326, 3006, always_xy=True)
    for row in stops.iter_rows(min_row=2, values_only=True):
        values = dict(zip(headers, row, strict=True))
        east, north = to_sweref.transform(values["Longitude (WGS 84)"], values["Latitude (WGS 84)"])
        assert abs(values["N (SWEREF 99 TM)"] - north) < 0.01
        assert abs(values["E (SWEREF 99 TM)"] - east) < 0.01
    assert stops.max_row == len(prepared.walk.stops) + 1

