"""Open311 GeoReport v2 read API: JSON valid against the real schemas, XML with the same values,
filters, errors in the Open311 format, and nothing of an unpublished walk exposed."""
from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from shapely.geometry import LineString, Point

from fieldapp.extensions import db
from fieldapp.models import Finding, Measure, Photo, ProtocolVersion, ResponsibleParty, Walk
from fieldapp.services.categories import category_by_code, ensure_default_categories
from fieldapp.services.walks import StopInput, create_walk
from gis import convert
from tests.conftest import REALWORLD

SCHEMAS = REALWORLD / "open311"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

# --- schema validation ------------------------------------------------------------------------

format_checker = FormatChecker()


@format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        raise ValueError(f"not RFC 3339: {value}")
    datetime.fromisoformat(value)
    return True


@format_checker.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


def validator(schema_file: str) -> Draft202012Validator:
    """A validator for one of the Open311 schemas of the extended corpus, with their relative $refs resolved.

    The schemas (open311/schema-validation) carry no licence, so they are not copied into tests/fixtures.
    """
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        for path in SCHEMAS.glob("*.json") if path.name != "swagger.json"
    )
    schema = json.loads((SCHEMAS / schema_file).read_text())
    return Draft202012Validator(schema, registry=registry, format_checker=format_checker)


def assert_valid(schema_file: str, instance: object) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema_file).iter_errors(instance)]
    assert errors == [], errors


# The GeoReport v2 discovery document has no schema among the realworld files; this one follows
# http://wiki.open311.org/Service_Discovery (changeset, contact, key_service, endpoints).
DISCOVERY_SCHEMA = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "format": "date-time"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": {"type": "string", "format": "date-time"},
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"enum": ["application/json", "text/xml"]}},
                },
            },
        },
    },
}


def test_the_schema_check_can_fail(realworld) -> None:
    """The validators reject what a broken endpoint could send (so a green test means something)."""
    bad = [{"service_request_id": 7, "status": "pending", "service_code": "lighting",
            "requested_datetime": "yesterday", "media_url": "not a url"}]
    messages = " ".join(e.message for e in validator("requests.json").iter_errors(bad))
    assert "is not of type 'string'" in messages and "'pending' is not one of" in messages
    assert "yesterday" in messages and "not a url" in messages


# --- data -------------------------------------------------------------------------------------

ROUTE = LineString([(12.0687, 57.8944), (12.0710, 57.8990), (12.0756, 57.8965)])
STOCKHOLM_EVENING = datetime(2026, 10, 21, 17, 30, tzinfo=UTC)


def make_walk(title: str, status: str, *, area: str = "Nödinge centrum") -> Walk:
    """A walk with two stops, in ``status``."""
    ensure_default_categories()
    walk = create_walk(title, route=ROUTE, area_name=area, municipality="Ale kommun", status=status,
                       starts_at=STOCKHOLM_EVENING,
                       stops=[StopInput("Ale torg, entrén", Point(12.0687, 57.8944)),
                              StopInput("Gångtunneln under vägen", Point(12.0710, 57.8990))])
    return walk


def add_finding(walk: Walk, category: str, lon: float, lat: float, *, note: str = "",
                stop_seq: int | None = None, created_at: datetime = STOCKHOLM_EVENING, **extra) -> Finding:
    stop = next((s for s in walk.stops if s.seq == stop_seq), None)
    cat = category_by_code(category)
    finding = Finding(uuid=str(uuid.uuid4()), walk_id=walk.id, geom_el=convert.to_element(Point(lon, lat)),
                      category_id=cat.id, polarity=cat.polarity, note=note, stop_id=stop.id if stop else None,
                      created_at=created_at, received_at=created_at, **extra)
    db.session.add(finding)
    db.session.commit()
    return finding


def mark_published(walk: Walk) -> None:
    """The walk's protocol has a published public version (what makes its requests public)."""
    db.session.add(ProtocolVersion(walk_id=walk.id, audience="public", number=1, html=""))


def party(name: str, **extra) -> ResponsibleParty:
    found = db.session.query(ResponsibleParty).filter_by(name=name).one_or_none()
    if found is None:
        found = ResponsibleParty(name=name, kind="municipal", **extra)
        db.session.add(found)
        db.session.commit()
    return found


def add_measure(finding: Finding, *, responsible: ResponsibleParty | None = None, **values) -> Measure:
    measure = Measure(finding_id=finding.id, responsible_party_id=responsible.id if responsible else None,
                      **values)
    db.session.add(measure)
    db.session.commit()
    return measure


def add_photo(finding: Finding, *, publishable: bool, hidden: bool = False) -> Photo:
    """A photo row (no stored bytes); ``publishable`` rows are approved with a published file."""
    photo = Photo(uuid=str(uuid.uuid4()), finding_id=finding.id, sha256=uuid.uuid4().hex * 2,
                  thumb_sha256=uuid.uuid4().hex * 2, width=1600, height=1200, publishable=publishable,
                  publication="approved" if publishable else "internal",
                  published_sha256=uuid.uuid4().hex * 2 if publishable else None, hidden=hidden)
    db.session.add(photo)
    db.session.commit()
    return photo


@pytest.fixture
def walks(app) -> dict:
    """A published walk with every kind of finding, a closed walk, and two unpublished walks."""
    published = make_walk("Nödinge centrum", "open")
    gatu = party("Ale kommun, gatuenheten")
    bostad = party("Alebyggen")
    lamp = add_finding(published, "lighting", 12.06795, 57.89600, stop_seq=1,
                       note="Två lyktstolpar släckta längs gångvägen.",
                       created_at=datetime(2026, 10, 21, 17, 40, tzinfo=UTC))
    add_photo(lamp, publishable=False)
    hidden_photo = add_photo(lamp, publishable=True, hidden=True)
    lamp_photo = add_photo(lamp, publishable=True)
    lamp_measure = add_measure(lamp, responsible=gatu, proposal="Byt armaturer till LED.", status="planned",
                               deadline=date(2026, 12, 15), priority="high")
    duplicate = add_finding(published, "lighting", 12.06799, 57.89603, note="Trasig lampa.",
                            canonical_id=lamp.id)
    duplicate_measure = add_measure(duplicate, responsible=gatu, proposal="(merged)")
    bushes = add_finding(published, "vegetation", 12.06830, 57.89740,
                         note="Höga buskar skymmer gångvägen.",
                         created_at=datetime(2026, 10, 21, 17, 55, tzinfo=UTC))
    bushes_measure = add_measure(bushes, responsible=bostad, proposal="Klipp ner buskarna.", status="done",
                                 public_answer="Buskarna klipptes i november.",
                                 status_reason="intern anteckning")
    refused = add_finding(published, "graffiti", 12.07110, 57.89905, stop_seq=2, note="Klotter i tunneln.",
                          created_at=datetime(2026, 10, 21, 18, 5, tzinfo=UTC))
    refused_measure = add_measure(refused, proposal="Sanera klotter.", status="rejected",
                                  status_reason="Väggen ägs av Trafikverket.")
    hidden = add_finding(published, "litter", 12.0734, 57.8923, note="dold", hidden=True)
    hidden_measure = add_measure(hidden, proposal="hidden")
    add_finding(published, "transit", 12.06825, 57.89205, note="Inget åtgärdsförslag ännu.")
    mark_published(published)  # published while the walk is still open: publication does not close it

    closed = make_walk("Surte 2025", "open", area="Surte")
    old = add_finding(closed, "walkway", 12.01, 57.82, note="Halt vid regn.",
                      created_at=datetime(2025, 10, 1, 18, 0, tzinfo=UTC))
    old_measure = add_measure(old, responsible=gatu, proposal="Asfaltera om.", status="verified")
    closed.status = "closed"
    mark_published(closed)

    secret = {}
    for status in ("open", "walked", "closed"):  # closed but never published: still not public
        draft = make_walk(f"Ej publicerad {status}", "open", area="Hemligt område")
        finding = add_finding(draft, "lighting", 12.05, 57.90, note="Ska inte synas.")
        secret[status] = add_measure(finding, responsible=gatu, proposal="Hemligt förslag.")
        draft.status = status
    db.session.commit()
    return {
        "lamp": lamp_measure, "lamp_photo": lamp_photo, "hidden_photo": hidden_photo,
        "bushes": bushes_measure,
        "refused": refused_measure, "old": old_measure, "duplicate": duplicate_measure,
        "hidden": hidden_measure, "secret": list(secret.values()),
    }


def xml_items(response, item: str) -> list[dict[str, str]]:
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    return [{child.tag: (child.text or "") for child in element} for element in root.findall(item)]


def ids(response) -> set[str]:
    return {r["service_request_id"] for r in response.get_json()}


# --- discovery and services -------------------------------------------------------------------

def test_discovery_json_and_xml(client) -> None:
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    errors = [e.message for e in Draft202012Validator(DISCOVERY_SCHEMA, format_checker=format_checker)
              .iter_errors(document)]
    assert errors == []
    assert document["endpoints"][0]["url"] == "http://fieldapp.test/open311/v2"
    root = ET.fromstring(client.get("/open311/v2/discovery.xml").data)
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://fieldapp.test/open311/v2"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["application/json", "text/xml"]


def test_services_are_the_categories_in_swedish_or_english(client, app) -> None:
    ensure_default_categories()
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    services = response.get_json()
    by_code = {s["service_code"]: s for s in services}
    assert len(by_code) == 17
    assert by_code["lighting"]["service_name"] == "Belysning"
    assert by_code["lighting"]["metadata"] is False and by_code["lighting"]["type"] == "realtime"
    assert by_code["safe_place"]["group"] == "Trygga platser"
    assert by_code["lighting"]["group"] == "Otrygga platser"
    assert by_code["vegetation"]["keywords"] == "vegetation, buskar och träd, bushes and trees"

    english = {s["service_code"]: s for s in client.get("/open311/v2/services.json?locale=en").get_json()}
    assert english["lighting"]["service_name"] == "Lighting"
    assert english["walkway"]["service_name"] == "Footpath: obstacles, ice"

    xml = {s["service_code"]: s for s in xml_items(client.get("/open311/v2/services.xml"), "service")}
    assert set(xml) == set(by_code)
    assert xml["lighting"]["service_name"] == "Belysning"
    assert xml["lighting"]["metadata"] == "false" and xml["lighting"]["type"] == "realtime"


def test_service_definition_and_unknown_service(client, app) -> None:
    ensure_default_categories()
    definition = client.get("/open311/v2/services/lighting.json")
    assert definition.status_code == 200
    assert definition.get_json() == {"service_code": "lighting", "attributes": []}
    root = ET.fromstring(client.get("/open311/v2/services/lighting.xml").data)
    assert root.tag == "service_definition" and root.findtext("service_code") == "lighting"

    unknown = client.get("/open311/v2/services/no-such-thing.json")
    assert unknown.status_code == 404
    assert unknown.get_json()[0]["code"] == 404 and "no-such-thing" in unknown.get_json()[0]["description"]
    unknown_xml = client.get("/open311/v2/services/no-such-thing.xml")
    assert unknown_xml.status_code == 404
    assert ET.fromstring(unknown_xml.data).findtext("error/code") == "404"


def test_unknown_format_is_an_open311_error(client) -> None:
    response = client.get("/open311/v2/services.csv")
    assert response.status_code == 404
    assert response.get_json()[0]["code"] == 404 and ".json" in response.get_json()[0]["description"]


def test_responses_match_the_georeport_v2_schemas(client, walks, realworld) -> None:
    """services, a service definition, the request list and one request, against open311/schema-validation."""
    assert_valid("services.json", client.get("/open311/v2/services.json").get_json())
    assert_valid("service-definition.json", client.get("/open311/v2/services/lighting.json").get_json())
    requests = client.get("/open311/v2/requests.json").get_json()
    assert len(requests) == 4
    assert_valid("requests.json", requests)
    one = client.get(f"/open311/v2/requests/{walks['lamp'].id}.json").get_json()
    assert_valid("requests.json", one)
    assert_valid("request.json", one[0])


# --- service requests -------------------------------------------------------------------------

def test_requests_are_the_published_measures(client, walks) -> None:
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    requests = response.get_json()
    expected = {walks[k].id for k in ("lamp", "bushes", "refused", "old")}
    assert ids(response) == {str(i) for i in expected}
    # newest first
    assert [r["service_request_id"] for r in requests] == [
        str(walks[k].id) for k in ("refused", "bushes", "lamp", "old")]

    by_id = {r["service_request_id"]: r for r in requests}
    lamp = by_id[str(walks["lamp"].id)]
    assert lamp["status"] == "open"
    assert lamp["service_code"] == "lighting" and lamp["service_name"] == "Belysning"
    assert lamp["agency_responsible"] == "Ale kommun, gatuenheten"
    assert lamp["service_notice"] == "Byt armaturer till LED."
    assert lamp["description"] == "Två lyktstolpar släckta längs gångvägen."
    assert lamp["address"] == "Ale torg, entrén, Nödinge centrum"
    assert Point(lamp["long"], lamp["lat"]).distance(Point(12.06795, 57.89600)) < 1e-7
    assert datetime.fromisoformat(lamp["requested_datetime"]) == datetime(2026, 10, 21, 17, 40, tzinfo=UTC)
    assert lamp["requested_datetime"].endswith("+02:00")  # Swedish summer time on 21 October
    assert lamp["expected_datetime"].startswith("2026-12-15T23:59:59")
    assert datetime.fromisoformat(lamp["updated_datetime"]).tzinfo is not None
    assert lamp["media_url"] == f"http://fieldapp.test/photos/{walks['lamp_photo'].uuid}/display.jpg"
    assert lamp["status_notes"] is None

    bushes = by_id[str(walks["bushes"].id)]
    assert bushes["status"] == "closed" and bushes["status_notes"] == "Buskarna klipptes i november."
    assert bushes["address"] == "Nödinge centrum" and bushes["media_url"] is None
    refused = by_id[str(walks["refused"].id)]
    assert refused["status"] == "closed" and refused["status_notes"] == "Väggen ägs av Trafikverket."
    assert refused["agency_responsible"] is None and refused["expected_datetime"] is None
    assert by_id[str(walks["old"].id)]["status"] == "closed"


def test_requests_xml_carries_the_same_values(client, walks) -> None:
    as_json = {r["service_request_id"]: r for r in client.get("/open311/v2/requests.json").get_json()}
    response = client.get("/open311/v2/requests.xml")
    assert ET.fromstring(response.data).tag == "service_requests"
    as_xml = {r["service_request_id"]: r for r in xml_items(response, "request")}
    assert set(as_xml) == set(as_json)
    for request_id, item in as_json.items():
        for key, value in item.items():
            expected = "" if value is None else str(value)
            if key in ("lat", "long"):
                assert float(as_xml[request_id][key]) == value
            else:
                assert as_xml[request_id][key] == expected, (request_id, key)


def test_one_request_by_id(client, walks) -> None:
    lamp_id = walks["lamp"].id
    response = client.get(f"/open311/v2/requests/{lamp_id}.json")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body) == 1
    assert body[0]["service_request_id"] == str(lamp_id) and body[0]["status"] == "open"
    items = xml_items(client.get(f"/open311/v2/requests/{lamp_id}.xml"), "request")
    assert [i["service_request_id"] for i in items] == [str(lamp_id)]
    assert items[0]["agency_responsible"] == "Ale kommun, gatuenheten"


@pytest.mark.parametrize("which", ["duplicate", "hidden", "secret", "garbage", "huge", "unicode-digit"])
def test_unknown_request_ids_are_open311_404s(client, walks, which) -> None:
    request_id = {"duplicate": str(walks["duplicate"].id), "hidden": str(walks["hidden"].id),
                  "secret": str(walks["secret"][0].id), "garbage": "abc", "huge": "9" * 30,
                  "unicode-digit": "²"}[which]
    response = client.get(f"/open311/v2/requests/{request_id}.json")
    assert response.status_code == 404
    assert response.get_json() == [{"code": 404, "description": response.get_json()[0]["description"]}]
    assert request_id in response.get_json()[0]["description"]
    xml = client.get(f"/open311/v2/requests/{request_id}.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.data).findtext("error/code") == "404"


def test_unpublished_walks_are_not_exposed(client, walks) -> None:
    text = client.get("/open311/v2/requests.json").text + client.get("/open311/v2/requests.xml").text
    assert "Hemligt" not in text and "Ska inte synas" not in text
    secret_ids = ",".join(str(m.id) for m in walks["secret"])
    assert client.get(f"/open311/v2/requests.json?service_request_id={secret_ids}").get_json() == []


# --- filters ----------------------------------------------------------------------------------

def test_filter_by_ids_overrides_the_other_filters(client, walks) -> None:
    wanted = f"{walks['lamp'].id}, {walks['old'].id},{walks['duplicate'].id},nope"
    response = client.get(f"/open311/v2/requests.json?service_request_id={wanted}&status=closed"
                          "&service_code=graffiti")
    assert ids(response) == {str(walks["lamp"].id), str(walks["old"].id)}


def test_filter_by_service_code_and_status(client, walks) -> None:
    assert ids(client.get("/open311/v2/requests.json?service_code=lighting")) == {str(walks["lamp"].id)}
    assert ids(client.get("/open311/v2/requests.json?service_code=lighting,walkway")) == {
        str(walks["lamp"].id), str(walks["old"].id)}
    assert ids(client.get("/open311/v2/requests.json?status=open")) == {str(walks["lamp"].id)}
    assert ids(client.get("/open311/v2/requests.json?status=closed")) == {
        str(walks[k].id) for k in ("bushes", "refused", "old")}
    assert len(ids(client.get("/open311/v2/requests.json?status=open,closed"))) == 4
    assert ids(client.get("/open311/v2/requests.json?service_code=nothing")) == set()
    assert [r["service_request_id"] for r in xml_items(
        client.get("/open311/v2/requests.xml?status=open"), "request")] == [str(walks["lamp"].id)]


def test_filter_by_dates(client, walks) -> None:
    # 19:50 Swedish summer time = 17:50 UTC: between the lamp (17:40 UTC) and the bushes (17:55 UTC)
    after = client.get("/open311/v2/requests.json?start_date=2026-10-21T19:50:00%2B02:00")
    assert ids(after) == {str(walks["bushes"].id), str(walks["refused"].id)}
    before = client.get("/open311/v2/requests.json?end_date=2026-10-21T17:50:00Z")
    assert ids(before) == {str(walks["lamp"].id), str(walks["old"].id)}
    window = client.get("/open311/v2/requests.json?start_date=2026-10-21T17:50:00Z"
                        "&end_date=2026-10-21T18:00:00Z")
    assert ids(window) == {str(walks["bushes"].id)}
    date_only = client.get("/open311/v2/requests.json?start_date=2026-01-01")
    assert str(walks["old"].id) not in ids(date_only) and len(ids(date_only)) == 3


@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2026-13-01", "status=pending",
                                   "start_date=2026-10-22&end_date=2026-10-01"])
def test_bad_filters_are_open311_400s(client, walks, query) -> None:
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and error["description"]
    xml = client.get(f"/open311/v2/requests.xml?{query}")
    assert xml.status_code == 400 and ET.fromstring(xml.data).findtext("error/code") == "400"
