"""Measures: proposal, owner, priority, deadline, the status lifecycle with reasons, and the history."""

from __future__ import annotations

import uuid

import pytest
from shapely.geometry import LineString

from fieldapp.services.categories import ensure_default_categories
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.responsible_parties import PartyInput, create_party
from fieldapp.services.walks import create_walk


@pytest.fixture
def finding_url(app):
    ensure_default_categories()
    walk = create_walk("Åtgärder", route=LineString([(12.069, 57.894), (12.071, 57.896)]), status="open")
    finding = save_finding(
        walk, str(uuid.uuid4()), FindingInput(lon=12.07, lat=57.895, category="lighting", note="Släckt lampa")
    ).finding
    return f"/staff/walks/{walk.slug}/findings/{finding.uuid}"


def test_assign_measure_change_status_and_see_history(staff_client, finding_url) -> None:
    tech = create_party(PartyInput("Tekniska förvaltningen", "municipal", "teknik@ale.se"))
    bostad = create_party(PartyInput("Alebyggen", "housing_company"))
    response = staff_client.post(
        f"{finding_url}/measure",
        data={
            "measure-proposal": "Byt armatur",
            "measure-responsible_party": str(tech.id),
            "measure-priority": "high",
            "measure-deadline": "2026-11-30",
            "measure-public_answer": "",
        },
    )
    assert response.status_code == 302
    page = staff_client.get(finding_url).text
    assert "Åtgärden skapades" in page and "Tekniska förvaltningen" in page and "prioritet: Hög" in page

    for status in ("assessed", "sent", "planned", "done", "verified"):
        assert (
            staff_client.post(f"{finding_url}/measure/status", data={"status-status": status}).status_code
            == 302
        )
    page = staff_client.get(finding_url).text
    assert 'id="measure-status">Verifierad<' in page
    assert page.count("Status ändrad") == 5
    assert "Planerad → Klar" in page

    # The action list shows it, most urgent first.
    walk_slug = finding_url.split("/")[3]
    listing = staff_client.get(f"/staff/walks/{walk_slug}/measures").text
    assert "Byt armatur" in listing and "2026-11-30" in listing and "Verifierad" in listing
    assert bostad.name not in listing


def test_rejected_and_referred_need_a_reason(staff_client, finding_url) -> None:
    other = create_party(PartyInput("Trafikverket", "trafikverket"))
    staff_client.post(
        f"{finding_url}/measure", data={"measure-proposal": "Röj sly", "measure-priority": "normal"}
    )
    refused = staff_client.post(f"{finding_url}/measure/status", data={"status-status": "rejected"})
    assert refused.status_code == 422 and "Ange ett skäl" in refused.text
    referred = staff_client.post(
        f"{finding_url}/measure/status",
        data={
            "status-status": "referred",
            "status-reason": "Statlig väg",
            "status-responsible_party": str(other.id),
        },
    )
    assert referred.status_code == 302
    page = staff_client.get(finding_url).text
    assert "Hänvisad" in page and "Statlig väg" in page and "ny ansvarig: Trafikverket" in page
    not_offered = staff_client.post(f"{finding_url}/measure/status", data={"status-status": "done"})
    assert not_offered.status_code == 422
    # One label for the status everywhere (fieldapp/labels.py): the pages say what the exports say.
    assert 'id="measure-status">Hänvisad till annan ägare<' in staff_client.get(finding_url).text


def test_status_without_measure_and_bad_priority_are_refused(staff_client, finding_url) -> None:
    assert (
        staff_client.post(f"{finding_url}/measure/status", data={"status-status": "sent"}).status_code == 409
    )
    bad = staff_client.post(
        f"{finding_url}/measure", data={"measure-proposal": "x", "measure-priority": "urgent"}
    )
    assert bad.status_code == 422
