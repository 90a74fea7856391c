"""The CityOps command line (``python -m dashboard``): demo, serve, collect, db, simulate, check."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from dashboard import cli_feeds, clock
from dashboard.cli_city import city_app
from dashboard.cli_report import report_app
from dashboard.logs import configure_logging
from dashboard.settings import Settings, get_settings

app = typer.Typer(help="CityOps — smart-city operations dashboard.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema and reference data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Accounts of leaders, analysts and admins.", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="Read-only tokens for wall screens and API clients.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")
alerts_app = typer.Typer(help="Alert rules: evaluate them, acknowledge an alert.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
app.add_typer(cli_feeds.feeds_app, name="feeds")
app.add_typer(cli_feeds.quarantine_app, name="quarantine")
log = logging.getLogger("dashboard.cli")
app.add_typer(city_app, name="city")
app.add_typer(report_app, name="report")

PAGES = {"overview": "/", "wall": "/wall", "map": "/map", "feeds": "/feeds"}


def _settings(var_dir: Path | None = None) -> Settings:
    from dashboard.demo import var_dir_settings

    settings = var_dir_settings(get_settings(), var_dir)
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _print_urls(host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    typer.echo("CityOps is up:")
    for name, path in PAGES.items():
        typer.echo(f"  {name:<9} http://{shown}:{port}{path}")


def _serve(settings: Settings, engine, host: str, port: int) -> None:
    from waitress import create_server

    from dashboard.auth.exposure import check_exposure
    from dashboard.web.app import create_app

    check_exposure(settings, [host])

    dash_app = create_app(engine, settings)
    server = create_server(dash_app.server, host=host, port=port, threads=8, ident="cityops")
    _print_urls(host, server.effective_port)
    server.run()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8050,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    days: Annotated[float, typer.Option(help="Days of history to backfill.")] = 30,
    var_dir: Annotated[Path, typer.Option(help="Folder for the demo's state (database, drop folders).")] = Path(
        "var/demo"
    ),
) -> None:
    """The demo city: the simulator and a collector process per feed (child processes), and the web app."""
    from dashboard.demo import start_demo

    settings = _settings(var_dir)
    if "auth_mode" not in settings.model_fields_set:  # the demo city has no accounts: open, on loopback
        settings = settings.model_copy(update={"auth_mode": "open"})
    city = start_demo(settings, days)
    typer.echo(f"Simulated city: {city.simulator.url}  (backfilling {days:g} days, then live)")
    try:
        _serve(settings, city.engine, host, port)
    finally:
        city.stop()


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default: settings).")] = None,
    host: Annotated[str | None, typer.Option(help="Address (default: settings).")] = None,
) -> None:
    """The web app alone (production runs it under gunicorn: dashboard.wsgi:server)."""
    from dashboard.db.engine import get_engine

    settings = _settings()
    _serve(settings, get_engine(settings.resolved_database_url), host or settings.host, port or settings.port)


@app.command()
def collect(
    feeds_named: Annotated[
        str | None, typer.Option("--feeds", help="Run only these feeds (comma-separated names).")
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(help="Run only shard K of N (K/N, e.g. 1/2): feeds are assigned to shards by their name."),
    ] = None,
) -> None:
    """The collector process: every enabled feed (or those of ``--feeds`` / ``--shard``) on its schedule (runs
    until stopped). Several processes, each with its own shard, share the feeds of one deployment."""
    from collectors.config import load_feeds
    from collectors.runner import FeedRunner
    from collectors.scheduler import build_scheduler
    from collectors.shard import parse_shard, select_feeds
    from dashboard.db.engine import get_engine

    settings = _settings()
    configured = load_feeds(settings.feeds_file)
    names = [name.strip() for name in feeds_named.split(",") if name.strip()] if feeds_named is not None else None
    try:
        feeds = select_feeds(configured, names, parse_shard(shard) if shard else None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    runner = FeedRunner(get_engine(settings.resolved_database_url), timezone=settings.city_timezone, hold_leases=True)
    runner.mirror(configured)
    scheduler = build_scheduler(runner, feeds, blocking=True, reports=settings)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    running = [f.name for f in feeds if f.enabled]
    typer.echo(f"collecting {len(running)} feeds from {settings.feeds_file}" + (f" (shard {shard})" if shard else "")
               + f": {', '.join(running) or 'none'}")
    try:
        scheduler.start()
    finally:
        runner.close()


@app.command("collect-once")
def collect_once(
    feed: Annotated[str, typer.Argument(help="Feed name from the feeds file.")],
    since: Annotated[
        datetime | None, typer.Option(help="Read from this time instead of the cursor (backfill), ISO 8601.")
    ] = None,
) -> None:
    """Run one feed once and print what it did."""
    from collectors.config import load_feeds
    from collectors.runner import FeedRunner
    from dashboard.db.engine import get_engine

    settings = _settings()
    feeds = {f.name: f for f in load_feeds(settings.feeds_file)}
    if feed not in feeds:
        raise typer.BadParameter(f"unknown feed {feed!r}; configured: {', '.join(sorted(feeds))}")
    if since is not None and since.tzinfo is None:
        from zoneinfo import ZoneInfo

        since = since.replace(tzinfo=ZoneInfo(feeds[feed].timezone))
    runner = FeedRunner(get_engine(settings.resolved_database_url), timezone=settings.city_timezone)
    runner.mirror(list(feeds.values()))
    result = runner.run(feeds[feed], since=since.astimezone(UTC) if since else None)
    typer.echo(
        f"{result.feed}: {result.status} fetched={result.fetched} new={result.new} updated={result.updated} "
        f"unchanged={result.unchanged} rejected={result.rejected}" + (f" error={result.error}" if result.error else "")
    )
    if result.status != "ok":
        raise typer.Exit(1)


@db_app.command("partitions")
def db_partitions() -> None:
    """PostgreSQL: create the coming months' partitions of the fact tables, move rows out of the default
    partitions and drop the months beyond CITYOPS_RETENTION_MONTHS (the collector process does this hourly)."""
    from collectors.scheduler import maintain_partitions
    from dashboard.db.engine import make_engine
    from dashboard.db.partitions import PARTITIONED, months

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    if engine.dialect.name != "postgresql":
        typer.echo(f"nothing to do: monthly partitions are made on PostgreSQL, this is {engine.dialect.name}")
        return
    maintain_partitions(engine)
    with engine.connect() as conn:
        for table in PARTITIONED:
            held = months(conn, table)
            typer.echo(f"{table}: {len(held)} monthly partitions"
                       + (f", {held[0]:%Y-%m} to {held[-1]:%Y-%m}" if held else ""))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database schema (Alembic)."""
    from dashboard.db.engine import make_engine
    from dashboard.db.migrate import upgrade

    settings = _settings()
    upgrade(make_engine(settings.resolved_database_url), revision)
    typer.echo(f"database at {revision}")


@db_app.command("load-reference")
def db_load_reference(
    city_dir: Annotated[Path | None, typer.Argument(help="Folder of reference files (default: settings).")] = None,
) -> None:
    """Load districts, roads, stations, halls and departments from a city folder."""
    from dashboard.db.engine import make_engine
    from dashboard.geo.reference import load_reference_data

    settings = _settings()
    with make_engine(settings.resolved_database_url).begin() as conn:
        added = load_reference_data(conn, city_dir or settings.city_data_dir)
    typer.echo(", ".join(f"{name}: {count} new" for name, count in added.items()) or "no reference files found")


@db_app.command("rebuild-rollups")
def db_rebuild_rollups(
    domain: Annotated[
        list[str] | None, typer.Option(help="complaints, traffic, sensors or halls (default: all).")
    ] = None,
) -> None:
    """Recompute the rollups (hourly, daily, histograms) from the facts, e.g. after a bulk import."""
    from dashboard.db import rollups
    from dashboard.db.engine import make_engine

    settings = _settings()
    for name in domain or list(rollups.ROLLUPS):
        if name not in rollups.ROLLUPS:
            raise typer.BadParameter(f"unknown domain {name!r}; known: {', '.join(rollups.ROLLUPS)}")
        with make_engine(settings.resolved_database_url).begin() as conn:
            rollups.rebuild(conn, name)
        typer.echo(f"{name}: rollup rebuilt")


@alerts_app.command("evaluate")
def alerts_evaluate() -> None:
    """Evaluate every alert rule now (the collector process also does it every minute)."""
    from dashboard.alerts.evaluate import evaluate
    from dashboard.db.engine import make_engine

    settings = _settings()
    result = evaluate(make_engine(settings.resolved_database_url), clock.now(), settings.city_timezone,
                      settings.stale_after_intervals)
    typer.echo(f"alerts: {result.opened} opened, {result.closed} closed")


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="Id of the alert.")],
    by: Annotated[str, typer.Option("--by", help="Name of the operator acknowledging it.")],
) -> None:
    """Acknowledge an alert: record who and when (the first acknowledgement stays)."""
    from dashboard.alerts.store import UnknownAlert, acknowledge
    from dashboard.db.engine import make_engine

    settings = _settings()
    try:
        with make_engine(settings.resolved_database_url).begin() as conn:
            done = acknowledge(conn, alert_id, by, clock.now())
    except UnknownAlert as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"alert {alert_id} acknowledged by {by}" if done else f"alert {alert_id} was already acknowledged")


@app.command("import-boundaries")
def import_boundaries_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON, Shapefile or GeoPackage of the boundaries.")],
    level: Annotated[str, typer.Option(help="district or street (sub-district).")] = "district",
    crs: Annotated[str, typer.Option(help="WGS84, GCJ02, BD09 or EPSG:nnnn (GCJ-02, gcj02 … tolerated).")] = "WGS84",
    code_field: Annotated[str | None, typer.Option(help="Field of the code (default: code/adcode).")] = None,
    name_field: Annotated[str | None, typer.Option(help="Field of the Chinese name (default: name).")] = None,
    name_en_field: Annotated[str | None, typer.Option(help="Field of the English name.")] = None,
    parent_field: Annotated[str | None, typer.Option(help="Field of the parent's code.")] = None,
    parent_code: Annotated[str | None, typer.Option(help="Parent code for features that have none.")] = None,
    population_csv: Annotated[Path | None, typer.Option(help="CSV with populations by code or name.")] = None,
    population_key: Annotated[str, typer.Option(help="What the CSV's key matches: code or name.")] = "code",
    population_code_column: Annotated[
        str | None, typer.Option(help="Key column of that CSV (default: the population key).")
    ] = None,
    population_column: Annotated[str, typer.Option(help="Population column of that CSV.")] = "population",
    replace: Annotated[bool, typer.Option(help="Replace all boundaries of this level.")] = True,
) -> None:
    """Import a real city's districts or sub-districts (replacing the demo city's), validated and repaired."""
    from dashboard.city.report import CityImportError, Report
    from dashboard.db.engine import make_engine
    from dashboard.geo.boundaries import BoundaryFields, BoundaryImportError, import_boundaries, read_boundaries

    settings = _settings()
    report = Report(str(file))
    try:
        frame = read_boundaries(
            file, level, crs, BoundaryFields(code_field, name_field, name_en_field, parent_field), parent_code,
            population_csv, population_code_column, population_column, population_key, report,
        )
    except CityImportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except BoundaryImportError as exc:
        raise typer.BadParameter(str(exc)) from None
    for line in report.lines():
        typer.echo(line)
    with make_engine(settings.resolved_database_url).begin() as conn:
        count = import_boundaries(conn, frame, replace=replace)
    typer.echo(f"{count} {level} boundaries imported from {file} ({crs} → WGS-84)")


def _echo_published_agreement(settings) -> None:
    """Per feed with published figures: how many station-hours agree with ours."""
    from dashboard.db.engine import make_engine
    from dashboard.queries.published import aqi_agreement

    for row in aqi_agreement(make_engine(settings.resolved_database_url), settings.city_timezone).itertuples():
        typer.echo(f"published AQI {row.source}: {row.agreeing}/{row.compared} agree ({row.rate:.1%})")


@app.command()
def reconcile(
    simulator_url: Annotated[
        str | None,
        typer.Option(help="Also compare, record by record, with what this simulated city served (its ledger)."),
    ] = None,
) -> None:
    """Account for every record: stored once or quarantined with a reason; exits 1 on any discrepancy."""
    import httpx

    from collectors.config import load_feeds
    from dashboard.db.engine import make_engine
    from dashboard.db.reconcile import reconcile as account_for
    from dashboard.db.reconcile import served_by_simulator

    settings = _settings()
    served = {}
    if simulator_url:
        ledger = httpx.get(f"{simulator_url.rstrip('/')}/_sim/ledger/keys", timeout=60).json()
        served = served_by_simulator(load_feeds(settings.feeds_file), ledger)
    else:
        typer.echo("no ledger of what was served (--simulator-url): accounting and duplicates only, lost unknown")
    with make_engine(settings.resolved_database_url).connect() as conn:
        accounts = account_for(conn, served)
    problems = 0
    typer.echo(f"{'feed':<22}{'fetched':>10}{'stored':>10}{'quarantined':>13}{'dupl.':>7}{'served':>10}{'lost':>7}")
    for a in accounts:
        typer.echo(
            f"{a.feed:<22}{a.fetched:>10}{a.stored:>10}{a.quarantined:>13}{a.duplicates:>7}"
            f"{'' if a.served is None else a.served:>10}{'' if a.lost is None else a.lost:>7}"
        )
        if a.quarantined_served:
            shown = list(a.quarantined_served.items())[:3]
            typer.echo(f"  {len(a.quarantined_served)} served records only in quarantine: "
                       + "; ".join(f"{key} ({reason})" for key, reason in shown))
        for problem in a.problems:
            problems += 1
            typer.echo(f"  ! {problem}")
    typer.echo("every record accounted for" if not problems else f"{problems} discrepancies")
    _echo_published_agreement(settings)
    if problems:
        raise typer.Exit(1)


@app.command()
def simulate(
    port: Annotated[int, typer.Option(help="Port of the simulated upstream systems.")] = 8900,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    days: Annotated[float, typer.Option(help="Days of history the systems hold.")] = 30,
    drop_dir: Annotated[Path, typer.Option(help="Where hotline export files are written.")] = Path("var/drop/hotline"),
) -> None:
    """The simulated city alone (its upstream systems over HTTP), until interrupted."""
    from dashboard.demo import DEMO_SEED
    from simulator import SimulatorConfig, start

    settings = _settings()
    sim = start(SimulatorConfig(seed=DEMO_SEED, history_days=days, host=host, port=port, drop_dir=drop_dir,
                                data_dir=settings.city_data_dir))
    typer.echo(f"simulated city at {sim.url} (hotline exports in {drop_dir})")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


def _access_engine():
    from dashboard.db.engine import make_engine

    return make_engine(_settings().resolved_database_url)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option(help="leader, analyst or admin.")] = "analyst",
) -> None:
    """Add an account; the password is asked for (twice) and stored hashed."""
    from dashboard.auth.store import AccessError, add_user

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(_access_engine(), username, password, role)
    except AccessError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"user {username} ({role}) added")


@users_app.command("list")
def users_list() -> None:
    """List the accounts."""
    from dashboard.auth.store import users

    for user in users(_access_engine()):
        typer.echo(f"{user['username']:<24}{user['role']:<10}{'active' if user['active'] else 'inactive'}")


@users_app.command("set")
def users_set(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Allow or stop signing in.")] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password (asked for).")] = False,
) -> None:
    """Activate or deactivate an account, or set its password."""
    from dashboard.auth.store import AccessError, set_user

    secret = typer.prompt("new password", hide_input=True, confirmation_prompt=True) if password else None
    try:
        found = set_user(_access_engine(), username, active=active, password=secret)
    except AccessError as exc:
        raise typer.BadParameter(str(exc)) from None
    if not found:
        raise typer.BadParameter(f"no user {username!r}")
    typer.echo(f"user {username} updated")


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. wall-screen-3.")],
    role: Annotated[str, typer.Option(help="wall, leader or analyst (read-only).")] = "wall",
) -> None:
    """Create a token and print it once (wall URL: /wall?token=…; API: Authorization: Bearer …)."""
    from dashboard.auth.store import AccessError, create_token

    try:
        secret = create_token(_access_engine(), name, role, created_by="cli")
    except AccessError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(secret)


@tokens_app.command("revoke")
def tokens_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: screens and clients using it lose access at their next request."""
    from dashboard.auth.store import revoke_token

    if not revoke_token(_access_engine(), name):
        raise typer.BadParameter(f"no live token {name!r}")
    typer.echo(f"token {name} revoked")


@tokens_app.command("list")
def tokens_list() -> None:
    """List the tokens (never their secrets)."""
    from dashboard.auth.store import tokens

    for token in tokens(_access_engine()):
        typer.echo(f"{token['name']:<24}{token['role']:<10}{'revoked' if token['revoked_at'] else 'live'}")


@app.command()
def check(
    feed: Annotated[str | None, typer.Argument(help="Check this feed's mapping (with --sample: a dry run).")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="Read this many records of FEED, write nothing.")] = None,
) -> None:
    """Check the configuration and connectivity: settings, feeds file, database, each feed's source."""
    if feed is not None:
        return cli_feeds.check_feed(feed, sample)
    from dashboard.checks import run_checks

    problems = 0
    for name, ok, detail in run_checks(_settings()):
        problems += not ok
        typer.echo(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if problems:
        raise typer.Exit(1)
