"""Hostile requests straight to Dash's callback endpoint, for every registered callback: a clean 4xx (or the
callback's normal answer), never a 5xx, never a traceback in the answer or the log, never reported as a database
outage, never data the caller's role may not see."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.conftest import ID_CARD, PHONE, make_city, signed_in
from tests.security.payloads import FUZZ, HOSTILE, WILDCARD_NAMES, body, post

#: Values every input and state slot of every callback receives in turn.
FIXED = [[], {}, "x" * 100_000, 10**30, ["a", "b"], {"lang": ["zh"]}, "/complaints", -1.5]
ROUTER = ".._pages_content.children..._pages_store.data.."


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    city = make_city(tmp_path_factory.mktemp("fuzz"), login_rate_limit="1000 per minute")
    clients = {"analyst": signed_in(city, "ana"), "leader": signed_in(city, "lea"), "kiosk": city.client()}
    clients["kiosk"].get(f"/wall?token={city.wall_token}")
    for client in clients.values():
        client.get("/wall")  # Dash registers the pages router on its first request
    return city, clients


def _wall_callback(output: str) -> bool:
    return "wall" in output or output == ROUTER


def _check(response, role: str, output: str | None, records: list[logging.LogRecord]) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, output, text[:300])
    assert "Traceback" not in text and "database unavailable" not in text, (output, text[:300])
    if role == "leader":
        assert PHONE not in text and ID_CARD not in text, output
    if role == "kiosk" and output is not None and not _wall_callback(output):
        assert response.status_code in (400, 401, 403), output
    if role == "kiosk":
        assert PHONE not in text and ID_CARD not in text and "张三" not in text, output
    for record in records:
        assert record.exc_info is None and record.levelno < logging.ERROR, record.getMessage()
        assert "Traceback" not in record.getMessage() and "database unavailable" not in record.getMessage()


def _slots(declared: dict) -> list[tuple[str, int]]:
    return [(kind, i) for kind in ("inputs", "state") for i in range(len(declared[kind]))]


def test_every_slot_of_every_callback_refuses_wrong_values(fuzzed, caplog):
    city, clients = fuzzed
    callback_map = city.app.callback_map
    assert ROUTER in callback_map and len(callback_map) >= 25
    seen = 0
    for output in sorted(callback_map):
        for slot in _slots(callback_map[output]):
            for value in FIXED:
                caplog.clear()
                response = post(clients["analyst"], body(callback_map, output, {slot: value}))
                _check(response, "analyst", output, caplog.records)
                seen += 1
    assert seen > 500


def test_every_callback_answers_a_plausible_request(fuzzed, caplog):
    """The payload builder is right: each callback, called as the browser does, answers (no false 4xx)."""
    city, clients = fuzzed
    for output in sorted(city.app.callback_map):
        if "callback" not in city.app.callback_map[output]:
            continue  # clientside: runs in the browser only
        response = post(clients["analyst"], body(city.app.callback_map, output))
        assert response.status_code in (200, 204), (output, response.get_data(as_text=True)[:300])


@FUZZ
@given(data=st.data())
def test_hostile_values(fuzzed, caplog, data):
    city, clients = fuzzed
    callback_map = city.app.callback_map
    role = data.draw(st.sampled_from(sorted(clients)))
    output = data.draw(st.sampled_from(sorted(callback_map)))
    slots = _slots(callback_map[output])
    chosen = data.draw(st.lists(st.sampled_from(slots), max_size=3)) if slots else []
    replace = {slot: data.draw(HOSTILE) for slot in chosen}
    caplog.clear()
    _check(post(clients[role], body(callback_map, output, replace)), role, output, caplog.records)


def _mutations(callback_map: dict):
    outputs = sorted(callback_map)
    well_formed = st.sampled_from(outputs).map(lambda o: body(callback_map, o))

    def with_key(key):
        return lambda b, v: {**b, key: v}

    junk = st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3))
    return st.one_of(
        st.tuples(well_formed, junk).map(lambda p: with_key("inputs")(*p)),
        st.tuples(well_formed, junk).map(lambda p: with_key("state")(*p)),
        st.tuples(well_formed, junk).map(lambda p: with_key("outputs")(*p)),
        st.tuples(well_formed, junk).map(lambda p: with_key("output")(*p)),
        st.tuples(well_formed, junk).map(lambda p: with_key("changedPropIds")(*p)),
        st.tuples(well_formed, st.text(max_size=20)).map(
            lambda p: {**p[0], "inputs": [{**i, "id": p[1]} if isinstance(i, dict) else i for i in p[0]["inputs"]]}
        ),
        well_formed.map(lambda b: {**b, "inputs": b["inputs"][:-1]}),
        well_formed.map(lambda b: {**b, "inputs": [*b["inputs"], {"id": "x", "property": "value", "value": 1}]}),
        st.tuples(well_formed, well_formed).map(lambda p: {**p[0], "inputs": p[1]["inputs"]}),
        well_formed.map(lambda b: {k: v for k, v in b.items() if k != "output"}),
        HOSTILE,
    )


@FUZZ
@given(data=st.data())
def test_malformed_requests(fuzzed, caplog, data):
    city, clients = fuzzed
    role = data.draw(st.sampled_from(sorted(clients)))
    payload = data.draw(_mutations(city.app.callback_map))
    csrf = data.draw(st.booleans())
    caplog.clear()
    response = post(clients[role], payload, csrf=csrf)
    output = payload.get("output") if isinstance(payload, dict) and isinstance(payload.get("output"), str) else None
    _check(response, role, output, caplog.records)
    if not csrf:
        assert response.status_code in (400, 401, 403)


def _renamed(payload: dict, name) -> dict:
    """``payload`` with its wildcard components (the wall's scenes and panels) named ``name`` instead."""
    text = json.dumps(payload)
    for key, real in WILDCARD_NAMES.items():
        text = text.replace(json.dumps({key: real})[1:-1], json.dumps({key: name})[1:-1])
    return json.loads(text)


@FUZZ
@given(data=st.data())
def test_unknown_wildcard_components(fuzzed, caplog, data):
    """Scenes and panels the page does not have, named in a wildcard callback's inputs, state or outputs."""
    city, clients = fuzzed
    callback_map = city.app.callback_map
    wildcard = sorted(
        o for o, d in callback_map.items() if "callback" in d and "ALL" in o + str(d["inputs"]) + str(d["state"])
    )
    assert wildcard
    output = data.draw(st.sampled_from(wildcard))
    name = data.draw(st.one_of(st.text(max_size=20), st.integers(), st.sampled_from(["kpis", "../x", "", "city"])))
    role = data.draw(st.sampled_from(["analyst", "kiosk"]))
    caplog.clear()
    response = post(clients[role], _renamed(body(callback_map, output), name))
    _check(response, role, output, caplog.records)
