"""department.aliases into reference_alias: one place for the other names feeds give reference entities

Revision ID: 0013_alias_unify
Revises: 0011_session_version
Create Date: 2026-12-02 07:00:00

The city import wrote a department's other names into ``department.aliases`` ("|"-separated), which ingest never
read; ingest resolves names through ``reference_alias``. The column's names are moved there (a name already
there is kept as it is) and the column is dropped; the city import now writes its aliases to ``reference_alias``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_alias_unify"
down_revision: str | None = "0012_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

department = sa.table("department", sa.column("code", sa.String), sa.column("aliases", sa.Text))
alias = sa.table(
    "reference_alias", sa.column("kind", sa.String), sa.column("alias", sa.String), sa.column("code", sa.String)
)


def upgrade() -> None:
    conn = op.get_bind()
    known = {row.alias for row in conn.execute(sa.select(alias.c.alias).where(alias.c.kind == "department"))}
    moved = {}
    for code, names in conn.execute(sa.select(department.c.code, department.c.aliases)):
        for name in (names or "").split("|"):
            if name.strip() and name.strip() not in known:
                moved.setdefault(name.strip(), code)
    if moved:
        conn.execute(alias.insert(), [{"kind": "department", "alias": a, "code": c} for a, c in moved.items()])
    with op.batch_alter_table("department") as batch:
        batch.drop_column("aliases")


def downgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("aliases", sa.Text(), nullable=True))
    conn = op.get_bind()
    names: dict[str, list[str]] = {}
    rows = conn.execute(
        sa.select(alias.c.code, alias.c.alias).where(alias.c.kind == "department").order_by(alias.c.alias)
    )
    for code, name in rows:
        names.setdefault(code, []).append(name)
    for code, listed in names.items():
        conn.execute(department.update().where(department.c.code == code).values(aliases="|".join(listed)))
