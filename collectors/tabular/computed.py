"""Fields built from several source columns: a template, a list of columns joined, or simple arithmetic.

``template = "{year}-{month:02}-{day:02} {hour:02}:00"`` formats column values with Python's format mini-language
(numeric cells are formatted as numbers, so ``:02`` pads); ``columns = ["date", "time"]`` joins the cells with
``separator``; ``expr = "{NO2_ppb} * 1.88 + {offset}"`` computes with ``+ - * /``, parentheses and numbers. Any
missing cell makes the whole value missing.
"""

from __future__ import annotations

import ast
import operator
import re
import string
from collections.abc import Callable
from typing import Any

_PLACEHOLDER = re.compile(r"\{([^{}:!]+)\}")
_OPERATORS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def template_columns(template: str) -> list[str]:
    """The column names a template formats (ValueError when it is not a valid template)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"invalid template {template!r}: {exc}") from None
    if not names or any(not n.strip() for n in names):
        raise ValueError(f"template {template!r}: name a column in every {{}}")
    return [n.strip() for n in names]


def _as_number(value: Any) -> Any:
    """A numeric cell as an int or float (so format specs like ``02`` apply); anything else unchanged."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render(template: str, values: dict[str, Any]) -> str | None:
    """``template`` filled from ``values`` (column -> present value); None when one of them is missing."""
    if any(v is None for v in values.values()):
        return None
    fields = {f"c{i}": _as_number(v) for i, v in enumerate(values.values())}
    positions = {name: f"c{i}" for i, name in enumerate(values)}
    pattern = string.Formatter()
    out = []
    for literal, name, spec, conversion in pattern.parse(template):
        out.append(literal)
        if name is not None:
            value = fields[positions[name.strip()]]
            value = pattern.convert_field(value, conversion) if conversion else value
            try:
                out.append(format(value, spec or ""))
            except ValueError as exc:
                raise ValueError(f"{{{name}}} = {value!r}: {exc}") from None
    return "".join(out)


class Expression:
    """Arithmetic over columns: ``{a} + {b} * 2``; validated when the mapping loads."""

    def __init__(self, source: str) -> None:
        self.columns = [c.strip() for c in _PLACEHOLDER.findall(source)]
        if not self.columns:
            raise ValueError(f"expression {source!r}: name a column as {{column}}")
        names = {c: f"_c{i}" for i, c in enumerate(dict.fromkeys(self.columns))}
        python = _PLACEHOLDER.sub(lambda m: names[m.group(1).strip()], source)
        try:
            self._tree = ast.parse(python, mode="eval").body
        except SyntaxError:
            raise ValueError(f"expression {source!r} is not arithmetic") from None
        self._names = names
        self._check(self._tree, source)

    def _check(self, node: ast.AST, source: str) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            self._check(node.left, source)
            self._check(node.right, source)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self._check(node.operand, source)
        elif not (
            (isinstance(node, ast.Constant) and type(node.value) in (int, float)) or isinstance(node, ast.Name)
        ):
            raise ValueError(f"expression {source!r}: only numbers, {{columns}}, + - * / and parentheses")

    def evaluate(self, values: dict[str, float | None]) -> float | None:
        """The result for ``values`` (column -> number); None when one is missing."""
        if any(v is None for v in values.values()):
            return None
        bound = {self._names[c]: v for c, v in values.items()}

        def walk(node: ast.AST) -> float:
            if isinstance(node, ast.BinOp):
                return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
            if isinstance(node, ast.UnaryOp):
                return -walk(node.operand) if isinstance(node.op, ast.USub) else walk(node.operand)
            if isinstance(node, ast.Name):
                return bound[node.id]
            return float(node.value)

        return walk(self._tree)
