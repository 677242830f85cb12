"""The follow-up walk: planned from a walk, participants check the earlier findings, the comparison."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Finding, FollowUpCheck, Measure, Walk
from fieldapp.services import follow_up, planning
from fieldapp.services.demo import seed_demo
from gis import convert


@pytest.fixture
def earlier(app) -> Walk:
    """The demo walk, with measures in every state the comparison tells apart."""
    walk = seed_demo().walk
    findings = _earlier_findings(walk)
    findings[0].internal_note = "Intern: elnätet byts 2027"
    db.session.add_all([
        Measure(finding_id=findings[0].id, status="done", public_answer="Nya LED-armaturer"),
        Measure(finding_id=findings[1].id, status="done"),
        Measure(finding_id=findings[2].id, status="planned"),
    ])
    db.session.commit()
    return walk


def _earlier_findings(walk: Walk) -> list[Finding]:
    return list(db.session.scalars(
        select(Finding).where(Finding.walk_id == walk.id, Finding.hidden.is_(False),
                              Finding.canonical_id.is_(None)).order_by(Finding.created_at, Finding.id)))


@pytest.fixture
def planned(staff_client, earlier) -> Walk:
    response = staff_client.post(f"/staff/walks/{earlier.slug}/follow-up")
    assert response.status_code == 302
    slug = response.headers["Location"].split("/staff/walks/")[1].split("/")[0]
    return db.session.scalar(select(Walk).where(Walk.slug == slug))


def test_a_follow_up_walk_copies_route_stops_categories_and_links_back(
        staff_client, earlier, planned) -> None:
    assert planned.previous_walk_id == earlier.id and planned.status == "draft"
    assert planned.title.startswith(earlier.title) and "uppföljning" in planned.title
    assert [(s.seq, s.name, convert.to_geom(s.geom_el).wkt) for s in planned.stops] == [
        (s.seq, s.name, convert.to_geom(s.geom_el).wkt) for s in earlier.stops]
    assert convert.to_geom(planned.route.geom_el).equals(convert.to_geom(earlier.route.geom_el))
    assert [c.code for c in planned.categories] == [c.code for c in earlier.categories]
    assert planned.join_token != earlier.join_token and planned.slug != earlier.slug
    overview = staff_client.get(f"/staff/walks/{planned.slug}").text
    assert "Den här vandringen följer upp" in overview
    assert staff_client.get(f"/staff/walks/{earlier.slug}").text.count("Planera en uppföljningsvandring") == 1


def _join(app, walk: Walk, group: str = "resident"):
    phone = app.test_client()
    phone.post(f"/j/{walk.join_token}", data={"group": group, "language": "sv"})
    return phone


def _check(phone, walk: Walk, earlier_uuid: str, verdict: str, check_uuid: str | None = None, **extra):
    return phone.put(f"/api/v1/walks/{walk.slug}/checks/{check_uuid or uuid.uuid4()}",
                     json={"earlier_finding": earlier_uuid, "verdict": verdict, **extra})


def test_participants_see_the_earlier_findings_and_say_fixed_or_still_a_problem(
        app, earlier, planned) -> None:
    planning.set_status(planned, "open", user_id=None)
    phone = _join(app, planned)
    listed = phone.get(f"/api/v1/walks/{planned.slug}/earlier-findings").get_json()["findings"]
    findings = _earlier_findings(earlier)
    assert [f["uuid"] for f in listed] == [f.uuid for f in findings]
    assert listed[0]["status_label"] == "Klar" and listed[0]["public_answer"] == "Nya LED-armaturer"
    assert listed[3]["status"] is None and listed[3]["status_label"] == "Ingen åtgärd beslutad"
    assert "Intern" not in str(listed) and "note" not in listed[0]  # external audience only

    check_id = str(uuid.uuid4())
    first = _check(phone, planned, findings[0].uuid, "fixed", check_id, note="Mycket ljusare nu")
    assert first.status_code == 201 and first.get_json()["arrival"] == "on_time"
    repeated = _check(phone, planned, findings[0].uuid, "fixed", check_id, note="Mycket ljusare nu")
    assert repeated.status_code == 200
    assert db.session.query(FollowUpCheck).count() == 1  # a retry never duplicates
    changed = _check(phone, planned, findings[0].uuid, "still_problem", check_id)
    assert changed.status_code == 200 and changed.get_json()["verdict"] == "still_problem"
    assert _check(phone, planned, findings[0].uuid, "fixed", check_id).get_json()["verdict"] == "fixed"

    assert _check(phone, planned, findings[0].uuid, "maybe").status_code == 422
    assert _check(phone, planned, str(uuid.uuid4()), "fixed").status_code == 404
    assert phone.put(f"/api/v1/walks/{planned.slug}/checks/not-a-uuid",
                     json={"earlier_finding": findings[0].uuid, "verdict": "fixed"}).status_code == 422
    own = str(uuid.uuid4())  # a finding of the follow-up walk itself is not an earlier finding
    made = phone.put(f"/api/v1/walks/{planned.slug}/findings/{own}",
                     json={"lon": 12.069, "lat": 57.895, "category": "lighting"})
    assert made.status_code == 201
    assert _check(phone, planned, own, "fixed").status_code == 404
    stranger = app.test_client()
    assert _check(stranger, planned, findings[0].uuid, "fixed").status_code == 403
    assert stranger.get(f"/api/v1/walks/{planned.slug}/earlier-findings").status_code == 403


def test_the_comparison_tells_what_was_fixed_broke_again_remains_or_was_not_checked(
        app, staff_client, earlier, planned) -> None:
    planning.set_status(planned, "open", user_id=None)
    resident, police = _join(app, planned, "resident"), _join(app, planned, "police")
    f = _earlier_findings(earlier)
    _check(resident, planned, f[0].uuid, "fixed")           # measure done, confirmed
    _check(police, planned, f[0].uuid, "fixed")
    _check(resident, planned, f[1].uuid, "still_problem", note="Lampan är trasig igen")  # done, broke again
    _check(police, planned, f[2].uuid, "still_problem")     # planned, still a problem
    _check(resident, planned, f[3].uuid, "fixed")           # no measure, fixed by someone else
    # felt safety at the same place: f[0] was answered on the old 3-point scale; now a finding 10 m away says
    # "fairly safe" on the 4-point scale, one 300 m away does not count
    f[0].felt_safety, f[0].felt_safety4 = 1, None
    db.session.commit()
    here = convert.to_point(f[0].geom_el)
    for metres, value in ((10, 3), (300, 1)):
        made = resident.put(f"/api/v1/walks/{planned.slug}/findings/{uuid.uuid4()}", json={
            "lon": here.x + metres / 59_000, "lat": here.y, "category": "lighting",
            "felt_safety": value, "felt_safety_scale": 4})
        assert made.status_code == 201, made.get_json()
    comparison = follow_up.comparison(planned)
    outcomes = {item.finding.id: item.outcome for item in comparison.items}
    assert [outcomes[x.id] for x in f[:4]] == ["fixed_confirmed", "broke_again", "remains", "fixed_by_others"]
    assert all(outcomes[x.id] == "not_checked" for x in f[4:])
    first = next(item for item in comparison.items if item.finding.id == f[0].id)
    assert (first.fixed, first.still, dict(first.groups)) == (2, 0, {"resident": 1, "police": 1})
    assert (first.felt_then, first.felt_now) == ((1, 3), [(3, 4)])
    page = staff_client.get(f"/staff/walks/{planned.slug}/follow-up").text
    assert "Åtgärdat, bekräftat på vandringen: 1" in page and "Lampan är trasig igen" in page
    assert "Åtgärdat, men ett problem igen" in page and "Fortfarande ett problem" in page
    assert "Mycket otryggt (1 av 3) → Ganska tryggt" in page
    protocol = staff_client.get(f"/walks/{planned.slug}/protocol").text  # the follow-up walk's protocol
    assert "Vad det blev av den förra vandringens iakttagelser" in protocol
    assert "Åtgärdat, men ett problem igen" in protocol and "Lampan är trasig igen" in protocol
    assert "Vad det blev av den förra" not in staff_client.get(f"/walks/{earlier.slug}/protocol").text
    assert follow_up.comparison(earlier) is None
    assert "följer inte upp" in staff_client.get(f"/staff/walks/{earlier.slug}/follow-up").text


def test_checks_follow_the_late_sync_rule(app, earlier, planned) -> None:
    planning.set_status(planned, "open", user_id=None)
    phone = _join(app, planned)
    f = _earlier_findings(earlier)
    made_during = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0).isoformat()
    planning.set_status(planned, "walked", user_id=None)
    late = _check(phone, planned, f[0].uuid, "fixed", created_at=made_during)
    assert late.status_code == 201 and late.get_json()["arrival"] == "late"
    after = _check(phone, planned, f[1].uuid, "fixed",
                   created_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert after.get_json()["arrival"] == "after_close"
    counted = {item.finding.id: item.fixed for item in follow_up.comparison(planned).items}
    assert counted[f[0].id] == 1 and counted[f[1].id] == 0  # kept for staff, not counted
