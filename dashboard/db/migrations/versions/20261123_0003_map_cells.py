"""complaint: a covering index for the map's H3 cells (city-wide counts read from the index alone)

Revision ID: 0003_map_cells
Revises: 0002_kpis
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_map_cells"
down_revision: str | None = "0002_kpis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["h3", "requested_at", "district_code", "category", "status", "department_code", "location_flag"]


def upgrade() -> None:
    op.create_index("ix_complaint_h3_requested_at", "complaint", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_complaint_h3_requested_at", table_name="complaint")
