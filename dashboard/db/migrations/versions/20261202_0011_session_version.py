"""app_user.session_version: bumped by sign-out, a password change and deactivation, which ends every session

Revision ID: 0011_session_version
Revises: 0009_feed_dialects
Create Date: 2026-12-02 03:00:00

A session cookie carries the version it was signed in under; a session of an older version is refused, so a
captured cookie stops working as soon as its user signs out, changes password or is deactivated.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_session_version"
down_revision: str | None = "0009_feed_dialects"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_version")
