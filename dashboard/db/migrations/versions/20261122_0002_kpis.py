"""complaint_hourly.received_closed: same-cohort closure (of the tickets received in an hour, closed by now)

Revision ID: 0002_kpis
Revises: 0002_auth
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_kpis"
down_revision: str | None = "0002_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOUR_OF = {
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', c.requested_at)",
    "postgresql": "date_trunc('hour', c.requested_at)",
}


def upgrade() -> None:
    with op.batch_alter_table("complaint_hourly", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_closed", sa.Integer(), nullable=False, server_default="0"))
    hour_of = HOUR_OF[op.get_bind().dialect.name]
    op.execute(
        "UPDATE complaint_hourly SET received_closed = (SELECT count(*) FROM complaint c "
        f"WHERE c.closed_at IS NOT NULL AND {hour_of} = complaint_hourly.hour "
        "AND coalesce(c.district_code, '') = complaint_hourly.district_code "
        "AND coalesce(c.category, '') = complaint_hourly.category)"
    )
    with op.batch_alter_table("complaint_hourly", schema=None) as batch_op:
        batch_op.alter_column("received_closed", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("complaint_hourly", schema=None) as batch_op:
        batch_op.drop_column("received_closed")
