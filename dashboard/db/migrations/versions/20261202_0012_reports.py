"""report_file and report_delivery: generated daily and weekly reports, and every attempt to deliver one

Revision ID: 0012_reports
Revises: 0011_session_version
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dashboard.db.types import BigIntPK, UTCDateTime

revision: str = "0012_reports"
down_revision: str | None = "0011_session_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_file",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("last_day", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("incomplete", sa.String(128), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("generated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "first_day", "lang", "format"),
    )
    op.create_table(
        "report_delivery",
        sa.Column("id", BigIntPK, primary_key=True, autoincrement=True),
        sa.Column("report_id", BigIntPK, sa.ForeignKey("report_file.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("attempted_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_report_delivery_attempted_at", "report_delivery", ["attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_report_delivery_attempted_at", "report_delivery")
    op.drop_table("report_delivery")
    op.drop_table("report_file")
