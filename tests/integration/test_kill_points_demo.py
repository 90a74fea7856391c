"""The demo city's feeds crashed at each kill point inside their runs, then run until caught up, leave every
table — facts, events, rollups, quarantine, cursors, run accounting — as an uninterrupted pull leaves it."""

from __future__ import annotations

import pytest
from democity import FROZEN_AT, empty_database_like, with_reference_data
from tabledump import differences, dump

from collectors.runner import KILL_POINTS, FeedRunner
from dashboard.db.migrate import upgrade

#: One worker runs them all (``--dist loadgroup``): the uninterrupted pull is made once per database kind.
pytestmark = pytest.mark.xdist_group("kill-points-demo")


class Crash(Exception):
    """The collector dying at a kill point."""


def settle(runner: FeedRunner, feeds) -> int:
    """Run every feed (at the city's frozen time) until a pass brings nothing new; returns the passes made."""
    for passes in range(1, 6):
        results = [runner.run(feed, now=FROZEN_AT) for feed in feeds]
        if all(r.status == "ok" and r.new == 0 and r.updated == 0 and not r.more for r in results):
            return passes
    pytest.fail(f"feeds did not settle: {results}")


#: The uninterrupted pull's tables, per database kind (rollup arithmetic differs between the two).
UNINTERRUPTED: dict[str, dict] = {}


@pytest.fixture
def uninterrupted(city, engine, tmp_path):
    """The tables after an uninterrupted pull into a database of the same kind as ``engine``."""
    if engine.dialect.name not in UNINTERRUPTED:
        with empty_database_like(engine, tmp_path / "uninterrupted") as reference:
            upgrade(reference)
            with_reference_data(reference)
            settle(FeedRunner(reference), city.feeds(tmp_path / "uninterrupted"))
            UNINTERRUPTED[engine.dialect.name] = dump(reference)
    return UNINTERRUPTED[engine.dialect.name]


@pytest.mark.slow
@pytest.mark.reliability
@pytest.mark.parametrize("point", KILL_POINTS)
def test_feeds_crashed_at_a_kill_point_catch_up_to_an_uninterrupted_pull(city, engine, point, uninterrupted, tmp_path):
    with_reference_data(engine)
    feeds = city.feeds(tmp_path)
    crashed = []

    def crash(at: str, conn) -> None:
        if at == point:
            raise Crash(at)

    for feed in feeds:
        before = dump(engine)
        try:
            FeedRunner(engine, fault=crash).run(feed, now=FROZEN_AT)
        except Crash:
            crashed.append(feed.name)
            assert dump(engine) == before, f"{feed.name} crashed at {point} and left writes behind"
    passes = settle(FeedRunner(engine), feeds)
    after = dump(engine)
    rows = sum(len(v) for v in after.values())
    print(f"\nkill point {point} on {engine.dialect.name}: {len(crashed)} of {len(feeds)} feeds crashed there, "
          f"nothing written; {passes} passes to catch up; {rows} rows in {len(after)} tables equal an uninterrupted "
          f"pull: {not differences(after, uninterrupted)}")
    assert len(crashed) >= len(feeds) - 1  # a feed that fetched nothing upserts nothing (no after_upsert)
    assert differences(after, uninterrupted) == {}
