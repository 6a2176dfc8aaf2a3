"""Who may call an API-kind agency, and the secret its callbacks are signed with.

The DOPA consumer convention (mock_agencies/dopa/credentials.py), generalised to any agency:

- consumers (consumer key → consumer secret) from `MOCK_<CODE>_CONSUMERS`, JSON
  `{"<key>": "<secret>", ...}`, and the callback secret from `MOCK_<CODE>_CALLBACK_SECRET`;
- without them (development), from the file the gateway reads too,
  `$MOCK_AGENCIES_VAR_DIR/agency-credentials.json` (default var/mock-agencies, mode 0600):

      {"DLT": {"consumer_key": "…", "consumer_secret": "…", "callback_secret": "…"},
       "SSO": {…}, "RD": {…}, "BMA": {…}, "DOP": {…}}

  created once, for all five agencies at once, by whichever process (a mock agency or the
  gateway) starts first: written whole to a private file, then linked into place, so exactly
  one version wins and nobody reads half a file. No secret is ever written in code.

Tokens (`Gatekeeper`) follow the data-exchange convention: opaque, bound to the consumer
key that asked, valid until 60 minutes pass without use, measured on the app's clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mock_agencies.casework.errors import InvalidAgentId, TokenExpired, Unauthorised
from mock_agencies.dopa.credentials import TokenState, TokenStore, secret_matches
from mock_agencies.dopa.population import is_valid_national_id

VAR_DIR_ENV = "MOCK_AGENCIES_VAR_DIR"
DEFAULT_VAR_DIR = "var/mock-agencies"
CREDENTIALS_FILE = "agency-credentials.json"
#: The agencies the shared development file holds credentials for (generated together).
FILE_AGENCIES = ("DLT", "SSO", "RD", "BMA", "DOP")
_FIELDS = ("consumer_key", "consumer_secret", "callback_secret")


def consumers_env(code: str) -> str:
    return f"MOCK_{code.upper()}_CONSUMERS"


def callback_secret_env(code: str) -> str:
    return f"MOCK_{code.upper()}_CALLBACK_SECRET"


@dataclass(frozen=True)
class AgencyCredentials:
    consumers: dict[str, str]  # consumer key → consumer secret
    callback_secret: str


def credentials_path(environ: Mapping[str, str] = os.environ) -> Path:
    return Path(environ.get(VAR_DIR_ENV, DEFAULT_VAR_DIR)) / CREDENTIALS_FILE


def _generated() -> str:
    entries = {
        code: {
            "consumer_key": f"{code.lower()}-{secrets.token_hex(6)}",
            "consumer_secret": secrets.token_urlsafe(32),
            "callback_secret": secrets.token_urlsafe(32),
        }
        for code in FILE_AGENCIES
    }
    return json.dumps(entries, indent=2) + "\n"


def _write_once(path: Path, content: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(content)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # fails when another process got there first: theirs wins
    finally:
        temporary.unlink()


def read_credentials_file(environ: Mapping[str, str] = os.environ) -> dict[str, dict[str, str]]:
    """The shared development file, created first when missing."""
    path = credentials_path(environ)
    _write_once(path, _generated())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not JSON ({error}): delete it to have a new one made"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must be a JSON object by agency code")
    return data


def _file_entry(code: str, environ: Mapping[str, str]) -> dict[str, str]:
    data = read_credentials_file(environ)
    entry = data.get(code)
    if not isinstance(entry, dict) or not all(
        isinstance(entry.get(field), str) and entry[field] for field in _FIELDS
    ):
        raise ValueError(
            f"{credentials_path(environ)} has no usable entry for {code} "
            f"({', '.join(_FIELDS)}): delete it to have a new one made"
        )
    return entry


def _parse_consumers(raw: str, source: str) -> dict[str, str]:
    try:
        consumers = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"{source} is not JSON: {error}") from None
    if (
        not isinstance(consumers, dict)
        or not consumers
        or not all(
            isinstance(k, str) and k and isinstance(v, str) and v for k, v in consumers.items()
        )
    ):
        raise ValueError(f'{source} must be a non-empty JSON object {{"<key>": "<secret>", ...}}')
    return consumers


def load_agency_credentials(
    code: str, environ: Mapping[str, str] = os.environ
) -> AgencyCredentials:
    """Agency `code`'s consumers and callback secret: the environment first; whatever it does
    not give comes from (or is newly made into) the shared development file."""
    code = code.upper()
    raw_consumers = environ.get(consumers_env(code))
    callback_secret = environ.get(callback_secret_env(code))
    consumers = _parse_consumers(raw_consumers, consumers_env(code)) if raw_consumers else None
    if consumers is None or not callback_secret:
        entry = _file_entry(code, environ)
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
            raise Unauthorised("header Consumer-Key and query ConsumerSecret must match a consumer")
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
