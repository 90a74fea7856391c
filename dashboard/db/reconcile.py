"""Reconciliation: every record that arrived is stored exactly once or quarantined with a reason (DESIGN §10).

Per feed, from the database alone: the runs' own accounting (fetched = new + updated + unchanged + rejected),
quarantine rows against rejected counts, stored rows against new inserts, and duplicated natural keys.
Given an upstream's own ledger of what it served, by natural key (the simulator has one), also by identity:
served keys neither stored nor quarantined (lost), stored keys never served (extra), stored versions older than
the newest served (stale), and the served keys held only in quarantine, with their reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, null, select

from dashboard.db.models import Complaint, Feed, FeedRun, HallTicket, Quarantine, SensorReading, TrafficObservation

FACT_TABLES = {
    "complaints": Complaint,
    "traffic": TrafficObservation,
    "sensors": SensorReading,
    "halls": HallTicket,
}

#: feed protocol (and entity type) -> the simulator ledger's name for what it served
SIMULATOR_LEDGER = {
    ("open311", None): "open311",
    ("ngsi", "TrafficFlowObserved"): "ngsi:TrafficFlowObserved",
    ("ngsi", "AirQualityObserved"): "ngsi:AirQualityObserved",
    ("sensorthings", None): "sta:Observations",
    ("hall-queue", None): "halls:tickets",
}

#: ledger name -> the upstream key in a stored ``source_id`` (or quarantined record ref) of that feed
UPSTREAM_KEY: dict[str, Callable[[str], str]] = {
    # "<entity id>:<quantity>": one air entity gives a reading per pollutant
    "ngsi:AirQualityObserved": lambda ref: ref.rpartition(":")[0] or ref,
    # "<datastream id>:<observation id>"
    "sta:Observations": lambda ref: ref.rpartition(":")[2],
}

#: Keys shown per class of discrepancy.
EXAMPLES = 5


@dataclass
class Served:
    """What an upstream served one feed, from its ledger: natural key -> time of the newest version served
    (epoch seconds; ``None`` for observations, which have one version)."""

    ledger: str
    keys: dict[str, int | None]


def served_by_simulator(feeds: Iterable[Any], ledger_keys: dict[str, dict[str, int | None]]) -> dict[str, Served]:
    """What the simulated city served each of ``feeds`` (feed configurations), from its ``/_sim/ledger/keys``,
    in the form :func:`reconcile` takes: feed name -> :class:`Served`."""
    served = {}
    for feed in feeds:
        name = SIMULATOR_LEDGER.get((feed.protocol, feed.options.get("entity_type")))
        if name in ledger_keys:
            served[feed.name] = Served(name, ledger_keys[name])
    return served


@dataclass
class FeedAccount:
    """One feed's reconciliation; ``problems`` is empty when everything adds up. The key lists are filled when
    a ledger of what was served is given (``served`` is then the number of distinct keys served)."""

    feed: str
    source: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    released: int = 0  # quarantined records that replays dealt with (stored, or quarantined anew)
    quarantined: int = 0
    stored: int = 0
    duplicates: int = 0
    duplicated: list[str] = field(default_factory=list)
    served: int | None = None
    lost: int | None = None
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    quarantined_served: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _source_of(config_json: str, name: str) -> str:
    try:
        return json.loads(config_json).get("source") or name
    except (TypeError, ValueError):
        return name


def examples(keys: Iterable[str]) -> str:
    """The first few of ``keys`` in order, for a report line."""
    keys = sorted(keys)
    shown = ", ".join(keys[:EXAMPLES])
    return shown + (f", … ({len(keys) - EXAMPLES} more)" if len(keys) > EXAMPLES else "")


def _check_accounting(conn: Connection, account: FeedAccount, model) -> None:
    name = account.feed
    sums = conn.execute(
        select(
            func.coalesce(func.sum(FeedRun.fetched), 0),
            func.coalesce(func.sum(FeedRun.new), 0),
            func.coalesce(func.sum(FeedRun.updated), 0),
            func.coalesce(func.sum(FeedRun.unchanged), 0),
            func.coalesce(func.sum(FeedRun.rejected), 0),
            func.coalesce(func.sum(FeedRun.released), 0),
        ).where(FeedRun.feed == name)
    ).one()
    account.fetched, account.new, account.updated, account.unchanged, account.rejected, account.released = map(
        int, sums
    )
    account.quarantined = conn.execute(select(func.count()).where(Quarantine.feed == name)).scalar_one()
    rows, distinct = conn.execute(
        select(func.count(), func.count(model.source_id.distinct())).where(model.source == account.source)
    ).one()
    account.stored, account.duplicates = distinct, rows - distinct
    account.duplicated = list(
        conn.execute(
            select(model.source_id)
            .where(model.source == account.source)
            .group_by(model.source_id)
            .having(func.count() > 1)
            .order_by(model.source_id)
            .limit(EXAMPLES)
        ).scalars()
    )
    unbalanced = conn.execute(
        select(func.count()).where(
            FeedRun.feed == name,
            FeedRun.fetched != FeedRun.new + FeedRun.updated + FeedRun.unchanged + FeedRun.rejected,
        )
    ).scalar_one()
    if unbalanced:
        account.problems.append(f"{unbalanced} runs whose counts do not add up to what they fetched")
    if account.quarantined != account.rejected - account.released:
        account.problems.append(
            f"quarantine holds {account.quarantined} records, runs rejected {account.rejected}"
            + (f" and replays released {account.released}" if account.released else "")
        )
    if account.duplicates:
        account.problems.append(f"{account.duplicates} duplicated records: {examples(account.duplicated)}")
    if account.stored != account.new:
        account.problems.append(f"{account.stored} records stored under {account.source}, runs inserted {account.new}")


def _check_identity(conn: Connection, account: FeedAccount, model, served: Served) -> None:
    """Compare the stored keys (and versions) of the feed with the keys it was served."""
    upstream = UPSTREAM_KEY.get(served.ledger, lambda ref: ref)
    version = model.updated_at if hasattr(model, "updated_at") else null()  # observations have one version
    stored: dict[str, int | None] = {}
    for source_id, at in conn.execute(select(model.source_id, version).where(model.source == account.source)):
        key = upstream(source_id)
        stored[key] = None if at is None else max(int(at.timestamp()), stored.get(key) or 0)
    quarantined: dict[str, str] = {}
    for ref, reason in conn.execute(
        select(Quarantine.record_ref, Quarantine.reason).where(Quarantine.feed == account.feed).order_by(Quarantine.id)
    ):
        if ref is not None:
            quarantined.setdefault(ref if ref in served.keys else upstream(ref), reason)
    account.served = len(served.keys)
    account.missing = sorted(k for k in served.keys if k not in stored and k not in quarantined)
    account.extra = sorted(k for k in stored if k not in served.keys)
    account.stale = sorted(
        k for k, newest in served.keys.items()
        if newest is not None and stored.get(k) is not None and stored[k] < newest
    )
    account.quarantined_served = {k: r for k, r in sorted(quarantined.items()) if k in served.keys and k not in stored}
    account.lost = len(account.missing)
    if account.missing:
        account.problems.append(
            f"{account.lost} served records neither stored nor quarantined: {examples(account.missing)}"
        )
    if account.extra:
        account.problems.append(f"{len(account.extra)} stored records never served: {examples(account.extra)}")
    if account.stale:
        account.problems.append(
            f"{len(account.stale)} records stored at an older version than served: {examples(account.stale)}"
        )


def reconcile(conn: Connection, served: dict[str, Served] | None = None) -> list[FeedAccount]:
    """Account for every feed; ``served`` (feed name -> :class:`Served`) adds the comparison by identity."""
    served = served or {}
    accounts = []
    for name, domain, config_json in conn.execute(select(Feed.name, Feed.domain, Feed.config_json).order_by(Feed.name)):
        model = FACT_TABLES[domain]
        account = FeedAccount(name, _source_of(config_json, name))
        _check_accounting(conn, account, model)
        if name in served:
            _check_identity(conn, account, model, served[name])
        accounts.append(account)
    return accounts
