"""A property-based (stateful) test of the sync protocol between a phone's outbox and the server.

The phone model follows the rules the field app's outbox follows (static/js/field/outbox.js): every save
is a PUT by the finding's UUID carrying the last version the server acknowledged (``base_version``); a
409 whose current finding equals what the phone last sent means only the acknowledgement was lost, so
the phone rebases and sends again; a withdrawal is a DELETE. Hypothesis interleaves saves, edits,
withdrawals, photo uploads, going offline and online, lost responses, duplicated and reordered
deliveries; at the end, with the network back, the server holds the phone's last intent for every finding.
"""
from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PIL import Image
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Finding, Photo
from fieldapp.services.demo import DEMO_SLUG, seed_demo

NOTES = st.sampled_from(["Mörk passage", "Trasig lampa", "Buskar", "Klotter", "Tryggt torg", ""])


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _jpeg()


class Phone:
    """The outbox's rules, in Python."""

    def __init__(self, client) -> None:  # noqa: ANN001 - Flask test client
        self.client = client
        self.findings: dict[str, dict] = {}
        self.photos: dict[str, dict] = {}
        self.sent_log: list[tuple[str, str, dict | None]] = []  # every request the network carried
        self.in_flight: list[tuple[str, str, dict | None]] = []  # sent, not yet arrived (lost answers)

    def body(self, record: dict) -> dict:
        return {"lon": 12.069, "lat": 57.895, "category": "lighting", "note": record["note"],
                "created_at": record["created_at"], "base_version": record["server_version"]}

    def request(self, method: str, url: str, json: dict | None = None, *, delay: bool = False):  # noqa: ANN201
        """Send now, or (``delay``) leave the request in the network to land later: the phone sees no
        answer."""
        self.sent_log.append((method, url, json))
        if delay:
            self.in_flight.append((method, url, json))
            return None
        return self.deliver((method, url, json))

    def deliver(self, request: tuple[str, str, dict | None]):  # noqa: ANN201
        method, url, json = request
        if method == "PUT" and json is None:
            return self.client.put(url, data=JPEG, content_type="image/jpeg")
        return self.client.open(url, method=method, json=json)

    def send_finding(self, finding_uuid: str, lose_response: bool) -> None:
        record = self.findings[finding_uuid]
        url = f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}"
        if record["deleted"]:
            response = self.request("DELETE", url, delay=lose_response)
            if response is not None:
                assert response.status_code == 204, response.get_data(as_text=True)
                record["pending"] = False
            return
        body = self.body(record)
        record["last_sent"] = record["note"]
        response = self.request("PUT", url, body, delay=lose_response)
        if response is None:
            return
        assert response.status_code in (200, 201, 409), (response.status_code, response.get_json())
        if response.status_code == 409:
            current = response.get_json()["error"]["details"]["current"]["properties"]
            # Only this phone writes this finding: the server holds something this phone sent.
            assert current["note"] in {record["last_sent"], record["acked_note"]} | record["sent_notes"]
            record["server_version"] = current["version"]
            record["acked_note"] = current["note"]
            return  # still pending: sent again, now based on the server's version
        record["server_version"] = response.get_json()["properties"]["version"]
        record["acked_note"] = record["note"]
        record["pending"] = False

    def send_photo(self, photo_uuid: str, lose_response: bool) -> None:
        photo = self.photos[photo_uuid]
        finding = self.findings[photo["finding"]]
        if photo["removed"]:
            if finding["server_version"] is None and finding["last_sent"] is None:
                photo["pending"] = False  # neither it nor its finding ever left the phone
                return
            response = self.request("DELETE", f"/api/v1/findings/{photo['finding']}/photos/{photo_uuid}",
                                    delay=lose_response)
            if response is None:
                return
            if response.status_code == 404 and finding["server_version"] is None:
                return  # the finding's own create has not landed yet: try again later
            assert response.status_code == 204, (response.status_code, response.get_json())
            photo["pending"] = False
            return
        if finding["deleted"] and finding["server_version"] is None:
            photo["pending"] = False  # withdrawn before the server knew it: the phone drops its photos
            return
        if finding["server_version"] is None:
            return  # the finding itself is not acknowledged yet
        response = self.request("PUT", f"/api/v1/findings/{photo['finding']}/photos/{photo_uuid}",
                                delay=lose_response)
        if response is None:
            return
        if finding["deleted"] and response.status_code == 404:
            photo["pending"] = False  # its finding was withdrawn: nothing left to attach it to
            return
        assert response.status_code in (200, 201), response.get_json()
        photo["pending"] = False


def run_machine(app, client) -> None:  # noqa: ANN001
    created_at = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()

    class SyncMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.phone = Phone(client)
            self.online = True

        def _pending(self) -> list[str]:
            return [u for u, r in self.phone.findings.items() if r["pending"]]

        # Few findings, many things happening to them: that is where orderings go wrong.
        @precondition(lambda self: len(self.phone.findings) < 3)
        @rule(note=NOTES)
        def save_new(self, note: str) -> None:
            self.phone.findings[str(uuid.uuid4())] = {
                "note": note, "created_at": created_at, "server_version": None, "pending": True,
                "deleted": False, "last_sent": None, "acked_note": None, "sent_notes": set()}

        @precondition(lambda self: any(not r["deleted"] for r in self.phone.findings.values()))
        @rule(data=st.data(), note=NOTES)
        def edit(self, data: st.DataObject, note: str) -> None:
            finding_uuid = data.draw(st.sampled_from([u for u, r in self.phone.findings.items()
                                                           if not r["deleted"]]))
            record = self.phone.findings[finding_uuid]
            record["note"], record["pending"] = note, True

        @precondition(lambda self: any(not r["deleted"] for r in self.phone.findings.values()))
        @rule(data=st.data())
        def withdraw(self, data: st.DataObject) -> None:
            finding_uuid = data.draw(st.sampled_from([u for u, r in self.phone.findings.items()
                                                           if not r["deleted"]]))
            record = self.phone.findings[finding_uuid]
            if record["server_version"] is None and record["last_sent"] is None:
                del self.phone.findings[finding_uuid]  # never left the phone: nothing to tell the server
                for photo_uuid in [p for p, v in self.phone.photos.items() if v["finding"] == finding_uuid]:
                    del self.phone.photos[photo_uuid]
                return
            record["deleted"], record["pending"] = True, True

        @precondition(lambda self: len(self.phone.photos) < 3
                      and any(not r["deleted"] for r in self.phone.findings.values()))
        @rule(data=st.data())
        def add_photo(self, data: st.DataObject) -> None:
            finding_uuid = data.draw(st.sampled_from([u for u, r in self.phone.findings.items()
                                                           if not r["deleted"]]))
            self.phone.photos[str(uuid.uuid4())] = {"finding": finding_uuid, "pending": True,
                                                    "removed": False}

        @precondition(lambda self: any(not v["removed"] for v in self.phone.photos.values()))
        @rule(data=st.data())
        def remove_photo(self, data: st.DataObject) -> None:
            kept = [p for p, v in self.phone.photos.items() if not v["removed"]]
            photo_uuid = data.draw(st.sampled_from(kept))
            self.phone.photos[photo_uuid].update(removed=True, pending=True)

        @rule()
        def go_offline(self) -> None:
            self.online = False

        @rule()
        def go_online(self) -> None:
            self.online = True

        @precondition(lambda self: self.online)
        @rule(data=st.data(), lose=st.booleans())
        def deliver(self, data: st.DataObject, lose: bool) -> None:
            pending = self._pending()
            photos = [p for p, v in self.phone.photos.items() if v["pending"]]
            if pending and (not photos or data.draw(st.booleans())):
                finding_uuid = data.draw(st.sampled_from(pending))
                self.phone.findings[finding_uuid]["sent_notes"].add(self.phone.findings[finding_uuid]["note"])
                self.phone.send_finding(finding_uuid, lose)
            elif photos:
                self.phone.send_photo(data.draw(st.sampled_from(photos)), lose)

        @precondition(lambda self: self.phone.in_flight)
        @rule(data=st.data(), twice=st.booleans())
        def network_delivers_a_delayed_request(self, data: st.DataObject, twice: bool) -> None:
            """A request whose answer was lost lands now, after newer ones (reordering), maybe twice."""
            index = data.draw(st.integers(0, len(self.phone.in_flight) - 1))
            request = self.phone.in_flight.pop(index)
            for _ in range(2 if twice else 1):
                response = self.phone.deliver(request)
                assert response.status_code < 500, (request[:2], response.status_code)

        @precondition(lambda self: self.online and self.phone.sent_log)
        @rule(data=st.data())
        def network_replays_an_old_request(self, data: st.DataObject) -> None:
            request = data.draw(st.sampled_from(self.phone.sent_log))
            response = self.phone.deliver(request)
            assert response.status_code < 500, (request[:2], response.status_code)

        @invariant()
        def no_server_error_and_no_duplicates(self) -> None:
            uuids = list(self.phone.findings)
            if uuids:
                count = db.session.scalar(select(db.func.count(Finding.id)).where(Finding.uuid.in_(uuids)))
                assert count <= len(uuids)

        def teardown(self) -> None:
            self.online = True
            for request in self.phone.in_flight:  # whatever is still in the network lands, late
                self.phone.deliver(request)
            for _ in range(4 * (len(self.phone.findings) + len(self.phone.photos)) + 4):
                pending = self._pending()
                photos = [p for p, v in self.phone.photos.items() if v["pending"]]
                if pending:
                    self.phone.send_finding(pending[0], lose_response=False)
                elif photos:
                    self.phone.send_photo(photos[0], lose_response=False)
                else:
                    break
            assert not self._pending(), "the outbox could not empty itself"
            assert not [p for p, v in self.phone.photos.items() if v["pending"]], "photos left in the outbox"
            db.session.expire_all()
            for finding_uuid, record in self.phone.findings.items():
                stored = db.session.scalar(select(Finding).where(Finding.uuid == finding_uuid))
                if record["deleted"]:
                    assert stored is None or stored.hidden
                    continue
                assert stored is not None and not stored.hidden
                assert stored.note == record["note"]
                wanted = {p for p, v in self.phone.photos.items()
                          if v["finding"] == finding_uuid and not v["removed"]}
                on_server = set(db.session.scalars(select(Photo.uuid).where(Photo.finding_id == stored.id,
                                                                            Photo.hidden.is_(False))))
                assert on_server == wanted

    run_state_machine_as_test(SyncMachine, settings=settings(
        max_examples=60, stateful_step_count=50, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))


def test_server_ends_with_the_phones_last_intent_under_any_interleaving(app, client) -> None:
    walk = seed_demo().walk
    client.post(f"/j/{walk.join_token}", data={"group": "resident", "language": "sv"})
    run_machine(app, client)
