"""What a page shows, read as a browser reads it: a callback answered by the Dash app's own endpoint
(``/_dash-update-component``), its component tree searched for ids and classes, its texts turned back into
numbers (with the precision they are shown at)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal

import numpy as np

from tests.reliability.dashpages import callback_body, post_callback

#: Multipliers of compact numbers (CLDR zh_Hans_CN and en_001).
COMPACT = {"万": 10_000, "亿": 100_000_000, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
NUMBER = re.compile(r"(-?[\d,]+(?:\.\d+)?)\s*(万|亿|K|M|B)?")
CJK = re.compile(r"[\u3400-\u9fff]")


def callback(client, app, output: str, values: Mapping[tuple[str, str], object]) -> dict:
    """The outputs (``{id: {property: value}}``) of the callback whose outputs include ``output`` (``id.prop``),
    called as the renderer calls it with ``values`` for its inputs and states (by (id, property); None for the
    rest)."""
    key = next(k for k in app.callback_map if f"..{output}.." in f".{k}." or k == output)
    spec = app.callback_map[key]

    def given(items) -> list[dict]:
        return [{"id": i["id"], "property": i["property"], "value": values.get((i["id"], i["property"]))}
                for i in items]

    if client.get_cookie("_csrf_token") is None:
        client.get("/")  # the page shell sets the CSRF cookie the renderer sends back
    answer = post_callback(client, callback_body(key, given(spec["inputs"]), given(spec["state"])))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    return answer.get_json()["response"]


def nodes(tree) -> Iterator[dict]:
    """Every component (``{"type", "namespace", "props"}``) of a serialised tree, depth first."""
    if isinstance(tree, dict):
        if "props" in tree:
            yield tree
            yield from nodes(tree["props"].get("children"))
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)


def text(tree) -> str:
    """All the text of a tree, in order."""
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, list):
        return "".join(text(t) for t in tree)
    if isinstance(tree, dict) and "props" in tree:
        return text(tree["props"].get("children"))
    return ""


def by_id(tree, component_id) -> dict:
    return next(n for n in nodes(tree) if n["props"].get("id") == component_id)


def by_class(tree, class_name: str) -> dict:
    return next(n for n in nodes(tree) if class_name in (n["props"].get("className") or "").split())


def shown(value: str) -> tuple[float, float] | None:
    """The number a text shows and half the unit of its last digit (what rounding may have taken); None when
    the text shows none (the "no value" mark)."""
    match = NUMBER.search(value)
    if match is None:
        return None
    digits, compact = match.groups()
    exponent = Decimal(digits.replace(",", "")).as_tuple().exponent
    scale = COMPACT.get(compact or "", 1)
    return float(digits.replace(",", "")) * scale, 0.5 * 10.0**exponent * scale + 1e-9


def shows(value: str, expected: float | None) -> bool:
    """Whether a text shows ``expected`` as rounded for display (or shows no number for None)."""
    number = shown(value)
    if expected is None or number is None:
        return expected is None and number is None
    return abs(number[0] - expected) <= number[1]


def values(array) -> list:
    """A figure's array as a list (plotly serialises numeric arrays as typed base64 ``{"dtype", "bdata"}``)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array or [])
