"""Reconciliation: every record that arrived is stored exactly once or quarantined with a reason (DESIGN §10).

Per feed, from the database alone: the runs' own accounting (fetched = new + updated + unchanged + rejected),
quarantine rows against rejected counts, stored rows against new inserts, and duplicates on the natural key.
Given an upstream's own ledger of what it served (the simulator has one), also: records lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

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


def served_by_simulator(feeds: Iterable[Any], ledger: dict[str, dict]) -> dict[str, tuple[str, int]]:
    """What the simulated city's ``ledger`` says it served to each of ``feeds`` (feed configurations), in the
    form :func:`reconcile` takes: feed name -> (ledger name, distinct records served)."""
    served = {}
    for feed in feeds:
        key = SIMULATOR_LEDGER.get((feed.protocol, feed.options.get("entity_type")))
        if key in ledger:
            served[feed.name] = (key, int(ledger[key]["ids"]))
    return served


@dataclass
class FeedAccount:
    """One feed's reconciliation; ``problems`` is empty when everything adds up."""

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
    served: int | None = None
    lost: int | None = None
    problems: list[str] = field(default_factory=list)


def _source_of(config_json: str, name: str) -> str:
    try:
        return json.loads(config_json).get("source") or name
    except (TypeError, ValueError):
        return name


def _entity_key(model, ledger_key: str):
    """The stored column that identifies one served upstream record (one NGSI air entity gives several rows)."""
    if ledger_key == "ngsi:AirQualityObserved":
        # source_id is "<entity id>:<quantity>": count entities, not readings
        return func.substr(model.source_id, 1, func.length(model.source_id) - func.length(model.quantity) - 1)
    return model.source_id


def reconcile(conn: Connection, served: dict[str, tuple[str, int]] | None = None) -> list[FeedAccount]:
    """Account for every feed; ``served`` maps feed name → (upstream ledger key, distinct records served)."""
    served = served or {}
    accounts = []
    for name, domain, config_json in conn.execute(select(Feed.name, Feed.domain, Feed.config_json).order_by(Feed.name)):
        model = FACT_TABLES[domain]
        account = FeedAccount(name, _source_of(config_json, name))
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
            account.problems.append(f"{account.duplicates} duplicated records")
        if account.stored != account.new:
            account.problems.append(
                f"{account.stored} records stored under {account.source}, runs inserted {account.new}"
            )
        if name in served:
            ledger_key, count = served[name]
            key = _entity_key(model, ledger_key)
            stored_ids = select(key).where(model.source == account.source)
            stored_entities = conn.execute(select(func.count(key.distinct())).where(model.source == account.source))
            only_quarantined = conn.execute(
                select(func.count(Quarantine.record_ref.distinct())).where(
                    Quarantine.feed == name, Quarantine.record_ref.not_in(stored_ids)
                )
            ).scalar_one()
            account.served = count
            account.lost = max(count - stored_entities.scalar_one() - only_quarantined, 0)
            if account.lost:
                account.problems.append(f"{account.lost} served records neither stored nor quarantined")
        accounts.append(account)
    return accounts
