"""The overview's cards compared with the same part of the day a year earlier (同比) and with the previous day
(环比): the comparison values equal pandas counts over the raw complaints; a domain without last year's data
says "no data", never 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import insert, text

from dashboard.db import rollups
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.db.models import Complaint
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.dashboard.synthetic_city import _complaint, populate

TZ = ZoneInfo("Asia/Shanghai")
#: The moment the page is drawn: 2026-12-02 15:30 in the city (07:30 UTC).
NOW = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    engine = make_engine(f"sqlite:///{folder / 'city.db'}")
    upgrade(engine)
    populate(engine, NOW)
    last_year = datetime(2025, 12, 2, tzinfo=TZ)  # the same local date a year earlier
    hours = (0.5, 3, 9, 15.4, 15.6, 16.2, 20, -2, 30)  # local hours after that midnight
    rows = [
        _complaint(5000 + i, (last_year + timedelta(hours=h)).astimezone(UTC), district_code="339902")
        for i, h in enumerate(hours)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Complaint), rows)
        rollups.rebuild(conn, "complaints")
    yield create_app(engine, Settings(var_dir=folder, auth_mode="open")), engine
    engine.dispose()


def _raw(engine) -> pd.Series:
    with engine.connect() as conn:
        times = pd.read_sql(text("SELECT requested_at FROM complaint"), conn)["requested_at"]
    return pd.to_datetime(times, utc=True, format="ISO8601")


def _count(times: pd.Series, start: datetime, end: datetime) -> int:
    return int(((times >= start) & (times < end)).sum())


def _nodes(component):
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            yield node
            stack.append(getattr(node, "children", None))


def _card(page, kpi_id: str):
    return next(n for n in _nodes(page) if "kpi=" + kpi_id + "&" in str(getattr(n, "href", "")))


def _change(card):
    return next(n for n in _nodes(card) if str(getattr(n, "className", "")).startswith("change"))


def _draw(app, monkeypatch, **query):
    from layouts.components import timepicker
    from layouts.pages import overview

    monkeypatch.setattr(timepicker, "snapshot_time", lambda _context: NOW)
    with app.server.test_request_context("/"):
        return overview.layout(**query)


def test_year_on_year_equals_pandas_over_the_raw_facts(app, monkeypatch):
    app, engine = app
    page = _draw(app, monkeypatch, lang="en", compare="year")
    times = _raw(engine)
    local = NOW.astimezone(TZ)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    current = _count(times, today, NOW)
    # the same part of the day a year earlier, to the minute: up to 15:30 (the facts of the hour holding 15:30
    # count up to 15:30 only, though the rollups' grain is the hour)
    base = _count(times, today.replace(year=2025), local.replace(year=2025))
    assert base == 4  # hours 0.5, 3, 9 and 15.4 of that day; not 15.6 (15:36), 16.2, 20, the day before or after
    change = _change(_card(page, "complaints_received"))
    assert change.title == f"comparison period: {base}"
    delta, percent = current - base, (current - base) / base * 100
    sign = "+" if delta > 0 else "−"
    arrow = "▲" if delta > 0 else "▼"
    assert change.children == f"{sign}{abs(delta)} ({sign}{abs(percent):.1f}%) {arrow} vs a year earlier"
    # the halls and the air hold no data a year back: no data, not a change from 0
    for kpi in ("hall_wait_minutes", "air_exceedance_hours"):
        moved = _change(_card(page, kpi))
        assert moved.children == "no data vs a year earlier" and moved.title is None, kpi
        assert "text-success" not in moved.className and "text-danger" not in moved.className


def test_previous_day_equals_pandas_over_the_raw_facts(app, monkeypatch):
    app, engine = app
    page = _draw(app, monkeypatch, lang="zh", compare="previous")
    times = _raw(engine)
    local = NOW.astimezone(TZ)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    base = _count(times, today - timedelta(days=1), local.replace(minute=0) + timedelta(hours=1 - 24))  # to 16:00
    change = _change(_card(page, "complaints_received"))
    assert change.title == f"对比期数值 {base}"
    assert change.children.startswith("较昨日同时段 ")


def test_year_on_year_before_the_first_data_is_no_data(app, monkeypatch):
    """Last year's fourth quarter began two months before the first complaint the database holds: its count is
    unknown, not the few complaints of its last days."""
    app, _engine = app
    page = _draw(app, monkeypatch, lang="zh", period="this_quarter", compare="year")
    moved = _change(_card(page, "complaints_received"))
    assert moved.children == "同比 无数据" and moved.title is None


def _headline(page, kpi_id: str):
    card = next(n for n in _nodes(page) if getattr(n, "id", None) == {"type": "kpi-card", "kpi": kpi_id})
    return _change(card)


def test_headline_and_wall_cards_compare_with_last_year(app, monkeypatch):
    """Complaints so far today against the same part of that day a year earlier, on the overview's headline
    card and on the wall's (``/wall?compare=year``); the halls' wait has no data a year back."""
    app, engine = app
    from layouts.pages import wall
    from layouts.viewmodels import wall as wall_model

    monkeypatch.setattr(wall_model, "snapshot_time", lambda _context: NOW)
    times = _raw(engine)
    local = NOW.astimezone(TZ)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    base = _count(times, today.replace(year=2025), local.replace(year=2025))
    current = _count(times, today, NOW)
    overview_page = _draw(app, monkeypatch, lang="zh", compare="year")
    with app.server.test_request_context("/"):
        wall_page = wall.layout(lang="zh", compare="year")
    for page in (overview_page, wall_page):
        moved = _headline(page, "complaints_today")
        assert moved.title == f"对比期数值 {base}"
        assert moved.children.startswith(f"同比 {'+' if current > base else '−'}{abs(current - base)} (")
        assert "text-danger" in moved.className if current > base else "text-success" in moved.className
        assert _headline(page, "hall_wait").children == "同比 无数据"
    with app.server.test_request_context("/"):
        plain = wall.layout(lang="zh")
    assert not [n for n in _nodes(plain) if str(getattr(n, "className", "")).startswith("change")]


def test_complaints_page_tiles_and_trend_compare_with_last_year(app, monkeypatch):
    """The complaints page over today with ``compare=year``: the received tile's comparison value is the pandas
    count over last year's same part of the day, and the trend overlays last year's hours dashed, moved a year
    on; without a comparison neither shows."""
    app, engine = app
    from dashboard.context import RequestContext
    from dashboard.kpis.timespan import TimeSelection, resolve
    from dashboard.settings import Settings
    from layouts.components.domain import View
    from layouts.pages import complaints

    times = _raw(engine)
    local = NOW.astimezone(TZ)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    base = _count(times, today.replace(year=2025), local.replace(year=2025))
    settings = Settings(var_dir=engine.url.database.rsplit("/", 1)[0], auth_mode="open")

    def drawn(compare):
        span = resolve(TimeSelection("today", compare=compare), NOW, "Asia/Shanghai")
        return complaints.draw(View(RequestContext(engine, settings, "en", "light", "public", None), span, None))

    with_year = drawn("year")
    received = next(tile for tile in with_year.tiles if tile.key == "received")
    assert received.change.title == f"comparison period: {base}"
    assert received.change.children.endswith("vs a year earlier")
    dashed = [tr for tr in with_year.figures["trend"]().data if tr.type == "scatter" and tr.line.dash == "dash"]
    assert [tr.name for tr in dashed] == ["Received · Year before", "Closed · Year before"]
    shifted = pd.Series(pd.to_datetime(dashed[0].x))
    counted = pd.Series(dashed[0].y, index=shifted)
    assert counted.sum() == base  # last year's hours of the span, each drawn at this year's same local hour
    assert shifted.min() >= today.replace(tzinfo=None) and shifted.max() < local.replace(tzinfo=None)
    plain = drawn(None)
    assert all(tile.change is None for tile in plain.tiles)
    assert not [tr for tr in plain.figures["trend"]().data if tr.type == "scatter" and tr.line.dash == "dash"]


def _score_trend(page) -> tuple[pd.Series, pd.Series | None, list[str]]:
    """The score trend's daily scores and its dashed comparison days (by local date), and its annotations."""
    import plotly.graph_objects as go

    figure = go.Figure(next(n for n in _nodes(page) if getattr(n, "id", None) == "overview-score-trend").figure)

    def series(trace) -> pd.Series:
        return pd.Series([None if v is None else float(v) for v in trace.y], index=pd.to_datetime(trace.x).date)

    dashed = [tr for tr in figure.data if tr.line.dash == "dash"]
    return series(figure.data[0]), series(dashed[0]) if dashed else None, [a.text for a in figure.layout.annotations]


def test_score_trend_overlays_the_14_days_before(app, monkeypatch):
    """Each dashed day is the score of the day 14 days earlier, as the trend itself draws that day when the
    overview is seen 14 days earlier (its last day: up to the same moment)."""
    app, _engine = app
    _main, before, notes = _score_trend(_draw(app, monkeypatch, lang="en", compare="previous"))
    earlier = (NOW - timedelta(days=14)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    then, _, _ = _score_trend(_draw(app, monkeypatch, lang="en", as_of=earlier))
    assert before is not None and not notes
    moved = pd.Series(then.to_numpy(), index=[d + timedelta(days=14) for d in then.index])
    assert before.dropna().to_dict() == moved.dropna().to_dict() and len(before.dropna()) > 0


def test_score_trend_a_year_back_starts_at_the_first_data(app, monkeypatch):
    """The database's first complaint is of 1 December 2025 (22:00 local): the days a year back are drawn from
    that day on (moved a year), the days before it have no score (no point, not 0)."""
    app, _engine = app
    _main, before, _notes = _score_trend(_draw(app, monkeypatch, lang="en", compare="year"))
    assert before is not None
    assert [d.isoformat() for d in before.index] == ["2026-12-01", "2026-12-02"]
    then, _, _ = _score_trend(_draw(app, monkeypatch, lang="en", as_of="2025-12-02T15:30"))
    assert before.iloc[-1] == then.iloc[-1]
