"""Finding validation is defined once (fieldapp/finding_rules.py): every consumer accepts exactly its values.

Each allowed value and one value just outside are sent through the three consumers: the API schema
(``FindingInSchema``), the service (``save_finding``) and the migrated database's CHECK constraints.
"""
from __future__ import annotations

import uuid

import marshmallow as ma
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fieldapp import finding_rules as rules
from fieldapp.api.schemas import FindingInSchema
from fieldapp.errors import ValidationError
from fieldapp.extensions import db
from fieldapp.models import Finding
from fieldapp.services.demo import DEMO_SLUG, seed_demo
from fieldapp.services.findings import FindingInput, save_finding
from fieldapp.services.walks import walk_by_slug

BASE = {"lon": 12.0690, "lat": 57.8950, "category": "lighting"}

# (field, allowed values from the rules, a value outside them)
ENUMS = [
    ("polarity", rules.POLARITIES, "neutral"),
    ("position_source", rules.POSITION_SOURCES, "wifi"),
    ("lighting_check", rules.LIGHTING_CHECKS, "dim"),
]
# (felt_safety, felt_safety_scale, accepted?)
FELT = [
    *((v, s, True) for s in rules.FELT_SAFETY_SCALES for v in rules.felt_safety_points(s)),
    *((s + 1, s, False) for s in rules.FELT_SAFETY_SCALES),
    (0, max(rules.FELT_SAFETY_SCALES), False),
    (1, max(rules.FELT_SAFETY_SCALES) + 1, False),
    (None, max(rules.FELT_SAFETY_SCALES), False),
]


def schema_accepts(body: dict) -> bool:
    try:
        FindingInSchema().load({**BASE, **body})
    except ma.ValidationError:
        return False
    return True


def service_accepts(walk, body: dict) -> bool:  # noqa: ANN001 - a Walk
    try:
        save_finding(walk, str(uuid.uuid4()), FindingInput(**{**BASE, **body}))
    except ValidationError:
        db.session.rollback()
        return False
    return True


def database_accepts(finding_id: int, column_values: dict) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(sa.update(Finding).where(Finding.id == finding_id).values(**column_values)
                               .execution_options(synchronize_session=False))
    except IntegrityError:
        return False
    return True


@pytest.fixture
def walk(app):
    seed_demo()
    return walk_by_slug(DEMO_SLUG)


@pytest.fixture
def stored(walk) -> int:
    return save_finding(walk, str(uuid.uuid4()), FindingInput(**BASE)).finding.id


@pytest.mark.parametrize(("field", "allowed", "outside"), ENUMS)
def test_coded_values_are_the_same_in_schema_service_and_database(walk, stored, field, allowed,
                                                                   outside) -> None:
    for value in allowed:
        assert schema_accepts({field: value}), value
        assert service_accepts(walk, {field: value}), value
        assert database_accepts(stored, {field: value}), value
    assert not schema_accepts({field: outside})
    assert not service_accepts(walk, {field: outside})
    assert not database_accepts(stored, {field: outside})


@pytest.mark.parametrize(("value", "scale", "accepted"), FELT)
def test_felt_safety_fits_its_scale_in_schema_service_and_database(walk, stored, value, scale,
                                                                    accepted) -> None:
    body = {"felt_safety": value, "felt_safety_scale": scale}
    assert schema_accepts(body) is accepted
    assert service_accepts(walk, body) is accepted
    if scale in rules.FELT_SAFETY_COLUMNS and value is not None:  # the database stores it in its column
        assert database_accepts(stored, {rules.FELT_SAFETY_COLUMNS[scale]: value}) is accepted


def test_an_answer_without_scale_is_the_legacy_scale_everywhere(walk, stored) -> None:
    legacy = rules.LEGACY_FELT_SAFETY_SCALE
    assert schema_accepts({"felt_safety": legacy}) and not schema_accepts({"felt_safety": legacy + 1})
    assert not service_accepts(walk, {"felt_safety": legacy + 1})
    result = save_finding(walk, str(uuid.uuid4()), FindingInput(**BASE, felt_safety=2))
    assert result.finding.felt == (2, legacy)
    assert getattr(result.finding, rules.FELT_SAFETY_COLUMNS[legacy]) == 2


def test_the_database_refuses_two_answers_on_different_scales(stored) -> None:
    both = {column: 1 for column in rules.FELT_SAFETY_COLUMNS.values()}
    assert not database_accepts(stored, both)


def test_limits_are_the_same_in_schema_and_service(walk) -> None:
    longest = "x" * rules.NOTE_MAX_CHARS
    assert schema_accepts({"note": longest}) and service_accepts(walk, {"note": longest})
    assert not schema_accepts({"note": longest + "x"})
    assert not service_accepts(walk, {"note": longest + "x"})
    assert schema_accepts({"accuracy_m": rules.ACCURACY_MAX_M})
    assert service_accepts(walk, {"accuracy_m": rules.ACCURACY_MAX_M})
    assert not schema_accepts({"accuracy_m": rules.ACCURACY_MAX_M + 1})
    assert not service_accepts(walk, {"accuracy_m": rules.ACCURACY_MAX_M + 1})


def test_model_checks_are_the_rules(app) -> None:
    table_checks = [c for c in Finding.__table__.constraints if isinstance(c, sa.CheckConstraint)]
    checks = {c.name: str(c.sqltext) for c in table_checks}
    assert {name: checks[name] for name in rules.FINDING_CHECKS} == rules.FINDING_CHECKS


@pytest.mark.parametrize(("category", "felt", "polarity"), [
    ("lighting", (4, 4), "safe"), ("lighting", (3, 4), "safe"), ("lighting", (2, 4), "unsafe"),
    ("safe_place", (1, 4), "unsafe"), ("safe_place", None, "safe"), ("lighting", None, "unsafe"),
    ("lighting", (3, 3), "unsafe"),  # the 3-point scale asked only how unsafe a place felt
])
def test_polarity_follows_the_felt_answer_else_the_category(walk, category, felt, polarity) -> None:
    value, scale = felt or (None, None)
    finding = save_finding(walk, str(uuid.uuid4()), FindingInput(
        lon=12.069, lat=57.895, category=category, felt_safety=value, felt_safety_scale=scale)).finding
    assert finding.polarity == polarity
    assert rules.polarity_of(felt, finding.category.polarity) == polarity
