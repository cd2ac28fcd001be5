"""The package is laid out by stage and data flows one way: from the API down to the format.

Each module is given a rank by where it lives; a module may import only modules of its own rank or
lower, and no import cycle may exist (imports made only for type checking are not counted)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "govxl"

# Lowest first. Modules directly in govxl/ that are not named here are the shared base (rank 0).
RANKS = {
    "govxl.form": 1,
    "govxl.workbook": 2,
    "govxl.collection": 3,
    "govxl.consolidation": 4,
    "govxl.reporting": 5,
    "govxl.importer": 5,
    "govxl.api": 7,
    "govxl.demo": 7,  # the sample cycle, run as a clerk would: through the API
    "govxl.web": 8,
    "govxl.cli": 8,
    "govxl.cli_chinese": 8,  # the command line's help screens and usage errors in Chinese
    "govxl.__main__": 9,
    "govxl": 9,  # the package's __init__ re-exports the API
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    if module == "govxl":
        return RANKS["govxl"]
    for prefix in sorted(RANKS, key=len, reverse=True):
        if prefix != "govxl" and (module == prefix or module.startswith(prefix + ".")):
            return RANKS[prefix]
    return 0


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """govxl modules imported by a file at run time (anywhere in it, functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("govxl"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("govxl")}
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    names = set(files)
    return {m: runtime_imports(p, names) - {m} for m, p in files.items()}


def test_nothing_low_imports_anything_high():
    upward = [f"{m} (rank {rank(m)}) imports {t} (rank {rank(t)})"
              for m, targets in import_graph().items() for t in sorted(targets)
              if rank(t) > rank(m) and not (m == "govxl" or t == "govxl.version")]
    assert upward == []


def test_no_import_cycles():
    graph = import_graph()
    # Package __init__ modules import their own children; a child importing a sibling through
    # the package is not a cycle of concerns, so the edge child -> own package is left out.
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()))
def test_every_stage_says_what_it_is(folder):
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 40
