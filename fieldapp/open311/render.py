"""Render GeoReport v2 payloads as JSON or XML, and errors in the Open311 error format."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from flask import Response

from fieldapp.text import xml_safe

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}

# GeoReport v2 XML: the element name used for each item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))  # ElementTree escapes markup but writes control characters as they are


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            _append(element, ITEM_NAMES.get(name, "item"), item)
    else:
        element.text = _xml_text(value)


def to_xml(root_name: str, payload: Mapping | Sequence) -> bytes:
    """``payload`` as a GeoReport v2 XML document whose root element is ``root_name``.

    A list becomes one child per item (``services`` → ``service``…); a dict becomes one child per
    key; ``None`` becomes an empty element.
    """
    root = ET.Element(root_name)
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            _append(root, key, value)
    else:
        for item in payload:
            _append(root, ITEM_NAMES[root_name], item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, root_name: str, payload: Mapping | Sequence, status: int = 200) -> Response:
    """A JSON or XML response; ``root_name`` names the XML root element."""
    if fmt == "xml":
        body = to_xml(root_name, payload)
    else:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def error(fmt: str, status: int, description: str) -> Response:
    """An Open311 error: ``[{"code": 404, "description": "..."}]`` (XML: ``<errors><error>``)."""
    payload = [{"code": status, "description": description}]
    return respond(fmt if fmt in FORMATS else "json", "errors", payload, status=status)
