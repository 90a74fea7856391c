"""A failed refresh keeps the last values (no_update) and shows a banner instead of a traceback."""

from dash import no_update

from dashboard.queries.base import DatabaseUnavailable
from layouts.components.guard import guarded


def _raise(exc):
    def render():
        raise exc

    return render


def test_success_hides_the_banner():
    assert guarded(lambda: (1, 2), 2, "zh") == (1, 2, None)


def test_database_unavailable_keeps_values_and_says_so():
    *values, banner = guarded(_raise(DatabaseUnavailable("down")), 2, "zh")
    assert values == [no_update, no_update]
    assert banner.children == "数据库暂不可用，显示的是最后一次获取的数据。"


def test_other_errors_never_show_a_traceback():
    *values, banner = guarded(_raise(ValueError("secret internals")), 1, "en")
    assert values == [no_update]
    assert "secret" not in banner.children and "Traceback" not in banner.children
