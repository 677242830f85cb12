"""Lock fieldapp's Python dependencies with hashes, and check that the lock matches pyproject.toml.

    python scripts/lock.py compile   # (= `make lock`) resolve pyproject.toml into requirements/*.txt
    python scripts/lock.py check     # fail when pyproject.toml changed since the lock was compiled

Each lock file starts with the sha256 of the dependency lists it was compiled from (runtime dependencies, the
[test] extra, the build-system requirements and requires-python), so `check` notices any edit of those lists,
and it also verifies that every requirement of pyproject.toml is pinned with hashes at a version its range
allows.
Compiling needs `uv` (`make lock` installs it into the venv); checking needs only `packaging`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess  # nosec B404 - runs uv, a fixed program, with fixed arguments
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK_DIR = ROOT / "requirements"
HASH_LINE = "# pyproject-sha256: "
REFRESH = "make lock"


@dataclass(frozen=True)
class LockTarget:
    """One lock file: which optional extras of pyproject.toml it includes."""

    filename: str
    extras: tuple[str, ...]


TARGETS = (LockTarget("run.txt", ()), LockTarget("test.txt", ("test",)))


def dependency_lists(pyproject: dict) -> dict:
    """The parts of pyproject.toml that a lock depends on."""
    project = pyproject["project"]
    return {
        "requires-python": project.get("requires-python", ""),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
        "build-system": pyproject.get("build-system", {}).get("requires", []),
    }


def pyproject_digest(pyproject: dict) -> str:
    """sha256 of the dependency lists, independent of formatting and comments."""
    canonical = json.dumps(dependency_lists(pyproject), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_pyproject(path: Path = ROOT / "pyproject.toml") -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def required(pyproject: dict, target: LockTarget) -> list[Requirement]:
    """The requirements a lock target must pin: runtime + its extras + build-system requirements."""
    lists = dependency_lists(pyproject)
    specs = list(lists["dependencies"]) + list(lists["build-system"])
    for extra in target.extras:
        specs += lists["optional-dependencies"].get(extra, [])
    return [Requirement(s) for s in specs]


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def parse_lock(text: str) -> tuple[str | None, dict[str, tuple[Version, bool]]]:
    """(recorded digest, {canonical name: (pinned version, has hashes)}) of a lock file's text."""
    digest = None
    pins: dict[str, tuple[Version, bool]] = {}
    entries: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith(HASH_LINE):
            digest = line[len(HASH_LINE):].strip()
        elif line and not line[0].isspace() and not line.startswith("#"):
            entries.append([line])
        elif entries and line.strip().startswith("--hash="):
            entries[-1].append(line)
    for entry in entries:
        match = _PIN.match(entry[0])
        if match:
            pins[canonicalize_name(match.group(1))] = (Version(match.group(2)), len(entry) > 1)
    return digest, pins


def problems(pyproject: dict, lock_texts: dict[str, str]) -> list[str]:
    """Why the lock files do not match pyproject.toml (empty when they do)."""
    found: list[str] = []
    digest = pyproject_digest(pyproject)
    for target in TARGETS:
        text = lock_texts.get(target.filename)
        if text is None:
            found.append(f"requirements/{target.filename} is missing")
            continue
        recorded, pins = parse_lock(text)
        if recorded != digest:
            found.append(f"requirements/{target.filename} was compiled from other dependency lists "
                         f"than pyproject.toml has now")
        for req in required(pyproject, target):
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            pin = pins.get(canonicalize_name(req.name))
            if pin is None:
                found.append(f"{req.name} is not pinned in requirements/{target.filename}")
            elif not req.specifier.contains(pin[0], prereleases=True):
                found.append(f"{req.name}=={pin[0]} in requirements/{target.filename} "
                             f"is outside {req.specifier}")
            elif not pin[1]:
                found.append(f"{req.name} has no --hash in requirements/{target.filename}")
    return found


def check() -> int:
    texts = {t.filename: (LOCK_DIR / t.filename).read_text()
             for t in TARGETS if (LOCK_DIR / t.filename).exists()}
    found = problems(read_pyproject(), texts)
    for line in found:
        print(f"lock: {line}", file=sys.stderr)
    if found:
        print(f"lock: refresh it with `{REFRESH}` and commit requirements/", file=sys.stderr)
        return 1
    print("lock: requirements/*.txt match pyproject.toml")
    return 0


def compile_locks() -> int:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    pyproject = read_pyproject()
    digest = pyproject_digest(pyproject)
    LOCK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build_in = Path(tmp) / "build.in"
        build_in.write_text("\n".join(dependency_lists(pyproject)["build-system"]) + "\n")
        for target in TARGETS:
            out = Path(tmp) / target.filename
            cmd = [uv, "pip", "compile", str(ROOT / "pyproject.toml"), str(build_in),
                   "--generate-hashes", "--universal", "--no-header", "--no-annotate", "--quiet",
                   "--output-file", str(out)]
            for extra in target.extras:
                cmd += ["--extra", extra]
            subprocess.run(cmd, check=True, cwd=ROOT)  # noqa: S603  # nosec B603 - fixed arguments
            header = (f"# Locked dependencies of fieldapp{''.join(f' [{e}]' for e in target.extras)}, "
                      f"with hashes. Do not edit: refresh with `{REFRESH}`.\n"
                      f"# Install: pip install --require-hashes -r requirements/{target.filename} "
                      f"&& pip install --no-deps --no-build-isolation -e .\n"
                      f"{HASH_LINE}{digest}\n")
            (LOCK_DIR / target.filename).write_text(header + out.read_text())
            print(f"lock: wrote requirements/{target.filename}")
    return check()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command not in {"compile", "check"}:
        sys.exit(f"usage: {sys.argv[0]} compile|check")
    sys.exit(compile_locks() if command == "compile" else check())
