"""Only what staff approved leaves the building: photo publication, export audiences, retention, erasure."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import openpyxl
import pyogrio
import pytest
import sqlalchemy as sa
from defusedxml import ElementTree
from PIL import Image
from pyogrio import raw

from fieldapp.extensions import db
from fieldapp.models import BlurSuggestion, Event, Finding, Participant, Photo, ProtocolVersion, Walk, utcnow
from fieldapp.services import photo_publication, retention
from fieldapp.services import review as review_service
from fieldapp.services.consistency import check_store
from fieldapp.storage import photo_store
from tests.app import publishing
from tests.app.test_exports import SLUG, Prepared, prepare_walk

INTERNAL_NOTE = "Intern: elnätet byts 2027, kontakta Ale Energi"  # set by prepare_walk
CONTACT = "deltagare@example.org"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_no_metadata(data: bytes) -> None:
    """No EXIF, XMP or ICC profile, neither as Pillow reads it nor as raw markers."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not ({"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(image.info)), image.info.keys()
        assert not image.getexif()
    for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap/", b"ICC_PROFILE"):
        assert marker not in data


@dataclass
class Photos:
    """The demo walk's photos in three states (all of visible findings)."""

    prepared: Prepared
    approved_plain: Photo  # approved without blurring
    approved_blurred: Photo  # a region blurred, approved with blur
    internal: Photo  # never decided

    @property
    def all(self) -> list[Photo]:
        return list(db.session.scalars(sa.select(Photo)))


def visible_photos(prepared: Prepared) -> list[Photo]:
    ids = {f.id for f in prepared.visible}
    return [p for p in db.session.scalars(sa.select(Photo).order_by(Photo.id)) if p.finding_id in ids]


def set_up_photos() -> Photos:
    prepared = prepare_walk()
    plain = prepared.public_photo  # prepare_walk approves it without blurring
    others = [p for p in visible_photos(prepared) if p.id not in (plain.id, prepared.private_photo.id)]
    blurred = others[0]
    review_service.blur_photo(blurred, review_service.BlurBox(0.1, 0.1, 0.3, 0.3), user_id=None)
    photo_publication.approve(blurred, with_blur=True, user_id=None)
    for participant in db.session.scalars(sa.select(Participant)):
        participant.contact_email = CONTACT
        participant.display_name = "Kim Deltagare"
        participant.contact_consent_at = utcnow()
    db.session.commit()
    return Photos(prepared, plain, blurred, others[1])


@pytest.fixture
def photos(app) -> Photos:
    return set_up_photos()


def original_keys(photos: list[Photo]) -> set[str]:
    return {k for p in photos for k in (p.sha256, p.thumb_sha256)}


# --------------------------------------------------------------------------- publication workflow


def decide(client, photo: Photo, decision: str, **extra):
    finding = db.session.get(Finding, photo.finding_id)
    canonical = db.session.get(Finding, finding.canonical_id) if finding.canonical_id else finding
    return client.post(
        f"/staff/walks/{SLUG}/findings/{canonical.uuid}/photos/{photo.uuid}/publication",
        data={"decision": decision, **extra},
    )


def test_approve_reject_and_blur_flows(app, staff_client) -> None:
    prepared = prepare_walk()
    photo = prepared.private_photo
    assert photo.publication == "internal" and not photo.publishable

    # Approving "with blur" needs a blurred version first: a clear 4xx, nothing changes.
    response = decide(staff_client, photo, "approve_blurred")
    assert response.status_code == 422
    db.session.refresh(photo)
    assert photo.publication == "internal" and photo.published_sha256 is None

    assert decide(staff_client, photo, "approve").status_code == 302
    db.session.refresh(photo)
    assert photo.publication == "approved" and photo.publishable and photo.publication_at is not None
    assert photo.published_sha256 not in (None, photo.sha256, photo.thumb_sha256)  # a separate clean file
    assert_no_metadata(photo_store().get(photo.published_sha256))

    # Blurring an approved photo withdraws the approval: the published file must be approved again.
    finding = db.session.get(Finding, photo.finding_id)
    blurred = staff_client.post(
        f"/staff/walks/{SLUG}/findings/{finding.uuid}/photos/{photo.uuid}/blur",
        data={"x": 10, "y": 10, "width": 30, "height": 30},
    )
    assert blurred.status_code == 302
    db.session.refresh(photo)
    assert photo.blurred_sha256 and photo.publication == "internal" and photo.published_sha256 is None

    assert decide(staff_client, photo, "approve_blurred").status_code == 302
    db.session.refresh(photo)
    assert photo.publication == "approved" and photo.published_sha256 == photo.blurred_sha256

    assert decide(staff_client, photo, "reject").status_code == 302
    db.session.refresh(photo)
    assert photo.publication == "rejected" and not photo.publishable and photo.published_sha256 is None
    assert decide(staff_client, photo, "internal").status_code == 302
    db.session.refresh(photo)
    assert photo.publication == "internal"
    kinds = [e.kind for e in db.session.scalars(sa.select(Event).where(Event.finding_id == finding.id))]
    assert {"photo_approved", "photo_rejected", "photo_internal", "photo_blurred"} <= set(kinds)

    # Hiding an approved photo withdraws the approval too.
    photo_publication.approve(photo, with_blur=True, user_id=None)
    review_service.set_photo_hidden(photo, True, user_id=None)
    assert photo.publication == "internal"
    assert decide(staff_client, photo, "approve").status_code == 422


def test_unconfirmed_detection_asks_first_and_suggestions_blur_or_dismiss(app, staff_client) -> None:
    prepared = prepare_walk()
    photo = prepared.private_photo
    finding = db.session.get(Finding, photo.finding_id)
    face = BlurSuggestion(photo_id=photo.id, kind="face", x=0.2, y=0.3, w=0.1, h=0.15, score=0.91)
    plate = BlurSuggestion(photo_id=photo.id, kind="plate", x=0.6, y=0.7, w=0.2, h=0.08, score=0.77)
    db.session.add_all([face, plate])
    db.session.commit()
    page_url = f"/staff/walks/{SLUG}/findings/{finding.uuid}"
    page = staff_client.get(page_url).text
    assert 'class="suggestion-box"' in page and f'data-suggestion="{face.id}"' in page

    asked = decide(staff_client, photo, "approve")
    assert asked.status_code == 302 and f"confirm={photo.uuid}" in asked.location
    db.session.refresh(photo)
    assert photo.publication == "internal"  # nothing published without the answer
    question = staff_client.get(asked.location).text
    assert 'class="confirm-step card"' in question and 'name="confirmed" value="1"' in question

    # Confirm the face through its suggestion (the region is blurred), dismiss the plate.
    assert staff_client.post(
        f"{page_url}/photos/{photo.uuid}/blur",
        data={"x": 20, "y": 30, "width": 10, "height": 15, "suggestion": face.id},
    ).status_code == 302
    dismissed = staff_client.post(f"{page_url}/photos/{photo.uuid}/suggestions/{plate.id}/dismiss")
    assert dismissed.status_code == 302
    db.session.refresh(face)
    db.session.refresh(plate)
    db.session.refresh(photo)
    assert (face.state, plate.state) == ("confirmed", "dismissed") and photo.blurred_sha256
    assert decide(staff_client, photo, "approve_blurred").status_code == 302  # nothing left to ask about
    db.session.refresh(photo)
    assert photo.publication == "approved" and photo.published_sha256 == photo.blurred_sha256

    # Answering yes approves a photo whose detections nobody looked at, and the event says so.
    other = db.session.scalars(sa.select(Photo).where(Photo.publication == "internal")).first()
    db.session.add(BlurSuggestion(photo_id=other.id, kind="face", x=0.1, y=0.1, w=0.1, h=0.1, score=0.5))
    db.session.commit()
    assert decide(staff_client, other, "approve", confirmed="1").status_code == 302
    db.session.refresh(other)
    assert other.publication == "approved"
    event = db.session.scalars(sa.select(Event).where(Event.kind == "photo_approved")
                               .order_by(Event.id.desc())).first()
    assert event.data["unconfirmed_detections"] == 1


def test_bulk_approval_leaves_photos_with_detections(app, staff_client) -> None:
    prepared = prepare_walk()
    candidates = [p for p in visible_photos(prepared) if p.publication == "internal"]
    flagged, dismissed_only = candidates[0], candidates[1]
    for photo in candidates:  # the detector has examined them (tests/app/test_photo_detection.py runs it)
        photo.detection_state = "done"
    db.session.add_all([
        BlurSuggestion(photo_id=flagged.id, kind="plate", x=0.1, y=0.1, w=0.2, h=0.1, score=0.8),
        BlurSuggestion(photo_id=dismissed_only.id, kind="face", x=0.1, y=0.1, w=0.2, h=0.1, score=0.4,
                       state="dismissed"),
    ])
    db.session.commit()
    response = staff_client.post(f"/staff/walks/{SLUG}/photos/approve-without-detections")
    assert response.status_code == 302
    for photo in candidates:
        db.session.refresh(photo)
    assert flagged.publication == "internal"
    assert all(p.publication == "approved" for p in candidates if p is not flagged)
    assert dismissed_only.publication == "approved"


# --------------------------------------------------------------------------- what the public gets


def test_public_protocol_photo_urls_and_open311_show_approved_blurred_photos_only(app, photos, staff_client):
    from fieldapp.services.open311_read import media_url

    publishing.publish(staff_client, SLUG, "en")
    client = app.test_client()  # anonymous (staff_client is the logged-in `client`)
    html = client.get(f"/walks/{SLUG}/protocol").text
    published = {photos.approved_plain.published_sha256, photos.approved_blurred.published_sha256}
    assert photos.approved_blurred.published_sha256 == photos.approved_blurred.blurred_sha256
    for key in published:
        assert key in html
        served = client.get(f"/walks/{SLUG}/protocol/photos/{key}.jpg")
        assert served.status_code == 200
        assert_no_metadata(served.data)
    for key in original_keys(photos.all):
        assert key not in html
        assert client.get(f"/walks/{SLUG}/protocol/photos/{key}.jpg").status_code == 404

    # The photo route: the public gets the published rendition at both sizes, nothing else.
    for photo in (photos.approved_plain, photos.approved_blurred):
        for variant in ("display", "thumb"):
            response = client.get(f"/photos/{photo.uuid}/{variant}.jpg")
            assert response.status_code == 200 and sha(response.data) == photo.published_sha256
            assert_no_metadata(response.data)
    assert client.get(f"/photos/{photos.internal.uuid}/display.jpg").status_code == 404
    staff_view = staff_client.get(f"/photos/{photos.approved_blurred.uuid}/display.jpg")
    assert sha(staff_view.data) == photos.approved_blurred.sha256  # staff still see the original

    # Open311: the published rendition of an approved photo, else nothing.
    with_photo = db.session.get(Finding, photos.approved_blurred.finding_id)
    assert media_url(with_photo) == f"http://fieldapp.test/photos/{photos.approved_blurred.uuid}/display.jpg"
    without = db.session.get(Finding, photos.internal.finding_id)
    if not any(p.publication == "approved" for p in without.photos):
        assert media_url(without) is None
    photo_publication.reject(photos.approved_blurred, user_id=None)
    assert media_url(with_photo) != f"http://fieldapp.test/photos/{photos.approved_blurred.uuid}/display.jpg"
    assert client.get(f"/photos/{photos.approved_blurred.uuid}/display.jpg").status_code == 404


# --------------------------------------------------------------------------- exports by audience


def download(client, fmt: str, audience: str) -> bytes:
    response = client.get(f"/staff/walks/{SLUG}/export.{fmt}?audience={audience}")
    assert response.status_code == 200, response.text[:300]
    return response.data


def personal_strings() -> set[str]:
    """Texts that identify participants: their ids, names and contact details."""
    values = {CONTACT, "Kim Deltagare"}
    values |= set(db.session.scalars(sa.select(Participant.public_id)))
    return values


def assert_external_text(text: str) -> None:
    assert INTERNAL_NOTE not in text and "internal_note" not in text
    for value in personal_strings():
        assert value not in text
    for group in ("participant", "group_type", "Polis", "Bostadsbolag"):
        assert group not in text


def test_every_external_export_leaves_out_internal_and_personal_content(photos, staff_client, tmp_path):
    approved = {photos.approved_plain.published_sha256, photos.approved_blurred.published_sha256}

    text = download(staff_client, "csv", "external").decode("utf-8-sig")
    assert_external_text(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert "Intern anteckning" not in header and "Fotofiler" in header

    workbook = openpyxl.load_workbook(io.BytesIO(download(staff_client, "xlsx", "external")), read_only=True)
    cells = " ".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row
                     if c is not None)
    assert_external_text(cells)

    geojson = json.loads(download(staff_client, "geojson", "external"))
    assert_external_text(json.dumps(geojson, ensure_ascii=False))
    assert all("internal_note" not in f["properties"] for f in geojson["features"])

    gpkg = tmp_path / "external.gpkg"
    gpkg.write_bytes(download(staff_client, "gpkg", "external"))
    fields = list(pyogrio.read_info(gpkg, layer="findings")["fields"])
    assert "internal_note" not in fields and "photo_files" in fields
    _, _, _, columns = raw.read(gpkg, layer="findings")
    assert_external_text(" ".join(str(v) for column in columns for v in column))

    kml = ElementTree.fromstring(download(staff_client, "kml", "external"))
    names = {d.get("name") for d in kml.iter("{http://www.opengis.net/kml/2.2}Data")}
    assert "internal_note" not in names and "photo_files" in names
    assert_external_text(" ".join(kml.itertext()))

    archive = zipfile.ZipFile(io.BytesIO(download(staff_client, "zip", "external")))
    photo_members = [n for n in archive.namelist() if n.startswith("photos/")]
    member_hashes = {sha(archive.read(n)) for n in photo_members}
    assert member_hashes == approved  # exactly the approved, published renditions
    assert not member_hashes & original_keys(photos.all)  # no original bytes, no thumbnails
    for name in photo_members:
        assert_no_metadata(archive.read(name))
    inner_csv = archive.read(f"{SLUG}.csv").decode("utf-8-sig")
    assert_external_text(inner_csv)
    inner_rows = list(csv.DictReader(io.StringIO(inner_csv), delimiter=";"))
    named = {name for row in inner_rows for name in row["Fotofiler"].split("; ") if name}
    assert named == set(photo_members)
    inner_gpkg = tmp_path / "inner.gpkg"
    inner_gpkg.write_bytes(archive.read(f"{SLUG}.gpkg"))
    assert "internal_note" not in pyogrio.read_info(inner_gpkg, layer="findings")["fields"]
    assert "protocol.pdf" not in archive.namelist() or b"Intern:" not in archive.read("protocol.pdf")


def test_internal_exports_still_carry_everything(photos, staff_client, tmp_path):
    text = download(staff_client, "csv", "internal").decode("utf-8-sig")
    assert INTERNAL_NOTE in text and "Intern anteckning" in text.splitlines()[0]
    geojson = json.loads(download(staff_client, "geojson", "internal"))
    assert any(f["properties"].get("internal_note") == INTERNAL_NOTE for f in geojson["features"])
    gpkg = tmp_path / "internal.gpkg"
    gpkg.write_bytes(download(staff_client, "gpkg", "internal"))
    assert "internal_note" in pyogrio.read_info(gpkg, layer="findings")["fields"]
    kml = download(staff_client, "kml", "internal").decode("utf-8")
    assert INTERNAL_NOTE in kml
    workbook = openpyxl.load_workbook(io.BytesIO(download(staff_client, "xlsx", "internal")), read_only=True)
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert INTERNAL_NOTE in cells

    archive = zipfile.ZipFile(io.BytesIO(download(staff_client, "zip", "internal")))
    hashes = {sha(archive.read(n)) for n in archive.namelist() if n.startswith("photos/")}
    assert photos.internal.sha256 in hashes  # undecided photos are in the internal zip, as originals
    assert photos.approved_blurred.blurred_sha256 in hashes  # staff's blurred copy where there is one
    shown = {f.id for f in db.session.scalars(sa.select(Finding).where(Finding.hidden.is_(False)))}
    hidden_canonicals = {f.id for f in db.session.scalars(sa.select(Finding).where(Finding.hidden.is_(True)))}
    expected = {
        p.blurred_sha256 or p.sha256 for p in photos.all
        if not p.hidden and p.finding_id in shown
        and db.session.get(Finding, p.finding_id).canonical_id not in hidden_canonicals
    }
    assert hashes == expected


def test_unknown_audience_is_a_clear_4xx_and_cli_asks_for_one(photos, staff_client, runner, tmp_path):
    response = staff_client.get(f"/staff/walks/{SLUG}/export.csv?audience=everyone")
    assert response.status_code == 422 and "Välj intern eller extern" in response.text  # translated now
    out = tmp_path / "walk.zip"
    result = runner.invoke(args=["export", SLUG, "--format", "zip", "--audience", "external", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        hashes = {sha(archive.read(n)) for n in archive.namelist() if n.startswith("photos/")}
    assert hashes == {photos.approved_plain.published_sha256, photos.approved_blurred.published_sha256}
    missing = runner.invoke(args=["export", SLUG, "--format", "zip", "-o", str(out)])
    assert missing.exit_code != 0 and "--audience" in missing.output


def test_exports_page_offers_external_first_and_internal_clearly(photos, staff_client):
    html = staff_client.get(f"/staff/walks/{SLUG}/exports?lang=en").text
    external, internal = html.index('value="external"'), html.index('value="internal"')
    assert external < internal
    assert "Exports for responsible parties (external)" in html and "Internal exports (staff only)" in html


# --------------------------------------------------------------------------- retention and erasure


def age_walk(walk: Walk, months: int) -> None:
    """Make ``walk`` and its first public protocol ``months`` (and a day) old."""
    then = retention.months_before(utcnow(), months) - timedelta(days=1)
    walk.starts_at = then
    db.session.add(ProtocolVersion(walk_id=walk.id, audience="public", number=1, published_at=then, html=""))
    db.session.commit()


def snapshot() -> dict:
    """What purge could touch, as plain values."""
    return {
        "participants": {p.id: (p.display_name, p.contact_email, p.contact_consent_at, p.group_type)
                         for p in db.session.scalars(sa.select(Participant))},
        "findings": {f.id: (f.note, f.internal_note, f.category_id)
                     for f in db.session.scalars(sa.select(Finding))},
        "photos": {p.id: (p.originals_purged_at, p.publication, p.published_sha256)
                   for p in db.session.scalars(sa.select(Photo))},
        "files": set(photo_store().keys()),
    }


def test_purge_deletes_exactly_what_is_past_retention_and_dry_run_nothing(app, photos, runner):
    walk = photos.prepared.walk
    age_walk(walk, 13)
    recent = Walk(slug="recent", title="Recent", join_token="recent-token", status="walked",
                  starts_at=utcnow() - timedelta(days=30))
    db.session.add(recent)
    db.session.flush()
    db.session.add(
        Participant(walk_id=recent.id, contact_email="recent@example.org", group_type="resident")
    )
    db.session.commit()
    all_photos = photos.all
    approved = {p.published_sha256 for p in all_photos if p.publication == "approved"}
    originals = {k for p in all_photos for k in (p.sha256, p.thumb_sha256, p.blurred_sha256) if k}
    expected_gone = originals - approved

    before = snapshot()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would clear contact details of 7 participants" in dry.output
    counts = f"{len(all_photos)} photos ({len(expected_gone)} files)"
    assert f"would delete the originals of {counts}" in dry.output
    assert CONTACT not in dry.output
    db.session.expire_all()
    assert snapshot() == before  # the dry run changed nothing

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = snapshot()
    assert after["files"] == before["files"] - expected_gone
    assert approved <= after["files"]
    for pid, (name, email, consent, group) in after["participants"].items():
        participant = db.session.get(Participant, pid)
        if participant.walk_id == walk.id:
            assert (name, email, consent) == (None, None, None) and group == before["participants"][pid][3]
        else:
            assert after["participants"][pid] == before["participants"][pid]  # the recent walk is untouched
    assert after["findings"] == before["findings"]  # notes and positions stay
    assert all(p.originals_purged_at is not None for p in db.session.scalars(sa.select(Photo)))
    assert check_store().clean  # the consistency check knows originals are gone on purpose

    # The published pictures still serve; the originals are gone for staff too.
    client = app.test_client()
    response = client.get(f"/photos/{photos.approved_blurred.uuid}/display.jpg")
    assert response.status_code == 200 and sha(response.data) == photos.approved_blurred.published_sha256
    assert client.get(f"/photos/{photos.internal.uuid}/display.jpg").status_code == 404

    again = runner.invoke(args=["purge"])
    assert "clear contact details of 0 participants" in again.output
    assert "delete the originals of 0 photos (0 files)" in again.output
    db.session.expire_all()
    assert snapshot() == after


def test_nothing_is_purged_before_retention(photos):
    age_walk(photos.prepared.walk, 11)
    before = snapshot()
    report = retention.purge()
    assert (report.participants_cleared, report.photos_purged, report.files_deleted) == (0, 0, 0)
    db.session.expire_all()
    assert snapshot() == before


def test_participant_content_removal_keeps_statistics(photos, staff_client):
    finding = db.session.get(Finding, photos.internal.finding_id)
    participant = db.session.get(Participant, finding.participant_id)
    theirs = list(db.session.scalars(sa.select(Finding).where(Finding.participant_id == participant.id)))
    def position(finding_id: int) -> str:
        stmt = sa.select(sa.func.ST_AsText(Finding.geom_el)).where(Finding.id == finding_id)
        return db.session.scalar(stmt)

    positions = {f.id: (position(f.id), f.category_id) for f in theirs}
    their_photos = [p for f in theirs for p in f.photos]
    others_before = {f.id: f.note for f in db.session.scalars(sa.select(Finding)) if f not in theirs}

    unknown_id = "00000000-0000-0000-0000-000000000000"
    wrong = staff_client.post("/staff/privacy/removal", data={"public_id": unknown_id})
    assert wrong.status_code == 404 and 'class="error"' in wrong.text  # the form again, message at the field
    response = staff_client.post("/staff/privacy/removal", data={"public_id": participant.public_id})
    assert response.status_code == 302
    db.session.expire_all()
    for f in db.session.scalars(sa.select(Finding).where(Finding.participant_id == participant.id)):
        assert f.note == "" and f.photos == []
        assert (position(f.id), f.category_id) == positions[f.id]
    participant = db.session.get(Participant, participant.id)
    assert (participant.group_type, participant.contact_email, participant.display_name) == (None, None, None)
    files = set(photo_store().keys())
    assert not {p.sha256 for p in their_photos} & files
    notes_now = {f.id: f.note for f in db.session.scalars(sa.select(Finding))}
    assert {k: notes_now[k] for k in others_before} == others_before
    event = db.session.scalars(sa.select(Event).where(Event.kind == "participant_content_removed")).one()
    assert event.data["findings"] == len(theirs) and event.data["photos"] == len(their_photos)


# --------------------------------------------------------------------------- privacy notice, accessibility


def test_privacy_notice_and_accessibility_statement(app, client) -> None:
    app.config.update(MUNICIPALITY_NAME="Ale kommun", MUNICIPALITY_CONTACT="kontakt@kommun.test")
    sv = client.get("/privacy").text
    assert "Integritetsmeddelande" in sv and "Ale kommun" in sv and "kontakt@kommun.test" in sv
    assert "12 månader" in sv
    en = client.get("/privacy?lang=en").text
    assert "Privacy notice" in en and "Contact details are deleted 12 months after the walk." in en
    statement = client.get("/accessibility?lang=en").text
    assert "Accessibility statement" in statement and "Ale kommun is responsible" in statement
    for html in (sv, en, statement, client.get("/").text):
        assert 'href="/privacy"' in html and 'href="/accessibility"' in html
    app.config.update(MUNICIPALITY_NAME="", MUNICIPALITY_CONTACT="")
    assert "not configured" in client.get("/privacy?lang=en").text


def test_join_page_links_the_notice_and_field_page_shows_the_participant_id(app, client) -> None:
    prepared = prepare_walk()
    walk = prepared.walk
    walk.status = "open"
    db.session.commit()
    join = client.get(f"/j/{walk.join_token}")
    assert join.status_code == 200 and join.text.count('href="/privacy"') >= 2  # in the text and the footer
    client.post(f"/j/{walk.join_token}", data={"language": "sv"})
    page = client.get(f"/w/{walk.slug}").text
    participant = db.session.scalars(sa.select(Participant).order_by(Participant.id.desc())).first()
    assert f"<code>{participant.public_id}</code>" in page
