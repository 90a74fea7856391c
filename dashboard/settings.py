"""Runtime settings, read from ``CITYOPS_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting of CityOps; `.env.example` lists them with their defaults."""

    model_config = SettingsConfigDict(env_prefix="CITYOPS_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Runtime state: SQLite database, drop folders, cache.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<var_dir>/cityops.db")
    city_data_dir: Path = Field(PROJECT_ROOT / "data" / "city", description="Reference data of the city.")
    feeds_file: Path = Field(PROJECT_ROOT / "data" / "feeds" / "demo.toml", description="Feed configuration.")
    city_timezone: str = Field("Asia/Shanghai", description="Zone in which times are shown.")
    city_name_zh: str = "澄江市"
    city_name_en: str = "Chengjiang"

    host: str = "127.0.0.1"
    port: int = 8050
    refresh_seconds: int = Field(10, ge=2, description="Refresh interval of pages.")
    wall_reload_hours: float = Field(4.0, gt=0, description="Full reload of the wall page, caps browser memory.")
    default_language: Literal["zh", "en"] = "zh"
    default_theme: Literal["dark", "light"] = "dark"
    map_style_url: str | None = Field(None, description="Optional intranet tile/style URL for maps.")
    stale_after_intervals: float = Field(2.0, gt=0, description="A feed is stale after this many intervals.")

    redis_url: str | None = Field(None, description="Shared cache for web workers; file cache otherwise.")
    secret_key: SecretStr = Field(SecretStr("change-me"), description="Flask session secret.")
    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'cityops.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
