"""The report index and the delivery record on both databases: one row per period, language and format,
replaced when regenerated; the last attempt of each delivery decides whether it failed."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard.db.reports import index_report, record_delivery
from dashboard.queries.reports import deliveries, failed_deliveries, report, reports

AT = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


def _row(fmt: str, sha: str, size: int) -> dict:
    return {"kind": "daily", "first_day": "2026-11-16", "last_day": "2026-11-16", "lang": "zh", "format": fmt,
            "path": f"daily/daily-2026-11-16.zh.{fmt}", "sha256": sha, "size": size, "incomplete": "traffic",
            "note": None, "generated_at": AT}


def test_index_and_deliveries(engine):
    with engine.begin() as conn:
        pdf = index_report(conn, _row("pdf", "a" * 64, 100))
        html = index_report(conn, _row("html", "b" * 64, 50))
        again = index_report(conn, _row("pdf", "c" * 64, 120))  # regenerated: the same row, new digest
        for attempt, status in ((1, "failed"), (2, "failed"), (3, "ok")):  # mail: failed twice, then delivered
            record_delivery(conn, pdf, "smtp", "leader@city.example", attempt, status,
                            None if status == "ok" else "SMTPServerDisconnected", AT.replace(minute=attempt))
        for attempt in (1, 2):  # webhook: failed for good
            record_delivery(conn, pdf, "webhook", "https://im.example/hook", attempt, "failed", "HTTP 500",
                            AT.replace(minute=10 + attempt))
    assert again == pdf and pdf != html
    assert report(engine, pdf)["sha256"] == "c" * 64 and report(engine, pdf)["size"] == 120
    listed = reports(engine).set_index("id")
    assert len(listed) == 2
    assert (listed.at[pdf, "delivery"], listed.at[pdf, "failures"]) == ("failed", 4)  # the webhook's last attempt
    assert listed.at[html, "failures"] == 0 and pd.isna(listed.at[html, "delivery"])  # never delivered
    assert len(deliveries(engine, report_id=pdf)) == 5
    failed = failed_deliveries(engine, AT)
    assert failed[["channel", "target", "attempt", "error"]].values.tolist() == [
        ["webhook", "https://im.example/hook", 2, "HTTP 500"]]
    assert failed_deliveries(engine, AT.replace(minute=30)).empty
