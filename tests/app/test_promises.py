"""Citizen promises (medborgarlöften): staff make one from measures of any walks; the public page."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import CitizenPromise, Finding, Measure
from fieldapp.services.demo import seed_demo


def _measures() -> list[Measure]:
    walk = seed_demo().walk
    findings = list(db.session.scalars(
        select(Finding)
        .where(Finding.walk_id == walk.id, Finding.hidden.is_(False), Finding.canonical_id.is_(None))
        .order_by(Finding.id)))
    findings[0].internal_note = "Intern: kostar 400 000 kr"
    measures = [
        Measure(finding_id=findings[0].id, status="done", public_answer="Nya LED-lampor i tunneln"),
        Measure(finding_id=findings[1].id, status="planned", proposal="Gallra buskarna"),
        Measure(finding_id=findings[2].id, status="rejected", status_reason="Trafikverkets mark"),
        Measure(finding_id=findings[3].id, status="new"),
    ]
    db.session.add_all(measures)
    db.session.commit()
    return measures


def test_staff_make_a_promise_choose_measures_and_publish_it(app, client, staff_client) -> None:
    measures = _measures()
    bad = staff_client.post("/staff/promises", data={"title": "Tryggare Nödinge", "starts_on": "2026-12-01",
                                                     "ends_on": "2026-01-01"})
    assert bad.status_code == 422 and "sluta efter" in bad.text and 'value="Tryggare Nödinge"' in bad.text
    made = staff_client.post("/staff/promises", data={
        "title": "Tryggare Nödinge", "area_name": "Nödinge", "starts_on": "2026-12-01",
        "ends_on": "2027-11-30", "description": "Polis och kommun lovar ljusare gångvägar."})
    assert made.status_code == 302
    promise = db.session.scalar(select(CitizenPromise))
    assert promise.slug == "tryggare-nodinge-2026"
    assert client.get(f"/promises/{promise.slug}").status_code == 404  # not public yet
    refused = staff_client.post(f"/staff/promises/{promise.slug}/publication", data={"publish": "1"})
    assert refused.status_code == 422  # nothing to show yet

    chosen = staff_client.post(f"/staff/promises/{promise.slug}/measures",
                               data={"measure": [str(m.id) for m in measures]})
    assert chosen.status_code == 302
    page = staff_client.get(f"/staff/promises/{promise.slug}").text
    assert "1 av 4 åtgärder klara" in page and "Publicera löftet" in page
    choose = f"/staff/promises/{promise.slug}/measures"
    assert staff_client.post(choose, data={"measure": ["x"]}).status_code == 422
    assert staff_client.post(choose, data={"measure": ["999999"]}).status_code == 422

    publication = f"/staff/promises/{promise.slug}/publication"
    assert staff_client.post(publication, data={"publish": "1"}).status_code == 302
    public = client.get(f"/promises/{promise.slug}")
    assert public.status_code == 200
    text = public.text
    assert "Tryggare Nödinge" in text and "1 av 4 åtgärder klara" in text
    assert "Nya LED-lampor i tunneln" in text and "Inte möjlig" in text and "Pågår" in text
    assert "Intern" not in text and "400 000" not in text
    assert "Trafikverkets mark" in text  # why a measure is not possible is public, as in the protocol
    assert "Gallra buskarna" not in text  # the internal proposal is not the public answer

    index = client.get("/feedback").text  # residents find it from the public index
    assert "Medborgarlöften" in index and f"/promises/{promise.slug}" in index

    measures[1].status = "done"  # the page reads the measures live: no republishing
    db.session.commit()
    assert "2 av 4 åtgärder klara" in client.get(f"/promises/{promise.slug}").text

    assert staff_client.post(publication, data={"publish": "0"}).status_code == 302
    assert client.get(f"/promises/{promise.slug}").status_code == 404
    assert f"/promises/{promise.slug}" not in client.get("/feedback").text


def test_promises_are_staff_pages(client) -> None:
    assert client.get("/staff/promises").status_code == 302
