"""service_item: the service items (办事事项) of the halls, named in Chinese and English

Revision ID: 0017_service_items
Revises: 0016_report_retries
Create Date: 2026-12-02 10:00:00

Hall tickets carry the item as the queue system names it (``hall_ticket.service_item``, usually its Chinese
name). ``service_item`` gives a city's items a code and their names in both languages; a ticket's item is named
by the reference item whose code or Chinese name it carries, else shown as it came.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_service_items"
down_revision: str | None = "0016_report_retries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_item",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_item")),
    )


def downgrade() -> None:
    op.drop_table("service_item")
