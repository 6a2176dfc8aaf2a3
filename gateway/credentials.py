"""The credentials the gateway shares with agencies, in one place:

- each agency's data-exchange consumer pair (the connector's calls) and the secret its signed
  callbacks carry (`load_agency_credentials`);
- the gateway's consumer pair at the civil registry (`dopa_consumer`).

Configured in production (`CITIZEN_GATEWAY_AGENCY_CREDENTIALS`, `..._DOPA_CONSUMER_KEY` and
`_SECRET`). In development each comes from a file the mock agencies read too, created once by
whichever process starts first (written whole, then linked into place: nobody reads half a
file), like a registration letter both sides keep. The development file holds an entry for
every agency the gateway is configured with (`configured_agencies`: each registered connector
and each registered mock agency), made on demand: a file that lacks one gains it when next
read (`add_missing_entries`), the existing entries kept as they are. In development,
`CITIZEN_GATEWAY_AGENCY_CREDENTIALS` is merged over the file: its entries win, agency by agency.

Whose pair is whose: for an API-kind agency (DLT, SSO, RD, PEA, PWA, CGD, NHSO) the consumer
key and secret are the gateway's consumer pair at the agency (its connector's calls); for BMA
they are the agency's OAuth client at the gateway. DOP's one pair serves both: DOP's OAuth
client at the gateway (its officers' back office) and the gateway's consumer pair at DOP's
allowance register (the DOP connector's reads, know): one registration, both directions.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
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

#: The entry points a development gateway makes credentials for: its connectors, and the mock
#: agencies (web and platform agencies, BMA and DOP, have no connector yet need a client here).
#: Only the names are read; nothing of the mock agencies is imported.
CONNECTORS_GROUP = "citizen_gateway.connectors"
MOCK_AGENCIES_GROUP = "citizen_gateway.mock_agencies"


def configured_agencies() -> tuple[str, ...]:
    """The agencies a development gateway holds credentials for, sorted: every code registered
    under `citizen_gateway.connectors` or `citizen_gateway.mock_agencies`."""
    return tuple(
        sorted(
            {
                entry_point.name.strip().upper()
                for group in (CONNECTORS_GROUP, MOCK_AGENCIES_GROUP)
                for entry_point in importlib.metadata.entry_points(group=group)
            }
        )
    )


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


def _generated(codes: Sequence[str]) -> str:
    return json.dumps({code: _entry(code) for code in codes}, indent=2)


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


def load_agency_credentials(
    settings: Settings, codes: Sequence[str] | None = None
) -> dict[str, AgencyCredentials]:
    """Each agency's credentials by code. Production: `CITIZEN_GATEWAY_AGENCY_CREDENTIALS`
    alone. Development: the shared file, with an entry made for each of `codes` (default
    `configured_agencies()`) it lacks, and the environment's entries over it (they win)."""
    configured = _parse(
        settings.agency_credentials.get_secret_value() if settings.agency_credentials else "{}",
        "CITIZEN_GATEWAY_AGENCY_CREDENTIALS",
    )
    if settings.env is Environment.PRODUCTION:
        return configured  # no agency is reachable until an operator configures one
    wanted = [c for c in (configured_agencies() if codes is None else codes) if c not in configured]
    path = settings.agency_credentials_file
    raw = write_once(path, _generated(wanted) + "\n")
    try:
        if any(code not in json.loads(raw) for code in wanted):
            raw = add_missing_entries(path, wanted)
    except (ValueError, TypeError):
        pass  # not JSON (or not an object): reported below
    return _parse(raw, str(path), development_file=True) | configured


def _parse(
    raw: str, source: str, *, development_file: bool = False
) -> dict[str, AgencyCredentials]:
    try:
        data = json.loads(raw)
        return {
            str(code).upper(): AgencyCredentials(
                consumer_key=str(entry["consumer_key"]),
                consumer_secret=str(entry["consumer_secret"]),
                callback_secret=str(entry["callback_secret"]),
            )
            for code, entry in data.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        shape = "JSON {CODE: {consumer_key, consumer_secret, callback_secret}}"
        if development_file:
            raise RuntimeError(
                f"the development agency credentials file {source} is not {shape} ({exc!r}). "
                f"It is generated: delete it (rm {source}) and restart the gateway and the mock "
                "agencies (`make run`) to have a new one made with new secrets, or set "
                "CITIZEN_GATEWAY_AGENCY_CREDENTIALS (docs/agency-integration.md, "
                '"Credentials")'
            ) from exc
        raise RuntimeError(f"{source} must be {shape}") from exc


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
