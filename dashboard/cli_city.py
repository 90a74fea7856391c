"""``python -m dashboard city …``: import a city manifest, derive what it does not publish, check what it has."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

city_app = typer.Typer(help="A city's reference data: import a manifest (docs/city.md), derive, check.",
                       no_args_is_help=True)


def _engine():
    from dashboard.db.engine import make_engine
    from dashboard.logs import configure_logging
    from dashboard.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return settings, make_engine(settings.resolved_database_url)


@city_app.command("import")
def import_command(
    manifest: Annotated[Path, typer.Argument(help="The city manifest (city.toml).")],
) -> None:
    """Import every kind of reference data the manifest names, validated and repaired; nothing is written when
    any source has an error."""
    from dashboard.city.importer import import_city
    from dashboard.city.manifest import ManifestError, load_manifest
    from dashboard.city.report import CityImportError

    try:
        city = load_manifest(manifest)
    except ManifestError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    _, engine = _engine()
    try:
        with engine.begin() as conn:
            written, reports = import_city(conn, city)
    except CityImportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for report in reports:
        for line in report.lines():
            typer.echo(line)
    typer.echo(f"{city.city.name_zh} ({city.city.name_en}): " + ", ".join(f"{k} {v}" for k, v in written.items()))


@city_app.command("derive")
def derive_command() -> None:
    """Free-flow speeds of the road segments from their observed night speeds (85th percentile)."""
    from dashboard.city.derive import MIN_NIGHT_OBSERVATIONS, derive_free_flow

    settings, engine = _engine()
    with engine.begin() as conn:
        derived, short = derive_free_flow(conn, datetime.now(UTC), settings.city_timezone)
    typer.echo(f"free-flow speed from night speeds: {derived} segments; {short} with fewer than "
               f"{MIN_NIGHT_OBSERVATIONS} night observations kept theirs")


@city_app.command("check")
def check_command() -> None:
    """What the city has and lacks, and what each page and KPI can therefore show."""
    from dashboard.city.check import check_city

    _, engine = _engine()
    for finding in check_city(engine):
        subject, detail = finding.text("en")
        typer.echo(f"{'ok  ' if finding.ok else 'LACK'} {subject}: {detail}")
