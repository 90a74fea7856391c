"""complaint rollups by department: the department a ticket names joins the hourly key, and a daily rollup per
department and category serves the department ranking

Revision ID: 0015_department_rollup
Revises: 0014_partitions
Create Date: 2026-12-02 10:00:00

``complaint_hourly`` is derived data: it is recreated with ``department_code`` in its key ('' when the ticket
names none) and, with ``complaint_department_daily``, filled from the facts already stored by 0018, which
rebuilds the complaint rollups once they have every column of this release's code. The downgrade sums the
departments out again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types

revision: str = "0015_department_rollup"
down_revision: str | None = "0014_partitions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLUSTERED = {"sqlite_with_rowid": False}
MEASURES = ("received", "received_closed", "returned", "closed", "closed_on_time", "handling_seconds", "due",
            "due_met", "rated", "satisfied", "reopened")
FLOATS = ("handling_seconds",)


def _measures() -> list[sa.Column]:
    return [sa.Column(name, sa.Float() if name in FLOATS else sa.Integer(), nullable=False) for name in MEASURES]


def _code(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _time(name: str) -> sa.Column:
    return sa.Column(name, dashboard.db.types.UTCDateTime(), nullable=False)


def _hourly(name: str, keys: tuple[str, ...]) -> None:
    op.create_table(name, _time("hour"), *(_code(k) for k in keys[1:]), *_measures(),
                    sa.PrimaryKeyConstraint(*keys, name=op.f("pk_complaint_hourly")), **CLUSTERED)


def upgrade() -> None:
    op.drop_table("complaint_hourly")
    _hourly("complaint_hourly", ("hour", "district_code", "category", "department_code"))
    op.create_table(
        "complaint_department_daily", _time("day"), _code("department_code"), _code("category"), *_measures(),
        sa.PrimaryKeyConstraint("day", "department_code", "category", name=op.f("pk_complaint_department_daily")),
        **CLUSTERED,
    )


def downgrade() -> None:
    op.drop_table("complaint_department_daily")
    keys = ", ".join(("hour", "district_code", "category"))
    sums = ", ".join(f"SUM({m}) AS {m}" for m in MEASURES)
    op.execute(f"CREATE TABLE complaint_hourly_summed AS SELECT {keys}, {sums} FROM complaint_hourly GROUP BY {keys}")
    op.drop_table("complaint_hourly")
    _hourly("complaint_hourly", ("hour", "district_code", "category"))
    op.execute(f"INSERT INTO complaint_hourly SELECT {keys}, {', '.join(MEASURES)} FROM complaint_hourly_summed")
    op.drop_table("complaint_hourly_summed")
