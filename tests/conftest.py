"""Shared test options: --require-backends turns an unreachable database backend into a failure."""
from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REALWORLD = PROJECT_ROOT.parent / "shared" / "realworld"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-backends",
        action="store_true",
        default=False,
        help="fail (instead of skip) when SpatiaLite or PostGIS is not available; CI sets this",
    )


def skip_or_fail(config: pytest.Config, reason: str) -> None:
    """Skip locally; fail under --require-backends (CI)."""
    if config.getoption("--require-backends"):
        pytest.fail(f"required backend unavailable: {reason}", pytrace=False)
    pytest.skip(reason)
