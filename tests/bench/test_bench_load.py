"""The load benchmark's arithmetic: the knee interpolated between the steps around p95 = 1 s, and callback
names taken from the request the renderer posts."""

from __future__ import annotations

import json

from bench.load import _callback_name, _knee


def test_knee_is_interpolated_between_the_steps_around_one_second():
    # 180 users at 600 ms, 360 at 1400 ms: 1000 ms is half way, 180 + 180 × 400 / 800 = 270 users
    assert _knee([(360, 1400.0), (90, 200.0), (180, 600.0)]) == (270.0, "≈ 270 users")


def test_knee_outside_the_steps_is_a_bound():
    assert _knee([(90, 200.0), (180, 400.0)]) == (180, "> 180 users")
    assert _knee([(90, 1200.0), (45, 1100.0)]) == (45, "< 45 users")


def test_callback_name_is_the_first_output_and_the_count_of_the_others():
    body = json.loads(json.dumps({
        "output": "..wall-kpis.children...wall-clock.children..",
        "outputs": [{"id": "wall-kpis", "property": "children"}, {"id": "wall-clock", "property": "children"}],
    }))
    assert _callback_name(body) == "wall-kpis.children +1"
    pattern = {"outputs": [[{"id": {"type": "card", "index": 1}, "property": "figure"}]]}
    assert _callback_name(pattern) == '{"index": 1, "type": "card"}.figure'
