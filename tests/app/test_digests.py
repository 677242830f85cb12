"""The weekly digest per responsible party, through the real job queue and a real SMTP server."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Finding, Measure, ResponsibleParty
from fieldapp.services import digests
from fieldapp.services.demo import seed_demo

TODAY = date(2026, 11, 30)  # a Monday


@pytest.fixture
def parties(app) -> dict[str, ResponsibleParty]:
    walk = seed_demo().walk
    findings = list(db.session.scalars(
        select(Finding).where(Finding.walk_id == walk.id).order_by(Finding.id)))
    findings[0].internal_note = "Intern: budgeten räcker inte"
    gata = ResponsibleParty(name="Gatuenheten", email="gata@ale.se")
    bostad = ResponsibleParty(name="Alebyggen", email="")  # no address: no mail
    park = ResponsibleParty(name="Parkenheten", email="park@ale.se")  # nothing to report
    db.session.add_all([gata, bostad, park])
    db.session.flush()
    this_week = datetime(2026, 11, 27, 9, tzinfo=UTC)
    long_ago = this_week - timedelta(days=60)
    db.session.add_all([
        Measure(finding_id=findings[0].id, responsible_party_id=gata.id, proposal="Byt armaturen",
                deadline=date(2026, 12, 20), created_at=this_week),
        Measure(finding_id=findings[1].id, responsible_party_id=gata.id, proposal="Gallra häcken",
                deadline=date(2026, 11, 1), created_at=long_ago, status="planned"),
        Measure(finding_id=findings[2].id, responsible_party_id=gata.id, deadline=date(2026, 10, 1),
                created_at=long_ago, status="done"),
        Measure(finding_id=findings[3].id, responsible_party_id=bostad.id, created_at=this_week),
        Measure(finding_id=findings[4].id, responsible_party_id=park.id, created_at=long_ago,
                deadline=date(2027, 5, 1)),
    ])
    db.session.commit()
    return {"gata": gata, "bostad": bostad, "park": park}


def test_each_party_gets_its_new_and_overdue_measures_once_a_week(app, parties, mailbox, worker) -> None:
    assert digests.send_weekly_digests(TODAY) == 1
    worker.run_until_idle()
    [mail] = mailbox.wait_for(1)
    assert mail["To"] == "gata@ale.se"
    assert mail["Subject"] == "Trygghetsvandringar: 1 ny åtgärd och 1 försenad för Gatuenheten"
    body = mail.get_content()
    assert "Byt armaturen" in body and "Gallra häcken" in body
    assert body.index("Byt armaturen") < body.index("Gallra häcken")  # new first, then overdue
    assert "Intern" not in body and "budgeten" not in body  # external audience
    assert digests.send_weekly_digests(TODAY + timedelta(days=2)) == 0  # the same week: nothing again
    worker.run_until_idle()
    assert len(mailbox.messages) == 1
    assert digests.send_weekly_digests(TODAY + timedelta(days=7)) == 1  # next week: overdue again
    weeks = {p.name: p.digest_week for p in db.session.scalars(select(ResponsibleParty))}
    assert weeks == {"Gatuenheten": TODAY + timedelta(days=7), "Parkenheten": TODAY + timedelta(days=7),
                     "Alebyggen": None}


def test_the_worker_sends_the_digest_on_monday_mornings(app) -> None:
    from fieldapp.jobs import huey_for

    [task] = [t for t in huey_for(app)._registry.periodic_tasks if t.name == "send_weekly_digests"]
    assert task.validate_datetime(datetime(2026, 11, 30, 5, 0))  # Monday 05:00 UTC
    assert not task.validate_datetime(datetime(2026, 12, 1, 5, 0))  # Tuesday
    assert not task.validate_datetime(datetime(2026, 11, 30, 6, 0))
