"""Screens read through the query facade (app/ops/reads.py) and never touch SQLAlchemy: no module
under app/ui imports it, not even inside a function, nor a query module of the store, nor opens a
read session of its own. The modules of app/ui import each other without a cycle, and each stays
short enough to read (under 600 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

import app.ui

UI = Path(app.ui.__file__).parent
QUERY_MODULES = ("app.db.models", "app.db.stats_queries", "app.db.lookup_queries",
                 "app.db.list_queries", "app.db.detail_queries")


def imported_modules(source: str) -> set[str]:
    """Every module an import statement anywhere in `source` names (`from a import b`: a and a.b)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def session_openings(source: str) -> list[int]:
    """Lines that call `<...>ops.read()`: a screen opening its own read session."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "read" and not node.args
            and ((isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "ops")
                 or (isinstance(node.func.value, ast.Name) and node.func.value.id == "ops"))]


def ui_sources() -> dict[str, str]:
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 50  # the walk finds the screens
    return {str(f.relative_to(UI.parent.parent)): f.read_text("utf-8") for f in files}


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checks_see_imports_inside_functions_and_session_openings():
    source = ("def f(window):\n    from sqlalchemy import select\n    import sqlalchemy.orm\n"
              "    from app.db import lookup_queries\n"
              "    with window.app.ops.read() as s:\n        pass\n")
    found = imported_modules(source)
    assert {"sqlalchemy", "sqlalchemy.orm", "app.db.lookup_queries"} <= found
    assert session_openings(source) == [5]
    assert session_openings("def g(ops):\n    with ops.read() as s:\n        pass\n") == [2]
    assert session_openings("runner.read(fn, on_done=f)\nreads.stats(ops)\n") == []


def test_no_module_under_app_ui_imports_sqlalchemy():
    offenders = {path: sorted(m for m in imported_modules(text)
                              if m == "sqlalchemy" or m.startswith("sqlalchemy."))
                 for path, text in ui_sources().items()}
    assert {p: m for p, m in offenders.items() if m} == {}


def test_screens_read_through_the_facade_not_the_store():
    offenders = {path: sorted(imported_modules(text) & set(QUERY_MODULES)) + session_openings(text)
                 for path, text in ui_sources().items()}
    assert {p: found for p, found in offenders.items() if found} == {}


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_two_modules_of_app_ui_import_each_other():
    sources = {module_name(p): text for p, text in ui_sources().items()}
    graph = {m: {i for i in imported_modules(text) if i in sources and i != m}
             for m, text in sources.items()}
    assert cycles(graph) == []


def test_every_file_under_app_ui_is_under_600_lines():
    lengths = {path: text.count("\n") for path, text in ui_sources().items()}
    assert {p: n for p, n in lengths.items() if n >= 600} == {}
