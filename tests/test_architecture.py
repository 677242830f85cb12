"""docs/ARCHITECTURE.md names real files: every backticked project path it mentions exists."""
from __future__ import annotations

import re

from tests.conftest import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "ARCHITECTURE.md"
# A backticked token that starts with a top-level folder of the project and names a file or a folder.
PATH = re.compile(r"`((?:fieldapp|gis|tests|bench|docs|scripts)/[^`\s]*)`")


def named_paths(text: str) -> list[str]:
    return PATH.findall(text)


def test_every_named_path_exists() -> None:
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 40  # the map really names modules
    missing = [p for p in paths if not (PROJECT_ROOT / p).exists()]
    assert missing == [], f"docs/ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_python_package_is_in_the_module_map() -> None:
    text = DOC.read_text(encoding="utf-8")
    packages = sorted(p.parent.relative_to(PROJECT_ROOT).as_posix() + "/"
                      for p in (PROJECT_ROOT / "fieldapp").glob("*/__init__.py"))
    assert packages
    assert [p for p in packages if f"`{p}`" not in text] == []


def test_the_check_can_fail() -> None:
    assert named_paths("see `fieldapp/no_such_module.py` and `gis/routes.py`") == [
        "fieldapp/no_such_module.py", "gis/routes.py"]
    assert not (PROJECT_ROOT / "fieldapp/no_such_module.py").exists()
