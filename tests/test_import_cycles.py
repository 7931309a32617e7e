"""No import cycles between the modules of geo/ and criteria/.

Every import counts, also one inside a function (a lazy import still closes a cycle when it
runs); imports under ``if TYPE_CHECKING:`` do not, as they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "criteria")


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, *, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ``known`` that the import statements of the tree load.

    ``from p import x`` loads the module ``p.x`` when there is one, else takes the name ``x``
    from the package ``p`` itself.
    """
    found: set[str] = set()
    skipped = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for stmt in node.body
        for child in ast.walk(stmt)
    }
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join([*base, *([node.module] if node.module else [])])
            else:
                stem = node.module or ""
            found.update(
                f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in known else stem
                for alias in node.names
            )
    return found & known


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> nx.DiGraph:
    """Directed graph module -> module it imports, for the modules of ``packages``."""
    files = {
        _module_name(path, root): path
        for top in packages
        for path in (root / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for target in _imported(tree, module=module, is_package=is_package, known=set(files)):
            if target != module:
                graph.add_edge(module, target)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others."""
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def test_geo_and_criteria_have_no_import_cycles():
    graph = import_graph(ROOT)
    assert len(graph) > 40  # the walk found the modules
    found = cycles(graph)
    assert not found, "modules importing each other (break the cycle): " + "; ".join(
        " <-> ".join(group) for group in found
    )


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("a_text", "cyclic"),
    [
        ("def f():\n    from pkg.sub import b\n", True),  # a lazy import closes the cycle
        ("from . import b\n", True),  # relative import
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.sub.b\n", False),
        ("import pkg.c\n", False),
        ("from pkg.sub import name_in_init\n", False),  # loads pkg.sub, not pkg.sub.b
    ],
)
def test_cycle_check_sees_lazy_and_relative_imports(tmp_path, a_text, cyclic):
    _write(tmp_path, "pkg/__init__.py", "")
    _write(tmp_path, "pkg/c.py", "")
    _write(tmp_path, "pkg/sub/__init__.py", "")
    _write(tmp_path, "pkg/sub/b.py", "import pkg.sub.a\n")
    _write(tmp_path, "pkg/sub/a.py", a_text)
    found = cycles(import_graph(tmp_path, ("pkg",)))
    assert found == ([["pkg.sub.a", "pkg.sub.b"]] if cyclic else [])
