"""Text that people type, cleaned once at the edge (API schemas and staff forms) and made safe in writers.

``clean_text`` is the one rule for input: C0 control characters other than tab and newline (carriage
returns included, so CRLF becomes LF), DEL and lone UTF-16 surrogates are removed. Writers of XML and
spreadsheets call ``xml_safe`` as well, so a value stored before this rule existed cannot break a file.
"""
from __future__ import annotations

import re

# C0 controls except \t (0x09) and \n (0x0a); DEL; lone surrogates (cannot be encoded as UTF-8).
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# What XML 1.0 does not allow (C0 controls but tab, newline, CR; surrogates; U+FFFE/U+FFFF), and DEL.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """``value`` without control characters (tab and newline kept) and without lone surrogates."""
    return _UNWANTED.sub("", value)


def xml_safe(value: str) -> str:
    """``value`` with every character XML 1.0 forbids removed (for KML, Open311 XML, XLSX cells)."""
    return _NOT_XML.sub("", value)


def plain_int(text: str, max_digits: int = 12) -> int | None:
    """``text`` as a non-negative integer when it is only ASCII digits ('²' and '٣' are digits to Python)."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


def has_lone_surrogate(value: str) -> bool:
    """Whether ``value`` holds half of a UTF-16 pair (JSON's "\\ud800"), which no text encoding can store."""
    return any("\ud800" <= ch <= "\udfff" for ch in value)
