"""What the complaints, halls and wall pages show, read back from their callbacks' outputs into numbers: texts,
figure traces (bars by label, series by local time), the funnel's stages and side-step note, and the wall's
refresh; with the comparison of each against the oracle's numbers, one line per difference."""

from __future__ import annotations

import html
import json
import re

import pandas as pd

from tests.oracle import pages, surfaces
from tests.oracle.harness import differences
from tests.reliability.dashpages import open_page, page_callbacks, page_layout, post_callback

#: What reads the moment a page is drawn for (frozen at the city's ``now``).
CLOCKS = ("layouts.components.timepicker.snapshot_time", "layouts.viewmodels.wall.snapshot_time",
          "layouts.viewmodels.map.snapshot_time")


def numbers_in(value: str) -> list[tuple[float, float]]:
    """Every number a text shows, with half the unit of its last digit."""
    return [pages.shown(m.group(0)) for m in pages.NUMBER.finditer(value)]


def near(shown: tuple[float, float], expected: float) -> bool:
    return abs(shown[0] - expected) <= shown[1]


def same_numbers(found: list[tuple[float, float]], wanted: list[float]) -> bool:
    """Whether the numbers a text shows are ``wanted`` (in any order), each as rounded for display."""
    return len(found) == len(wanted) and all(any(near(f, w) for f in found) for w in wanted) and all(
        any(near(f, w) for w in wanted) for f in found)


def series(trace: dict) -> dict:
    """A trace's points: local time (naive) -> value."""
    xs = [pd.Timestamp(x) for x in pages.values(trace.get("x"))]
    return dict(zip(xs, pages.values(trace.get("y")), strict=True))


def bars(figure: dict, counts: bool = False) -> dict[str, float]:
    """A ranked bar chart's bars: label (the name at the bar's position) -> value (``counts``: without bars of 0,
    the oracle's categories with nothing received have none; a category with tickets due but none received is
    drawn at 0)."""
    if not figure["data"]:
        return {}
    trace, names = figure["data"][0], figure["layout"]["yaxis"]["ticktext"]
    labels = [html.unescape(str(names[int(y)])) for y in pages.values(trace["y"])]
    assert len(set(labels)) == len(labels), f"bars sharing a label, which a mapping would merge: {labels}"
    return {k: v for k, v in zip(labels, pages.values(trace["x"]), strict=True) if v or not counts}


def funnel_differences(where: str, figure: dict, expected: dict[str, float]) -> list[str]:
    """The funnel's five stages (in order) and the side steps' note against the oracle's."""
    stages = figure["data"][0]
    shown = dict(zip(surfaces.STAGES, pages.values(stages["x"]), strict=False))
    lines = [f"{where}: {len(pages.values(stages['y']))} stages shown"] if len(shown) != len(surfaces.STAGES) else []
    note = figure["layout"]["annotations"][0]["text"]
    side = [n[0] for n in numbers_in(note)]
    shown |= dict(zip(surfaces.SIDE_STEPS, side, strict=False))
    return lines + differences(where, shown, expected)


def bars_differences(where: str, shown: dict[str, float], expected: dict[str, float], limit: int) -> list[str]:
    """Each bar is the oracle's value under its label; as many bars as the oracle has (at most ``limit``), none
    of them unlabelled."""
    expected = {k: v for k, v in expected.items() if v is not None and not pd.isna(v)}
    lines = [f"{where} {label!r}: shows {value}, oracle {expected.get(label)}" for label, value in shown.items()
             if label not in expected or not near((value, 1e-6), expected[label])]
    if len(shown) != min(limit, len(expected)):
        lines.append(f"{where}: {len(shown)} bars, oracle {min(limit, len(expected))}")
    lines += [f"{where}: a bar without a label" for label in shown if not label.strip()]
    return lines


def series_differences(where: str, shown: dict, expected: dict) -> list[str]:
    """Per interval, the value shown against the oracle's (no value: none there)."""
    keys = set(shown) | set(expected)
    return differences(where, {str(k): shown.get(k) for k in keys}, {str(k): expected.get(k) for k in keys})


def wall_refresh(app, http, lang: str) -> dict:
    """The wall's refresh callback (every scene, figures sent whole): ``{id: {property: value}}``, pattern ids
    as their ``panel``."""
    http.get(f"/wall?lang={lang}")  # the page shell: Dash's pages router and the CSRF cookie
    layout = page_layout(open_page(app, http, "/wall", f"?lang={lang}"))
    key, body = next((k, b) for k, b in page_callbacks(http, layout) if "wall-banner.children" in k)
    for item in body["state"]:
        if item["id"] in ("wall-drawn", "wall-deferred"):
            item["value"] = None
    answer = post_callback(http, body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    out: dict = {}
    for component, props in answer.get_json()["response"].items():
        if component.startswith("{"):
            ident = json.loads(component)
            out.setdefault(ident["type"], {})[ident["panel"]] = props
        else:
            out[component] = props
    return out


def named_trace(figure: dict, name: str) -> dict:
    """The trace called ``name`` (empty when the figure has none)."""
    return next((trace for trace in figure["data"] if trace.get("name") == name), {})


def fields(template: str, value: str) -> dict[str, str]:
    """The texts a catalogue ``template`` was filled with to read ``value`` (empty when it does not read so)."""
    pattern = "".join(f"(?P<{part[1:-1]}>.*?)" if part.startswith("{") else re.escape(part)
                      for part in re.split(r"(\{\w+\})", template))
    match = re.fullmatch(pattern, html.unescape(value), re.DOTALL)
    return match.groupdict() if match else {}


def hovers(figure: dict, layer: str, template: str, key: str = "name") -> dict[str, dict[str, str]]:
    """The hover texts of a map's traces whose name starts with ``layer`` read by ``template``, by their
    ``key`` field (``location``: by the feature's location), one entry per feature (a road's points repeat its
    text)."""
    out = {}
    for trace in figure["data"]:
        if not str(trace.get("name", "")).startswith(layer):
            continue
        texts = trace.get("hovertext") or []
        places = trace.get("locations") or [None] * len(texts)
        for place, hover in zip(places, texts, strict=True):
            if hover:
                read = fields(template, str(hover))
                out[place if key == "location" else read.get(key, hover)] = read
    return out


def line_hovers(figure: dict, layer: str, template: str) -> list[tuple[str, dict[str, str]]]:
    """The lines (each run of points between gaps: one road) of a map's traces whose name starts with ``layer``,
    each as its name and its hover text read by ``template`` (roads of one name are told apart by their
    numbers only)."""
    out = []
    for trace in figure["data"]:
        if not str(trace.get("name", "")).startswith(layer):
            continue
        started = False
        for lon, hover in zip(pages.values(trace.get("lon")), trace.get("hovertext") or [], strict=True):
            if lon is None or lon != lon:  # a gap (None, or NaN in a typed array)
                started = False
            elif not started:
                started = True
                read = fields(template, str(hover))
                out.append((read.get("name", str(hover)), read))
    return out


def _pairs(fits: list[list[int]]) -> dict[int, int]:
    """A largest pairing of shown features (``fits[i]``: the oracle's features shown one may be) with the
    oracle's, by augmenting paths: oracle's index -> shown index."""
    taken: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j not in seen:
                seen.add(j)
                if j not in taken or place(taken[j], seen):
                    taken[j] = i
                    return True
        return False

    for i in range(len(fits)):
        place(i, set())
    return taken


def matched_differences(where: str, shown: list[tuple[str, dict]], expected: list[tuple[str, dict]],
                        keys: tuple[str, ...]) -> list[str]:
    """Features shown (name, texts by field) against the oracle's (name, number by key): paired one to one, a
    shown one with one of the oracle's of its name showing all ``keys`` (as rounded for display); one line per
    feature left unpaired on either side."""
    numbers = [{k: pages.shown(texts[k]) if k in texts else None for k in keys} for _, texts in shown]
    fits = [[j for j, (other, want) in enumerate(expected) if other == name and all(
        got[k] is not None and want[k] is not None and near(got[k], want[k]) for k in keys)]
        for (name, _), got in zip(shown, numbers, strict=True)]
    paired = _pairs(fits)
    lines = []
    for i, (name, _) in enumerate(shown):
        if i not in paired.values():
            values = {k: v and v[0] for k, v in numbers[i].items()}
            lines.append(f"{where} · {name}: shows {values}, oracle has none such; of that name: "
                         f"{[want for j, (other, want) in enumerate(expected) if other == name and j not in paired]}")
    return lines + [f"{where} · {name}: not shown, oracle {want}" for j, (name, want) in enumerate(expected)
                    if j not in paired]


def hover_values(read: dict[str, dict[str, str]], field: str) -> dict[str, tuple[float, float] | None]:
    """Each feature's ``field`` as the number it shows (None: none shown, or the text did not read)."""
    return {name: pages.shown(texts[field]) if field in texts else None for name, texts in read.items()}


def shown_differences(where: str, shown: dict[str, tuple[float, float] | None], expected: dict) -> list[str]:
    """Per name, the number shown (as rounded for display) against the oracle's."""
    lines = []
    for name in sorted(set(shown) | set(expected)):
        got, want = shown.get(name), expected.get(name)
        if (got is None) != (want is None) or (got is not None and not near(got, want)):
            lines.append(f"{where} · {name}: shows {None if got is None else got[0]!r}, oracle {want!r}")
    return lines
