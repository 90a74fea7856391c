"""Runtime settings, read from ``CITYOPS_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from dashboard.kpis.timespan import CALENDAR, ROLLING

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The city manifest's name in a city's data folder (docs/city.md).
MANIFEST = "city.toml"


class Settings(BaseSettings):
    """Every setting of CityOps; `.env.example` lists them with their defaults."""

    model_config = SettingsConfigDict(env_prefix="CITYOPS_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Runtime state: SQLite database, drop folders, cache.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default sqlite:///<var_dir>/cityops.db")
    database_read_url: str | None = Field(
        None, description="A streaming read replica of the PostgreSQL database: the web app's page and API reads go "
        "there; writes, sign-in and sessions, and the readiness check stay on the primary."
    )
    retention_months: int | None = Field(
        None, ge=1, description="PostgreSQL: drop raw traffic and sensor facts of months older than this (whole "
        "monthly partitions; the rollups keep every KPI of those months). Empty: keep everything."
    )
    city_data_dir: Path = Field(PROJECT_ROOT / "data" / "city", description="Reference data of the city.")
    feeds_file: Path = Field(PROJECT_ROOT / "data" / "feeds" / "demo.toml", description="Feed configuration.")
    kpi_targets_file: Annotated[Path | None, BeforeValidator(lambda value: value or None)] = Field(
        None, description="TOML overriding KPI targets, RAG thresholds and ranking weights."
    )
    city_timezone: str = Field(
        "Asia/Shanghai", description="Zone in which times are shown; unset: the city manifest's (see below)."
    )
    city_name_zh: str = Field("澄江市", description="Unset: the name in <city_data_dir>/city.toml, if any.")
    city_name_en: str = Field("Chengjiang", description="Unset: the name in <city_data_dir>/city.toml, if any.")

    host: str = "127.0.0.1"
    port: int = 8050
    refresh_seconds: int = Field(10, ge=2, description="Refresh interval of pages.")
    wall_reload_hours: float = Field(4.0, gt=0, description="Full reload of the wall page, caps browser memory.")
    default_language: Literal["zh", "en"] = "zh"
    default_theme: Literal["dark", "light"] = "dark"
    map_style_url: str | None = Field(None, description="Optional intranet tile/style URL for maps.")
    page_periods: dict[str, str] = Field(
        default_factory=dict,
        description='Period each page opens on when its URL names none, e.g. {"overview": "this_month"} (JSON).',
    )

    @model_validator(mode="after")
    def _city_of_its_manifest(self) -> Settings:
        """The city's names and time zone, where not set: those of the ``[city]`` table of the manifest in
        ``city_data_dir`` (``city.toml``, docs/city.md), so that a city imported from its manifest is shown under
        its own name, not the demo city's."""
        manifest = self.city_data_dir / MANIFEST
        unset = {"city_name_zh", "city_name_en", "city_timezone"} - self.model_fields_set
        if unset and manifest.is_file():
            city = tomllib.loads(manifest.read_text(encoding="utf-8")).get("city", {})
            for field in sorted(unset):
                value = city.get(field.removeprefix("city_"))
                if value:
                    setattr(self, field, value)
        return self

    @field_validator("page_periods")
    @classmethod
    def _known_periods(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = {page: period for page, period in value.items() if period not in (*CALENDAR, *ROLLING)}
        if wrong:
            raise ValueError(f"unknown periods {wrong}; known: {', '.join((*CALENDAR, *ROLLING))}")
        return value
    stale_after_intervals: float = Field(2.0, gt=0, description="A feed is stale after this many intervals.")

    redis_url: str | None = Field(None, description="Shared cache for web workers; file cache otherwise.")
    cache_key_prefix: str = Field("cityops:", description="Prefix of cache keys (several instances, one Redis).")
    secret_key: SecretStr = Field(
        SecretStr(""), description="Flask session secret; empty: a random one kept in <var_dir>/secret_key."
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object per log line.")

    auth_mode: Literal["open", "login"] = Field(
        "login", description="login: accounts and tokens (the default); open: no login, everyone is an analyst."
    )
    allow_open_on_network: bool = Field(
        False, description="Let open mode listen on, and answer, addresses other than loopback (never in production)."
    )
    public_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Pages and API paths served without login (comma-separated)."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Reverse proxies whose X-Forwarded-For and user headers are believed."
    )
    remote_user_header: str = Field("", description="Header naming the user, set by a trusted proxy (off if empty).")
    remote_role_header: str = Field("X-Remote-Role", description="Header with that user's role.")
    personal_data_roles: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["analyst", "admin"], description="Roles that see phone and ID numbers unmasked."
    )
    cookie_secure: bool | None = Field(None, description="Secure cookies (HTTPS only); default: on unless open.")
    session_hours: float = Field(12, gt=0, description="Lifetime of a login session.")
    login_rate_limit: str = Field(
        "5 per minute;30 per hour", description="Login attempts per client address, and per user name and address."
    )

    # the daily and weekly reports (dashboard.report), generated by the collector process
    report_enabled: bool = Field(True, description="Generate the daily and weekly reports on schedule.")
    report_daily_time: str = Field("07:00", pattern=r"^\d{1,2}:\d{2}$", description="Local time of the daily report.")
    report_weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        "mon", description="Day of the weekly report (of the week before), at the daily report's time."
    )
    report_languages: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["zh", "en"], description="Languages the reports are generated in (comma-separated)."
    )
    report_formats: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["pdf", "html"], description="Formats generated: pdf, html (comma-separated)."
    )
    report_font_file: Path | None = Field(None, description="CJK font for the reports (default: Noto Sans CJK).")
    report_base_url: str = Field("", description="URL of the web app, for the link a webhook delivery carries.")
    report_smtp_host: str = Field("", description="SMTP server the reports are mailed through (off if empty).")
    report_smtp_port: int = 25
    report_smtp_starttls: bool = False
    report_smtp_user: str = ""
    report_smtp_password: SecretStr = Field(SecretStr(""), description="From the environment only.")
    report_mail_from: str = "cityops@localhost"
    report_mail_to: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Addresses the reports are mailed to (comma-separated)."
    )
    report_webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="URLs a JSON notice of each report is posted to (comma-separated)."
    )
    report_delivery_attempts: int = Field(4, ge=1, description="Attempts per delivery before it is left failed.")
    report_delivery_backoff_s: float = Field(30.0, ge=0, description="First wait between attempts, then doubled.")

    @field_validator(
        "public_paths", "trusted_proxies", "personal_data_roles", "report_languages", "report_formats",
        "report_mail_to", "report_webhook_urls", mode="before",
    )
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("cookie_secure", "retention_months", mode="before")
    @classmethod
    def _empty_is_default(cls, value):
        return None if value == "" else value

    @field_validator("personal_data_roles")
    @classmethod
    def _never_wall_or_public(cls, value: list[str]) -> list[str]:
        if {"wall", "public"} & set(value):
            raise ValueError("the wall and the public never see personal data")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'cityops.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies are sent over HTTPS only (on unless explicitly off, or in open mode)."""
        return self.auth_mode != "open" if self.cookie_secure is None else self.cookie_secure


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
