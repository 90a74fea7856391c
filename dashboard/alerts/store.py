"""The ``alert`` table: opening and closing alerts of a rule, and operators' acknowledgements."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from dashboard.alerts.rules import Rule, Transitions
from dashboard.db.models import Alert


class UnknownAlert(LookupError):
    """No alert has that id."""


def open_subjects(conn: Connection, rule: Rule) -> set[str]:
    """Subjects of the rule's alerts that are open."""
    stmt = select(Alert.subject).where(Alert.rule == rule.id, Alert.closed_at.is_(None))
    return set(conn.execute(stmt).scalars())


def apply(conn: Connection, rule: Rule, changes: Transitions, observed: pd.DataFrame, now: datetime) -> None:
    """Open and close alerts of ``rule`` as ``changes`` says; messages name subjects from ``observed``."""
    names = observed.set_index("subject")
    rows = [
        {
            "rule": rule.id,
            "severity": rule.severity,
            "subject": subject,
            "value": value,
            "opened_at": now,
            "message_zh": rule.message_zh.format(name=names.at[subject, "name_zh"], value=value),
            "message_en": rule.message_en.format(name=names.at[subject, "name_en"], value=value),
        }
        for subject, value in changes.open.items()
    ]
    if rows:
        conn.execute(insert(Alert), rows)
    if changes.close:
        conn.execute(
            update(Alert)
            .where(Alert.rule == rule.id, Alert.subject.in_(sorted(changes.close)), Alert.closed_at.is_(None))
            .values(closed_at=now)
        )


def acknowledge(conn: Connection, alert_id: int, by: str, now: datetime) -> bool:
    """Record who acknowledged the alert and when; False when it already was (the first one stays)."""
    row = conn.execute(select(Alert.acknowledged_at).where(Alert.id == alert_id)).first()
    if row is None:
        raise UnknownAlert(f"no alert with id {alert_id}")
    if row.acknowledged_at is not None:
        return False
    conn.execute(update(Alert).where(Alert.id == alert_id).values(acknowledged_at=now, acknowledged_by=by))
    return True
