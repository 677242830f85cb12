"""Shared test options and the two kinds of test material.

``--require-backends`` (or FIELDAPP_REQUIRE_BACKENDS=1; CI sets it) turns an unreachable backend into a
failure.

Test material: ``tests/fixtures/`` is in the repository and every test that needs a photo or GPX file uses it.
The larger real-world corpus (``../shared/realworld``, or FIELDAPP_REALWORLD_DIR) is an extra run: tests that
take the ``realworld`` fixture are deselected when it is absent, with one summary line saying how many; under
``--require-backends`` its absence fails them, naming the missing directory.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.realworld import realworld_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
REALWORLD = realworld_dir()

_DESELECTED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-backends",
        action="store_true",
        default=False,
        help="fail (instead of skip) when SpatiaLite, PostGIS, Redis, Chromium or the real-world corpus "
        "is not available; CI sets this (or FIELDAPP_REQUIRE_BACKENDS=1)",
    )


def backends_required(config: pytest.Config) -> bool:
    """True under --require-backends or FIELDAPP_REQUIRE_BACKENDS=1."""
    return bool(config.getoption("--require-backends")) or os.environ.get("FIELDAPP_REQUIRE_BACKENDS") == "1"


def skip_or_fail(config: pytest.Config, reason: str) -> None:
    """Skip locally; fail under --require-backends (CI)."""
    if backends_required(config):
        pytest.fail(f"required backend unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the corpus (and not in CI) the tests that need it are not run: deselected and counted."""
    if REALWORLD.is_dir() or backends_required(config):
        return
    needing = [item for item in items if "realworld" in getattr(item, "fixturenames", ())]
    if needing:
        config.hook.pytest_deselected(items=needing)
        items[:] = [item for item in items if "realworld" not in getattr(item, "fixturenames", ())]
    config.stash[_DESELECTED] = len(needing)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    not_run = config.stash.get(_DESELECTED, 0)
    if not_run:
        terminalreporter.write_line(f"extended corpus {REALWORLD} not found: {not_run} tests not run "
                                    "(set FIELDAPP_REALWORLD_DIR or put shared/realworld beside the clone)")


@pytest.fixture(scope="session")
def realworld(pytestconfig: pytest.Config) -> Path:
    """The real-world corpus directory; a test taking this fixture is part of the extended run."""
    if not REALWORLD.is_dir():
        pytest.fail(f"extended corpus {REALWORLD} not found (required by --require-backends / "
                    "FIELDAPP_REQUIRE_BACKENDS=1); set FIELDAPP_REALWORLD_DIR", pytrace=False)
    return REALWORLD
