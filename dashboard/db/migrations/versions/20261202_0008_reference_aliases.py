"""reference_alias and published_figure: other names of reference entities; figures sources publish

Revision ID: 0008_reference_aliases
Revises: 0007_real_city_lengths
Create Date: 2026-12-02 03:00:00

``reference_alias`` maps the names feeds give departments, districts, categories and stations to their codes,
so that a feed naming a department by name and another by code store one entity. ``published_figure`` keeps
what a source publishes for something CityOps computes (CNEMC's AQI and primary pollutant per station-hour).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dashboard.db.types

revision: str = "0008_reference_aliases"
down_revision: str | None = "0007_real_city_lengths"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_alias",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("alias", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "alias", name=op.f("pk_reference_alias")),
    )
    op.create_table(
        "published_figure",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("station_code", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.String(length=32), nullable=False),
        sa.Column("observed_at", dashboard.db.types.UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figure")),
        sa.UniqueConstraint(
            "source",
            "station_code",
            "quantity",
            "observed_at",
            name=op.f("uq_published_figure_source_station_code_quantity_observed_at"),
        ),
    )


def downgrade() -> None:
    op.drop_table("published_figure")
    op.drop_table("reference_alias")
