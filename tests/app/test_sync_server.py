"""Nothing a participant or staff member sends is lost or silently overwritten — the server's side.

Late sync (DESIGN §15), versioned updates, concurrent writers, reversible merges and input limits, on
both databases.
"""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Finding, Measure, Photo, Walk
from fieldapp.services import counting, merge, planning
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from tests.app.test_api import jpeg_bytes

NOW = datetime.now(UTC)


def body(**changes) -> dict:
    base = {"lon": 12.0690, "lat": 57.8950, "accuracy_m": 6.5, "category": "lighting", "felt_safety": 1,
            "lighting_check": "out", "note": "Lampan är trasig",
            "created_at": (datetime.now(UTC) - timedelta(minutes=20)).replace(microsecond=0).isoformat()}
    return {**base, **changes}


@pytest.fixture
def walk(app) -> Walk:
    return seed_demo().walk


def join(app, client, walk: Walk):
    client.post(f"/j/{walk.join_token}", data={"group": "resident", "language": "sv"})
    return client


@pytest.fixture
def phone(app, client, walk):
    return join(app, client, walk)


def put(client, finding_uuid: str, data: dict):
    return client.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}", json=data)


def stored(finding_uuid: str) -> Finding:
    db.session.expire_all()
    return db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))


def listed(client) -> set[str]:
    return {f["id"] for f in client.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()["features"]}


# --- late sync ----------------------------------------------------------------------------------------------

def test_a_finding_made_during_the_walk_is_accepted_after_it_is_marked_done_and_flagged_late(phone, walk):
    made_during_walk = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    planning.set_status(walk, "walked", user_id=None)
    finding_uuid = str(uuid.uuid4())
    response = put(phone, finding_uuid, body(created_at=made_during_walk))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["properties"]["arrival"] == "late"
    assert finding_uuid in listed(phone)
    assert stored(finding_uuid).arrival == "late"
    assert phone.put(f"/api/v1/findings/{finding_uuid}/photos/{uuid.uuid4()}", data=jpeg_bytes(),
                     content_type="image/jpeg").status_code == 201
    # the late finding's own edits still apply inside the window
    version = response.get_json()["properties"]["version"]
    edit = put(
        phone, finding_uuid, body(created_at=made_during_walk, note="Två lampor", base_version=version)
    )
    assert edit.status_code == 200 and stored(finding_uuid).note == "Två lampor"


def test_a_finding_stamped_after_the_walk_was_marked_done_is_kept_for_staff(phone, walk):
    planning.set_status(walk, "walked", user_id=None)
    after = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    finding_uuid = str(uuid.uuid4())
    response = put(phone, finding_uuid, body(created_at=after))
    assert response.status_code == 202
    finding = stored(finding_uuid)
    assert finding.arrival == "after_close" and finding.hidden
    assert finding_uuid not in listed(phone)
    assert put(phone, finding_uuid, body(created_at=after)).status_code == 202  # a repeat is harmless


def test_after_the_grace_window_findings_are_kept_not_refused(app, phone, walk):
    planning.set_status(walk, "walked", user_id=None)
    walk.walked_at = datetime.now(UTC) - timedelta(days=app.config["LATE_SYNC_GRACE_DAYS"] + 1)
    walk.created_at = walk.walked_at - timedelta(days=30)
    db.session.commit()
    finding_uuid = str(uuid.uuid4())
    made_during_walk = (walk.walked_at - timedelta(minutes=30)).isoformat()
    assert put(phone, finding_uuid, body(created_at=made_during_walk)).status_code == 202
    assert stored(finding_uuid).arrival == "after_close"


def test_staff_take_a_finding_that_arrived_after_closing_into_the_walk(phone, walk, staff_client):
    planning.set_status(walk, "walked", user_id=None)
    finding_uuid = str(uuid.uuid4())
    put(phone, finding_uuid, body(created_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                                  note="Kom efteråt"))
    page = staff_client.get(f"/staff/walks/{DEMO_SLUG}/review")
    assert "Kom efteråt" in page.get_data(as_text=True)
    form = staff_client.get(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}").get_data(as_text=True)
    assert "after_close" in form or "efter" in form
    response = staff_client.post(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}/accept-late",
                                 data={"csrf_token": ""})
    assert response.status_code == 302
    finding = stored(finding_uuid)
    assert finding.arrival == "late" and not finding.hidden


# --- versions: edits never silently win ---------------------------------------------------------------------

def test_an_update_without_base_version_is_a_conflict_but_a_repeat_is_not(phone):
    finding_uuid = str(uuid.uuid4())
    first = body()
    assert put(phone, finding_uuid, first).status_code == 201
    assert put(phone, finding_uuid, first).status_code == 200  # identical repeat
    response = put(phone, finding_uuid, {**first, "note": "utan version"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert (
        error["code"] == "version_conflict"
        and error["details"]["current"]["properties"]["note"] == first["note"]
    )
    assert stored(finding_uuid).note == first["note"]


def test_a_staff_correction_is_not_undone_by_a_participants_stale_copy(phone, walk, staff_client):
    finding_uuid = str(uuid.uuid4())
    created = put(phone, finding_uuid, body(note="Ring 070-123 45 67")).get_json()
    page = staff_client.get(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}").get_data(as_text=True)
    assert 'name="version"' in page
    saved = staff_client.post(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}", data={
        "note": "[uppgift borttagen]", "category": "lighting", "lon": "12.069", "lat": "57.895",
        "internal_note": "", "version": str(created["properties"]["version"])})
    assert saved.status_code == 302
    for stale in (body(note="Ring 070-123 45 67 igen"),
                  body(note="Ring 070-123 45 67 igen", base_version=created["properties"]["version"])):
        response = put(phone, finding_uuid, stale)
        assert response.status_code == 409, response.get_json()
    assert stored(finding_uuid).note == "[uppgift borttagen]"


def test_a_stale_staff_form_shows_both_versions_and_lets_staff_choose(phone, walk, staff_client):
    finding_uuid = str(uuid.uuid4())
    created = put(phone, finding_uuid, body(note="Först")).get_json()
    version = created["properties"]["version"]
    assert put(phone, finding_uuid, body(note="Deltagarens ändring", base_version=version)).status_code == 200
    stale = {"note": "Personalens ändring", "category": "lighting", "lon": "12.069", "lat": "57.895",
             "internal_note": "", "version": str(version)}
    response = staff_client.post(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Deltagarens ändring" in page and "Personalens ändring" in page
    assert stored(finding_uuid).note == "Deltagarens ändring"
    # choosing "keep mine" resubmits against the version shown on the conflict page
    current = stored(finding_uuid).version
    chosen = staff_client.post(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}",
                               data={**stale, "version": str(current)})
    assert chosen.status_code == 302 and stored(finding_uuid).note == "Personalens ändring"


def _concurrently(app, calls) -> list:
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        with app.app_context():
            barrier.wait()
            results[index] = call()
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_concurrent_updates_of_the_same_version_one_wins_the_others_get_409(app, phone, walk):
    cookie = phone.get_cookie("session").value
    for trial in range(5):
        finding_uuid = str(uuid.uuid4())
        version = put(phone, finding_uuid, body()).get_json()["properties"]["version"]
        clients = []
        for _ in range(3):
            other = app.test_client()
            other.set_cookie("session", cookie)
            clients.append(other)
        notes = [f"skrivare {trial}-{k}" for k in range(3)]
        responses = _concurrently(app, [
            (lambda c=c, n=n, u=finding_uuid, v=version: put(c, u, body(note=n, base_version=v)))
            for c, n in zip(clients, notes, strict=True)])
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409, 409], codes
        winner = next(r for r in responses if r.status_code == 200).get_json()["properties"]["note"]
        assert stored(finding_uuid).note == winner
        for response in responses:
            if response.status_code == 409:
                assert response.get_json()["error"]["details"]["current"]["properties"]["note"] == winner


def test_concurrent_creates_and_photo_uploads_with_one_uuid_store_once(app, phone, walk):
    cookie = phone.get_cookie("session").value
    clients = []
    for _ in range(3):
        other = app.test_client()
        other.set_cookie("session", cookie)
        clients.append(other)
    finding_uuid = str(uuid.uuid4())
    same = body()
    responses = _concurrently(app, [(lambda c=c: put(c, finding_uuid, same)) for c in clients])
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    photo_uuid = str(uuid.uuid4())
    data = jpeg_bytes()
    responses = _concurrently(app, [
        (lambda c=c: c.put(f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}", data=data,
                           content_type="image/jpeg")) for c in clients])
    assert sorted(r.status_code for r in responses) == [200, 200, 201], [r.get_json() for r in responses]
    assert db.session.scalar(select(db.func.count(Photo.id)).where(Photo.uuid == photo_uuid)) == 1
    assert db.session.scalar(select(db.func.count(Finding.id)).where(Finding.uuid == finding_uuid)) == 1


# --- merges are reversible ----------------------------------------------------------------------------------


def _three_reports(phone) -> list[str]:
    uuids = [str(uuid.uuid4()) for _ in range(3)]
    for n, finding_uuid in enumerate(uuids):
        put(phone, finding_uuid, body(note=f"rapport {n}", lon=12.0690 + n * 0.00001))
    return uuids


def test_withdrawing_a_canonical_finding_promotes_the_next_report(phone, walk):
    first, second, third = _three_reports(phone)
    canonical = stored(first)
    db.session.add(Measure(finding_id=canonical.id, proposal="Byt armatur"))
    db.session.commit()
    merge.merge(walk, first, [second, third], user_id=None)
    assert phone.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{first}").status_code == 204
    assert listed(phone) >= {second} and third not in listed(phone)
    promoted = stored(second)
    assert promoted.canonical_id is None and stored(third).canonical_id == promoted.id
    assert promoted.measure is not None and promoted.measure.proposal == "Byt armatur"
    assert counting.confirmations(promoted) == 2


def test_unmerge_gives_back_the_moved_measure_and_earlier_groups_exactly(phone, walk):
    a, b, c, d = [*_three_reports(phone), str(uuid.uuid4())]
    put(phone, d, body(note="rapport 3", lon=12.06903))
    db.session.add(Measure(finding_id=stored(b).id, proposal="Klipp buskar"))
    db.session.commit()
    merge.merge(walk, c, [d], user_id=None)        # an earlier group: d into c
    merge.merge(walk, a, [b, c], user_id=None)     # b's measure moves to a; c's group joins a
    assert stored(a).measure.proposal == "Klipp buskar" and stored(d).canonical_id == stored(a).id
    merge.unmerge(walk, a, user_id=None)
    assert stored(a).measure is None
    assert stored(b).measure.proposal == "Klipp buskar"
    assert stored(b).canonical_id is None and stored(c).canonical_id is None
    assert stored(d).canonical_id == stored(c).id  # the earlier group is back
    assert counting.confirmations(stored(c)) == 2


# --- input limits, once, at the edge ------------------------------------------------------------------------


@pytest.mark.parametrize("created_at", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00",
                                        "2001-01-01T00:00:00+01:00"])
def test_created_at_outside_a_sane_window_is_refused_with_a_message(phone, created_at):
    response = put(phone, str(uuid.uuid4()), body(created_at=created_at))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["message"]


def test_control_characters_are_removed_from_every_text_field(phone, staff_client):
    finding_uuid = str(uuid.uuid4())
    response = put(phone, finding_uuid, body(note="Mörkt\x00\x07\x1b[31m här\r\n\tvid\x0bbron"))
    assert response.status_code == 201, response.get_json()
    assert stored(finding_uuid).note == "Mörkt[31m här\n\tvidbron"
    version = response.get_json()["properties"]["version"]
    staff_client.post(f"/staff/walks/{DEMO_SLUG}/findings/{finding_uuid}", data={
        "note": "Personal\x01 skrev\x08", "category": "lighting", "lon": "12.069", "lat": "57.895",
        "internal_note": "intern\x1f", "version": str(version)})
    finding = stored(finding_uuid)
    assert finding.note == "Personal skrev" and finding.internal_note == "intern"


@pytest.mark.parametrize("raw", [
    b"[" * 50_000 + b"]" * 50_000,
    b'{"category": "lighting", "note": "\\ud800", "lon": 12.069, "lat": 57.895}',
    b'{"category": "lighting", "note": "\xff\xfe", "lon": 12.069, "lat": 57.895}',
])
def test_hostile_json_bodies_get_a_4xx(phone, raw):
    response = phone.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{uuid.uuid4()}", data=raw,
                         content_type="application/json")
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["error"]["code"]


@pytest.mark.parametrize("url", [
    "/open311/v2/requests.json?start_date=9999-12-31T23:59:59-23:59",
    "/open311/v2/requests.json?end_date=0001-01-01T00:00:00%2B14:00",
    f"/walks/{DEMO_SLUG}/protocol?version=%C2%B2",
    f"/walks/{DEMO_SLUG}/protocol.pdf?version=%C2%B2",
])
def test_odd_query_values_get_a_4xx_not_a_500(client, walk, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)


# --- the network's orderings --------------------------------------------------------------------------------


def test_a_create_delivered_again_after_an_edit_does_not_undo_the_edit(phone):
    finding_uuid = str(uuid.uuid4())
    create = body(note="Först")
    version = put(phone, finding_uuid, create).get_json()["properties"]["version"]
    assert put(phone, finding_uuid, body(note="Sedan", base_version=version)).status_code == 200
    assert put(phone, finding_uuid, create).status_code == 409  # the old create, replayed by the network
    assert stored(finding_uuid).note == "Sedan"


def test_a_create_that_lands_after_its_withdrawal_stays_withdrawn(phone):
    finding_uuid = str(uuid.uuid4())
    assert phone.delete(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}").status_code == 204
    assert put(phone, finding_uuid, body()).status_code in (200, 201)
    assert stored(finding_uuid).hidden and finding_uuid not in listed(phone)


def test_a_late_finding_is_flagged_in_the_exports_and_the_live_view(phone, walk, staff_client):
    made_during_walk = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    planning.set_status(walk, "walked", user_id=None)
    finding_uuid = str(uuid.uuid4())
    assert put(phone, finding_uuid, body(created_at=made_during_walk, note="Kom sent")).status_code == 201
    geojson = staff_client.get(f"/staff/walks/{DEMO_SLUG}/export.geojson?audience=internal").get_json()
    flags = {f["properties"]["uuid"]: f["properties"]["sent_late"] for f in geojson["features"]}
    assert flags[finding_uuid] is True and list(flags.values()).count(True) == 1
    csv_url = f"/staff/walks/{DEMO_SLUG}/export.csv?audience=external"
    csv_text = staff_client.get(csv_url).get_data(as_text=True)
    header, *lines = csv_text.lstrip("\ufeff").splitlines()
    column = header.split(";").index("Skickad sent")
    late_line = next(line for line in lines if "Kom sent" in line)
    assert late_line.split(";")[column] == "ja"
    live = staff_client.get(f"/staff/walks/{DEMO_SLUG}/findings.json")
    assert any(f["properties"]["arrival"] == "late" for f in live.get_json()["features"])


def test_a_photo_upload_that_lands_after_its_withdrawal_stays_withdrawn(phone):
    finding_uuid, photo_uuid = str(uuid.uuid4()), str(uuid.uuid4())
    put(phone, finding_uuid, body())
    assert phone.delete(f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}").status_code == 204
    assert phone.put(f"/api/v1/findings/{finding_uuid}/photos/{photo_uuid}", data=jpeg_bytes(),
                     content_type="image/jpeg").status_code in (200, 201)
    db.session.expire_all()
    assert db.session.scalar(select(Photo).where(Photo.uuid == photo_uuid)).hidden
    listed_photos = phone.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()["features"]
    assert all(p["uuid"] != photo_uuid for f in listed_photos for p in f["properties"]["photos"])
