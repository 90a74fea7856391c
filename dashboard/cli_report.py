"""``python -m dashboard report …``: the daily or weekly report of any past period, to a file; or generated,
kept in the reports folder and delivered as the schedule does."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer

report_app = typer.Typer(help="Daily and weekly reports (城市运行日报/周报).", no_args_is_help=True)

Lang = Annotated[str, typer.Option("--lang", help="Language: zh or en.")]
Format = Annotated[str, typer.Option("--format", help="pdf or html (html when PDF printing is unavailable).")]
Day = Annotated[str, typer.Option("--date", help="A local date of the period (YYYY-MM-DD); default: the last one.")]


def _engine():
    from dashboard.db.engine import make_engine
    from dashboard.logs import configure_logging
    from dashboard.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings, make_engine(settings.resolved_database_url)


def _day(kind: str, value: str | None, timezone: str) -> date:
    from dashboard import clock
    from dashboard.report.periods import latest_complete

    if not value:
        return latest_complete(kind, clock.now(), timezone)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"--date {value!r} is not a date (YYYY-MM-DD)") from None


def _write(kind: Literal["daily", "weekly"], day: str | None, lang: str, fmt: str, out: Path | None) -> None:
    from dashboard.report.fonts import FontUnavailable
    from dashboard.report.service import generate

    if lang not in ("zh", "en"):
        raise typer.BadParameter(f"--lang {lang!r}: zh or en")
    if fmt not in ("pdf", "html"):
        raise typer.BadParameter(f"--format {fmt!r}: pdf or html")
    settings, engine = _engine()
    when = _day(kind, day, settings.city_timezone)
    try:
        generated = generate(engine, settings, kind, when, lang, fmt)
    except FontUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    rendered, period = generated.rendered, generated.report.period
    target = out or Path(f"{period.key}.{lang}.{rendered.format}")
    if rendered.note:
        typer.echo(rendered.note, err=True)
        if target.suffix.lower() == ".pdf":
            target = target.with_suffix(".html")
    target.write_bytes(rendered.content)
    incomplete = ", ".join(generated.report.incomplete) or "none"
    typer.echo(f"{target}: {kind} report {period.first}..{period.last}, {rendered.format}, "
               f"{len(rendered.content):,} bytes; incomplete sections: {incomplete}")


@report_app.command()
def daily(day: Day = "", lang: Lang = "zh", fmt: Format = "pdf",
          out: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None) -> None:
    """The daily report of a local day (default: yesterday) to a file."""
    _write("daily", day, lang, fmt, out)


@report_app.command()
def weekly(day: Day = "", lang: Lang = "zh", fmt: Format = "pdf",
           out: Annotated[Path | None, typer.Option("--out", help="File to write.")] = None) -> None:
    """The weekly report (Monday to Sunday) of the week containing a date (default: last week) to a file."""
    _write("weekly", day, lang, fmt, out)


@report_app.command()
def keep(
    kind: Annotated[str, typer.Argument(help="daily or weekly")],
    day: Day = "",
    deliver: Annotated[bool, typer.Option(help="Deliver by the configured mail and webhooks.")] = True,
) -> None:
    """Generate a report in every configured language and format, keep it, and deliver it (as scheduled: one
    attempt; a failed one is tried again by the collector process)."""
    from dashboard.report.schedule import run_report

    if kind not in ("daily", "weekly"):
        raise typer.BadParameter(f"{kind!r}: daily or weekly")
    settings, engine = _engine()
    for line in run_report(engine, settings, kind, _day(kind, day, settings.city_timezone), deliver_it=deliver):
        typer.echo(line)
