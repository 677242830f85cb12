"""Protocol PDFs are made once, in the job queue (security review item 5), and served from storage.

Every test runs the real queue: the Huey consumer of fieldapp.jobs in a thread, on this test's own
SQLite queue file (the ``worker`` fixture); renders are counted by wrapping the one render function.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fieldapp.extensions import db
from fieldapp.models import Finding, ProtocolPdf, ProtocolVersion, utcnow
from fieldapp.services import protocol_files, protocol_pdf
from tests.app import publishing
from tests.app.conftest import fetch_pdf
from tests.app.test_exports import SLUG, prepare_walk

IMMUTABLE = "public, immutable, max-age=31536000"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every PDF render (the WeasyPrint call), in order: 'staff' or 'public'."""
    calls: list[str] = []
    original = protocol_files.pdf_bytes

    def counting(page_html, walk, *, staff, progress=None):  # noqa: ANN001, ANN202
        calls.append("staff" if staff else "public")
        return original(page_html, walk, staff=staff, progress=progress)

    monkeypatch.setattr(protocol_files, "pdf_bytes", counting)
    return calls


def publish(client) -> None:
    publishing.publish(client, SLUG, "en")  # the snapshot is in English


def version_pdf(number: int) -> ProtocolPdf:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ProtocolPdf).join(ProtocolVersion).where(ProtocolVersion.number == number)
    )


def test_item5_public_pdf_rendered_once(app, staff_client, client, worker, renders) -> None:
    prepare_walk()
    publish(staff_client)
    staff_client.post("/staff/logout")

    # Before the worker ran: nothing rendered, the public sees "being prepared", never a render.
    pending = client.get(f"/walks/{SLUG}/protocol.pdf?version=1&lang=en")
    assert pending.status_code == 503 and pending.headers["Retry-After"] == "10"
    assert "being prepared" in pending.get_data(as_text=True)
    as_json = client.get(f"/walks/{SLUG}/protocol.pdf", headers={"Accept": "application/json"})
    assert as_json.status_code == 503 and as_json.get_json()["error"]["code"] == "pdf_not_ready"
    page = client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    assert "The PDF is being prepared." in page and "Download PDF" not in page
    assert renders == [] and version_pdf(1).state == "queued"

    worker.run_until_idle()
    assert renders == ["public"]
    pdf = version_pdf(1)
    assert pdf.state == "ready" and pdf.progress == 100 and pdf.document_html == ""
    page = client.get(f"/walks/{SLUG}/protocol?lang=en").get_data(as_text=True)
    assert f'href="/walks/{SLUG}/protocol.pdf?version=1"' in page and "being prepared" not in page

    bodies = set()
    for _ in range(100):
        response = client.get(f"/walks/{SLUG}/protocol.pdf?version=1")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == IMMUTABLE
        bodies.add(response.get_data())
    assert len(bodies) == 1 and renders == ["public"]  # 100 requests, ONE render
    body = bodies.pop()
    sha = hashlib.sha256(body).hexdigest()
    assert body.startswith(b"%PDF") and response.headers["ETag"] == f'"{sha}"'
    assert db.session.scalar(sa.select(ProtocolVersion.pdf_sha256)) == sha

    cached = client.get(f"/walks/{SLUG}/protocol.pdf?version=1", headers={"If-None-Match": f'"{sha}"'})
    assert cached.status_code == 304 and cached.get_data() == b"" and cached.headers["ETag"] == f'"{sha}"'
    stale = client.get(f"/walks/{SLUG}/protocol.pdf?version=1", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.get_data() == body
    latest = client.get(f"/walks/{SLUG}/protocol.pdf")  # the latest changes with a new version: revalidate
    assert latest.get_data() == body and latest.headers["Cache-Control"] == "public, no-cache"
    assert renders == ["public"]


def test_republishing_makes_a_new_pdf_and_never_changes_the_old_one(app, staff_client, client, worker,
                                                                     renders) -> None:
    prepared = prepare_walk()
    publish(staff_client)
    worker.run_until_idle()
    first = client.get(f"/walks/{SLUG}/protocol.pdf?version=1").get_data()
    prepared.visible[0].note = "Lampan lagad"
    db.session.commit()
    publish(staff_client)
    assert client.get(f"/walks/{SLUG}/protocol.pdf?version=2").status_code == 503
    worker.run_until_idle()
    second = client.get(f"/walks/{SLUG}/protocol.pdf?version=2").get_data()
    again = client.get(f"/walks/{SLUG}/protocol.pdf?version=1").get_data()
    assert renders == ["public", "public"]
    assert again == first and second != first
    hashes = dict(db.session.execute(sa.select(ProtocolVersion.number, ProtocolVersion.pdf_sha256)).all())
    assert hashes == {1: hashlib.sha256(first).hexdigest(), 2: hashlib.sha256(second).hexdigest()}
    # Running the job again (a duplicate or retried job) changes nothing.
    for number in (1, 2):
        assert protocol_pdf.render(version_pdf(number).id) is False
    assert renders == ["public", "public"]
    assert client.get(f"/walks/{SLUG}/protocol.pdf?version=1").get_data() == first


def test_staff_see_the_draft_pdf_being_prepared_then_ready(app, staff_client, worker, renders) -> None:
    prepared = prepare_walk()
    asked = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en")
    assert asked.status_code == 302 and renders == []
    status_url = asked.headers["Location"]
    pdf_id = int(re.search(r"/protocol/pdfs/(\d+)$", status_url).group(1))
    page = staff_client.get(status_url).get_data(as_text=True)
    assert "Waiting for its turn…" in page and '<progress max="100" value="0"' in page
    assert 'http-equiv="refresh"' in page and "pdf-status.js" in page  # polled, with or without JS
    status = staff_client.get(f"{status_url}/status").get_json()
    assert status["state"] == "queued" and status["url"] is None
    exports = staff_client.get(f"/staff/walks/{SLUG}/exports?lang=en")
    assert exports.status_code == 200

    worker.run_until_idle()
    status = staff_client.get(f"{status_url}/status?lang=en").get_json()
    assert status["state"] == "ready" and status["progress"] == 100 and status["label"] == "The PDF is ready."
    download = staff_client.get(status["url"])
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")
    assert download.headers["Cache-Control"] == "private, no-cache"
    # Unchanged content: the stored draft, no new render; changed content: a new draft.
    again = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en")
    assert again.status_code == 200 and again.get_data() == download.get_data() and renders == ["staff"]
    prepared.visible[1].note = "Ny anteckning"
    db.session.commit()
    changed = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en")
    assert changed.status_code == 302 and changed.headers["Location"] != status_url
    worker.run_until_idle()
    assert renders == ["staff", "staff"]
    # Only the newest draft is kept.
    assert db.session.scalar(sa.select(sa.func.count(ProtocolPdf.id))) == 1
    assert db.session.get(ProtocolPdf, pdf_id) is None


def test_a_failed_render_is_shown_and_can_be_retried(app, staff_client, worker, monkeypatch) -> None:
    prepare_walk()
    original = protocol_files.pdf_bytes

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError("disk full")

    monkeypatch.setattr(protocol_files, "pdf_bytes", broken)
    status_url = staff_client.get(f"/walks/{SLUG}/protocol.pdf?lang=en").headers["Location"]
    worker.run_until_idle()
    page = staff_client.get(f"{status_url}?lang=en").get_data(as_text=True)
    assert "The PDF could not be made." in page and "OSError: disk full" in page and "Try again" in page

    monkeypatch.setattr(protocol_files, "pdf_bytes", original)
    retried = staff_client.post(f"{status_url}/retry")
    assert retried.status_code == 302 and retried.headers["Location"].endswith(status_url)
    # Back in the queue; the running worker may already have taken it by the time we look.
    assert staff_client.get(f"{status_url}/status").get_json()["state"] in ("queued", "rendering")
    worker.run_until_idle()
    status = staff_client.get(f"{status_url}/status").get_json()
    assert status["state"] == "ready" and status["error"] is None


def test_a_render_whose_worker_died_is_taken_over_after_its_lease(app, staff_client, worker, renders) -> None:
    prepare_walk()
    publish(staff_client)
    pdf = version_pdf(1)
    # A worker claimed it and died: still "rendering", but not heard from for longer than the lease.
    pdf.state, pdf.claim, pdf.attempts = "rendering", "dead-worker", 1
    pdf.touched_at = utcnow() - timedelta(seconds=app.config["PROTOCOL_PDF_LEASE_SECONDS"] + 1)
    db.session.commit()
    worker.huey.flush()  # its job went with it (Huey had handed it to the dead worker)
    worker.run_until_idle()
    assert renders == [] and version_pdf(1).state == "rendering"
    assert protocol_pdf.sweep() == 1
    worker.run_until_idle()
    pdf = version_pdf(1)
    assert renders == ["public"] and pdf.state == "ready" and pdf.attempts == 2
    # A live render (touched within its lease) is left alone by the sweep and by a duplicate job.
    pdf.state, pdf.touched_at = "rendering", utcnow()
    db.session.commit()
    assert protocol_pdf.sweep() == 0
    protocol_pdf.start(pdf)
    worker.run_until_idle()
    assert renders == ["public"] and version_pdf(1).state == "rendering"


def test_a_render_longer_than_its_lease_is_kept_alive_and_never_taken_over(app, staff_client, worker,
                                                                            renders, monkeypatch) -> None:
    app.config["PROTOCOL_PDF_LEASE_SECONDS"] = 2
    counting = protocol_files.pdf_bytes

    def slow_layout(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - WeasyPrint silent for 4 s
        time.sleep(4)
        return counting(*args, **kwargs)

    monkeypatch.setattr(protocol_files, "pdf_bytes", slow_layout)
    prepare_walk()
    publish(staff_client)
    worker.start()
    deadline = time.monotonic() + 30
    while version_pdf(1).state != "rendering":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(3)  # longer than the lease: only the heartbeat keeps the claim
    pdf = version_pdf(1)
    assert pdf.state == "rendering" and utcnow() - pdf.touched_at < timedelta(seconds=2)
    assert protocol_pdf.sweep() == 0
    worker.run_until_idle()
    pdf = version_pdf(1)
    assert pdf.state == "ready" and pdf.attempts == 1 and renders == ["public"]


def test_versions_published_before_pdfs_were_queued_get_them_from_the_sweep(app, staff_client, worker,
                                                                            renders) -> None:
    prepare_walk()
    publish(staff_client)
    worker.run_until_idle()
    db.session.execute(sa.delete(ProtocolPdf))  # as after the upgrade: a version without a PDF row
    db.session.commit()
    assert staff_client.get(f"/walks/{SLUG}/protocol.pdf?version=1").status_code == 503
    assert protocol_pdf.sweep() == 1
    worker.run_until_idle()
    assert staff_client.get(f"/walks/{SLUG}/protocol.pdf?version=1").status_code == 200
    assert renders == ["public", "public"]


@pytest.fixture
def limited_app_config() -> dict:
    """The shared ``limited_app`` with a small draft-PDF limit."""
    return {"PROTOCOL_DRAFT_PDF_LIMIT": "2 per minute"}


def test_draft_pdf_renders_are_limited_per_staff_member(limited_app, tmp_path) -> None:
    from fieldapp.services.users import create_user

    prepared = prepare_walk()
    for email in ("a@example.se", "b@example.se"):
        create_user(email, "correct horse battery", role="organizer")
    first, second = limited_app.test_client(), limited_app.test_client()
    for client, email in ((first, "a@example.se"), (second, "b@example.se")):
        assert client.post("/staff/login", data={"email": email, "password": "correct horse battery"}
                           ).status_code == 302
    for note in ("ett", "två"):
        prepared.visible[0].note = note
        db.session.commit()
        assert first.get(f"/walks/{SLUG}/protocol.pdf").status_code == 302
    assert first.get(f"/walks/{SLUG}/protocol.pdf").status_code == 302  # unchanged: no new render
    prepared.visible[0].note = "tre"
    db.session.commit()
    assert first.get(f"/walks/{SLUG}/protocol.pdf").status_code == 429  # a third new render this minute
    assert second.get(f"/walks/{SLUG}/protocol.pdf").status_code == 302  # another staff member may
    assert db.session.scalar(sa.select(sa.func.count(ProtocolPdf.id))) == 3


def test_hidden_finding_change_makes_a_new_draft_only_for_what_changed(app, staff_client, worker) -> None:
    prepared = prepare_walk()
    fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf?version=public")
    fetch_pdf(staff_client, worker, f"/walks/{SLUG}/protocol.pdf")
    db.session.get(Finding, prepared.visible[0].id).internal_note = "Ändrad intern anteckning"
    db.session.commit()
    # The internal draft shows internal notes and needs a new PDF; the public preview does not.
    assert staff_client.get(f"/walks/{SLUG}/protocol.pdf?version=public").status_code == 200
    assert staff_client.get(f"/walks/{SLUG}/protocol.pdf").status_code == 302
