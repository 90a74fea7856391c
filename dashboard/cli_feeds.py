"""Commands to try and recover feeds: ``check FEED [--sample N]``, ``quarantine replay``, ``feeds reprocess``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from dashboard.settings import get_settings

feeds_app = typer.Typer(help="Feeds: read a drop file again.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Quarantine: map quarantined records again after a fix.", no_args_is_help=True)


def _feed(name: str):
    from collectors.config import load_feeds

    feeds = {f.name: f for f in load_feeds(get_settings().feeds_file)}
    if name not in feeds:
        raise typer.BadParameter(f"unknown feed {name!r}; configured: {', '.join(sorted(feeds))}")
    return feeds[name]


def _engine():
    from dashboard.db.engine import get_engine

    return get_engine(get_settings().resolved_database_url)


def check_feed(name: str, sample: int | None) -> None:
    """``check FEED``: warn of required fields without a mapping; with ``sample``, a dry run of that many records."""
    from collectors.dryrun import dry_run, unmapped_required
    from collectors.unread import describe

    feed = _feed(name)
    problems = 0
    for field in unmapped_required(feed):
        problems += 1
        typer.echo(f"WARN feed {feed.name}: required field {field} has no mapping: every record would be quarantined")
    if sample is None:
        typer.echo(f"feed {feed.name}: mapping {'incomplete' if problems else 'ok'} (--sample N tries N records)")
        raise typer.Exit(1 if problems else 0)
    try:
        result = dry_run(feed, sample)
    except Exception as exc:  # an upstream that fails, a folder that is missing: reported, nothing written
        typer.echo(f"FAIL feed {feed.name}: {exc}")
        raise typer.Exit(1) from None
    typer.echo(f"feed {feed.name}: dry run of {result.read} records read (nothing written)")
    typer.echo(f"  would be stored:      {result.stored}")
    typer.echo(f"  would be quarantined: {len(result.rejected)}")
    for reason, count, example in result.top_reasons():
        typer.echo(f"    {count} × {reason}")
        typer.echo(f"      e.g. {example}")
    typer.echo(f"  filtered out:         {result.filtered}")
    typer.echo(f"  unread source fields: {describe(result.unread) if result.unread else 'none'}")
    for note in result.notes:
        typer.echo(f"  note: {note}")
    if problems or (result.rejected and not result.stored):
        raise typer.Exit(1)


@quarantine_app.command("replay")
def quarantine_replay(
    feed: Annotated[str, typer.Argument(help="Feed name from the feeds file.")],
    since: Annotated[datetime | None, typer.Option(help="Only records quarantined since this time (ISO 8601).")] = None,
) -> None:
    """Map a feed's quarantined records again with the current configuration; stored ones leave the quarantine."""
    from collectors.replay import ReplayError, replay

    config = _feed(feed)
    if since is not None and since.tzinfo is None:
        from zoneinfo import ZoneInfo

        since = since.replace(tzinfo=ZoneInfo(config.timezone))
    try:
        result = replay(_engine(), config, since.astimezone(UTC) if since else None)
    except ReplayError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(
        f"{feed}: replayed={result.replayed} new={result.new} updated={result.updated} "
        f"unchanged={result.unchanged} filtered={result.filtered} still_quarantined={result.rejected}"
        + (f" not_replayable={result.kept}" if result.kept else "")
    )


@feeds_app.command("reprocess")
def feeds_reprocess(
    feed: Annotated[str, typer.Argument(help="Feed name from the feeds file (a drop-folder feed).")],
    file: Annotated[str, typer.Argument(help="Name of the file in processed/ or rejected/ (or its full path).")],
) -> None:
    """Read a processed or rejected drop file again (its quarantined entries are released first)."""
    from collectors.replay import ReplayError, reprocess

    try:
        result = reprocess(_engine(), _feed(feed), file)
    except ReplayError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(
        f"{result.feed}: {result.status} fetched={result.fetched} new={result.new} updated={result.updated} "
        f"unchanged={result.unchanged} rejected={result.rejected}" + (f" error={result.error}" if result.error else "")
    )
    if result.status != "ok":
        raise typer.Exit(1)
