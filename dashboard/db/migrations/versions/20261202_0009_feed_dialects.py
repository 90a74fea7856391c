"""feed dialects: complaint details, and per run its kind, filtered rows, released quarantine, unread fields, note

Revision ID: 0009_feed_dialects
Revises: 0008_reference_aliases
Create Date: 2026-12-02 03:00:00

Real feeds send more than the columns hold (Open311 media, references, vendor attributes): ``complaint.details``
keeps it as JSON. A run now also records what its mapping's ``where`` conditions left out (``filtered``), the
source fields no mapping read (``unread_json``), a remark (``note``, e.g. a file dropped again), and — for a
quarantine replay (``kind`` = replay) — how many quarantined records it cleared (``released``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_feed_dialects"
down_revision: str | None = "0008_reference_aliases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))
    with op.batch_alter_table("feed_run") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="fetch", nullable=False))
        batch.add_column(sa.Column("filtered", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("released", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("unread_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_run") as batch:
        for column in ("note", "unread_json", "released", "filtered", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("details")
