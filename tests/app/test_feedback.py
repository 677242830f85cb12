"""Public feedback: the index of published walks, a walk's feedback page read live from the measures,
staff's after photos, and the Atom feeds (parsed as XML)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from fieldapp import municipality
from fieldapp.extensions import db
from fieldapp.models import Event, Photo, ProtocolVersion
from fieldapp.services import feedback
from tests.app import publishing
from tests.app.test_exports import SLUG, Prepared, prepare_walk

ATOM = "{http://www.w3.org/2005/Atom}"
PHOTO = Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "gps.jpg"
INTERNAL_NOTE = "Intern: elnätet byts 2027"


def publish(client) -> None:
    publishing.publish(client, SLUG)  # through the confirmation page, as staff do


def set_status(client, finding_uuid: str, status: str, reason: str = "") -> None:
    response = client.post(f"/staff/walks/{SLUG}/findings/{finding_uuid}/measure/status",
                           data={"status-status": status, "status-reason": reason})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


@pytest.fixture
def published(app, staff_client) -> Prepared:
    prepared = prepare_walk()
    publish(staff_client)
    return prepared


def anonymous(app):
    return app.test_client()


def test_nothing_is_public_before_the_protocol_is_published(app, staff_client) -> None:
    prepare_walk()
    visitor = anonymous(app)
    assert visitor.get(f"/walks/{SLUG}/feedback").status_code == 404
    assert visitor.get(f"/walks/{SLUG}/feedback.atom").status_code == 404
    index = visitor.get("/feedback?lang=en").get_data(as_text=True)
    assert SLUG not in index and "No walk has been published yet." in index


def test_landing_links_to_the_index_which_lists_published_walks_by_area_and_year(app, published) -> None:
    visitor = anonymous(app)
    landing = visitor.get("/").get_data(as_text=True)
    assert 'href="/feedback"' in landing
    index = visitor.get("/feedback?lang=en").get_data(as_text=True)
    walk = published.walk
    year = str(walk.starts_at.astimezone(municipality.zone()).year)
    area_at = index.index(walk.area_name)
    assert index.index(f"<h3>{year}</h3>", area_at) < index.index(f'href="/walks/{SLUG}/feedback"', area_at)
    assert f"{len(published.visible)} reported" in index and "0 fixed" in index


def test_feedback_page_shows_public_content_only(app, published) -> None:
    html = anonymous(app).get(f"/walks/{SLUG}/feedback?lang=en").get_data(as_text=True)
    assert INTERNAL_NOTE not in html
    assert published.public_photo.uuid in html
    assert published.private_photo.uuid not in html
    assert published.hidden.uuid not in html and published.merged.uuid not in html
    numbers = re.findall(r'id="finding-(\d+)"', html)
    assert numbers == [str(n) for n in range(1, len(published.visible) + 1)]  # numbered like the protocol
    # planned 1, rejected 1 with its reason, safe places to keep, waiting (new or no measure) the rest
    safe = sum(1 for f in published.visible if f.polarity == "safe" and f.measure is None)
    assert safe >= 1
    waiting = len(published.visible) - 2 - safe
    assert f"{len(published.visible)} reported" in html
    assert "1 planned" in html and "1 not possible, with reasons" in html
    assert f"{waiting} not handled yet" in html
    assert f"{safe} safe place" in html
    assert "Trafikverket äger tunneln" in html
    assert "Ale kommun, gatuenheten" in html
    for participant_field in ("display_name", "group_type", "contact_email"):
        assert participant_field not in html


def test_a_status_change_shows_at_once_without_republishing(app, staff_client, published) -> None:
    versions = db.session.scalar(sa.select(sa.func.count(ProtocolVersion.id)))
    first = published.visible[0]
    set_status(staff_client, first.uuid, "done")
    html = anonymous(app).get(f"/walks/{SLUG}/feedback?lang=en").get_data(as_text=True)
    item = html[html.index('id="finding-1"'):html.index('id="finding-2"')]
    today = datetime.now(municipality.zone()).date()
    assert "Fixed" in item and f'<time class="meta" datetime="{today}' in item
    assert "1 fixed" in html and "0 planned" not in html
    unsafe = sum(1 for f in published.visible if f.polarity == "unsafe")
    assert f"{round(100 / unsafe)}" in html  # the fix rate, 1 of the unsafe findings
    assert "Half of them were fixed within" in html
    assert db.session.scalar(sa.select(sa.func.count(ProtocolVersion.id))) == versions


def test_summary_figures(app, published) -> None:
    walk = published.walk
    start = feedback.walk_start(walk)
    row = next(feedback.iter_findings(walk, audience="external"))
    unsafe, safe = replace(row, polarity="unsafe"), replace(row, polarity="safe")
    items = [
        feedback.FeedbackItem(unsafe, "done", start + timedelta(days=10)),
        feedback.FeedbackItem(unsafe, "done", start + timedelta(days=30)),
        feedback.FeedbackItem(unsafe, "done", start + timedelta(days=40)),
        feedback.FeedbackItem(unsafe, "planned", None),
        feedback.FeedbackItem(safe, "waiting", None),  # a safe place to keep: not a problem to fix
    ]
    summary = feedback.summarize(walk, items)
    assert summary.reported == 5 and summary.counts["done"] == 3 and summary.counts["planned"] == 1
    assert summary.median_days_to_fix == pytest.approx(30)
    assert summary.fix_rate == pytest.approx(3 / 4)
    assert feedback.summarize(walk, items[4:]).fix_rate is None


def test_after_photo_before_after_when_published(app, staff_client, published) -> None:
    first = published.visible[0]
    with PHOTO.open("rb") as handle:
        response = staff_client.post(
            f"/staff/walks/{SLUG}/findings/{first.uuid}/measure/after-photo",
            data={"after-photo": (handle, "after.jpg"), "after-publish": "y"},
            content_type="multipart/form-data",
        )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    after = db.session.scalar(sa.select(Photo).where(Photo.after_measure.is_(True)))
    assert after is not None and after.publication == "approved"
    assert db.session.scalar(sa.select(Event).where(Event.kind == "measure_after_photo")) is not None
    visitor = anonymous(app)
    html = visitor.get(f"/walks/{SLUG}/feedback?lang=en").get_data(as_text=True)
    item = html[html.index('id="finding-1"'):html.index('id="finding-2"')]
    assert after.uuid in item and "After" in item
    feed = parse_feed(visitor.get(f"/walks/{SLUG}/feedback.atom").get_data())
    assert len(feed.findall(f"{ATOM}entry")) == 1
    assert visitor.get(f"/photos/{after.uuid}/thumb.jpg").status_code == 200


def test_after_photo_not_approved_stays_internal(app, staff_client, published) -> None:
    first = published.visible[0]
    with PHOTO.open("rb") as handle:
        staff_client.post(f"/staff/walks/{SLUG}/findings/{first.uuid}/measure/after-photo",
                          data={"after-photo": (handle, "after.jpg")}, content_type="multipart/form-data")
    after = db.session.scalar(sa.select(Photo).where(Photo.after_measure.is_(True)))
    assert after is not None and after.publication == "internal"
    visitor = anonymous(app)
    assert after.uuid not in visitor.get(f"/walks/{SLUG}/feedback").get_data(as_text=True)
    assert visitor.get(f"/photos/{after.uuid}/thumb.jpg").status_code == 404
    root = parse_feed(visitor.get(f"/walks/{SLUG}/feedback.atom").get_data())
    assert root.findall(f"{ATOM}entry") == []  # an internal photo is no news


def test_after_photo_without_a_file_says_so(app, staff_client, published) -> None:
    first = published.visible[0]
    response = staff_client.post(f"/staff/walks/{SLUG}/findings/{first.uuid}/measure/after-photo?lang=en",
                                 data={}, content_type="multipart/form-data")
    assert 400 <= response.status_code < 500
    assert "Choose a photo." in response.get_data(as_text=True)


def parse_feed(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text
    assert root.find(f"{ATOM}author/{ATOM}name").text
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
    return root


def test_atom_feeds_show_measure_changes(app, staff_client, published) -> None:
    first = published.visible[0]
    rejected = next(f for f in published.visible if f.measure is not None and f.measure.status == "rejected")
    set_status(staff_client, first.uuid, "done")
    visitor = anonymous(app)
    response = visitor.get(f"/walks/{SLUG}/feedback.atom?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = parse_feed(response.get_data())
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    title = entry.find(f"{ATOM}title").text
    assert title.startswith("No. 1 ") and title.endswith("Fixed")
    assert entry.find(f"{ATOM}link").get("href") == f"http://fieldapp.test/walks/{SLUG}/feedback#finding-1"
    assert "Ale kommun, gatuenheten" in entry.find(f"{ATOM}summary").text
    updated = datetime.fromisoformat(entry.find(f"{ATOM}updated").text.replace("Z", "+00:00"))
    assert abs(updated - datetime.now(UTC)) < timedelta(minutes=5)

    set_status(staff_client, rejected.uuid, "assessed")
    area = published.walk.area_name
    area_feed = parse_feed(visitor.get("/feedback/area.atom", query_string={"name": area}).get_data())
    titles = [e.find(f"{ATOM}title").text for e in area_feed.findall(f"{ATOM}entry")]
    assert len(titles) == 2 and all(t.startswith(published.walk.title) for t in titles)
    assert visitor.get("/feedback/area.atom", query_string={"name": "Nowhere"}).status_code == 404


def test_internal_edits_make_no_feed_entry(app, staff_client, published) -> None:
    first = published.visible[0]
    response = staff_client.post(f"/staff/walks/{SLUG}/findings/{first.uuid}/measure", data={
        "measure-proposal": "Ny intern formulering", "measure-priority": "high",
        "measure-responsible_party": str(first.measure.responsible_party_id),
    })
    assert response.status_code == 302
    root = parse_feed(anonymous(app).get(f"/walks/{SLUG}/feedback.atom").get_data())
    assert root.findall(f"{ATOM}entry") == []
