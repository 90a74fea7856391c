"""Feed configuration: one TOML file lists every feed (``[[feed]]`` tables), validated with pydantic.

String values may reference environment variables as ``${NAME}`` or ``${NAME:-default}``; credentials are
never written in the file, only the names of the variables that hold them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from collectors.protocols import PROTOCOLS, collector_class

DOMAINS = ("complaints", "traffic", "sensors", "halls")
_ENV_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class FeedConfigError(ValueError):
    """The feeds file is missing, malformed or names an unknown option."""


class AuthConfig(BaseModel):
    """How a feed authenticates; secrets are read from the named environment variables at run time."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["none", "bearer", "header", "basic"] = "none"
    token_env: str | None = None
    header: str = "Authorization"
    username_env: str | None = None
    password_env: str | None = None


class FeedConfig(BaseModel):
    """One feed: where it is, what it speaks, how often to pull it and how to read it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    domain: Literal["complaints", "traffic", "sensors", "halls"]
    protocol: str
    url: str | None = None
    folder: Path | None = None
    source: str | None = Field(None, description="Natural-key namespace of the records; defaults to name.")
    enabled: bool = True
    interval_seconds: int = Field(60, ge=1)
    lag_seconds: int = Field(300, ge=0, description="Re-read this much before the cursor, for late data.")
    max_data_age_seconds: int | None = Field(
        None, gt=0, description="Data older than this means the upstream went quiet (None: judge by runs only)."
    )
    backfill_days: float = Field(1.0, ge=0, description="How far back the first run reads.")
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(4, ge=0)
    retry_budget_seconds: float = Field(120.0, gt=0)
    page_size: int = Field(500, ge=1, le=10_000)
    max_records_per_run: int = Field(200_000, ge=1)
    max_response_bytes: int = Field(64 * 1024 * 1024, ge=1024)
    crs: str = "WGS84"
    timezone: str = "Asia/Shanghai"
    auth: AuthConfig = AuthConfig()
    options: dict[str, Any] = Field(default_factory=dict, description="Protocol-specific options.")

    @property
    def source_name(self) -> str:
        """The ``source`` column written with this feed's records."""
        return self.source or self.name

    @field_validator("protocol")
    @classmethod
    def _known_protocol(cls, value: str) -> str:
        if value not in PROTOCOLS:
            raise ValueError(f"unknown protocol {value!r}; known: {', '.join(sorted(PROTOCOLS))}")
        return value

    @model_validator(mode="after")
    def _known_options(self) -> FeedConfig:
        """Options checked by the feed's collector, when it declares how (ValueError naming the option)."""
        check = getattr(collector_class(self.protocol), "check_options", None)
        if check is not None:
            check(self)
        return self


def expand_env(value: Any, env: Mapping[str, str]) -> Any:
    """Replace ``${NAME}`` / ``${NAME:-default}`` in every string of a parsed TOML document."""
    if isinstance(value, str):

        def substitute(match: re.Match) -> str:
            name, default = match.group("name"), match.group("default")
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise FeedConfigError(f"environment variable {name} is not set (referenced as ${{{name}}})")

        return _ENV_REF.sub(substitute, value)
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    return value


def parse_feeds(document: Mapping[str, Any], env: Mapping[str, str] | None = None) -> list[FeedConfig]:
    """Validate a parsed feeds document; errors name the feed and the field."""
    env = os.environ if env is None else env
    feeds: list[FeedConfig] = []
    defaults = document.get("defaults", {})
    for index, raw in enumerate(document.get("feed", [])):
        label = raw.get("name", f"#{index + 1}")
        try:
            feeds.append(FeedConfig.model_validate(expand_env({**defaults, **raw}, env)))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"] else e["msg"].removeprefix("Value error, ")
                for e in exc.errors()
            )
            raise FeedConfigError(f"feed {label}: {problems}") from None
    names = [f.name for f in feeds]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise FeedConfigError(f"feed names must be unique; repeated: {', '.join(duplicated)}")
    return feeds


def load_feeds(path: Path, env: Mapping[str, str] | None = None) -> list[FeedConfig]:
    """Read and validate the feeds file at ``path``."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedConfigError(f"feeds file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FeedConfigError(f"feeds file {path} is not valid TOML: {exc}") from None
    return parse_feeds(document, env)
