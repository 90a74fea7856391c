"""The map explorer's time is the page's: its period buttons are the time picker's quick periods, and the URL's
period, custom range and as-of moment decide its span."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.frame import page_request
from layouts.components.timepicker import QUICK
from layouts.viewmodels import map as view_model


@pytest.fixture
def app(sqlite_engine, tmp_path):
    return create_app(sqlite_engine, Settings(var_dir=tmp_path, auth_mode="open"))


def test_the_buttons_are_the_pickers_quick_periods():
    assert tuple(view_model.PERIODS) == tuple(QUICK)


def test_the_urls_period_and_as_of_decide_the_span(app):
    with app.server.test_request_context("/map"):
        # last month as at 15 June 2026 in Shanghai (UTC+8): May 2026, local midnights
        span = view_model.page_span(
            page_request(None, None, query={"period": "last_month", "as_of": "2026-06-15T12:00"}), "last_month"
        )
        assert (span.start, span.end) == (datetime(2026, 4, 30, 16, tzinfo=UTC), datetime(2026, 5, 31, 16, tzinfo=UTC))
        assert span.grain == "day"
        # a link's custom range of dates, without a period: 1–3 March, both included
        span = view_model.page_span(page_request(None, None, query={"from": "2026-03-01", "to": "2026-03-03"}), None)
        assert (span.start, span.end) == (datetime(2026, 2, 28, 16, tzinfo=UTC), datetime(2026, 3, 3, 16, tzinfo=UTC))
        assert span.period == "custom"
