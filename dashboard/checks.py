"""Configuration and connectivity checks behind ``python -m dashboard check``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from sqlalchemy import text

from dashboard.db.engine import make_engine
from dashboard.settings import Settings

Check = tuple[str, bool, str]


def _database(settings: Settings) -> Check:
    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "database", True, engine.url.render_as_string(hide_password=True)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return "database", False, f"{engine.url.render_as_string(hide_password=True)}: {exc.__class__.__name__}: {exc}"
    finally:
        engine.dispose()


def _feed_source(feed) -> Check:
    name = f"feed {feed.name}"
    if feed.folder is not None:
        return name, feed.folder.is_dir(), f"folder {feed.folder}" + ("" if feed.folder.is_dir() else " missing")
    try:
        response = httpx.get(feed.url, timeout=min(feed.timeout_seconds, 10))
        return name, response.status_code < 500, f"{feed.url} answered HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return name, False, f"{feed.url}: {exc.__class__.__name__}: {exc}"


def run_checks(settings: Settings) -> Iterator[Check]:
    """Every check, in order; later checks still run when an earlier one fails."""
    from collectors.config import FeedConfigError, load_feeds

    yield "settings", True, f"var_dir={settings.var_dir} feeds_file={settings.feeds_file}"
    yield _database(settings)
    try:
        feeds = load_feeds(settings.feeds_file)
    except FeedConfigError as exc:
        yield "feeds file", False, str(exc)
        return
    yield "feeds file", True, f"{len(feeds)} feeds"
    from collectors.dryrun import unmapped_required

    for feed in feeds:
        if feed.enabled:
            yield _feed_source(feed)
            for field in unmapped_required(feed):
                yield f"feed {feed.name} mapping", False, f"required field {field} has no mapping (all quarantined)"
