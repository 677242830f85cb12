"""Every user-facing string has a Swedish translation and the compiled catalogs match the sources."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "fieldapp" / "translations"


def catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def test_every_message_is_translated_to_swedish() -> None:
    untranslated = [m.id for m in catalog("sv") if m.id and not m.string]
    assert untranslated == []


def test_catalog_covers_every_message_in_the_template() -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template_ids = {m.id for m in read_po(f) if m.id}
    assert template_ids <= {m.id for m in catalog("sv") if m.id}


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_compiled_catalog_is_up_to_date(locale: str) -> None:
    buffer = BytesIO()
    write_mo(buffer, catalog(locale))
    compiled = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert buffer.getvalue() == compiled, "run: .venv/bin/python scripts/i18n.py"


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """Strings added to code or templates were extracted (run scripts/i18n.py)."""
    import subprocess
    import sys

    root = TRANSLATIONS.parent.parent
    out = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k",
                    "lazy_gettext", "-k", "_l", "-k", "N_", "--no-location", "-o", str(out),
                    "fieldapp", "gis"],
                   check=True, cwd=root, capture_output=True)
    with out.open("rb") as f:
        fresh = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        committed = {m.id for m in read_po(f) if m.id}
    assert fresh == committed, "run: .venv/bin/python scripts/i18n.py"


def test_pending_translation_files_agree_with_each_other() -> None:
    """Several people add strings in their own pending file; one English text gets one Swedish text
    (a second file giving "Open" another meaning would silently change every other page using it)."""
    import json

    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for file in sorted((TRANSLATIONS / "pending").glob("*.json")):
        for msgid, text in json.loads(file.read_text(encoding="utf-8")).items():
            if msgid in seen and seen[msgid][1] != text:
                first_file, first_text = seen[msgid]
                clashes.append(f"{msgid!r}: {first_file} says {first_text!r}, {file.name} says {text!r}")
            seen.setdefault(msgid, (file.name, text))
    assert clashes == []
