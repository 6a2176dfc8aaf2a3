"""The credentials the gateway shares with agencies, in one place:

- each agency's data-exchange consumer pair (the connector's calls) and the secret its signed
  callbacks carry (`load_agency_credentials`);
- the gateway's consumer pair at the civil registry (`dopa_consumer`).

Configured in production (`CITIZEN_GATEWAY_AGENCY_CREDENTIALS`, `..._DOPA_CONSUMER_KEY` and
`_SECRET`). In development each comes from a file the mock agencies read too, created once by
whichever process starts first (written whole, then linked into place: nobody reads half a
file), like a registration letter both sides keep. A development file made before an agency
joined `DEVELOPMENT_AGENCIES` gains that agency's entry when next read (`add_missing_entries`),
the existing entries kept as they are.

Whose pair is whose: for an API-kind agency (DLT, SSO, RD, PEA, PWA, CGD, NHSO) the consumer
key and secret are the gateway's consumer pair at the agency (its connector's calls); for BMA
they are the agency's OAuth client at the gateway. DOP's one pair serves both: DOP's OAuth
client at the gateway (its officers' back office) and the gateway's consumer pair at DOP's
allowance register (the DOP connector's reads, know): one registration, both directions.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import Environment, Settings
from gateway.keys import write_once
from identity import ClientKind, OIDCProvider, agency_scope

#: The agencies the development file holds credentials for.
DEVELOPMENT_AGENCIES = ("DLT", "SSO", "RD", "BMA", "DOP", "PEA", "PWA", "CGD", "NHSO")


@dataclass(frozen=True)
class AgencyCredentials:
    consumer_key: str
    consumer_secret: str
    callback_secret: str


def _entry(code: str) -> dict[str, str]:
    return {
        "consumer_key": f"{code.lower()}-{secrets.token_hex(6)}",
        "consumer_secret": secrets.token_urlsafe(32),
        "callback_secret": secrets.token_urlsafe(32),
    }


def _generated() -> str:
    return json.dumps({code: _entry(code) for code in DEVELOPMENT_AGENCIES}, indent=2)


def add_missing_entries(path: Path, codes: Sequence[str]) -> str:
    """Give the development credentials file at `path` an entry for each of `codes` it lacks,
    keeping every entry it has; what the file then holds. Under an exclusive lock on
    `<path>.lock` (the mock agencies take the same one), the file is read again, extended,
    written whole to a private temporary file and renamed over it: nobody reads half a file,
    and two processes adding the same agency agree on one entry."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = path.read_text(encoding="utf-8")
        data = json.loads(raw)
        if not isinstance(data, dict):
            return raw  # not ours to repair: the reader says what is wrong
        missing = [code for code in codes if code not in data]
        if not missing:
            return raw
        data.update({code: _entry(code) for code in missing})
        raw = json.dumps(data, indent=2) + "\n"
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(out, "w", encoding="utf-8") as handle:
            handle.write(raw)
        os.replace(temporary, path)
        return raw
    finally:
        os.close(fd)  # releases the lock


def load_agency_credentials(settings: Settings) -> dict[str, AgencyCredentials]:
    if settings.agency_credentials is not None:
        raw = settings.agency_credentials.get_secret_value()
    elif settings.env is Environment.PRODUCTION:
        return {}  # no agency is reachable until an operator configures one
    else:
        path = settings.agency_credentials_file
        raw = write_once(path, _generated() + "\n")
        try:
            if any(code not in json.loads(raw) for code in DEVELOPMENT_AGENCIES):
                raw = add_missing_entries(path, DEVELOPMENT_AGENCIES)
        except (ValueError, TypeError):
            pass  # not JSON (or not an object): reported below
    try:
        data = json.loads(raw)
        return {
            str(code): AgencyCredentials(
                consumer_key=str(entry["consumer_key"]),
                consumer_secret=str(entry["consumer_secret"]),
                callback_secret=str(entry["callback_secret"]),
            )
            for code, entry in data.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RuntimeError(
            "agency credentials must be JSON {CODE: {consumer_key, consumer_secret, "
            "callback_secret}}"
        ) from exc


def dopa_consumer(settings: Settings) -> tuple[str, str]:
    """The gateway's consumer key and secret at the civil registry (configured in production;
    in development the pair the mock registry reads too)."""
    if settings.dopa_consumer_key and settings.dopa_consumer_secret:
        return settings.dopa_consumer_key, settings.dopa_consumer_secret.get_secret_value()
    if settings.env is Environment.PRODUCTION:
        raise RuntimeError("configure CITIZEN_GATEWAY_DOPA_CONSUMER_KEY and _SECRET")
    pair = {f"dev-{secrets.token_hex(8)}": secrets.token_urlsafe(32)}
    pairs = json.loads(write_once(settings.dopa_consumer_file, json.dumps(pair) + "\n"))
    key, secret = next(iter(pairs.items()))
    return str(key), str(secret)


async def ensure_agency_clients(
    session: AsyncSession, provider: OIDCProvider, credentials: dict[str, AgencyCredentials]
) -> None:
    """Each agency's back end as a confidential client of the gateway (client credentials,
    scope agency:CODE): the consumer key is its client id, the consumer secret its secret."""
    for code, entry in sorted(credentials.items()):
        await provider.ensure_client(
            session,
            client_id=entry.consumer_key,
            name=f"{code} back end",
            kind=ClientKind.CONFIDENTIAL,
            scopes=[agency_scope(code)],
            secret=entry.consumer_secret,
        )
