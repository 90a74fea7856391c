"""The dependency rules of DESIGN §2, read from the source with ``ast``: which part may import which, no loops.

Every module of the four packages belongs to one part (:func:`part`); a part imports only the parts listed in
``MAY_IMPORT`` and none of the third-party packages listed in ``MAY_NOT_USE``. A broken rule fails naming the
file, the line and the import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dashboard", "collectors", "layouts", "simulator")
#: Composition roots of the command line: they may wire anything together.
ENTRY_POINTS = frozenset(
    {"dashboard.__main__", "dashboard.cli", "dashboard.cli_feeds", "dashboard.cli_city", "dashboard.cli_report",
     "dashboard.demo",
     "dashboard.checks"}
)
#: What a figure (a pure function: frames in, figure out) never imports: the read side, the database, pages,
#: components and the gathering of their data.
NOT_FOR_FIGURES = ("dashboard.queries", "dashboard.db", "layouts.pages", "layouts.components", "layouts.data")
#: What a page, a component and the page's moment (``layouts.data``) never import: the read side and the database
#: (the page's view model in ``layouts.viewmodels`` reads them); the read side's error, which they catch to draw
#: a banner or a panel's error, excepted.
NOT_FOR_PAGES = ("dashboard.queries", "dashboard.db")
PAGES_MAY_CATCH = frozenset({"dashboard.queries.base"})
#: The modules held to that rule.
READ_THROUGH_VIEW_MODELS = ("layouts.pages", "layouts.components", "layouts.data")

MAY_IMPORT = {
    "simulator": {"simulator"},
    "context": set(),
    "core": {"core"},
    "collectors": {"collectors", "core"},
    "figures": {"figures", "layouts", "core"},
    "layouts": {"layouts", "figures", "core", "context"},
    "web": {"web", "core", "context", "layouts", "figures"},
    "entry": {"entry", "web", "core", "context", "layouts", "figures", "collectors", "simulator"},
}
_DASH = {"dash", "dash_bootstrap_components", "dash_ag_grid", "flask", "flask_caching", "flask_limiter", "flask_wtf"}
MAY_NOT_USE = {
    "figures": _DASH | {"sqlalchemy"},
    "core": _DASH - {"flask", "flask_caching"},  # flask_caching: the query cache of the read side
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # the importing module
    target: str  # a project module, or the top-level name of a third-party package
    in_function: bool
    type_only: bool = False  # under ``if TYPE_CHECKING:``: read by type checkers, never run

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def part(module: str) -> str:
    """The part of the layout a project module belongs to."""
    if module == "dashboard.context":
        return "context"
    if module in ENTRY_POINTS:
        return "entry"
    if module == "dashboard.wsgi" or module.startswith("dashboard.web"):
        return "web"
    if module.startswith("layouts.figures"):
        return "figures"
    top = module.split(".")[0]
    return "core" if top == "dashboard" else top


def _resolve(name: str) -> str:
    """The project module an import name loads (the longest prefix that is a module), or the package's top."""
    if name.split(".")[0] not in PACKAGES:
        return name.split(".")[0]
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [_resolve(alias.name) for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
        base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
    if base.split(".")[0] not in PACKAGES:
        return [base.split(".")[0]]
    return [_resolve(f"{base}.{alias.name}") if f"{base}.{alias.name}" in MODULES else _resolve(base)
            for alias in node.names]


def _walk(node: ast.AST, in_function: bool = False):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        yield from _walk(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """The lines of the bodies of ``if TYPE_CHECKING:`` blocks (imports there are for annotations only)."""
    lines = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and (getattr(test, "id", None) or getattr(test, "attr", None)) == "TYPE_CHECKING":
            for statement in node.body:
                lines.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return lines


def imports_of(module: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    type_only = _type_checking_lines(tree)
    return [
        Import(path, node.lineno, module, target, in_function, node.lineno in type_only)
        for node, in_function in _walk(tree)
        if not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        for target in _targets(node, module)
    ]


ALL_IMPORTS = [i for module in MODULES for i in imports_of(module)]


def forbidden(imports: list[Import]) -> list[str]:
    """Each import that breaks a rule, with the rule."""
    broken = []
    for i in imports:
        source = part(i.module)
        if i.target in MODULES:
            target = part(i.target)
            if target not in MAY_IMPORT[source]:
                broken.append(f"{i} ({source} may not import {target})")
            elif source == "figures" and i.target.startswith(NOT_FOR_FIGURES):
                broken.append(f"{i} (figures are pure: no queries, database, pages, components or data gathering)")
            elif (
                i.module.startswith(READ_THROUGH_VIEW_MODELS)
                and i.target.startswith(NOT_FOR_PAGES)
                and i.target not in PAGES_MAY_CATCH
                and not i.type_only
            ):
                broken.append(f"{i} (pages and components read through view models, not the read side or the database)")
        elif i.target in MAY_NOT_USE.get(source, ()):
            broken.append(f"{i} ({source} may not use {i.target})")
    return broken


def loops(imports: list[Import]) -> list[list[str]]:
    """The import loops between project modules (strongly connected components of more than one module)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for i in imports:
        if i.target in MODULES and i.target != i.module:
            graph[i.module].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while (member := stack.pop()) != node:
                component.append(member)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def unknown_modules(module: str, source: str) -> list[str]:
    """Project imports in ``source`` naming a module that does not exist (say, one that was moved away)."""
    unknown = []
    for node, _ in _walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        unknown += [
            f"{MODULES[module].relative_to(ROOT)}:{node.lineno}: {module} imports {name}, which does not exist"
            for name in names
            if name.split(".")[0] in PACKAGES and name not in MODULES and not (ROOT / name.replace(".", "/")).is_dir()
        ]
    return unknown


def test_every_project_import_names_a_module_that_exists():
    unknown = [u for m, path in MODULES.items() for u in unknown_modules(m, path.read_text(encoding="utf-8"))]
    assert not unknown, "imports of modules that do not exist:\n" + "\n".join(unknown)


def test_an_import_of_a_moved_module_is_named():
    (message,) = unknown_modules("layouts.pages.city", "from dashboard.app import current_engine")
    assert message == "layouts/pages/city.py:1: layouts.pages.city imports dashboard.app, which does not exist"


def test_every_part_imports_only_what_it_may():
    broken = forbidden(ALL_IMPORTS)
    assert not broken, "imports against DESIGN §2:\n" + "\n".join(broken)


def test_no_import_loops():
    found = loops(ALL_IMPORTS)
    edges = [str(i) for i in ALL_IMPORTS for loop in found if i.module in loop and i.target in loop]
    assert not found, "import loops:\n" + "\n".join(edges)


def test_no_project_import_inside_a_function():
    """Loops are not hidden by importing inside a function (entry points may defer imports for a fast start)."""
    hidden = [str(i) for i in ALL_IMPORTS if i.in_function and i.target in MODULES and part(i.module) != "entry"]
    assert not hidden, "imports inside a function body:\n" + "\n".join(hidden)


def _parsed(module: str, source: str) -> list[Import]:
    path = MODULES[module]
    tree = ast.parse(source)
    type_only = _type_checking_lines(tree)
    return [
        Import(path, node.lineno, module, target, in_function, node.lineno in type_only)
        for node, in_function in _walk(tree)
        for target in _targets(node, module)
    ]


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("simulator.server", "from dashboard.settings import Settings", "simulator may not import core"),
        ("dashboard.queries.complaints", "import layouts.i18n", "core may not import layouts"),
        ("dashboard.kpis.aqi", "from dashboard.web import app", "core may not import web"),
        ("collectors.runner", "from layouts.format import number", "collectors may not import layouts"),
        ("layouts.pages.map", "from collectors.config import FeedConfig", "layouts may not import collectors"),
        ("layouts.figures.charts", "from dash import dcc", "figures may not use dash"),
        ("layouts.figures.charts", "from dashboard.queries import complaints", "figures are pure"),
        ("layouts.figures.trend", "from layouts.data import snapshot_time", "figures are pure"),
        ("layouts.pages.map", "from dashboard.queries import map", "pages and components read through view models"),
        ("layouts.pages.overview", "from dashboard.queries.kpis import kpi_values", "read through view models"),
        ("layouts.pages.feeds", "import dashboard.db.engine", "pages and components read through view models"),
        ("layouts.components.domain", "from dashboard.queries import feeds", "read through view models"),
        ("layouts.components.wall_panels", "from dashboard.db.models import Alert", "read through view models"),
        ("layouts.data", "from dashboard.queries.reference import districts", "read through view models"),
        ("dashboard.context", "from dashboard.settings import Settings", "context may not import core"),
    ],
)
def test_a_forbidden_import_is_named(module, source, rule):
    (message,) = forbidden(_parsed(module, source))
    assert message.startswith(f"{MODULES[module].relative_to(ROOT)}:1: {module} imports ") and rule in message


def test_a_loop_is_found():
    extra = _parsed("dashboard.db.models", "from dashboard.db import rollups")
    assert ["dashboard.db.models", "dashboard.db.rollups"] in loops(ALL_IMPORTS + extra)


def test_an_import_for_annotations_only_is_not_a_read():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from dashboard.queries.complaints import ComplaintFilter\n"
        "from dashboard.queries import feeds\n"
    )
    (message,) = forbidden(_parsed("layouts.components.complaints", source))
    assert message.startswith("layouts/components/complaints.py:4: layouts.components.complaints imports ")
