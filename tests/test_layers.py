"""The package's layering, read from the source (nothing is imported or run).

Every ``import`` statement counts, those inside functions and under
``TYPE_CHECKING`` too: a cycle there is still a change that ripples back. Importing
``a.b.c`` is counted as an import of ``a.b.c`` only, not of its parent packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autodeep"
FRAMEWORKS = ("tensorflow", "jax", "torch")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The autodeep modules and the top-level outside packages ``path`` imports."""
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from a import b``: b may be a submodule of a or a name in it.
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in modules
                else node.module
                for alias in node.names
            ]
        for name in names:
            if name.split(".")[0] == "autodeep":
                inside.add(name)
            else:
                outside.add(name.split(".")[0])
    return inside, outside


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    graph, outside = {}, {}
    for name, path in modules.items():
        inside, outside[name] = _imports(path, modules)
        graph[name] = {m for m in inside if m in modules and m != name}
    return graph, outside


def test_no_import_cycle_inside_the_package():
    graph, _ = _graph()
    assert len(graph) > 40  # the package was found and read
    assert _cycles(graph) == []


def test_only_the_backend_imports_a_framework():
    _, outside = _graph()
    offenders = {
        name: sorted(set(FRAMEWORKS) & imported)
        for name, imported in outside.items()
        if set(FRAMEWORKS) & imported and not name.startswith("autodeep._backend")
    }
    assert offenders == {}
    # The check sees framework imports where they are.
    assert "tensorflow" in outside["autodeep._backend.tensorflow"]


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
