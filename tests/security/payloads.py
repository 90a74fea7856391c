"""Dash callback requests built from what each callback declares, and hostile values to put in them."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Examples per fuzz test: small in ``make test``, large in ``make reliability``.
EXAMPLES = int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
CALLBACK_PATH = "/_dash-update-component"

#: Values a well-behaved browser sends, by property (anything else: None).
PLAUSIBLE = {
    "n_intervals": 1,
    "n_clicks": 1,
    "pathname": "/",
    "search": "",
    "className": "wall-scene",
    "clickData": {"points": [{"customdata": "air_aqi", "location": "D01"}]},
}
PREFS = {"lang": "zh", "theme": "dark"}
#: Values the page always holds for these components.
BY_COMPONENT = {("wall-scale", "data"): 1.0, ("overview-period", "value"): "week"}

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
#: Wrong types, extremes, markup, paths of other pages, huge strings, nested junk.
HOSTILE = st.one_of(
    JSON_SCALARS,
    st.sampled_from(
        [
            10**30,
            -1,
            1e308,
            "9" * 500,
            "x" * 200_000,
            "<script>alert(1)</script>",
            "'; DROP TABLE complaint; --",
            "/complaints",
            "/admin",
            "../../etc/passwd",
            "\x00",
            [],
            {},
            [None],
            ["7d", "30d"],
            {"lang": ["zh"], "theme": {"a": 1}},
            {"lang": "xx" * 1000},
            {"points": "x"},
            {"points": [{"customdata": {"a": [1]}}]},
            {"rowIndex": "a", "data": [1]},
            {"startRow": "a", "endRow": 10**12},
        ]
    ),
    st.recursive(
        JSON_SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    ),
)


def _spec_id(raw: str):
    return json.loads(raw) if raw.startswith("{") else raw


#: Names the wall gives its wildcard components (a scene, a panel).
WILDCARD_NAMES = {"scene": "city", "panel": "city_trend"}


def _concrete(pattern):
    """A concrete id for a wildcard pattern id (``ALL``/``MATCH`` replaced by a name the page uses)."""
    if not isinstance(pattern, dict):
        return pattern
    return {k: WILDCARD_NAMES.get(k, "x") if isinstance(v, list) else v for k, v in pattern.items()}


def plausible(spec: dict):
    """A value of the kind the browser sends for ``spec``'s property."""
    raw_id, prop = spec["id"], spec["property"]
    if prop == "data" and raw_id.endswith("-prefs"):
        return dict(PREFS)
    return BY_COMPONENT.get((raw_id, prop), PLAUSIBLE.get(prop))


def item(spec: dict, value) -> dict | list:
    """One input/state entry as the renderer sends it (a list of entries for an ``ALL`` wildcard)."""
    pattern = _spec_id(spec["id"])
    if isinstance(pattern, dict) and any(v == ["ALL"] for v in pattern.values()):
        return [{"id": _concrete(pattern), "property": spec["property"], "value": value}]
    return {"id": _concrete(pattern), "property": spec["property"], "value": value}


def outputs(output: str) -> list | dict:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = []
    for part in parts:
        component, prop = part.split("@")[0].rsplit(".", 1)
        pattern = _spec_id(component)
        entry = {"id": _concrete(pattern), "property": prop}
        wildcard = isinstance(pattern, dict) and any(v == ["ALL"] for v in pattern.values())
        specs.append([entry] if wildcard else entry)
    return specs if output.startswith("..") else specs[0]


def body(callback_map: dict, output: str, replace: dict[tuple[str, int], object] | None = None) -> dict:
    """A well-formed request for the callback ``output``; ``replace[("inputs"|"state", i)]`` sets a value."""
    declared = callback_map[output]
    replace = replace or {}
    parts = {}
    for kind in ("inputs", "state"):
        parts[kind] = [
            item(spec, replace[(kind, i)] if (kind, i) in replace else plausible(spec))
            for i, spec in enumerate(declared[kind])
        ]
    first = declared["inputs"][0] if declared["inputs"] else None
    changed = [f"{first['id']}.{first['property']}"] if first else []
    return {"output": output, "outputs": outputs(output), **parts, "changedPropIds": changed}


def post(client, payload, csrf: bool = True):
    """POST ``payload`` (any JSON) to Dash's callback endpoint, with the CSRF header the renderer sends."""
    headers = {}
    cookie = client.get_cookie("_csrf_token")
    if csrf and cookie is not None:
        headers["X-CSRFToken"] = cookie.value
    return client.post(CALLBACK_PATH, data=json.dumps(payload), content_type="application/json", headers=headers)
