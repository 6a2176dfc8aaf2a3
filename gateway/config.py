"""Settings, read from `CITIZEN_GATEWAY_*` environment variables (and an optional `.env`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.assurance import AssuranceLevel

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
    # An S3-compatible object store for attachments instead of STORAGE_DIR, e.g.
    # s3://bucket/prefix?endpoint_url=http://127.0.0.1:9000&region=us-east-1 (credentials from
    # the standard AWS_* environment variables).
    storage_url: str | None = None
    # Attachments: bytes per file, bytes per application, files per application.
    max_attachment_bytes: Annotated[int, Field(gt=0)] = 10 * 1_048_576
    max_application_bytes: Annotated[int, Field(gt=0)] = 30 * 1_048_576
    max_attachments: Annotated[int, Field(gt=0, le=100)] = 20
    # How often an inbox event stream looks for new messages.
    sse_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    # How often `serve` runs the scheduled jobs (overdue notices, R-LFA.4); 0: never (use
    # `citizen-gateway jobs run` from cron instead).
    jobs_interval_seconds: Annotated[float, Field(ge=0)] = 60.0

    # Secrets. In development, missing ones are generated into var/keys/ on first run;
    # production refuses to start without them.
    secret_key: SecretStr | None = None  # signs pagination cursors
    admin_token: SecretStr | None = None  # bearer token for /v1/admin until OIDC admin scopes

    # Citizen PII at rest (AES-GCM) and its blind index; generated in development.
    pii_encryption_key: SecretStr | None = None
    pii_index_key: SecretStr | None = None

    # The civil registry (DOPA) through its data-exchange REST API. In development the consumer
    # pair comes from the file the mock registry and the gateway share (created by whichever
    # starts first); production must configure it.
    dopa_url: str | None = None  # default: AGENCIES_URL + /dopa
    dopa_consumer_key: str | None = None
    dopa_consumer_secret: SecretStr | None = None
    dopa_consumer_file: Path = Path("var/mock-agencies/dopa-consumer.json")
    dopa_agent_id: str = "3100100000014"  # the portal's officer ID at the registry
    # Agencies behind the portal: per agency its data-exchange consumer pair (for the
    # connector's calls) and the secret its signed callbacks use, as JSON
    # {"DLT": {"consumer_key": ..., "consumer_secret": ..., "callback_secret": ...}, ...}.
    # In development the pairs come from the file the mock agencies share (created once, an
    # entry made for each configured agency on demand), and these entries win over the file's.
    agency_credentials: SecretStr | None = None
    agency_credentials_file: Path = Path("var/mock-agencies/agency-credentials.json")
    # Per agency, settings its connector reads (ConnectorConfig.options), as JSON
    # {"DOEX": {"once_only.records": "/api/v1/records/{pid}"}}: the shared Case API connector
    # (`connectors.api.casework:create`) takes its once-only data endpoints from them.
    connector_options: dict[str, dict[str, str]] = {}
    # Pay: the bank / PSP (default AGENCIES_URL + /bank, the mock bank), the gateway's
    # API key there and the key the bank signs its webhooks with. In development they come
    # from the file the mock bank reads too (created once by whoever starts first).
    bank_url: str | None = None
    bank_api_key: SecretStr | None = None
    bank_webhook_key_id: str = "k1"
    bank_webhook_secret: SecretStr | None = None
    bank_credentials_file: Path | None = None  # default: VAR_DIR/mock-agencies/…
    # How long a payment's QR can be paid; how long a fee waits before the application lapses.
    payment_expiry_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 86400
    fee_due_days: Annotated[int, Field(ge=1, le=365)] = 14
    # The outbox worker: in `serve` (default on SQLite, which allows one writer process) or
    # only in `citizen-gateway worker` processes (PostgreSQL scale-out).
    embedded_worker: bool | None = None
    worker_batch: Annotated[int, Field(ge=1, le=500)] = 20
    # Public pages (document verification, shared links): requests a minute per client address.
    public_rate_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 60
    worker_lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    worker_idle_seconds: Annotated[float, Field(gt=0)] = 0.5
    forward_max_attempts: Annotated[int, Field(ge=1)] = 12
    face_match_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # Assurance each way of proving identity reaches (RULES.md: configurable mapping).
    assurance_card_only: AssuranceLevel = AssuranceLevel.IAL1_3
    assurance_card_face_liveness: AssuranceLevel = AssuranceLevel.IAL2_3
    # Failed logins allowed within 15 minutes before a 15-minute lockout.
    login_max_failures_per_id: Annotated[int, Field(ge=1)] = 5
    login_max_failures_per_client: Annotated[int, Field(ge=1)] = 20

    clock: ClockMode | None = None  # default: simulated in development, system in production
    clock_start: dt.datetime | None = None  # simulated time at start-up

    # How long a rendered catalog detail is reused by one process (0: never).
    catalog_cache_seconds: Annotated[float, Field(ge=0, le=60)] = 5.0
    # Onboarding step 10: how old a connector's signed certification may be to pass it.
    certification_max_age_days: Annotated[int, Field(ge=1, le=365)] = 30
    # Know (/v1/me/entitlements, /v1/me/records): how long one answer waits for each source
    # agency (a slower one's facts are `unknown`), and the longest any source's answer is
    # reused however long the source says it stays true (the portal links data, it does not
    # keep it).
    know_source_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 1.0
    # Per agency, where one needs another time than the above: {"RD": 2.5} (JSON).
    know_source_timeouts: dict[str, Annotated[float, Field(gt=0, le=30)]] = {}
    know_max_age_seconds: Annotated[float, Field(ge=0, le=86_400)] = 900.0
    max_body_bytes: Annotated[int, Field(gt=0)] = 1_048_576
    # The request line and headers together, and the number of header fields: beyond them
    # `serve` refuses the request before the app sees it (an unbounded header block stalls
    # the event loop while it is parsed).
    max_header_bytes: Annotated[int, Field(ge=4096, le=1_048_576)] = 32 * 1024
    max_header_count: Annotated[int, Field(ge=16, le=1000)] = 100
    log_level: str = "INFO"
    log_json: bool = True
    db_pool_size: Annotated[int, Field(gt=0)] = 10
    # Test each pooled PostgreSQL connection with a round trip before lending it: survives a
    # database restart without failing the requests that meet a dead connection, at about
    # half a millisecond of gateway CPU a request. Off: after a restart the pool is renewed
    # at the first dead connection met (the request that met it fails, 500).
    db_pool_pre_ping: bool = False
    sql_echo: bool = False

    @model_validator(mode="after")
    def _production_is_strict(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if self.clock is ClockMode.SIMULATED or self.clock_start is not None:
                raise ValueError("production uses the system clock; simulated time is refused")
            required = (
                "secret_key",
                "admin_token",
                "pii_encryption_key",
                "pii_index_key",
                "dopa_consumer_key",
                "dopa_consumer_secret",
            )
            missing = [n for n in required if getattr(self, n) is None]
            if missing:
                raise ValueError(
                    "production needs configured secrets, not generated development keys: "
                    + ", ".join(f"CITIZEN_GATEWAY_{n.upper()}" for n in missing)
                )
        for name in ("secret_key", "admin_token", "pii_encryption_key", "pii_index_key"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
                raise ValueError(
                    f"CITIZEN_GATEWAY_{name.upper()} needs at least {MIN_SECRET_CHARS} characters"
                )
        if (
            self.assurance_card_only.rank >= AssuranceLevel.IAL2_1.rank
            or self.assurance_card_only.rank >= self.assurance_card_face_liveness.rank
        ):
            raise ValueError(
                "ASSURANCE_CARD_ONLY must stay below IAL2.1 and below the face level: "
                "a card check alone is IAL 1.x (RULES.md, identity facts)"
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
    def runs_embedded_worker(self) -> bool:
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
