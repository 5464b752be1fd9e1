"""The import graph of app/ keeps the layering of docs/architecture.md.

Built with grimp from the source, so every import counts, also one inside a function body (a
"lazy" import is still a dependency). Two rules:
- a layer imports only layers below it, and packages of one row marked independent never import
  each other;
- no cycle: not between two files (strongly connected components of the module graph), and not
  between two packages at any level (each package's children, subpackages taken whole).
A failure names each offending import with its file and line, or the chain that closes a cycle.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Iterable
from functools import cache

import grimp
import pytest

import app

# Top to bottom. A row with several packages: `independent` ones never import each other; the
# bottom row (pure rules, paths, file helpers, log masking) may use one another, without cycles.
LAYERS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (("cli",), False),  # parses and dispatches only
    (("commands",), False),  # every `kace` subcommand; `kace gui` starts the desktop program
    (("ui",), False),  # the desktop program
    (("server",), False),  # the county FastAPI app: API routers, mounts the console
    (("console",), False),  # the county web console's pages
    (("demo",), False),  # the demo county generator
    (("sync", "exchange", "printing"), True),  # laptop/server sync, 花名册 files, PDFs
    (("ops",), False),  # the op runner's operations: every write
    (("db",), False),  # the store: rows, change log, migrations, read queries
    (("domain", "paths", "fileops", "logsafe", "retry", "extras"), False),  # pure rules, paths, file helpers
)
LAYER_OF = {name: i for i, (names, _) in enumerate(LAYERS) for name in names}


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("app", cache_dir=None)


def top_level() -> list[str]:
    """The packages and modules directly under app/ (what exists on this branch)."""
    return sorted(m.name for m in pkgutil.iter_modules(app.__path__))


def lines(importer: str, imported: str) -> str:
    found = sorted({d["line_number"] for d in graph().get_import_details(importer=importer, imported=imported)})
    return f"{importer} -> {imported} (line {', '.join(map(str, found))})"


def chain_text(chain: list[str]) -> str:
    return "; ".join(lines(a, b) for a, b in zip(chain, chain[1:]))


def route_chains(route) -> Iterable[list[str]]:
    for head in sorted(route.heads):
        for tail in sorted(route.tails):
            yield [head, *route.middle, tail]


def test_every_part_of_app_has_a_layer():
    unknown = [name for name in top_level() if name not in LAYER_OF]
    assert not unknown, (
        f"app.{', app.'.join(unknown)} belongs to no layer: add it to LAYERS here and to "
        "docs/architecture.md, where it sits among the others")


@pytest.mark.parametrize("package", top_level())
def test_package_imports_only_lower_layers(package):
    layers = [grimp.Layer(*names, independent=independent) for names, independent in LAYERS]
    illegal = graph().find_illegal_dependencies_for_layers(layers=layers, containers={"app"})
    mine = sorted((d for d in illegal if d.importer == f"app.{package}"), key=lambda d: d.imported)
    problems = [f"{chain_text(chain)}" for d in mine for route in d.routes for chain in route_chains(route)]
    assert not problems, (
        f"app.{package} imports {', '.join(d.imported for d in mine)}, which it must not (layer "
        f"{LAYER_OF[package]}; see LAYERS):\n  " + "\n  ".join(sorted(set(problems))))


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found)


def cycle_through(start: str, members: set[str], edges: dict[str, set[str]]) -> list[str]:
    """One shortest chain start -> ... -> start inside a component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges.get(node, set()) & members):
                if child == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return [*reversed(chain), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"{start} is in no cycle")


def module_edges() -> dict[str, set[str]]:
    g = graph()
    return {m: set(g.find_modules_directly_imported_by(m)) for m in g.modules}


def test_no_cycle_between_files():
    edges = module_edges()
    cycles = strongly_connected(edges, edges)
    described = [f"{' ⇄ '.join(c)}: {chain_text(cycle_through(c[0], set(c), edges))}" for c in cycles]
    assert not cycles, "files that import each other (directly or round a chain):\n  " + "\n  ".join(described)


def packages() -> list[str]:
    g = graph()
    return sorted(m for m in g.modules if g.find_children(m))


def child_of(package: str, module: str) -> str | None:
    """The child of `package` that holds `module` (itself or an ancestor), None outside it."""
    if not module.startswith(package + "."):
        return None
    return package + "." + module[len(package) + 1:].split(".")[0]


@pytest.mark.parametrize("package", packages())
def test_no_cycle_between_packages(package):
    """Inside `package`, its subpackages (each taken whole) and modules import without a cycle."""
    edges = module_edges()
    joined: dict[str, set[str]] = {}
    witness: dict[tuple[str, str], tuple[str, str]] = {}
    for importer, imported in ((a, b) for a, bs in edges.items() for b in bs):
        a, b = child_of(package, importer), child_of(package, imported)
        if a and b and a != b:
            joined.setdefault(a, set()).add(b)
            witness.setdefault((a, b), (importer, imported))
    cycles = [c for c in strongly_connected(joined, joined) if any(graph().find_children(m) for m in c)]
    described = []
    for c in cycles:
        chain = cycle_through(c[0], set(c), joined)
        hops = [lines(*witness[(a, b)]) for a, b in zip(chain, chain[1:])]
        described.append(f"{' ⇄ '.join(c)}: " + "; ".join(hops))
    assert not cycles, f"packages inside {package} that import each other:\n  " + "\n  ".join(described)
