"""How the gateway configures one agency's connector (one `ConnectorConfig` per agency code).

ConnectorConfig(
    agency_code="DLT",
    base_url="http://127.0.0.1:8100/dlt",
    consumer_key="citizen-gateway",
    consumer_secret="…",                  # kept as a SecretStr: never printed or logged
    agent_id="0000000000000",
    policy=PolicyConfig(max_attempts=3),
    require_tls=True,                     # production: an http:// base_url is refused
)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

_AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,31}")

Seconds = Annotated[float, Field(gt=0, le=3600)]


class PolicyConfig(BaseModel):
    """Retry, per-attempt timeout and circuit-breaker settings for one agency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: Annotated[int, Field(ge=1, le=100)] = 3
    base_delay_seconds: Annotated[float, Field(ge=0, le=3600)] = 0.5
    max_delay_seconds: Annotated[float, Field(ge=0, le=3600)] = 30.0
    attempt_timeout_seconds: Seconds = 30.0  # one attempt, token renewal included
    breaker_threshold: Annotated[int, Field(ge=1, le=1000)] = 5  # consecutive unavailable calls
    breaker_reset_seconds: Seconds = 30.0  # open this long, then one trial call


class ConnectorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_code: str
    base_url: str  # the agency's root, e.g. {AGENCIES_URL}/dlt (paths are appended to it)
    consumer_key: str
    consumer_secret: SecretStr
    agent_id: str  # the ID of the system or officer on whose behalf the portal asks
    timeout_seconds: Seconds = 10.0  # each HTTP request (connect, read, write, pool)
    policy: PolicyConfig = PolicyConfig()
    # The gateway runs in production: the connector must refuse an http:// agency address
    # (AgencyMisconfigured) rather than send credentials and citizens' data in the clear.
    require_tls: bool = False
    # Agency-specific settings a connector may need beyond these (read by that connector only).
    # The Case API client reads "credentials_in": "header" (Consumer-Secret, the default) or
    # "query" (?ConsumerSecret=, what a legacy data-exchange gateway demands).
    options: Mapping[str, str] = Field(default_factory=dict)

    @field_validator("agency_code")
    @classmethod
    def _upper_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not _AGENCY_CODE.fullmatch(code):
            raise ValueError("an agency code is 2-32 letters, digits or _, starting with a letter")
        return code

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http:// or https:// URL")
        return value.rstrip("/")
