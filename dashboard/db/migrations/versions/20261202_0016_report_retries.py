"""report retries: the summary a kept report's deliveries send, and when a failed delivery is tried again

Revision ID: 0016_report_retries
Revises: 0015_department_rollup
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.types import UTCDateTime

revision: str = "0016_report_retries"
down_revision: str | None = "0015_department_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_file") as batch:
        batch.add_column(sa.Column("summary", sa.Text()))
    with op.batch_alter_table("report_delivery") as batch:
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("report_delivery") as batch:
        batch.drop_column("next_attempt_at")
    with op.batch_alter_table("report_file") as batch:
        batch.drop_column("summary")
