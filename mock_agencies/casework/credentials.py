"""Who may call an API-kind agency, and the secret its callbacks are signed with.

The DOPA consumer convention (mock_agencies/dopa/credentials.py), generalised to any agency:

- consumers (consumer key → consumer secret) from `MOCK_<CODE>_CONSUMERS`, JSON
  `{"<key>": "<secret>", ...}`, and the callback secret from `MOCK_<CODE>_CALLBACK_SECRET`;
- without them (development), from the file the gateway reads too,
  `$MOCK_AGENCIES_VAR_DIR/agency-credentials.json` (mock_agencies/dev_credentials.py).

Tokens (`Gatekeeper`) follow the data-exchange convention: opaque, bound to the consumer
key that asked, valid until 60 minutes pass without use, measured on the app's clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mock_agencies.casework.errors import InvalidAgentId, TokenExpired, Unauthorised
from mock_agencies.dev_credentials import file_entry, parse_consumers
from mock_agencies.dopa.credentials import TokenState, TokenStore, secret_matches
from mock_agencies.dopa.population import is_valid_national_id


def consumers_env(code: str) -> str:
    return f"MOCK_{code.upper()}_CONSUMERS"


def callback_secret_env(code: str) -> str:
    return f"MOCK_{code.upper()}_CALLBACK_SECRET"


@dataclass(frozen=True)
class AgencyCredentials:
    consumers: dict[str, str]  # consumer key → consumer secret
    callback_secret: str


def load_agency_credentials(
    code: str, environ: Mapping[str, str] = os.environ
) -> AgencyCredentials:
    """Agency `code`'s consumers and callback secret: the environment first; whatever it does
    not give comes from (or is newly made into) the shared development file."""
    code = code.upper()
    raw_consumers = environ.get(consumers_env(code))
    callback_secret = environ.get(callback_secret_env(code))
    consumers = parse_consumers(raw_consumers, consumers_env(code)) if raw_consumers else None
    if consumers is None or not callback_secret:
        entry = file_entry(code, environ)
        consumers = consumers or {entry["consumer_key"]: entry["consumer_secret"]}
        callback_secret = callback_secret or entry["callback_secret"]
    return AgencyCredentials(consumers=consumers, callback_secret=callback_secret)


class Gatekeeper:
    """The data-exchange door: consumer key + secret buy a token; every call shows key + token."""

    def __init__(self, consumers: Mapping[str, str], clock: Callable[[], float]) -> None:
        self.consumers = dict(consumers)
        self.tokens = TokenStore(clock)

    def validate(self, key: str | None, secret: str | None, agent_id: str | None) -> str:
        if not key or not secret or not secret_matches(self.consumers, key, secret):
            raise Unauthorised(
                "header Consumer-Key and header Consumer-Secret (or query ConsumerSecret) must "
                "match a consumer"
            )
        if not is_valid_national_id(agent_id or ""):
            raise InvalidAgentId("AgentID must be the 13-digit ID of the calling officer/system")
        return self.tokens.issue(key, agent_id or "")

    def authorise(self, key: str | None, token: str | None) -> str:
        """The caller's consumer key, when it holds a live token (its idle clock restarts)."""
        if not key or not token or key not in self.consumers:
            raise Unauthorised(
                "headers Consumer-Key and Token are required: get a token from /gdx/auth/validate"
            )
        state = self.tokens.use(key, token)
        if state is TokenState.EXPIRED:
            raise TokenExpired("token unused for 60 minutes: call /gdx/auth/validate again")
        if state is not TokenState.VALID:
            raise Unauthorised("token not recognised for this consumer key")
        return key
