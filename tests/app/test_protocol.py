"""The walk protocol: content, internal vs public version, publishing numbered versions, PDF, CLI."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from astral import Observer
from astral.sun import sun

from fieldapp.extensions import db
from fieldapp.models import Measure, Participant, ProtocolVersion
from fieldapp.services import photo_publication
from fieldapp.storage import photo_store
from gis import convert
from tests.app import publishing
from tests.app.conftest import fetch_pdf
from tests.app.test_exports import SLUG, prepare_walk  # noqa: F401  (shared setup)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def pdf_text(data: bytes, tmp_path, mode: str = "-raw") -> str:
    path = tmp_path / "protocol.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", mode, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\u2010\n", "", text)  # words hyphenated at a line end (print CSS hyphens: auto), whole


def publish(client) -> None:
    publishing.publish(client, SLUG, "en")  # the snapshot is in English


def test_pdf_text_holds_every_finding_number_with_its_category(app, staff_client, worker, tmp_path) -> None:
    prepared = prepare_walk()
    response = fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf?lang=en")
    text = pdf_text(response.get_data(), tmp_path)
    actions = text[text.index("5. Action list") : text.index("6. Photo appendix")]
    position = 0
    starts = []
    for number in range(1, len(prepared.visible) + 1):
        match = re.compile(rf"^{number} ", re.M).search(actions, position)
        assert match, f"finding {number} is missing from the PDF's action list"
        starts.append(match.start())
        position = match.end()
    starts.append(len(actions))
    for index, finding in enumerate(prepared.visible):
        row_text = " ".join(actions[starts[index] : starts[index + 1]].split())
        assert finding.category.name_en in row_text, (index + 1, finding.category.name_en, row_text)
    assert "Intern: elnätet byts 2027" in " ".join(actions.split())  # the internal version keeps notes


def test_public_version_has_only_publishable_photos_and_no_internal_notes(
    app, staff_client, worker, tmp_path
) -> None:
    prepared = prepare_walk()
    store = photo_store()
    blurred = "b" * 64
    store.put(blurred, store.get(prepared.public_photo.sha256))
    prepared.public_photo.blurred_sha256 = blurred
    prepared.public_photo.blurred = True
    db.session.commit()
    photo_publication.approve(prepared.public_photo, with_blur=True, user_id=None)
    internal = staff_client.get(f"/walks/{SLUG}/protocol").get_data(as_text=True)
    assert "Intern: elnätet byts 2027" in internal
    assert prepared.private_photo.thumb_sha256 in internal

    preview = staff_client.get(f"/walks/{SLUG}/protocol?version=public").get_data(as_text=True)
    publish(staff_client)
    staff_client.post("/staff/logout")
    public = staff_client.get(f"/walks/{SLUG}/protocol")
    assert public.status_code == 200
    for html in (preview, public.get_data(as_text=True)):
        assert "Intern: elnätet byts 2027" not in html
        assert blurred in html  # the blurred version of the publishable photo
        for sha in (
            prepared.public_photo.sha256,
            prepared.public_photo.thumb_sha256,
            prepared.private_photo.sha256,
            prepared.private_photo.thumb_sha256,
        ):
            assert sha not in html
    photo_url = f"/walks/{SLUG}/protocol/photos/{{}}.jpg"
    assert staff_client.get(photo_url.format(blurred)).status_code == 200
    assert staff_client.get(photo_url.format(prepared.public_photo.sha256)).status_code == 404
    assert staff_client.get(photo_url.format(prepared.private_photo.sha256)).status_code == 404
    pdf = fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf?lang=en")  # the published version
    assert "Intern: elnätet" not in " ".join(pdf_text(pdf.get_data(), tmp_path).split())


def test_publishing_twice_makes_versions_1_and_2_and_keeps_both(app, staff_client, client) -> None:
    prepared = prepare_walk()
    publish(staff_client)
    measure = db.session.scalar(sa.select(Measure).where(Measure.finding_id == prepared.visible[0].id))
    measure.status = "done"
    db.session.commit()
    publish(staff_client)
    versions = db.session.execute(
        sa.select(ProtocolVersion.number, ProtocolVersion.audience, ProtocolVersion.html).order_by(
            ProtocolVersion.number
        )
    ).all()
    assert [(v.number, v.audience) for v in versions] == [(1, "public"), (2, "public")]
    staff_client.post("/staff/logout")
    latest = client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    first = client.get(f"/walks/{SLUG}/protocol?version=1&lang=en").get_data(as_text=True)
    assert "Version 2, published" in latest and "Version 1, published" in first
    row = re.compile(r'id="finding-1".*?</tr>', re.S)
    assert "Done" in row.search(latest).group(0) and "Planned" not in row.search(latest).group(0)
    assert "Planned" in row.search(first).group(0) and "Done" not in row.search(first).group(0)
    assert client.get(f"/walks/{SLUG}/protocol?version=3").status_code == 404
    assert client.get(f"/walks/{SLUG}/protocol?version=x").status_code == 404


def test_public_sees_404_until_published_and_cannot_publish(app, client) -> None:
    prepare_walk()
    assert client.get(f"/walks/{SLUG}/protocol").status_code == 404
    assert client.get(f"/walks/{SLUG}/protocol.pdf").status_code == 404
    assert client.get(f"/walks/{SLUG}/protocol?version=public").status_code == 404
    response = client.post(f"/staff/walks/{SLUG}/protocol/publish?lang=en", data={"version": 1})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(ProtocolVersion.id))) == 0


def test_header_has_sunset_darkness_and_participants_by_group_without_names(app, staff_client) -> None:
    prepared = prepare_walk()
    walk = prepared.walk
    walk.starts_at = datetime(2025, 10, 15, 19, 30, tzinfo=STOCKHOLM)
    walk.weather = "Mulet, 8 °C"
    before = Counter(p.group_type for p in db.session.query(Participant).filter_by(walk_id=walk.id))
    for group, name in (
        ("resident", "Anna Andersson"),
        ("resident", "Bo Berg"),
        ("police", "Polis Per"),
        (None, None),
    ):
        db.session.add(Participant(walk_id=walk.id, group_type=group, display_name=name))
    db.session.commit()
    html = staff_client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    centre = convert.to_geom(walk.route.geom_el).centroid
    times = sun(Observer(latitude=centre.y, longitude=centre.x), date=walk.starts_at.date(), tzinfo=STOCKHOLM)
    assert times["sunset"].strftime("%H:%M") in html
    assert "Dark (sun" in html
    assert "Mulet, 8 °C" in html
    for name in ("Anna Andersson", "Bo Berg", "Polis Per"):
        assert name not in html
    participants = html[html.index('id="participants"') : html.index('id="map"')]
    cells = re.findall(r"<td>([^<]+)</td><td class=\"num\">(\d+)</td>", participants)
    assert ("Residents", str(before["resident"] + 2)) in cells and (
        "Police",
        str(before["police"] + 1),
    ) in cells
    assert ("Not stated", str(before[None] + 1)) in cells
    assert ("Total", str(before.total() + 4)) in cells


def test_protocol_has_map_chart_and_action_rows(app, staff_client) -> None:
    prepared = prepare_walk()
    html = staff_client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    assert 'class="route-map-svg"' in html and 'class="category-chart"' in html
    assert 'id="protocol-map-data"' in html and "protocol-map.js" in html
    for number in range(1, len(prepared.visible) + 1):
        assert f'id="finding-{number}"' in html
    assert f'id="finding-{len(prepared.visible) + 1}"' not in html
    assert "Byt armaturer till LED" in html and "Ale kommun, gatuenheten" in html
    assert "Trafikverket äger tunneln" in html  # the reason of a rejected measure
    assert "Feels safe here" in html  # safe places are in the summary
    assert "Confirmations: 2" in html
    assert re.search(r"N 64\d{5} E 3\d{5}", html)  # SWEREF 99 TM


def test_cli_protocol_writes_html_and_pdf(runner, app, tmp_path) -> None:
    prepare_walk()
    html_out, pdf_out = tmp_path / "p.html", tmp_path / "p.pdf"
    result = runner.invoke(args=["protocol", SLUG, "--public", "-o", str(html_out)])
    assert result.exit_code == 0, result.output
    assert "Intern: elnätet" not in html_out.read_text(encoding="utf-8")
    result = runner.invoke(args=["protocol", SLUG, "--pdf", "-o", str(pdf_out)])
    assert result.exit_code == 0, result.output
    assert pdf_out.read_bytes().startswith(b"%PDF")
    assert "Intern: elnätet" in " ".join(pdf_text(pdf_out.read_bytes(), tmp_path).split())  # wrapped or not


# --------------------------------------------------------------------------- walks too large for a PDF


def test_walk_at_the_pdf_limit_still_gets_its_pdf(app, staff_client, worker) -> None:
    prepared = prepare_walk()
    app.config["PROTOCOL_PDF_MAX_FINDINGS"] = len(prepared.visible)
    response = fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf?lang=en")
    assert response.get_data().startswith(b"%PDF")


def test_walk_above_the_pdf_limit_gets_a_clear_refusal_and_the_other_exports(
    app, staff_client, runner, tmp_path
) -> None:
    prepared = prepare_walk()
    count = len(prepared.visible)
    app.config["PROTOCOL_PDF_MAX_FINDINGS"] = count - 1

    page = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert f"This walk has {count} findings" in text and f"up to {count - 1}" in text and "XLSX" in text
    as_json = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en", headers={"Accept": "application/json"})
    assert as_json.status_code == 422 and as_json.get_json()["error"]["code"] == "pdf_too_large"

    protocol_page = staff_client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    assert "Download PDF" not in protocol_page and f"This walk has {count} findings" in protocol_page
    exports_page = staff_client.get(f"/staff/walks/{SLUG}/exports?lang=en").get_data(as_text=True)
    assert "protocol.pdf" not in exports_page and f"This walk has {count} findings" in exports_page

    archive = zipfile.ZipFile(
        io.BytesIO(staff_client.get(f"/staff/walks/{SLUG}/export.zip?lang=en").get_data())
    )
    assert "protocol.pdf" not in archive.namelist() and f"{SLUG}.csv" in archive.namelist()
    readme = archive.read("README.txt").decode("utf-8")
    assert "No protocol.pdf" in readme and f"This walk has {count} findings" in readme

    result = runner.invoke(args=["protocol", SLUG, "--pdf", "--lang", "en", "-o", str(tmp_path / "p.pdf")])
    assert result.exit_code != 0 and f"This walk has {count} findings" in result.output
    assert not (tmp_path / "p.pdf").exists()
