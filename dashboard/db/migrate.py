"""Schema migrations (Alembic) run from code: ``python -m dashboard db upgrade`` and the demo use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from dashboard.db.partitions import compared_in_schema_check
from dashboard.db.spatial import include_object

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def schema_filter(dialect: str):
    """What Alembic's schema comparison looks at on ``dialect``: no PostGIS tables nor PostGIS-only indexes, and
    on PostgreSQL no monthly partitions nor the partitioned tables' natural keys (they hold the partition key)."""
    def included(*args) -> bool:
        return include_object(*args) and (dialect != "postgresql" or compared_in_schema_check(*args))

    return included


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration pointed at ``database_url``."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = database_url
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision``."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
