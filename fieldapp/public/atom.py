"""A minimal Atom 1.0 (RFC 4287) writer: one feed with its entries, as UTF-8 XML bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    summary: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    author: str
    self_link: str
    alternate_link: str
    updated: datetime
    language: str
    entries: list[Entry]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    element.text = text
    return element


def render(feed: Feed) -> bytes:
    """The feed document (entries in the order given, newest first by convention)."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": feed.language})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", _stamp(feed.updated))
    author = ET.SubElement(root, f"{{{ATOM_NS}}}author")
    _text(author, "name", feed.author)
    ET.SubElement(root, f"{{{ATOM_NS}}}link", {"rel": "self", "type": MIMETYPE, "href": feed.self_link})
    ET.SubElement(root, f"{{{ATOM_NS}}}link", {"rel": "alternate", "type": "text/html",
                                               "href": feed.alternate_link})
    for item in feed.entries:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", item.id)
        _text(entry, "title", item.title)
        _text(entry, "updated", _stamp(item.updated))
        ET.SubElement(entry, f"{{{ATOM_NS}}}link",
                      {"rel": "alternate", "type": "text/html", "href": item.link})
        _text(entry, "summary", item.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
