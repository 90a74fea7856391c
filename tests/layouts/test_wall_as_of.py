"""The wall opened at a past moment (``?as_of=``) says so in its header, beside the live clock, in its
language; the live wall has no such mark."""

from __future__ import annotations

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app


@pytest.fixture
def app(sqlite_engine, tmp_path):
    """The app over an empty migrated database."""
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def _marks(page) -> list:
    found, stack = [], [page]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if getattr(node, "id", None) == "wall-as-of":
                found.append(node)
            stack.append(getattr(node, "children", None))
    return found


@pytest.mark.parametrize(("lang", "words"), [("zh", ("11月30日", "10:00")), ("en", ("30 Nov", "10:00"))])
def test_a_past_moment_is_marked_in_the_header(app, lang, words):
    from layouts.pages import wall

    with app.server.test_request_context("/wall"):
        past = wall.layout(lang=lang, as_of="2026-11-30T10:00")
        live = wall.layout(lang=lang, compare="year")
    (mark,) = _marks(past)
    text = str(mark.children)
    assert all(word in text for word in words), text
    assert _marks(live) == []


def test_the_ticker_shows_the_alerts_open_at_the_past_moment(app, sqlite_engine):
    """Of four alerts, only the one opened before the moment and closed after it was open then; the one still
    open today opened after it, and the two others closed before it or opened after it."""
    from datetime import UTC, datetime, timedelta

    from dashboard.db.models import Alert
    from layouts.components.frame import page_request
    from layouts.viewmodels.wall import alarms

    moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    spans = {
        "open then": (moment - hour, moment + hour),
        "closed before": (moment - 3 * hour, moment - 2 * hour),
        "opened after": (moment + hour, moment + 2 * hour),
        "open now": (moment + 5 * hour, None),
    }
    with sqlite_engine.begin() as conn:
        conn.execute(
            Alert.__table__.insert(),
            [
                {"rule": "hall_wait", "severity": "warning", "subject": name, "message_zh": name, "message_en": name,
                 "opened_at": opened, "closed_at": closed}
                for name, (opened, closed) in spans.items()
            ],
        )
    with app.server.test_request_context("/wall"):
        texts = [text for _, text in alarms(page_request("en", "light"), moment)]
    assert "open then" in texts
    assert not {"closed before", "opened after", "open now"} & set(texts)


def test_the_ticker_counts_the_failed_runs_of_the_hour_before_the_past_moment(app, sqlite_engine):
    """Two failed runs in the hour before the moment and three after it: the ticker at the moment says two."""
    from datetime import UTC, datetime, timedelta

    from dashboard.db.models import FeedRun
    from layouts.components.frame import page_request
    from layouts.viewmodels.wall import alarms

    moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    minutes = (-50, -10, 5, 30, 90)
    with sqlite_engine.begin() as conn:
        conn.execute(
            FeedRun.__table__.insert(),
            [{"feed": "traffic-ngsi", "started_at": moment + timedelta(minutes=m), "status": "failed"}
             for m in minutes],
        )
    with app.server.test_request_context("/wall"):
        texts = [text for _, text in alarms(page_request("en", "light"), moment)]
    assert "Feed traffic-ngsi: failed runs in the last hour: 2" in texts
    assert not any("failed runs" in text and text.endswith((": 3", ": 5")) for text in texts)
