"""The docs and the house rules that keep the code readable: links and anchors resolve, the
layout page names every module, no module is over 400 lines, no import circle, and each
Makefile help line sits above its own target. The README's examples run in
tests/test_readme.py and tests/service/test_api.py."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
# Code packages whose modules docs/layout.md names; pipeline/ and workers/ keep them small.
LAYOUT_PACKAGES = ("pipeline", "workers", "calibrate", "bench")
SMALL_PACKAGES = ("pipeline", "workers")
MAX_MODULE_LINES = 400
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*)$")
FENCE = re.compile(r"^(```|~~~)")


def _prose_lines(path: Path) -> Iterator[str]:
    """The lines of a Markdown file outside fenced code blocks."""
    fenced = False
    for line in path.read_text().splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
        elif not fenced:
            yield line


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in _prose_lines(path):
        match = HEADING.match(line)
        if match:
            base = anchor(match.group(1))
            # Repeated headings get -1, -2, ... as on GitHub.
            name, count = base, 1
            while name in found:
                name, count = f"{base}-{count}", count + 1
            found.add(name)
    return found


@pytest.mark.parametrize("page", DOCS, ids=lambda path: path.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for line in _prose_lines(page):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            path_part, _, fragment = target.partition("#")
            resolved = (page.parent / path_part).resolve() if path_part else page
            if not resolved.exists():
                broken.append(f"{target}: no {resolved.relative_to(REPOSITORY)}")
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                broken.append(f"{target}: no heading #{fragment}")
    assert not broken, broken


def test_the_anchor_rule_is_githubs() -> None:
    heading = "Detection (`python -m bench.detection`, also in `bench.accuracy` key `detection`)"
    assert (
        anchor(heading) == "detection-python--m-benchdetection-also-in-benchaccuracy-key-detection"
    )


def _modules(package: str) -> list[Path]:
    return sorted(
        path
        for path in (REPOSITORY / package).rglob("*.py")
        if "migrations" not in path.parts and path.name != "__init__.py"
    )


def test_the_layout_page_names_every_module() -> None:
    layout = (REPOSITORY / "docs" / "layout.md").read_text()
    names = set(re.findall(r"[\w/]+\.py", layout))
    missing = [
        str(path.relative_to(REPOSITORY))
        for package in LAYOUT_PACKAGES
        for path in _modules(package)
        if path.name not in names and path.name != "__main__.py"
    ]
    assert not missing, f"docs/layout.md does not name {missing}"
    # And names nothing that is gone.
    existing = {path.name for package in LAYOUT_PACKAGES for path in _modules(package)}
    existing |= {path.name for path in (REPOSITORY / "deploy").glob("*.py")}
    existing |= {"__init__.py", "__main__.py", "backends.py", "support.py"}
    gone = sorted(name for name in names if Path(name).name not in existing)
    assert not gone, f"docs/layout.md names modules that do not exist: {gone}"


def test_no_module_of_the_runtime_is_over_the_limit() -> None:
    long = {
        str(path.relative_to(REPOSITORY)): lines
        for package in SMALL_PACKAGES
        for path in _modules(package)
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"over {MAX_MODULE_LINES} lines: {long}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPOSITORY).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (TYPE_CHECKING imports included: a circle
    of types is still a circle of concepts)."""
    paths = {
        _module_name(path): path
        for package in SMALL_PACKAGES
        for path in (REPOSITORY / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                graph[name] |= {alias.name for alias in node.names if alias.name in paths}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    if target in paths:
                        graph[name].add(target)
                    elif base in paths:
                        graph[name].add(base)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_one() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_each_makefile_help_line_sits_above_its_target() -> None:
    lines = (REPOSITORY / "Makefile").read_text().splitlines()
    misplaced = [
        line
        for line, after in zip(lines, [*lines[1:], ""], strict=True)
        if line.startswith("## ") and not re.match(r"^[a-z][a-z-]*:", after)
    ]
    assert not misplaced, misplaced
    documented = {
        after.split(":")[0] for line, after in itertools.pairwise(lines) if line.startswith("## ")
    }
    phony = set(next(line for line in lines if line.startswith(".PHONY:")).split()[1:])
    assert phony <= documented, f"targets without a help line: {phony - documented}"
