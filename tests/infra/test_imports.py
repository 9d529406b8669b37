"""The infra modules import one way: no two of them import each other, even lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import infra

INFRA = Path(infra.__file__).parent


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_infra_modules(path: Path) -> set[str]:
    """The infra modules a file imports at run time, at the top or inside a function."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text())]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) and _is_type_checking(child):
                continue  # annotations only: never executed
            if isinstance(child, ast.ImportFrom) and (child.module or "").startswith("infra."):
                found.add(child.module or "")
            elif isinstance(child, ast.Import):
                found |= {alias.name for alias in child.names if alias.name.startswith("infra.")}
            pending.append(child)
    return found


def import_graph() -> dict[str, set[str]]:
    return {
        f"infra.{path.stem}": imported_infra_modules(path)
        for path in INFRA.glob("*.py")
        if path.stem != "__init__"
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle found by a depth-first walk (each reported once, from its start)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(module: str, trail: list[str]) -> None:
        if module in trail:
            found.append([*trail[trail.index(module) :], module])
            return
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            walk(target, [*trail, module])
        done.add(module)

    for module in sorted(graph):
        walk(module, [])
    return found


def test_the_storage_modules_import_one_way():
    graph = import_graph()

    assert "infra.storage" in graph["infra.s3_storage"]
    assert "infra.s3_storage" not in graph["infra.storage"]
    assert {"infra.storage", "infra.s3_storage"} <= graph["infra.image_stores"]


def test_no_infra_modules_import_each_other_in_a_circle():
    assert cycles(import_graph()) == []
