"""Open311 sender against a real (test) GeoReport v2 server: ids, tokens, retries with backoff,
refusals, missing configuration, the staff page and the ``open311-push`` command."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from shapely.geometry import Point
from sqlalchemy import select

from fieldapp.errors import Conflict, NotFound, ValidationError
from fieldapp.extensions import db
from fieldapp.models import Event, Measure
from fieldapp.services import open311_send, responsible_parties
from fieldapp.services.categories import DEFAULT_CATEGORIES, category_by_code
from tests.app.test_open311_read import add_finding, add_measure, add_photo, make_walk, party
from tests.open311_server import Open311Server, running_open311_server

API_KEY = "ale-test-key"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[Open311Server]:
    with running_open311_server(api_key=API_KEY, jurisdiction_id="ale.se",
                                service_codes={c[0] for c in DEFAULT_CATEGORIES}) as running:
        yield running


@pytest.fixture
def setup(app, server) -> dict:
    """A walk with a lamp finding (stop 1, a publishable photo) and its measure for the gatuenhet."""
    walk = make_walk("Nödinge centrum", "open")
    gatu = party("Ale kommun, gatuenheten", open311_endpoint=server.url, open311_jurisdiction="ale.se")
    responsible_parties.set_open311_api_key(gatu, API_KEY)
    lamp = add_finding(walk, "lighting", 12.06795, 57.89600, stop_seq=1,
                       note="Två lyktstolpar släckta längs gångvägen.")
    photo = add_photo(lamp, publishable=True)
    measure = add_measure(lamp, responsible=gatu, proposal="Byt armaturer till LED.", status="assessed",
                          deadline=date(2026, 12, 15))
    walk.status = "walked"
    db.session.commit()
    return {"walk": walk, "party": gatu, "finding": lamp, "photo": photo, "measure": measure}


def reload(measure: Measure) -> Measure:
    db.session.expire_all()
    return db.session.get(Measure, measure.id)


def events(measure: Measure) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.measure_id == measure.id).order_by(Event.id)))


def test_push_sends_the_fields_and_keeps_the_service_request_id(setup, server) -> None:
    result = open311_send.push_measure(setup["measure"].id, now=NOW)
    assert result.state == "sent"
    measure = reload(setup["measure"])
    assert measure.open311_state == "sent" and measure.external_ticket_id == "1001"
    assert measure.open311_attempts == 1 and measure.open311_last_error is None
    assert measure.open311_next_attempt_at is None
    assert measure.status == "sent"  # assessed → sent

    [form] = server.received
    assert form["api_key"] == API_KEY and form["jurisdiction_id"] == "ale.se"
    assert form["service_code"] == "lighting"
    assert Point(float(form["long"]), float(form["lat"])).distance(Point(12.06795, 57.89600)) < 1e-7
    assert "Byt armaturer till LED." in form["description"]
    assert "Två lyktstolpar släckta längs gångvägen." in form["description"]
    assert "2026-12-15" in form["description"]
    assert form["address_string"] == "Ale torg, entrén, Nödinge centrum, Ale kommun"
    assert form["media_url"] == f"http://fieldapp.test/photos/{setup['photo'].uuid}/display.jpg"

    [event] = events(measure)
    assert event.kind == "open311_sent" and event.data["service_request_id"] == "1001"
    assert event.walk_id == setup["walk"].id

    with pytest.raises(Conflict, match="1001"):
        open311_send.push_measure(measure.id, now=NOW)
    assert len(server.received) == 1


def test_a_token_is_kept_and_resolved_later_without_posting_again(setup, server) -> None:
    server.answer_with_token = True
    server.token_resolves_after = 1
    assert open311_send.push_measure(setup["measure"].id, now=NOW).state == "awaiting_id"
    measure = reload(setup["measure"])
    assert measure.external_ticket_id == "token:tok-1001" and measure.open311_state == "awaiting_id"
    assert open311_send.due_measure_ids(NOW) == [measure.id]

    first_poll = open311_send.push_due(now=NOW)
    assert [r.state for r in first_poll] == ["awaiting_id"]  # the server has not processed it yet
    measure = reload(measure)
    assert measure.open311_next_attempt_at == NOW + open311_send.TOKEN_POLL_INTERVAL
    assert open311_send.push_due(now=NOW + timedelta(minutes=1)) == []

    later = NOW + open311_send.TOKEN_POLL_INTERVAL
    assert [r.state for r in open311_send.push_due(now=later)] == ["sent"]
    measure = reload(measure)
    assert measure.external_ticket_id == "1001" and measure.open311_state == "sent"
    assert len(server.received) == 1  # one POST; the rest were token look-ups
    assert [p["token"] for p in server.token_polls] == ["tok-1001", "tok-1001"]
    assert server.token_polls[0]["api_key"] == API_KEY
    assert server.token_polls[0]["jurisdiction_id"] == "ale.se"
    assert [e.kind for e in events(measure)] == ["open311_sent", "open311_sent"]


def test_a_server_error_is_retried_with_exponential_backoff(setup, server) -> None:
    server.fail_next("500", "503")
    result = open311_send.push_measure(setup["measure"].id, now=NOW)
    assert result.state == "retrying"
    measure = reload(setup["measure"])
    assert measure.open311_attempts == 1 and measure.open311_state == "retrying"
    assert measure.open311_next_attempt_at == NOW + timedelta(minutes=1)
    assert measure.open311_last_error == "HTTP 500: Internal error, try again later"
    assert measure.external_ticket_id is None and measure.status == "assessed"

    assert open311_send.push_due(now=NOW + timedelta(seconds=30)) == []  # not due yet
    second = NOW + timedelta(minutes=1)
    assert [r.state for r in open311_send.push_due(now=second)] == ["retrying"]
    measure = reload(measure)
    assert measure.open311_attempts == 2 and measure.open311_next_attempt_at == second + timedelta(minutes=2)
    assert "503" in measure.open311_last_error

    third = second + timedelta(minutes=2)
    assert [r.state for r in open311_send.push_due(now=third)] == ["sent"]
    measure = reload(measure)
    assert measure.open311_attempts == 3 and measure.external_ticket_id == "1001"
    assert measure.open311_last_error is None and measure.open311_next_attempt_at is None
    kinds = [(e.kind, e.data.get("attempt")) for e in events(measure)]
    assert kinds == [("open311_failed", 1), ("open311_failed", 2), ("open311_sent", 3)]
    assert events(measure)[0].data["http_status"] == 500 and events(measure)[0].data["transient"] is True


def test_backoff_grows_and_gives_up_after_the_last_attempt() -> None:
    delays = [open311_send.backoff_delay(n) for n in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == open311_send.BACKOFF_MAX and delays == sorted(delays)


def test_too_many_failures_end_in_failed(setup, server) -> None:
    server.fail_next(*["503"] * open311_send.MAX_ATTEMPTS)
    when = NOW
    for _ in range(open311_send.MAX_ATTEMPTS):
        open311_send.push_measure(setup["measure"].id, now=when)
        when += timedelta(hours=7)
    measure = reload(setup["measure"])
    assert measure.open311_state == "failed" and measure.open311_attempts == open311_send.MAX_ATTEMPTS
    assert measure.open311_next_attempt_at is None
    assert open311_send.due_measure_ids(when) == []


def test_a_server_that_does_not_answer_times_out_and_is_retried(setup, server) -> None:
    server.fail_next("hang")
    result = open311_send.push_measure(setup["measure"].id, now=NOW, timeout=0.5)
    assert result.state == "retrying"
    measure = reload(setup["measure"])
    assert measure.open311_last_error == "Inget svar inom 0.5 s."
    assert measure.open311_next_attempt_at == NOW + timedelta(minutes=1)


def test_an_unreachable_server_is_retried(setup) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    setup["party"].open311_endpoint = f"http://127.0.0.1:{port}/open311/v2"
    db.session.commit()
    assert open311_send.push_measure(setup["measure"].id, now=NOW).state == "retrying"
    assert reload(setup["measure"]).open311_last_error.startswith("Kan inte ansluta")


def test_a_wrong_api_key_fails_with_the_servers_description(setup, server) -> None:
    responsible_parties.set_open311_api_key(setup["party"], "wrong")
    result = open311_send.push_measure(setup["measure"].id, now=NOW)
    assert result.state == "failed"
    measure = reload(setup["measure"])
    assert measure.open311_last_error == "HTTP 403: Invalid api_key"
    assert measure.open311_next_attempt_at is None and measure.open311_attempts == 1
    assert server.received == []
    assert open311_send.due_measure_ids(NOW + timedelta(days=1)) == []
    [event] = events(measure)
    assert event.kind == "open311_failed"
    assert event.data["http_status"] == 403 and event.data["transient"] is False

    responsible_parties.set_open311_api_key(
        setup["party"], API_KEY
    )  # fixed by the admin: staff retry by hand
    assert open311_send.push_measure(measure.id, now=NOW).state == "sent"
    assert reload(measure).open311_attempts == 2


def test_an_unknown_service_code_is_refused_by_the_server(setup, server) -> None:
    server.service_codes.discard("lighting")
    assert open311_send.push_measure(setup["measure"].id, now=NOW).state == "failed"
    assert reload(setup["measure"]).open311_last_error == "HTTP 404: service_code lighting not found"


@pytest.mark.parametrize("endpoint, message", [
    (None, "har ingen Open311-adress inställd"),
    ("", "har ingen Open311-adress inställd"),
    ("file:///etc/passwd", r"är inte en http\(s\)-adress"),
])
def test_no_usable_endpoint_is_a_clear_error(setup, server, endpoint, message) -> None:
    setup["party"].open311_endpoint = endpoint
    db.session.commit()
    with pytest.raises(ValidationError, match=message) as err:
        open311_send.push_measure(setup["measure"].id, now=NOW)
    assert "Ale kommun, gatuenheten" in err.value.message
    measure = reload(setup["measure"])
    assert measure.open311_state is None and measure.open311_attempts == 0 and events(measure) == []


def test_a_measure_without_responsible_party_cannot_be_sent(setup) -> None:
    setup["measure"].responsible_party_id = None
    db.session.commit()
    with pytest.raises(ValidationError, match="Välj en ansvarig"):
        open311_send.push_measure(setup["measure"].id, now=NOW)


def test_a_measure_being_sent_by_another_worker_is_not_sent_twice(setup, server) -> None:
    measure = setup["measure"]
    measure.open311_state, measure.open311_next_attempt_at = "sending", NOW + timedelta(minutes=2)
    db.session.commit()
    with pytest.raises(Conflict):
        open311_send.push_measure(measure.id, now=NOW)
    assert server.received == []
    # a claim older than SENDING_STALE (a crashed worker) is taken over
    assert open311_send.push_measure(measure.id, now=NOW + timedelta(minutes=3)).state == "sent"


def test_a_measure_of_another_walk_is_not_found(setup) -> None:
    other = make_walk("Annan vandring", "open")
    with pytest.raises(NotFound):
        open311_send.push_measure(setup["measure"].id, walk=other, now=NOW)


# --- staff page -------------------------------------------------------------------------------

def test_staff_page_needs_login(client, setup) -> None:
    response = client.get(f"/staff/walks/{setup['walk'].slug}/open311")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    push = client.post(f"/staff/walks/{setup['walk'].slug}/open311/{setup['measure'].id}/push")
    assert push.status_code == 302
    assert reload(setup["measure"]).open311_attempts == 0


def test_staff_page_queues_the_send_and_the_job_sends_it_once(staff_client, setup, server, worker) -> None:
    slug, measure = setup["walk"].slug, setup["measure"]
    page = staff_client.get(f"/staff/walks/{slug}/open311")
    assert page.status_code == 200
    assert "Byt armaturer till LED." in page.text and "Ej skickad" in page.text
    assert f"/open311/{measure.id}/push" in page.text and "data-confirm=" in page.text

    pushed = staff_client.post(f"/staff/walks/{slug}/open311/{measure.id}/push")
    assert pushed.status_code == 303
    page = staff_client.get(pushed.headers["Location"])
    assert "Åtgärden står i kö och skickas i bakgrunden." in page.text
    assert "I kö" in page.text and f"/open311/{measure.id}/push" not in page.text
    assert server.received == []  # nothing is sent inside the request

    worker.run_until_idle()
    page = staff_client.get(f"/staff/walks/{slug}/open311")
    assert "<code>1001</code>" in page.text and f"/open311/{measure.id}/push" not in page.text
    assert reload(measure).open311_state == "sent" and len(server.received) == 1
    queued, sent = events(measure)
    assert (queued.kind, sent.kind) == ("open311_queued", "open311_sent") and queued.user_id is not None

    again = staff_client.post(f"/staff/walks/{slug}/open311/{measure.id}/push")
    assert "Åtgärden är redan skickad (id 1001)." in staff_client.get(again.headers["Location"]).text
    worker.run_until_idle()
    assert len(server.received) == 1  # never twice
    listed = staff_client.get(f"/staff/walks/{slug}/measures").text
    assert "Skickad" in listed and "Id: 1001" in listed  # the action list shows the send status too


def test_staff_page_shows_a_failure_and_a_retry_sends_it(staff_client, setup, server, worker) -> None:
    server.fail_next("500")
    slug, measure = setup["walk"].slug, setup["measure"]
    staff_client.post(f"/staff/walks/{slug}/open311/{measure.id}/push")
    worker.run_until_idle()
    page = staff_client.get(f"/staff/walks/{slug}/open311")
    assert "HTTP 500: Internal error, try again later" in page.text
    assert "Försöker igen" in page.text and "Försök igen nu" in page.text and "Försök: 1" in page.text
    assert reload(measure).open311_next_attempt_at is not None  # the periodic job retries after the backoff

    staff_client.post(f"/staff/walks/{slug}/open311/{measure.id}/push")  # "Retry now" does not wait for it
    worker.run_until_idle()
    measure = reload(measure)
    assert measure.open311_state == "sent" and measure.open311_attempts == 2 and len(server.received) == 1


def test_staff_page_explains_a_missing_endpoint(staff_client, setup) -> None:
    setup["party"].open311_endpoint = None
    db.session.commit()
    slug, measure = setup["walk"].slug, setup["measure"]
    page = staff_client.get(f"/staff/walks/{slug}/open311")
    assert "Ingen Open311-adress" in page.text and f"/open311/{measure.id}/push" not in page.text
    pushed = staff_client.post(f"/staff/walks/{slug}/open311/{measure.id}/push")
    assert pushed.status_code == 303
    assert "Ale kommun, gatuenheten har ingen Open311-adress inställd." in staff_client.get(
        pushed.headers["Location"]).text
    assert reload(measure).open311_state is None


def test_a_queued_measure_whose_party_lost_its_endpoint_fails_with_the_reason(setup, server) -> None:
    measure = setup["measure"]
    measure.open311_state = "pending"
    setup["party"].open311_endpoint = None
    db.session.commit()
    [result] = open311_send.push_due(now=NOW)
    assert result.state == "failed"
    assert "har ingen Open311-adress inställd" in reload(measure).open311_last_error
    assert open311_send.push_due(now=NOW + timedelta(hours=1)) == []  # not tried again every minute


def test_bulk_send_to_one_party_after_confirmation(staff_client, setup, server, worker) -> None:
    walk, gatu = setup["walk"], setup["party"]
    second = add_finding(walk, "vegetation", 12.0683, 57.8974, note="Höga buskar.")
    add_measure(second, responsible=gatu, proposal="Klipp buskarna.")
    unassigned = add_finding(walk, "litter", 12.0734, 57.8923, note="Skräp.")
    add_measure(unassigned, proposal="Städa.")
    other = party("Alebyggen", open311_endpoint=server.url)
    theirs = add_finding(walk, "graffiti", 12.0700, 57.8950, note="Klotter på porten.")
    add_measure(theirs, responsible=other, proposal="Sanera.")

    page = staff_client.get(f"/staff/walks/{walk.slug}/open311").text
    assert "Skicka 2 åtgärder till Ale kommun, gatuenheten…" in page
    assert "Skicka 1 åtgärd till Alebyggen…" in page
    confirm = staff_client.get(f"/staff/walks/{walk.slug}/open311/parties/{gatu.id}/send")
    assert confirm.status_code == 200
    assert "Skicka 2 åtgärder till Ale kommun, gatuenheten?" in confirm.text
    assert "Klipp buskarna." in confirm.text and "Sanera." not in confirm.text and server.url in confirm.text

    sent = staff_client.post(f"/staff/walks/{walk.slug}/open311/parties/{gatu.id}/send")
    assert sent.status_code == 303
    flashed = staff_client.get(sent.headers["Location"]).text
    assert "2 åtgärder till Ale kommun, gatuenheten står i kö" in flashed
    worker.run_until_idle()
    assert sorted(f["service_code"] for f in server.received) == ["lighting", "vegetation"]
    assert "Skicka 2 åtgärder" not in staff_client.get(f"/staff/walks/{walk.slug}/open311").text

    again = staff_client.post(f"/staff/walks/{walk.slug}/open311/parties/{gatu.id}/send")
    assert "Det finns inget att skicka." in staff_client.get(again.headers["Location"]).text
    worker.run_until_idle()
    assert len(server.received) == 2  # idempotent: a second bulk send sends nothing


def test_the_partys_service_code_wins_over_the_categorys_default(setup, server) -> None:
    lighting = category_by_code("lighting")
    server.service_codes.add("gatubelysning")
    responsible_parties.set_service_codes(setup["party"], {lighting.id: "gatubelysning"})
    assert open311_send.push_measure(setup["measure"].id, now=NOW).state == "sent"
    assert server.received[0]["service_code"] == "gatubelysning"


def test_command_queue_new_and_unknown_walk(runner, setup, server) -> None:
    result = runner.invoke(args=["open311-push", "--walk", setup["walk"].slug, "--queue-new"])
    assert result.exit_code == 0, result.output
    assert "Queued: 1" in result.output and f"Measure {setup['measure'].id}: sent" in result.output
    unknown = runner.invoke(args=["open311-push", "--walk", "no-such-walk"])
    assert unknown.exit_code != 0 and "no-such-walk" in unknown.output and "Traceback" not in unknown.output
    assert runner.invoke(args=["open311-push", "--queue-new"]).exit_code != 0
