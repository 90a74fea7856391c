"""complaint rollups count the overdue tickets' comings and goings, so the backlog and the overdue count at any
moment are read from the rollups

Revision ID: 0018_overdue_counts
Revises: 0017_service_items
Create Date: 2026-12-02 16:00:00

Every complaint rollup gains ``overdue_from`` (a ticket with a deadline, in the hour it is both requested and past
due) and ``overdue_to`` (in the hour it is both closed and past due), filled from the facts already stored
(``dashboard.db.rollups.rebuild``, the code of this release; it also fills the tables 0015 created). The
downgrade drops the two columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db import rollups

revision: str = "0018_overdue_counts"
down_revision: str | None = "0017_service_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("complaint_hourly", "complaint_daily", "complaint_area_daily", "complaint_department_daily")
COLUMNS = ("overdue_from", "overdue_to")


def upgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT EXISTS (SELECT 1 FROM complaint)")).scalar():
        rollups.rebuild(bind, "complaints", later_levels=False)  # the levels of 0021-0023 come later


def downgrade() -> None:
    for table in TABLES:  # clustered tables (SQLite: WITHOUT ROWID), which batch mode must rebuild as such
        with op.batch_alter_table(table, table_kwargs={"sqlite_with_rowid": False}) as batch:
            for column in COLUMNS:
                batch.drop_column(column)
