"""Settings, read from `CITIZEN_GATEWAY_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_CHARS = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ClockMode(StrEnum):
    SIMULATED = "simulated"  # an operator may set or advance time (integration suites, demos)
    SYSTEM = "system"  # the real time; the only mode production allows


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CITIZEN_GATEWAY_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    public_url: str = "http://127.0.0.1:8000"
    agencies_url: str = "http://127.0.0.1:8100"
    var_dir: Path = Path("var")
    storage_dir: Path = Path("var/storage")

    # Secrets. In development, missing ones are generated into var/keys/ on first run;
    # production refuses to start without them.
    secret_key: SecretStr | None = None  # signs pagination cursors
    admin_token: SecretStr | None = None  # bearer token for /v1/admin until OIDC admin scopes

    clock: ClockMode | None = None  # default: simulated in development, system in production
    clock_start: dt.datetime | None = None  # simulated time at start-up

    # How long a rendered catalog detail is reused by one process (0: never).
    catalog_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 5.0
    max_body_bytes: Annotated[int, Field(gt=0)] = 1_048_576
    log_level: str = "INFO"
    log_json: bool = True
    db_pool_size: Annotated[int, Field(gt=0)] = 10
    sql_echo: bool = False

    @model_validator(mode="after")
    def _production_is_strict(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if self.clock is ClockMode.SIMULATED or self.clock_start is not None:
                raise ValueError("production uses the system clock; simulated time is refused")
            missing = [n for n in ("secret_key", "admin_token") if getattr(self, n) is None]
            if missing:
                raise ValueError(
                    "production needs configured secrets, not generated development keys: "
                    + ", ".join(f"CITIZEN_GATEWAY_{n.upper()}" for n in missing)
                )
        for name in ("secret_key", "admin_token"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
                raise ValueError(
                    f"CITIZEN_GATEWAY_{name.upper()} needs at least {MIN_SECRET_CHARS} characters"
                )
        if self.clock_start is not None and self.clock_start.tzinfo is None:
            raise ValueError("CITIZEN_GATEWAY_CLOCK_START needs a timezone, e.g. +07:00")
        return self

    @property
    def clock_mode(self) -> ClockMode:
        if self.clock is not None:
            return self.clock
        if self.env is Environment.PRODUCTION:
            return ClockMode.SYSTEM
        return ClockMode.SIMULATED

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
