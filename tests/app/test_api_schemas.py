"""The field API's response schemas type every member (GeoJSON geometry and each property), match what the
services return, and so make schemathesis' conformance check (test_api_fuzz.py) catch a wrong response."""
from __future__ import annotations

import copy
import uuid

import pytest
import schemathesis
from flask import Flask

from fieldapp.api import schemas
from fieldapp.services import findings as finding_service
from fieldapp.services import walks as walk_service
from fieldapp.services.demo import DEMO_SLUG, seed_demo

JSON_KINDS = {"string", "number", "integer", "boolean", "array", "object"}


@pytest.fixture
def joined(app: Flask):
    """A participant of the demo walk with a finding of their own; returns (client, walk, finding uuid)."""
    walk = seed_demo().walk
    client = app.test_client()
    assert client.post(f"/j/{walk.join_token}", data={"group": "resident"}).status_code == 302
    finding_uuid = str(uuid.uuid4())
    body = {"lon": 12.069, "lat": 57.895, "category": "lighting", "felt_safety": 2, "lighting_check": "out"}
    assert client.put(f"/api/v1/walks/{DEMO_SLUG}/findings/{finding_uuid}", json=body).status_code == 201
    return client, walk, finding_uuid


def untyped_members(schema: dict, components: dict, where: str, seen: set[str]) -> list[str]:
    """Paths of response members with no type: a bare {} or an object without declared properties."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return untyped_members(components[name], components, name, seen)
    for combined in ("oneOf", "anyOf"):  # anyOf: a nullable reference, [{"$ref"}, {"type": "null"}]
        if combined in schema:
            return [p for i, option in enumerate(schema[combined])
                    for p in untyped_members(option, components, f"{where}|{i}", seen)]
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    if kinds == ["null"]:
        return []
    real = [kind for kind in kinds if kind != "null"]
    if len(real) != 1 or real[0] not in JSON_KINDS:
        return [where]
    kind = real[0]
    if kind == "array":
        return untyped_members(schema.get("items", {}), components, f"{where}[]", seen)
    if kind == "object":
        properties = schema.get("properties")
        if not properties:
            return [where]
        return [p for name, member in properties.items()
                for p in untyped_members(member, components, f"{where}.{name}", seen)]
    return []


def test_every_member_of_every_success_response_is_typed(client) -> None:
    document = client.get("/api/openapi.json").get_json()
    components = document["components"]["schemas"]
    checked, untyped = [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if not status.startswith("2") or not content:
                    continue
                checked.append(f"{method.upper()} {path} {status}")
                untyped += untyped_members(content["schema"], components, f"{method} {path}", set())
    assert len(checked) >= 6, checked
    assert untyped == []
    finding = components["FindingOut"]
    geometry = components[finding["properties"]["geometry"]["$ref"].rsplit("/", 1)[-1]]
    assert geometry["properties"]["type"]["enum"] == ["Point"]


def test_declared_properties_are_exactly_what_the_services_return(app, joined) -> None:
    """flask-smorest dumps through the schemas: an undeclared key would silently vanish from the API."""
    client, walk, finding_uuid = joined
    finding = next(f for f in finding_service.visible_findings(walk) if f.uuid == finding_uuid)
    feature = finding_service.finding_feature(finding)
    assert set(feature) == set(schemas.FindingOutSchema().fields)
    # the API adds whether the finding is the asker's own
    assert {*feature["properties"], "mine"} == set(schemas.FindingPropertiesSchema().fields)
    walk_data = walk_service.walk_map_data(walk)
    assert set(walk_data) == set(schemas.WalkSchema().fields)
    assert set(walk_data["route"]) == set(schemas.RouteFeatureSchema().fields)
    assert set(walk_data["route"]["properties"]) == set(schemas.RoutePropertiesSchema().fields)
    stop = walk_data["stops"]["features"][0]
    assert set(stop) == set(schemas.StopFeatureSchema().fields)
    assert set(stop["properties"]) == set(schemas.StopPropertiesSchema().fields)
    assert set(walk_data["categories"][0]) == set(schemas.CategorySchema().fields)

    listed = client.get(f"/api/v1/walks/{DEMO_SLUG}/findings").get_json()["features"]
    ours = next(f for f in listed if f["id"] == finding_uuid)
    assert ours["properties"] == {**feature["properties"], "mine": True}  # nothing lost on the way out
    assert ours["geometry"] == feature["geometry"]
    assert client.get(f"/api/v1/walks/{DEMO_SLUG}").get_json() == walk_data


def tampered(body: dict, change) -> dict:  # noqa: ANN001 - a function that edits the copy
    copy_ = copy.deepcopy(body)
    change(copy_)
    return copy_


WRONG_FINDING_LISTS = {
    "polygon geometry": lambda b: b["features"][0]["geometry"].update(type="Polygon"),
    "coordinates as text": lambda b: b["features"][0]["geometry"].update(coordinates="12.07 57.89"),
    "felt safety as text": lambda b: b["features"][0]["properties"].update(felt_safety="2"),
    "unknown position source": lambda b: b["features"][0]["properties"].update(position_source="teleport"),
    "missing arrival": lambda b: b["features"][0]["properties"].pop("arrival"),
    "photo without url": lambda b: b["features"][0]["properties"]["photos"].append({"uuid": "x"}),
    "mine as text": lambda b: b["features"][0]["properties"].update(mine="yes"),
}


@pytest.mark.parametrize("wrong", sorted(WRONG_FINDING_LISTS))
def test_the_conformance_check_catches_a_wrong_response(app, joined, wrong) -> None:
    client, _walk, _finding = joined
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema["/api/v1/walks/{slug}/findings"]["GET"]
    real = client.get(f"/api/v1/walks/{DEMO_SLUG}/findings")
    assert operation.is_valid_response(_response(real.get_json()))
    assert not operation.is_valid_response(_response(tampered(real.get_json(), WRONG_FINDING_LISTS[wrong])))


def _response(body: dict):  # noqa: ANN202 - schemathesis' Response
    import json

    from schemathesis.core.transport import Response

    return Response(status_code=200, headers={"content-type": ["application/json"]},
                    content=json.dumps(body).encode(), request=None, elapsed=0.0, verify=False)
