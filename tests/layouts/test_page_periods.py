"""Each page's default period: built in, overridden by ``CITYOPS_PAGE_PERIODS``, an unknown period refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dashboard.settings import Settings
from dashboard.web.app import create_app
from layouts.components.frame import page_request
from layouts.components.timepicker import default_period, selection_for


def test_defaults_and_overrides(sqlite_engine, tmp_path):
    settings = Settings(var_dir=tmp_path, auth_mode="open", page_periods={"complaints": "this_month"})
    app = create_app(sqlite_engine, settings)
    with app.server.test_request_context("/"):
        context = page_request(None, None)
        assert default_period(context, "complaints") == "this_month"
        assert default_period(context, "overview") == "today" and default_period(context, "traffic") == "24h"
        assert default_period(context, "district") == "7d"
        assert selection_for(context, "complaints")[0].period == "this_month"
        assert selection_for(page_request(None, None, query={"period": "7d"}), "complaints")[0].period == "7d"
        selection, error = selection_for(page_request(None, None, query={"period": "fortnight"}), "complaints")
        assert selection.period == "this_month" and "period" in str(error)

def test_an_unknown_period_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="fortnight"):
        Settings(var_dir=tmp_path, page_periods={"overview": "fortnight"})


def test_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYOPS_PAGE_PERIODS", '{"overview": "last_month"}')
    assert Settings(var_dir=tmp_path).page_periods == {"overview": "last_month"}
