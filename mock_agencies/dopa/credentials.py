"""Who may call the registry: consumer key/secret pairs, and the tokens a validate call hands out.

Consumers come from MOCK_DOPA_CONSUMERS, JSON `{"<consumer key>": "<consumer secret>", ...}`.
Without it, a development pair is generated once into `$MOCK_AGENCIES_VAR_DIR/dopa-consumer.json`
(default var/mock-agencies; file mode 0600, same JSON shape) and reused on every later start, so
the gateway's connector can be configured from that file. No secret is ever written in code.

Tokens follow the government data-exchange convention: opaque, bound to the consumer key that
asked for them, valid until 60 minutes pass without use (every use slides the window), measured
with the clock the app is given.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from mock_agencies.dev_credentials import parse_consumers, var_dir, write_private_once

CONSUMERS_ENV = "MOCK_DOPA_CONSUMERS"
CONSUMER_FILE = "dopa-consumer.json"
TOKEN_IDLE_SECONDS = 60 * 60


def load_consumers(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The consumer pairs: from the environment, else from (or newly into) the var dir file."""
    if raw := environ.get(CONSUMERS_ENV):
        return parse_consumers(raw, CONSUMERS_ENV)
    path = var_dir(environ) / CONSUMER_FILE
    pair = {f"dev-{uuid.uuid4()}": secrets.token_urlsafe(32)}
    write_private_once(path, json.dumps(pair, indent=2) + "\n")
    return parse_consumers(path.read_text(encoding="utf-8"), str(path))


def secret_matches(consumers: Mapping[str, str], key: str | None, secret: str | None) -> bool:
    """Constant-time comparison; an unknown key is still compared, against a dummy."""
    expected = consumers.get(key or "")
    given = (secret or "").encode()
    matched = hmac.compare_digest(given, (expected or "\0").encode())
    return matched and expected is not None and secret is not None


@dataclass(slots=True)
class _Session:
    consumer_key: str
    agent_id: str
    last_used: float


class TokenState(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


class TokenStore:
    """Issued tokens with a sliding idle expiry."""

    def __init__(
        self, clock: Callable[[], float], idle_seconds: float = TOKEN_IDLE_SECONDS
    ) -> None:
        self.clock = clock
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, _Session] = {}

    def issue(self, consumer_key: str, agent_id: str) -> str:
        now = self.clock()
        if len(self._sessions) >= 10_000:  # keep memory bounded under load: drop idle ones
            self._sessions = {
                token: session
                for token, session in self._sessions.items()
                if now - session.last_used < self.idle_seconds
            }
        token = secrets.token_urlsafe(32)
        self._sessions[token] = _Session(consumer_key, agent_id, now)
        return token

    def use(self, consumer_key: str, token: str) -> TokenState:
        """VALID (and the idle window restarts), UNKNOWN, or EXPIRED (and forgotten)."""
        session = self._sessions.get(token)
        if session is None or session.consumer_key != consumer_key:
            return TokenState.UNKNOWN
        now = self.clock()
        if now - session.last_used >= self.idle_seconds:
            del self._sessions[token]
            return TokenState.EXPIRED
        session.last_used = now
        return TokenState.VALID
