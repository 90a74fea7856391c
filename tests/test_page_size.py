"""Pages stay thin (DESIGN §2): no function in ``layouts/pages`` is longer than ``LIMIT`` lines, read with ``ast``.

A function's length runs from its first decorator to its last line, nested functions counted in the function
that holds them (and on their own). A long function fails naming the file, the line and its length.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parents[1] / "layouts" / "pages"
LIMIT = 40


def long_functions(source: str, limit: int = LIMIT) -> list[tuple[str, int, int]]:
    """``(name, first line, length)`` of each function in ``source`` longer than ``limit`` lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - first + 1
            if length > limit:
                found.append((node.name, first, length))
    return found


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.py")), ids=lambda p: p.name)
def test_no_page_function_is_long(page):
    found = long_functions(page.read_text(encoding="utf-8"))
    named = [f"{page.name}:{line}: {name} has {n} lines (at most {LIMIT})" for name, line, n in found]
    assert not found, "\n".join(named)


def test_a_long_function_is_found_with_its_decorator_and_nested_functions():
    body = "\n".join(f"    x{i} = {i}" for i in range(37))  # with the decorator, def and nested function: 41
    source = f"@decorator\ndef outer():\n    def inner():\n        return 1\n{body}\n"
    assert long_functions(source) == [("outer", 1, 41)]
    assert long_functions(source, limit=41) == []
