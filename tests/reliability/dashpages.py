"""Opening Dash pages the way the browser does, with the Flask test client: the page shell (GET), the pages
router callback (the page's layout function, given its URL query) and the page's own callbacks, fed with the
values of the layout that the router returned."""

from __future__ import annotations

import json
from collections.abc import Iterator

import dash

ROUTER_OUTPUT = "_pages_content.children"


def page_paths() -> list[str]:
    """Every registered page, as a path (a templated page with its example path)."""
    return sorted(page["path"] for page in dash.page_registry.values())


def _router_key(app: dash.Dash) -> str:
    return next(key for key in app.callback_map if ROUTER_OUTPUT in key)


def _output_specs(key: str) -> list[dict]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    specs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        specs.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    return specs


def callback_body(key: str, inputs: list[dict], state: list[dict] | None = None) -> dict:
    """The JSON the renderer posts to ``/_dash-update-component`` for the callback ``key``."""
    specs = _output_specs(key)
    return {
        "output": key,
        "outputs": specs if key.startswith("..") else specs[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [],
    }


def csrf_headers(client) -> dict[str, str]:
    """The CSRF header the renderer sends (from the cookie set on any HTML page), if there is one."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie is not None else {}


def post_callback(client, body: dict):
    """POST one callback as the renderer does."""
    return client.post("/_dash-update-component", json=body, headers=csrf_headers(client))


def open_page(app: dash.Dash, client, path: str, search: str = ""):
    """POST the pages router callback for ``path`` + ``search`` (runs the page's layout function)."""
    inputs = [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": search},
    ]
    return post_callback(client, callback_body(_router_key(app), inputs))


def layout_components(tree) -> list[tuple[str | dict, dict]]:
    """(id, props) of every component with an id in a rendered layout."""
    found: list[tuple[str | dict, dict]] = []

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "type" in node:
                if isinstance(props.get("id"), str | dict):
                    found.append((props["id"], props))
                for value in props.values():
                    walk(value)

    walk(tree)
    return found


def page_layout(response) -> list[tuple[str | dict, dict]]:
    """The components of the layout a router callback response carries."""
    return layout_components(response.get_json()["response"]["_pages_content"]["children"])


def _matches(pattern: dict, component_id) -> bool:
    return (
        isinstance(component_id, dict)
        and component_id.keys() == pattern.keys()
        and all(value == ["ALL"] or component_id[key] == value for key, value in pattern.items())
    )


def _outputs(key: str, components: list[tuple[str | dict, dict]]) -> list | dict:
    """The ``outputs`` of a callback body, wildcard (ALL) outputs expanded to the layout's matching ids."""
    specs = []
    for spec in _output_specs(key):
        if isinstance(spec["id"], dict):
            specs.append([{**spec, "id": cid} for cid, _ in components if _matches(spec["id"], cid)])
        else:
            specs.append(spec)
    return specs if key.startswith("..") else specs[0]


def page_callbacks(client, components: list[tuple[str | dict, dict]]) -> Iterator[tuple[str, dict]]:
    """The server callbacks of a rendered page that the renderer calls on the first load, and each page's
    refresh (the one with the page's banner) even when it waits for a client-side trigger; each with the body
    the renderer posts, inputs and state taken from the layout."""
    props = {cid: p for cid, p in components if isinstance(cid, str)}
    for spec in client.get("/_dash-dependencies").get_json():
        key = spec["output"]
        if spec.get("clientside_function") or ROUTER_OUTPUT in key or not spec["inputs"]:
            continue
        if spec["prevent_initial_call"] and "-banner.children" not in key:
            continue
        dependencies = [*spec["inputs"], *spec["state"]]
        if not all(isinstance(d["id"], str) and d["id"] in props for d in dependencies):
            continue

        def values(items):
            return [
                {"id": d["id"], "property": d["property"], "value": props[d["id"]].get(d["property"])} for d in items
            ]

        body = callback_body(key, values(spec["inputs"]), values(spec["state"]))
        body["outputs"] = _outputs(key, components)
        yield key, body
