"""feed_state: each feed's newest run, last success, newest source time and failures since, kept per run

Revision ID: 0006_feed_state
Revises: 0005_clustered_rollups
Create Date: 2026-11-24 10:00:00

The feeds' health (feeds page, readiness, freshness of every KPI) was computed by scanning ``feed_run``, which
grows by one row per feed and poll; ``feed_state`` holds the same answers, one row per feed that ran, written
with each run record. It is filled here from the runs already recorded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types

revision: str = "0006_feed_state"
down_revision: str | None = "0005_clustered_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The state of each feed as the runs recorded so far give it (the newest run by id, as feed_run grows).
BACKFILL = """
INSERT INTO feed_state (feed, last_run_at, last_status, last_error, fetched, new, updated, unchanged, rejected,
                        last_success_at, max_source_time, consecutive_failures)
SELECT r.feed, coalesce(r.finished_at, r.started_at), r.status, r.error, r.fetched, r.new, r.updated, r.unchanged,
       r.rejected,
       (SELECT max(coalesce(o.finished_at, o.started_at)) FROM feed_run o WHERE o.feed = r.feed AND o.status = 'ok'),
       (SELECT max(s.max_source_time) FROM feed_run s WHERE s.feed = r.feed),
       (SELECT count(*) FROM feed_run f
         WHERE f.feed = r.feed AND f.status <> 'ok'
           AND f.id > coalesce((SELECT max(o.id) FROM feed_run o WHERE o.feed = r.feed AND o.status = 'ok'), 0))
FROM feed_run r
WHERE r.id IN (SELECT max(id) FROM feed_run GROUP BY feed)
"""


def upgrade() -> None:
    op.create_table(
        "feed_state",
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("last_success_at", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("max_source_time", dashboard.db.types.UTCDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_feed_state")),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("feed_state")
