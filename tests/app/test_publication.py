"""Publishing a protocol is its own act: confirmed, counted, and it never closes the walk (DESIGN §15).

Closing the walk is a separate status change; the download names say which audience and version a PDF is.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from fieldapp.extensions import db
from fieldapp.models import ProtocolPdf, ProtocolVersion, Walk, utcnow
from fieldapp.services import planning, protocol_pdf, publication
from tests.app import publishing
from tests.app.conftest import fetch_pdf
from tests.app.test_exports import SLUG, prepare_walk
from tests.app.test_security import join, put_finding


def versions() -> int:
    return db.session.scalar(sa.select(sa.func.count(ProtocolVersion.id))) or 0


def test_confirmation_page_says_what_becomes_public_and_publishing_needs_it(app, staff_client) -> None:
    prepared = prepare_walk()
    page = staff_client.get(f"/staff/walks/{SLUG}/protocol/publish")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    preview = publication.preview(prepared.walk)
    assert preview.findings == len(prepared.visible) and preview.public_photos == 1
    assert preview.internal_photos >= 1  # the photo not approved for publication
    assert f"{len(prepared.visible)} iakttagelser med sina åtgärder och statusar" in text
    assert "1 foto godkänt för publicering" in text
    assert "Den publika PDF:en, version 1, som skapas i bakgrunden" in text
    assert f"{preview.internal_photos} foto" in text and "inte är godkän" in text
    assert "Publiceringen stänger inte vandringen" in text
    assert versions() == 0  # looking is not publishing

    assert staff_client.post(f"/staff/walks/{SLUG}/protocol/publish").status_code == 422  # no confirmation
    assert versions() == 0
    assert publishing.publish(staff_client, SLUG, "sv") == 1
    repeated = staff_client.post(f"/staff/walks/{SLUG}/protocol/publish", data={"version": 1})
    assert repeated.status_code == 409 and "Version 1 av protokollet är redan publicerad." in repeated.text
    assert versions() == 1
    assert "Publicera version 2 av protokollet?" in staff_client.get(
        f"/staff/walks/{SLUG}/protocol/publish").text


def test_publishing_keeps_the_walk_open_for_findings_and_new_participants(app, staff_client) -> None:
    walk = prepare_walk().walk
    assert walk.status == "open"
    publishing.publish(staff_client, SLUG, "sv")
    db.session.expire_all()
    walk = db.session.get(Walk, walk.id)
    assert walk.status == "open" and walk.accepts_findings and publication.is_published(walk)
    overview = staff_client.get(f"/staff/walks/{SLUG}").text
    assert "Publicerat, version 1" in overview and "tar emot iakttagelser" in overview

    phone = join(app.test_client(), walk)  # the join link still works after publication
    created = put_finding(phone, SLUG, str(uuid.uuid4()))
    assert created.status_code == 201 and created.get_json()["properties"]["arrival"] == "on_time"


def test_closing_is_its_own_step_and_leaves_the_publication_alone(app, staff_client) -> None:
    walk = prepare_walk().walk
    publishing.publish(staff_client, SLUG, "sv")
    page = staff_client.get(f"/staff/walks/{SLUG}").text
    assert "Markera vandringen som genomförd?" in page  # each status change asks its own question
    planning.set_status(walk, "walked", user_id=None)
    assert "Stänga vandringen? Den tar inte längre emot iakttagelser" in staff_client.get(
        f"/staff/walks/{SLUG}").text
    planning.set_status(walk, "closed", user_id=None)
    assert not walk.accepts_findings and publication.is_published(walk)
    assert app.test_client().get(f"/walks/{SLUG}/protocol").status_code == 200  # still public


def test_a_walk_marked_done_takes_late_findings_until_its_protocol_is_published(app, staff_client) -> None:
    walk = prepare_walk().walk
    phone = join(app.test_client(), walk)
    walk.status, walk.walked_at = "walked", utcnow() + timedelta(minutes=5)  # phone times lie before this
    db.session.commit()
    late = put_finding(phone, SLUG, str(uuid.uuid4()))
    assert late.status_code == 201 and late.get_json()["properties"]["arrival"] == "late"
    publishing.publish(staff_client, SLUG, "sv")
    after = put_finding(phone, SLUG, str(uuid.uuid4()))
    assert after.status_code == 202 and after.get_json()["properties"]["arrival"] == "after_close"


def test_download_names_say_audience_and_version(app, staff_client, worker) -> None:
    walk = prepare_walk().walk
    publishing.publish(staff_client, SLUG, "sv")
    response = fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf?version=1")
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="trygghetsvandring-{SLUG}-v1-publik.pdf"')

    version = db.session.scalar(sa.select(ProtocolVersion))
    names = {
        protocol_pdf.download_name(ProtocolPdf(audience=audience, locale=locale, version=v), walk)
        for audience in ("public", "internal") for locale in ("sv", "en") for v in (version, None)
    }
    assert names == {
        f"trygghetsvandring-{SLUG}-v1-publik.pdf", f"trygghetsvandring-{SLUG}-v1-intern.pdf",
        f"trygghetsvandring-{SLUG}-utkast-publik.pdf", f"trygghetsvandring-{SLUG}-utkast-intern.pdf",
        f"safety-walk-{SLUG}-v1-public.pdf", f"safety-walk-{SLUG}-v1-internal.pdf",
        f"safety-walk-{SLUG}-draft-public.pdf", f"safety-walk-{SLUG}-draft-internal.pdf",
    }
