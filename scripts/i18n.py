"""Keep the sv/en catalogs in step with the code: extract, update, fill, compile.

Usage: .venv/bin/python scripts/i18n.py
Swedish translations live in fieldapp/translations/sv/LC_MESSAGES/messages.po. New ones may be dropped as
JSON objects {"English msgid": "svensk text"} (a plural: {"English singular": ["en form", "andra formen"]})
into fieldapp/translations/pending/*.json: they are merged into
the catalog (so several people can add strings without editing the same .po), then the .mo files are compiled.
English needs no translations (msgids are English). Prints the Swedish msgids still untranslated.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "fieldapp" / "translations"
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]


def run(*args: str) -> None:
    subprocess.run([*PYBABEL, *args], check=True, cwd=ROOT, capture_output=True)  # noqa: S603 - fixed argv


def main() -> int:
    pot = TRANSLATIONS / "messages.pot"
    run("extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "-k", "N_", "--no-location",
        "--sort-output", "-o", str(pot), "fieldapp", "gis")
    run("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")
    pending: dict[str, str] = {}
    for file in sorted((TRANSLATIONS / "pending").glob("*.json")):
        pending.update(json.loads(file.read_text(encoding="utf-8")))
    po_path = TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f, locale="sv")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in pending:
            # a plural message takes a JSON list of its Swedish forms (one, other)
            if isinstance(message.id, str):
                message.string = pending[key]
            elif isinstance(pending[key], list):
                message.string = tuple(pending[key])
        if not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with po_path.open("wb") as f:
        write_po(f, catalog, width=110, omit_header=False, no_location=True)
    run("compile", "-d", str(TRANSLATIONS))
    for key in missing:
        print(f"untranslated (sv): {key!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
