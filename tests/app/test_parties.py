"""Responsible parties: organizers manage them, admins keep the API keys; service codes; "Test connection"."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from fieldapp import secret_box
from fieldapp.errors import Forbidden
from fieldapp.extensions import db
from fieldapp.models import PartyServiceCode, ResponsibleParty
from fieldapp.services import open311_connection, responsible_parties
from fieldapp.services.categories import DEFAULT_CATEGORIES, category_by_code, ensure_default_categories
from fieldapp.services.responsible_parties import PartyInput
from tests.open311_server import Open311Server, running_open311_server

KEY = "a-long-open311-key-1234"


@pytest.fixture
def server() -> Iterator[Open311Server]:
    with running_open311_server(api_key=KEY, jurisdiction_id="ale.se",
                                service_codes={c[0] for c in DEFAULT_CATEGORIES}) as running:
        yield running


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())


def party_named(name: str) -> ResponsibleParty:
    db.session.expire_all()
    return db.session.scalar(sa.select(ResponsibleParty).where(ResponsibleParty.name == name))


def test_an_organizer_creates_edits_and_deactivates_a_party_with_an_open311_endpoint(staff_client) -> None:
    created = staff_client.post("/staff/parties", data={"name": "Gatuenheten", "kind": "municipal",
                                                        "email": "gata@ale.se", "active": "y"})
    assert created.status_code == 302
    party = party_named("Gatuenheten")
    page = staff_client.get(f"/staff/parties/{party.id}")
    assert page.status_code == 200 and "Testa anslutningen" in page.text
    assert 'name="open311_api_key"' not in page.text and "Bara en administratör kan ange en." in text(page)

    form = {"name": "Gatuenheten", "kind": "municipal", "email": "gata@ale.se",
            "open311_endpoint": "https://open311.ale.se/v2", "open311_jurisdiction": "ale.se"}  # active off
    assert staff_client.post(f"/staff/parties/{party.id}", data=form).status_code == 302
    party = party_named("Gatuenheten")
    assert party.open311_endpoint == "https://open311.ale.se/v2" and party.open311_jurisdiction == "ale.se"
    assert party.active is False  # deactivated
    listing = text(staff_client.get("/staff/parties"))
    assert "Gatuenheten" in listing and "Ansluten" in listing

    # A key in the posted form is not taken from an organizer (the page does not even offer the field).
    staff_client.post(f"/staff/parties/{party.id}", data={**form, "open311_api_key": KEY})
    assert party_named("Gatuenheten").open311_api_key_encrypted is None


def test_only_an_admin_sets_the_key_and_then_the_endpoint_is_theirs(app, staff_client) -> None:
    party = responsible_parties.create_party(PartyInput("Gatuenheten", open311_endpoint="https://a.ale.se/v2"))
    with pytest.raises(Forbidden):
        responsible_parties.update_party(party, PartyInput("Gatuenheten", open311_endpoint="https://a.ale.se/v2",
                                                           open311_api_key=KEY))
    responsible_parties.update_party(party, PartyInput("Gatuenheten", open311_endpoint="https://a.ale.se/v2",
                                                       open311_api_key=KEY), admin=True)
    assert secret_box.decrypt(party.open311_api_key_encrypted) == KEY
    with pytest.raises(Forbidden, match="administratör"):  # the key would go to the new address
        responsible_parties.update_party(party, PartyInput("Gatuenheten", open311_endpoint="https://evil.test/v2"))
    with pytest.raises(Forbidden):
        responsible_parties.update_party(party, PartyInput("Gatuenheten", open311_endpoint="https://a.ale.se/v2",
                                                           remove_open311_api_key=True))

    page = staff_client.get(f"/staff/parties/{party.id}")
    assert "readonly" in page.text and "https://a.ale.se/v2" in page.text and KEY not in page.text
    # The organizer still edits the rest; a changed endpoint in the post does not move the stored one.
    response = staff_client.post(f"/staff/parties/{party.id}", data={
        "name": "Gatuenheten Ale", "kind": "municipal", "active": "y", "open311_endpoint": "https://evil.test/v2"})
    assert response.status_code == 302
    party = party_named("Gatuenheten Ale")
    assert party.open311_endpoint == "https://a.ale.se/v2" and party.open311_api_key_encrypted


def test_a_refused_party_form_comes_back_with_the_input_and_a_message_at_the_field(staff_client) -> None:
    responsible_parties.create_party(PartyInput("Alebyggen", "housing_company"))
    clash = staff_client.post("/staff/parties", data={"name": "alebyggen", "kind": "housing_company"})
    assert clash.status_code == 422
    assert 'value="alebyggen"' in clash.text and "Det finns redan en ansvarig med det namnet." in clash.text
    assert 'aria-invalid="true"' in clash.text


def test_service_codes_per_category_win_over_the_default_and_bad_ones_are_refused(staff_client) -> None:
    ensure_default_categories()
    party = responsible_parties.create_party(PartyInput("Gatuenheten"))
    lighting, litter = category_by_code("lighting"), category_by_code("litter")
    assert responsible_parties.service_code_for(party, lighting) == "lighting"  # the category's default

    saved = staff_client.post(f"/staff/parties/{party.id}/service-codes",
                              data={f"code-{lighting.id}": "GATUBELYSNING", f"code-{litter.id}": ""})
    assert saved.status_code == 302
    assert responsible_parties.service_code_for(party, lighting) == "GATUBELYSNING"
    assert responsible_parties.service_code_for(party, litter) == "litter"
    assert 'value="GATUBELYSNING"' in staff_client.get(f"/staff/parties/{party.id}").text

    refused = staff_client.post(f"/staff/parties/{party.id}/service-codes",
                                data={f"code-{lighting.id}": "gatu belysning", f"code-{litter.id}": "skrap"})
    assert refused.status_code == 422
    assert 'value="gatu belysning"' in refused.text and "inga mellanslag" in refused.text
    assert f'id="code-{lighting.id}-error"' in refused.text
    assert responsible_parties.service_code_for(party, litter) == "litter"  # nothing saved

    staff_client.post(f"/staff/parties/{party.id}/service-codes", data={f"code-{lighting.id}": ""})
    assert db.session.scalar(sa.select(sa.func.count(PartyServiceCode.id))) == 0  # emptied: default again


def test_test_connection_lists_the_services_and_flags_unknown_codes(staff_client, server) -> None:
    ensure_default_categories()
    party = responsible_parties.create_party(PartyInput("Gatuenheten", open311_endpoint=server.url,
                                                        open311_jurisdiction="ale.se"))
    server.service_codes.discard("graffiti")
    page = staff_client.post(f"/staff/parties/{party.id}/open311/test")
    assert page.status_code == 200
    shown = text(page)
    assert "Anslutningen fungerar." in shown and "Servern listar 16 tjänster." in shown
    assert "<code>lighting</code>" in page.text
    assert re.search(r'<input checked[^>]*name="active"', page.text)  # the form shows the stored values
    assert "1 kategori skulle skickas med en kod som servern inte listar: Klotter: graffiti" in shown
    assert server.received == []  # nothing sent


@pytest.mark.parametrize("answer, expected", [
    ("401", "Servern nekade åtkomst (HTTP 401)."),
    ("html", "Adressen svarar, men inte som en Open311 GeoReport v2-server: Serverns svar är inte JSON."),
])
def test_test_connection_explains_refusal_and_non_open311(staff_client, server, answer, expected) -> None:
    party = responsible_parties.create_party(PartyInput("Gatuenheten", open311_endpoint=server.url))
    server.services_answer = answer
    shown = text(staff_client.post(f"/staff/parties/{party.id}/open311/test"))
    assert "Ingen anslutning." in shown and expected in shown


def test_connection_problems_are_named(app, server) -> None:
    party = responsible_parties.create_party(PartyInput("Gatuenheten", open311_endpoint=server.url))
    server.services_answer = "hang"
    slow = open311_connection.check_connection(party, timeout=0.5)
    assert slow.problem == "timeout" and slow.message.startswith("Inget svar inom 0.5 s.")

    server.services_answer = None
    party.open311_endpoint = server.url.replace("http://", "https://")  # TLS to a plain-HTTP port
    tls = open311_connection.check_connection(party)
    assert tls.problem == "tls" and "TLS" in tls.message and "certifikat" in tls.message

    party.open311_endpoint = server.url + "/nothing-here"
    missing = open311_connection.check_connection(party)
    assert missing.problem == "http" and "HTTP 404" in missing.message

    party.open311_endpoint = None
    assert open311_connection.check_connection(party).problem == "not_configured"
