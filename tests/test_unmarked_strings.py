"""Every user-facing string is marked for translation: a test that fails on an unmarked one.

Python (AST of fieldapp/): messages given to domain errors, ``flash``, WTForms field labels and validator
messages must be ``_l``/``gettext``/``N_`` calls (a plain or f-string literal fails). Templates: text between
tags and the ``title``, ``aria-label``, ``placeholder`` and ``alt`` attributes must come from ``{{ _() }}``.
What is not language (symbols, brand names, codes) is in the explicit allow-lists below.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "fieldapp"
ERRORS = {"DomainError", "NotFound", "Forbidden", "Conflict", "ValidationError", "PhotoError", "FieldError",
          "StopValidation"}
FIELDS = {"StringField", "TextAreaField", "EmailField", "PasswordField", "BooleanField", "SelectField",
          "SelectMultipleField", "MultiCheckboxField", "IntegerField", "FloatField", "DateField", "TimeField",
          "FileField", "DecimalField", "RadioField", "HiddenField"}
VALIDATORS = {"DataRequired", "InputRequired", "Length", "NumberRange", "URL", "Email", "FileRequired",
              "Optional", "Regexp", "FileAllowed"}
# Text in templates that is not language.
TEMPLATE_TEXT_OK = {"fieldapp", "·", "–", "—", "×", "←", "→", "↑", "↓", "✓", "⚑", "|", "/", ":", "(", ")",
                    "%",
                    "km", "m", "Open311", "QR", "PDF", "CSV", "XLSX", "GeoJSON", "GeoPackage", "KML", "ZIP",
                    "English", "Svenska", "OpenStreetMap", "Leaflet", "WGS 84", "SWEREF 99 TM",
                    "· fieldapp",  # the product name after the page title
                    "field-page", "protocol-page", "invitation-page",  # CSS class names given by a block
                    "N",  # the north arrow on a map
                    "PDF: %",  # a progress figure
                    "#1b5e8c"}  # an example colour code (admin: municipality settings)
COMMANDS = ("fieldapp ",)  # command lines shown to GIS staff are not translated
TEMPLATE_FILES_OK = {"protocol/_document.html"}  # rendered by the exports engineer's protocol, checked there


def _is_literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value.strip()) \
        or isinstance(node, ast.JoinedStr)


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def python_findings() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            candidates: list[ast.AST] = []
            if name in ERRORS or name == "flash":
                candidates = node.args[:1]
            elif name in FIELDS:
                named = [k.value for k in node.keywords if k.arg in ("label", "description")]
                candidates = node.args[:1] + named
            elif name in VALIDATORS:
                candidates = [k.value for k in node.keywords if k.arg == "message"]
                if name in ("DataRequired", "InputRequired", "FileRequired", "Optional"):
                    candidates += node.args[:1]
            for arg in candidates:
                if _is_literal(arg):
                    text = ast.unparse(arg)[:70]
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({text})")
    return found


EXPRESSION = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
ATTRIBUTE = re.compile(r'\b(title|aria-label|placeholder|alt)="([^"]*)"')


def template_findings() -> list[str]:
    found = []
    templates = APP / "templates"
    for path in sorted(templates.rglob("*.html")):
        rel = str(path.relative_to(templates))
        if rel in TEMPLATE_FILES_OK:
            continue
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
        for match in ATTRIBUTE.finditer(source):
            value = match.group(2)
            if value.strip() and "{{" not in value and value not in TEMPLATE_TEXT_OK:
                found.append(f"{rel}: {match.group(1)}=\"{match.group(2)}\"")
        plain = EXPRESSION.sub(" ", source)
        plain = re.sub(r"<[^>]*>", "\n", plain)
        plain = re.sub(r"&[a-z]+;|&#\d+;", " ", plain)
        for line in plain.splitlines():
            text = " ".join(line.split())
            if text.startswith(COMMANDS) or text in TEMPLATE_TEXT_OK:
                continue
            if re.search(r"[A-Za-zÅÄÖåäö]", text):
                found.append(f"{rel}: text {text[:70]!r}")
    return found


def test_python_messages_are_marked_for_translation() -> None:
    found = python_findings()
    assert not found, f"{len(found)} unmarked user-facing strings in Python:\n" + "\n".join(found)


def test_template_text_is_marked_for_translation() -> None:
    found = template_findings()
    assert not found, f"{len(found)} unmarked user-facing strings in templates:\n" + "\n".join(found)
