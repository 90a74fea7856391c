"""The simulator imports nothing from the project's other packages."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"dashboard", "collectors", "layouts"}
PACKAGE = Path(__file__).resolve().parents[2] / "simulator"


def test_no_project_imports():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert not offenders
