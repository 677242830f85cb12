"""Participant identity: join-link generations (security review item 4), re-joining with the phone's
participant key after the session cookie is gone, and withdrawing a photo that already reached the server."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fieldapp.extensions import db
from fieldapp.models import Event, Finding, Participant, Photo, Walk
from fieldapp.services import planning
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from tests.app.test_api import FINDING, jpeg_bytes, put_finding


def join(app: Flask, client: FlaskClient, walk: Walk) -> dict:
    """Join ``walk`` through its current link; returns the rejoin data the field page gave the phone."""
    response = client.post(f"/j/{walk.join_token}", data={"group": "resident", "language": "sv"})
    assert response.status_code == 302, response.status_code
    page = client.get(f"/w/{walk.slug}")
    assert page.status_code == 200
    match = re.search(r'<script type="application/json" id="rejoin-data">(.*?)</script>',
                      page.get_data(as_text=True))
    assert match, "the field page gives a participant their rejoin data"
    return json.loads(match.group(1))


@pytest.fixture
def walk(app: Flask) -> Walk:
    return seed_demo().walk


def add_finding_with_photo(client: FlaskClient) -> tuple[str, str]:
    finding_uuid, photo_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    assert put_finding(client, finding_uuid, FINDING).status_code == 201
    response = client.put(f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}", data=jpeg_bytes(),
                          content_type="image/jpeg")
    assert response.status_code == 201
    return finding_uuid, photo_uuid


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


@pytest.mark.parametrize("action", ["regenerate", "revoke"])
def test_item4_regenerated_link_locks_out_old_participants(app: Flask, walk: Walk, action: str) -> None:
    old = app.test_client()
    join(app, old, walk)
    finding_uuid, photo_uuid = add_finding_with_photo(old)
    if action == "regenerate":
        planning.regenerate_join_link(walk, user_id=None)
    else:
        planning.revoke_join_link(walk, user_id=None)
    # Reads and writes alike: walk data, findings list, the field page, photos, new findings.
    photo = old.get(f"/photos/{photo_uuid}/thumb.jpg", headers={"Accept": "application/json"})
    assert photo.status_code == 403 and error_code(photo) == "link_revoked"
    for response in (old.get(f"/api/v1/walks/{DEMO_SLUG}"), old.get(f"/api/v1/walks/{DEMO_SLUG}/findings"),
                     put_finding(old, str(uuid.uuid4()), FINDING),
                     put_finding(old, finding_uuid, {**FINDING, "note": "ändrad", "base_version": 1}),
                     old.put(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}", data=jpeg_bytes(),
                             content_type="image/jpeg"),
                     old.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}")):
        assert response.status_code == 403, response.request.path
        assert error_code(response) == "link_revoked", response.request.path
    page = old.get(f"/w/{DEMO_SLUG}")
    # The page says why, in Swedish (the participant joined with language sv).
    assert page.status_code == 403 and "anslutningslänk har bytts ut" in page.get_data(as_text=True)
    assert db.session.query(Finding.note).filter_by(uuid=finding_uuid).scalar() == FINDING["note"]
    if action == "regenerate":
        # Joining again through the new link (same browser) makes a new participant.
        before = db.session.query(Participant).count()
        join(app, old, db.session.get(Walk, walk.id))
        assert db.session.query(Participant).count() == before + 1
        assert put_finding(old, str(uuid.uuid4()), FINDING).status_code == 201
        # ...who is not the owner of the old participant's finding.
        assert old.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}").status_code == 403


def test_participants_of_the_current_link_keep_access(app: Flask, walk: Walk) -> None:
    planning.regenerate_join_link(walk, user_id=None)
    client = app.test_client()
    join(app, client, walk)
    assert client.get(f"/api/v1/walks/{DEMO_SLUG}/findings").status_code == 200
    add_finding_with_photo(client)


def test_rejoin_restores_the_same_participant(app: Flask, walk: Walk) -> None:
    phone = app.test_client()
    kept = join(app, phone, walk)
    finding_uuid, photo_uuid = add_finding_with_photo(phone)
    owner = db.session.query(Finding.participant_id).filter_by(uuid=finding_uuid).scalar()
    phone.delete_cookie("session")  # the 8-hour cookie expired
    lost = put_finding(phone, finding_uuid, {**FINDING, "note": "x", "base_version": 1})
    assert error_code(lost) == "not_joined"
    response = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json=kept)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["participant_key"] == kept["participant_key"]
    updated = put_finding(phone, finding_uuid, {**FINDING, "note": "Efter återanslutning", "base_version": 1})
    assert updated.status_code == 200, updated.get_json()
    assert phone.get(f"/photos/{photo_uuid}/thumb.jpg").status_code == 200
    finding = db.session.query(Finding).filter_by(uuid=finding_uuid).one()
    assert finding.participant_id == owner and finding.note == "Efter återanslutning"
    assert db.session.query(Participant).count() == 1 + db.session.query(Participant).filter(
        Participant.id != owner).count()


def test_rejoin_works_after_the_walk_closed(app: Flask, walk: Walk) -> None:
    phone = app.test_client()
    kept = join(app, phone, walk)
    walk.status = "walked"
    db.session.commit()
    phone.delete_cookie("session")
    assert phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json=kept).status_code == 200
    assert phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings").status_code == 200


def test_rejoin_refusals(app: Flask, walk: Walk) -> None:
    phone = app.test_client()
    kept = join(app, phone, walk)
    phone.delete_cookie("session")
    public_id, generation, mac = kept["participant_key"].split(".")
    forged = f"{uuid.uuid4()}.{generation}.{mac}"
    bad = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json={**kept, "participant_key": forged})
    assert bad.status_code == 403 and error_code(bad) == "bad_participant_key"
    wrong_token = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json={**kept, "join_token": "nope"})
    assert wrong_token.status_code == 403 and error_code(wrong_token) == "link_revoked"
    missing = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json={"join_token": kept["join_token"]})
    assert missing.status_code == 422
    assert phone.post("/api/v1/walks/no-such-walk/rejoin", json=kept).status_code == 404
    planning.regenerate_join_link(walk, user_id=None)
    revoked = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin", json=kept)
    assert revoked.status_code == 403 and error_code(revoked) == "link_revoked"
    # Even with the new token, the old participant's key belongs to the old link.
    stale_key = phone.post(f"/api/v1/walks/{DEMO_SLUG}/rejoin",
                           json={**kept, "join_token": db.session.get(Walk, walk.id).join_token})
    assert stale_key.status_code == 403 and error_code(stale_key) == "link_revoked"
    assert phone.get(f"/api/v1/walks/{DEMO_SLUG}").status_code == 403


def test_withdrawing_a_photo_hides_it_once(app: Flask, walk: Walk) -> None:
    phone = app.test_client()
    join(app, phone, walk)
    finding_uuid, photo_uuid = add_finding_with_photo(phone)
    url = f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"
    assert phone.delete(url).status_code == 204
    assert phone.delete(url).status_code == 204  # repeating is harmless
    photo = db.session.query(Photo).filter_by(uuid=photo_uuid).one()
    assert photo.hidden is True
    assert db.session.query(Event).filter_by(kind="photo_withdrawn").count() == 1
    assert phone.get(f"/photos/{photo_uuid}/thumb.jpg").status_code == 404
    feature = next(f for f in phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()["features"]
                   if f["id"] == finding_uuid)
    assert feature["properties"]["photos"] == []
    # A photo that never arrived (removed on the phone before it was sent): nothing to do.
    assert phone.delete(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}").status_code == 204


def test_only_the_owner_withdraws_a_photo(app: Flask, walk: Walk) -> None:
    owner, other = app.test_client(), app.test_client()
    join(app, owner, walk)
    join(app, other, walk)
    finding_uuid, photo_uuid = add_finding_with_photo(owner)
    url = f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"
    refused = other.delete(url)
    assert refused.status_code == 403 and error_code(refused) == "not_yours"
    assert app.test_client().delete(url).status_code == 403
    assert owner.delete(f"/api/v1/findings/{uuid.uuid4()}/photos/{photo_uuid}").status_code == 404
    assert db.session.query(Photo).filter_by(uuid=photo_uuid).one().hidden is False


def test_openapi_documents_rejoin_and_photo_withdrawal(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/walks/{slug}/rejoin"]
    assert "delete" in paths["/api/v1/findings/{finding_uuid}/photos/{photo_uuid}"]
