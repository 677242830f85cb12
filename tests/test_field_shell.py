"""The field page's JavaScript: every module is in the service worker's app shell (a page opened offline
imports all of them), and production code carries no benchmark hooks."""
from __future__ import annotations

import re

from tests.conftest import PROJECT_ROOT

FIELD_JS = PROJECT_ROOT / "fieldapp" / "static" / "js" / "field"
WALK_PAGE = PROJECT_ROOT / "fieldapp" / "templates" / "field" / "walk.html"


def shell_files() -> set[str]:
    source = (FIELD_JS / "sw.js").read_text(encoding="utf-8")
    listed = re.search(r"const SHELL_FILES = \[(.*?)\];", source, re.S).group(1)
    return set(re.findall(r'"(/static/[^"]+)"', listed))


def test_every_field_module_and_vendored_file_of_the_page_is_precached() -> None:
    modules = {f"/static/js/field/{p.name}" for p in FIELD_JS.glob("*.js") if p.name != "sw.js"}
    page = WALK_PAGE.read_text(encoding="utf-8")
    vendored = {f"/static/{name}" for name in re.findall(r"filename='(vendor/[^']+)'", page)}
    assert vendored, "the field page loads vendored files"
    assert modules | vendored <= shell_files(), sorted((modules | vendored) - shell_files())


def test_imports_between_field_modules_name_existing_files() -> None:
    for module in FIELD_JS.glob("*.js"):
        for target in re.findall(r'from "\./([^"]+)"', module.read_text(encoding="utf-8")):
            assert (FIELD_JS / target).exists(), (module.name, target)


def test_no_benchmark_hook_in_the_field_page() -> None:
    for module in FIELD_JS.glob("*.js"):
        text = module.read_text(encoding="utf-8")
        # timings for benchmarks are taken by the benchmark from outside (bench/field_page.py)
        assert "performance.now()" not in text and "document.body.dataset" not in text, module.name


def _static_imports(relative: str, seen: list[str]) -> list[str]:
    """The module and everything it imports statically (not ``import()``), depth first, once each."""
    if relative in seen:
        return seen
    seen.append(relative)
    static = (PROJECT_ROOT / "fieldapp" / "static").resolve()
    path = static / relative
    source = path.read_text(encoding="utf-8")
    for target in re.findall(r'^\s*import\s+(?:[^"\']*?from\s+)?"([^"]+)"', source, re.M):
        _static_imports((path.parent / target).resolve().relative_to(static).as_posix(), seen)
    return seen


def test_the_page_preloads_the_whole_module_graph_of_the_first_tap() -> None:
    """A module the first tap needs but the page does not preload costs another round trip (2 s on slow 3G);
    a preloaded module nothing imports is wasted bytes."""
    graph = set(_static_imports("js/field/main.js", []))
    page = WALK_PAGE.read_text(encoding="utf-8")
    block = re.search(r'\{% for module in \[(.*?)\] %\}', page, re.S).group(1)
    preloaded = set(re.findall(r'"([^"]+)"', block))
    assert preloaded == graph, {"missing": sorted(graph - preloaded), "unused": sorted(preloaded - graph)}
    assert "js/field/map.js" not in graph  # Leaflet's map comes after the page is usable (early.js)
