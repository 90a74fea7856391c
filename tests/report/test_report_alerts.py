"""The report's alerts of a period, counted by hand: opened in it, of them acknowledged by its end, and every
alert still open at its end."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.db.models import Alert
from dashboard.queries.alerts import alerts_between

START = datetime(2026, 11, 15, 16, 0, tzinfo=UTC)  # 2026-11-16 local
END = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)


def _alert(subject, opened, closed=None, acknowledged=None, severity="warning"):
    return {"rule": "hall_wait", "severity": severity, "subject": subject, "message_zh": f"{subject} 等候过长",
            "message_en": f"{subject} long wait", "value": 31.0, "opened_at": opened, "closed_at": closed,
            "acknowledged_at": acknowledged}


def test_alerts_of_a_period(sqlite_engine):
    rows = [
        _alert("before-still-open", datetime(2026, 11, 15, 10, tzinfo=UTC)),  # opened before, open at the end
        _alert("before-closed-in", datetime(2026, 11, 15, 10, tzinfo=UTC),
               closed=datetime(2026, 11, 16, 1, tzinfo=UTC)),
        _alert("in-acked", datetime(2026, 11, 16, 2, tzinfo=UTC), acknowledged=datetime(2026, 11, 16, 3, tzinfo=UTC),
               severity="critical"),
        _alert("in-acked-later", datetime(2026, 11, 16, 4, tzinfo=UTC),
               acknowledged=datetime(2026, 11, 16, 17, tzinfo=UTC)),  # acknowledged after the end
        _alert("in-closed-after", datetime(2026, 11, 16, 5, tzinfo=UTC), closed=datetime(2026, 11, 17, tzinfo=UTC)),
        _alert("in-closed-in", datetime(2026, 11, 16, 6, tzinfo=UTC), closed=datetime(2026, 11, 16, 7, tzinfo=UTC)),
        _alert("after", datetime(2026, 11, 16, 18, tzinfo=UTC)),  # opened after the end
    ]
    with sqlite_engine.begin() as conn:
        conn.execute(Alert.__table__.insert(), rows)
    counts, opened = alerts_between(sqlite_engine, START, END)
    # opened in the period: the four "in-" alerts; acknowledged by the end: in-acked; open at the end:
    # before-still-open, in-acked (never closed), in-acked-later (never closed), in-closed-after
    assert counts == {"opened": 4, "acknowledged": 1, "still_open": 4}
    assert opened["subject"].tolist() == ["in-acked", "in-acked-later", "in-closed-after", "in-closed-in"]
