"""The comparisons a user sees (环比: the previous period, 同比: a year earlier) equal the oracle's numbers over
the compared span, for running calendar periods (today, this week, this month) and a rolling window (the last 7
days) seen at the adversarial city's mid-hour moment (02:40 UTC, 10:40 in Shanghai).

The compared spans are written here from the calendar by hand (a running period compares with the same elapsed
part of the one before, to the minute); the city gets tickets planted just before and just after each compared
span's edges (10:30 and 10:50 local around an end at 10:40), so that a span read to the end of its hour, or from
the start of its first hour, counts what it must not. Checked: the time model's compared span, the API's
``compare`` values (``/api/v1/kpis``) and the overview's registry cards (comparison value, change and percent)
as the callback endpoint answers them.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from collectors.records import ComplaintRecord
from collectors.sinks import store
from dashboard.kpis.registry import load_registry
from dashboard.kpis.timespan import TimeSelection, comparison, resolve
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.conftest import _postgres_engine
from tests.oracle import adversarial_city, oracle, pages, readback, served
from tests.oracle.conftest import _sqlite
from tests.oracle.harness import assert_no_differences, differences

TZ = adversarial_city.TIMEZONE
NOW = adversarial_city.NOW
ZONE = ZoneInfo(TZ)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


#: (period, compare) -> the compared span [start, end), by hand. NOW is Thursday 19 November 2026, 10:40 local;
#: the week starts on Monday 16 November. 同比 is the same local dates and times a year earlier; a rolling window
#: keeps its length (Shanghai has no daylight saving time, so 7 days are 168 hours).
SPANS = {
    ("today", "previous"): (local(2026, 11, 18), local(2026, 11, 18, 10, 40)),
    ("today", "year"): (local(2025, 11, 19), local(2025, 11, 19, 10, 40)),
    ("this_week", "previous"): (local(2026, 11, 9), local(2026, 11, 12, 10, 40)),
    ("this_week", "year"): (local(2025, 11, 16), local(2025, 11, 19, 10, 40)),
    ("this_month", "previous"): (local(2026, 10, 1), local(2026, 10, 19, 10, 40)),
    ("this_month", "year"): (local(2025, 11, 1), local(2025, 11, 19, 10, 40)),
    ("7d", "previous"): (local(2026, 11, 5, 10, 40), local(2026, 11, 12, 10, 40)),
    ("7d", "year"): (local(2025, 11, 12, 10, 40), local(2025, 11, 19, 10, 40)),
}
#: The current spans, by hand.
CURRENT = {
    "today": (local(2026, 11, 19), NOW),
    "this_week": (local(2026, 11, 16), NOW),
    "this_month": (local(2026, 11, 1), NOW),
    "7d": (local(2026, 11, 12, 10, 40), NOW),
}
CASES = list(SPANS)
#: The edges of the compared spans inside an hour (every end, and the rolling windows' starts).
EDGES = sorted({end for _, end in SPANS.values()} | {SPANS[("7d", c)][0] for c in ("previous", "year")})
#: The last 30 local days up to the moment the headline cards compare with (on-time closure), by hand.
LAST_30_DAYS = {
    "previous": (local(2026, 10, 20), local(2026, 11, 18, 10, 40)),
    "year": (local(2025, 10, 21), local(2025, 11, 19, 10, 40)),
}
#: A ticket before every compared span, so that each lies within the complaints' history (not "no data").
OLDEST = local(2025, 9, 1, 12)

#: Registry KPI id -> the oracle's name, for the complaint numbers (and the open tickets at the as-of moment) and
#: the service halls' (whose tickets reach back only 9 days: the compared spans before that have no hall data).
COMPLAINT_KPIS = {k: v for k, v in served.REGISTRY.items() if k.startswith("complaint")}
HALL_KPIS = {k: v for k, v in served.REGISTRY.items() if k.startswith("hall")}


def _planted(edge: datetime, i: int) -> list[dict]:
    """Tickets around ``edge``: received, due, closed and rated 10 minutes before it (inside a span ending there)
    or after it (outside), one received earlier whose deadline falls just after it and one left open whose
    deadline falls just before it."""
    m = timedelta(minutes=1)
    common = dict(category="noise", category_name="噪声扰民", department_code="D01", district_code="339901",
                  lon=120.6, lat=30.9)
    return [
        dict(common, source_id=f"P{i}-in", status="closed", requested_at=edge - 10 * m, due_at=edge - 4 * m,
             closed_at=edge - 6 * m, satisfaction="unsatisfied", returned_count=2, reopened_count=1,
             updated_at=edge - 6 * m),
        dict(common, source_id=f"P{i}-out", status="closed", requested_at=edge + 10 * m, due_at=edge + 15 * m,
             closed_at=edge + 12 * m, satisfaction="satisfied", returned_count=1, updated_at=edge + 12 * m),
        dict(common, source_id=f"P{i}-due", status="closed", requested_at=edge - 120 * m, due_at=edge + 5 * m,
             closed_at=edge + 3 * m, satisfaction="basically_satisfied", updated_at=edge + 3 * m),
        dict(common, source_id=f"P{i}-open", status="dispatched", requested_at=edge - 50 * m, due_at=edge - 2 * m,
             updated_at=edge - 50 * m),
    ]


def plant(engine) -> None:
    """The adversarial city with the planted tickets (stored as the hotline feed stores them)."""
    adversarial_city.build(engine)
    rows = [r for i, edge in enumerate(EDGES) for r in _planted(edge, i)]
    rows.append(dict(source_id="P-oldest", status="closed", requested_at=OLDEST, due_at=OLDEST + timedelta(days=1),
                     closed_at=OLDEST + timedelta(hours=2), updated_at=OLDEST + timedelta(hours=2)))
    with engine.begin() as conn:
        store(conn, "complaints", "hotline", [ComplaintRecord(**r) for r in rows], NOW, timezone=TZ)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def planted(request, tmp_path_factory):
    """The planted adversarial city in a migrated database and the oracle's reading of its facts."""
    databases = _sqlite(tmp_path_factory) if request.param == "sqlite" else _postgres_engine()
    engine = next(databases)
    try:
        plant(engine)
        yield engine, oracle.Facts.read(engine)
    finally:
        databases.close()


def expected_numbers(facts: oracle.Facts, start: datetime, end: datetime) -> dict[str, float | None]:
    """The oracle's complaint and hall numbers of [start, end) and the open tickets at ``end``, by registry KPI
    id."""
    numbers = oracle.complaint_numbers(facts, start, end, end) | oracle.open_tickets(facts, end)
    numbers |= oracle.hall_numbers(facts, start, end, end)
    return {kpi: numbers[name] for kpi, name in (COMPLAINT_KPIS | HALL_KPIS).items()}


def compared_numbers(facts: oracle.Facts, start: datetime, end: datetime) -> dict[str, float | None]:
    """:func:`expected_numbers` of a compared span: none (no data, not 0) for a domain whose first fact is after
    the span's start (a comparison period before a domain's data has no data, not a value of 0)."""
    numbers = expected_numbers(facts, start, end)
    first = {**dict.fromkeys(COMPLAINT_KPIS, facts.complaints["requested_at"].min()),
             **dict.fromkeys(HALL_KPIS, facts.halls["issued_at"].min())}
    return {kpi: None if first[kpi] > start else value for kpi, value in numbers.items()}


# --- the compared spans ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "compare"), CASES)
def test_compared_span(period, compare):
    """The time model's compared span is the one written by hand, and the current one too."""
    span = resolve(TimeSelection(period, compare=compare), NOW, TZ)
    assert (span.start, span.end) == CURRENT[period]
    other = comparison(span, TZ)
    assert (other.start, other.end) == SPANS[(period, compare)]


def test_planted_tickets_discriminate(planted):
    """Each compared span's numbers differ from those of the span read to the end of its last hour and from the
    start of its first: the planted tickets are where they must be."""
    _, facts = planted
    for (period, compare), (start, end) in SPANS.items():
        exact = expected_numbers(facts, start, end)
        whole_hours = expected_numbers(facts, start, end.replace(minute=0) + timedelta(hours=1))
        assert exact["complaints_received"] != whole_hours["complaints_received"], (period, compare)
        assert exact["complaint_on_time_rate"] != whole_hours["complaint_on_time_rate"], (period, compare)
        if start.minute:
            from_hour = expected_numbers(facts, start.replace(minute=0), end)
            assert exact["complaints_received"] != from_hour["complaints_received"], (period, compare)


# --- the API -------------------------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def api(planted, tmp_path_factory):
    engine, _ = planted
    app = create_app(engine, Settings(var_dir=tmp_path_factory.mktemp("api"), auth_mode="open")).server
    with mock.patch("dashboard.web.api._now", return_value=NOW), app.test_client() as client:
        yield client


@pytest.mark.parametrize(("period", "compare"), CASES)
def test_api_comparison(planted, api, period, compare):
    """``/api/v1/kpis?period=…&compare=…`` names the compared span and gives each complaint and hall KPI's value
    over it (no data where the domain's facts do not reach back to its start, as the overview's cards say) and
    over the current span as the oracle computes them."""
    _, facts = planted
    answer = api.get(f"/api/v1/kpis?period={period}&compare={compare}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    start, end = SPANS[(period, compare)]
    assert body["period"]["compare"] == {"kind": compare, "start": _iso(start), "end": _iso(end)}
    values = {row["id"]: row for row in body["values"]}
    expected = compared_numbers(facts, start, end)
    lines = differences(f"/api/v1/kpis {period} compare={compare}", {k: values[k]["compare"] for k in expected},
                        expected)
    expected = expected_numbers(facts, *CURRENT[period])
    lines += differences(f"/api/v1/kpis {period} current", {k: values[k]["value"] for k in expected}, expected)
    assert_no_differences(lines)


# --- the overview's cards ------------------------------------------------------------------------------------------

#: A change as a card shows it: sign, number (compact unit), percentage points, the relative change, the arrow.
CHANGE = re.compile(
    r"(?P<sign>[+−±])(?P<delta>\d[\d,]*(?:\.\d+)?(?:万|亿|K|M|B)?)(?P<points> 个百分点| pt)?"
    r"(?: \((?P<psign>[+−])(?P<percent>\d[\d,]*(?:\.\d+)?(?:万|亿|K|M|B)?)%\))? (?P<arrow>[▲▼＝])"
)
NO_DATA = {"zh": "无数据", "en": "no data"}
WHOLE = {"complaints_received", "complaint_backlog", "complaint_overdue"}


@pytest.fixture(scope="module")
def overview(planted, tmp_path_factory):
    engine, _ = planted
    app = create_app(engine, Settings(var_dir=tmp_path_factory.mktemp("pages"), auth_mode="open"))
    with ExitStack() as stack:
        for clock in readback.CLOCKS:
            stack.enter_context(mock.patch(clock, return_value=NOW))
        yield app, stack.enter_context(app.server.test_client())


def card_differences(where: str, node: dict, current: float | None, base: float | None, lang: str, digits: int,
                     rate: bool) -> list[str]:
    """A card's comparison line (``node``: its ``change`` span) against the oracle's current and compared values
    (in the unit shown: a rate in per cent): the compared value in its tooltip, the change (in percentage points
    for a ``rate``) and the relative change (of a count or an amount)."""
    shown, title = pages.text(node), node["props"].get("title")
    if current is None or base is None:
        return [] if NO_DATA[lang] in shown else [f"{where}: shows {shown!r}, oracle {current!r} vs {base!r}"]
    lines = []
    if title is None or not pages.shows(title, base):
        lines.append(f"{where}: compared value {title!r}, oracle {base:.{digits + 2}f}")
    match = CHANGE.search(shown)
    if match is None:
        return [*lines, f"{where}: no change in {shown!r}"]
    delta = current - base
    # a change that shows as 0 at the card's digits reads as none: "±0 ＝", without a relative change
    rounds_away = delta != 0 and f"{abs(delta):.{digits}f}" == f"{0:.{digits}f}"
    delta = 0.0 if rounds_away else delta
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "＝"
    if (match["sign"], match["arrow"]) != (sign, arrow) or not pages.shows(match["delta"], abs(delta)):
        lines.append(f"{where}: change {match[0]!r}, oracle {delta:+.{digits + 2}f}")
    if rate:
        if match["points"] is None or match["percent"] is not None:
            lines.append(f"{where}: a rate's change {match[0]!r} is not in percentage points alone")
        return lines
    percent = delta / abs(base) * 100 if base and not rounds_away else None
    if percent is None:
        if match["percent"] is not None:
            lines.append(f"{where}: relative change {match[0]!r} against a base of 0 or a change shown as 0")
    elif match["percent"] is None or not pages.shows(match["percent"], abs(percent)) or (
        match["psign"] != ("+" if percent >= 0 else "−")
    ):
        lines.append(f"{where}: relative change {match[0]!r}, oracle {percent:+.3f}%")
    return lines


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def headline_differences(facts: oracle.Facts, cards, compare: str, lang: str) -> list[str]:
    """The headline cards of today's received tickets and of on-time closure over the last 30 local days (both
    compared with the same moment of the day before, or of the same day a year earlier, whatever the period)."""
    received = [oracle.complaint_numbers(facts, start, end, end)["received"]
                for start, end in (CURRENT["today"], SPANS[("today", compare)])]
    on_time = [_percent(oracle.complaint_numbers(facts, start, end, end)["on_time_rate"])
               for start, end in ((local(2026, 10, 21), NOW), LAST_30_DAYS[compare])]
    lines = []
    for card, (current, base), digits, rate in (("complaints_today", received, 0, False),
                                               ("on_time_closure", on_time, 1, True)):
        node = pages.by_class(pages.by_id(cards, {"type": "kpi-card", "kpi": card}), "change")
        lines += card_differences(f"overview ({lang}) compare={compare} headline {card}", node, current, base, lang,
                                  digits, rate)
    return lines


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("period", "compare"), CASES)
def test_overview_cards_compared(planted, overview, period, compare, lang):
    """The overview's registry cards of the complaint and hall KPIs, drawn by the refresh callback for the selection:
    the compared value, the change and the relative change a card shows are the oracle's; and the headline
    cards' changes."""
    _, facts = planted
    app, http = overview
    prefs = {"lang": lang, "theme": "light", "time": {"period": period, "compare": compare}}
    answer = pages.callback(http, app, "overview-cards.children", {
        ("overview-interval", "n_intervals"): 1, ("overview-prefs", "data"): prefs,
    })
    assert answer["overview-banner"]["children"] is None
    cards = answer["overview-cards"]["children"]
    links = {n["props"]["href"].split("?kpi=")[1].split("&")[0]: n for n in pages.nodes(cards)
             if "?kpi=" in str(n["props"].get("href", ""))}
    registry = load_registry()
    current = expected_numbers(facts, *CURRENT[period])
    base = compared_numbers(facts, *SPANS[(period, compare)])
    lines = []
    for kpi_id in base:
        kpi, where = registry[kpi_id], f"overview ({lang}) {period} compare={compare} card {kpi_id}"
        scale = 100 if kpi.percent else 1
        now, then = (None if v[kpi_id] is None else v[kpi_id] * scale for v in (current, base))
        number = pages.text(pages.by_class(links[kpi_id], "sc-number"))
        if not pages.shows(number, now):
            lines.append(f"{where}: shows {number!r}, oracle {now!r}")
        lines += card_differences(where, pages.by_class(links[kpi_id], "change"), now, then, lang,
                                  0 if kpi_id in WHOLE else 1, kpi.percent)
    lines += headline_differences(facts, answer["overview-kpis"]["children"], compare, lang)
    assert_no_differences(lines)
