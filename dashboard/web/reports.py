"""``/reports/file/<id>``: a kept report, opened in the browser (PDF, or the self-contained HTML with a policy
that lets it load nothing and run nothing). The gate's page rule applies: signed-in staff only."""

from __future__ import annotations

from flask import Flask, abort, send_file
from sqlalchemy import Engine

from dashboard.queries.reports import report
from dashboard.report.store import MEDIA_TYPES, open_kept, reports_dir
from dashboard.settings import Settings

#: The report's HTML embeds its font and figures; it needs nothing else, and runs no script.
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:"


def register_reports(server: Flask, engine: Engine, settings: Settings) -> None:
    """The route that serves kept reports."""

    @server.get("/reports/file/<int:report_id>")
    def report_file(report_id: int):
        row = report(engine, report_id)
        if row is None:
            abort(404)
        try:
            path = open_kept(reports_dir(settings.var_dir), row["path"])
        except ValueError:
            abort(404)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=MEDIA_TYPES[row["format"]], download_name=path.name,
                             as_attachment=False, etag=row["sha256"], max_age=0)
        response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response
