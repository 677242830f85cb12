"""Reproducible installs: the hashed lock files match pyproject.toml (review item: reproducible installs)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("fieldapp_lock", ROOT / "scripts" / "lock.py")
lock = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = lock
_spec.loader.exec_module(lock)


def _lock_texts() -> dict[str, str]:
    return {t.filename: (ROOT / "requirements" / t.filename).read_text() for t in lock.TARGETS}


def test_reproducible_installs_lock_matches_pyproject():
    assert lock.problems(lock.read_pyproject(), _lock_texts()) == []


def test_reproducible_installs_every_locked_line_has_hashes():
    for text in _lock_texts().values():
        _, pins = lock.parse_lock(text)
        assert pins and all(has_hash for _, has_hash in pins.values())


def test_reproducible_installs_new_dependency_without_relock_is_caught():
    pyproject = copy.deepcopy(lock.read_pyproject())
    pyproject["project"]["dependencies"].append("zzz-not-locked>=1")
    found = lock.problems(pyproject, _lock_texts())
    assert any("other dependency lists" in p for p in found)
    assert any("zzz-not-locked is not pinned" in p for p in found)


def test_reproducible_installs_pin_outside_range_is_caught():
    pyproject = lock.read_pyproject()
    texts = _lock_texts()
    _, pins = lock.parse_lock(texts["run.txt"])
    version = pins["flask"][0]
    forged = texts["run.txt"].replace(f"flask=={version} ", "flask==2.0.0 ")
    found = lock.problems(pyproject, {**texts, "run.txt": forged})
    assert found == ["Flask==2.0.0 in requirements/run.txt is outside <3.2,>=3.1"]


def test_reproducible_installs_missing_hash_is_caught():
    pyproject = lock.read_pyproject()
    texts = _lock_texts()
    stripped = "\n".join(line for line in texts["test.txt"].splitlines() if "--hash=" not in line)
    found = lock.problems(pyproject, {**texts, "test.txt": stripped})
    assert "Flask has no --hash in requirements/test.txt" in found
