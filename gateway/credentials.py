"""The credentials the gateway shares with agencies, in one place:

- each agency's data-exchange consumer pair (the connector's calls) and the secret its signed
  callbacks carry (`load_agency_credentials`);
- the gateway's consumer pair at the civil registry (`dopa_consumer`).

Configured in production (`CITIZEN_GATEWAY_AGENCY_CREDENTIALS`, `..._DOPA_CONSUMER_KEY` and
`_SECRET`). In development each comes from a file the mock agencies read too, created once by
whichever process starts first (written whole, then linked into place: nobody reads half a
file), like a registration letter both sides keep.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import Environment, Settings
from gateway.keys import write_once
from identity import ClientKind, OIDCProvider, agency_scope

#: The agencies the development file holds credentials for.
DEVELOPMENT_AGENCIES = ("DLT", "SSO", "RD", "BMA", "DOP", "PEA", "PWA")


@dataclass(frozen=True)
class AgencyCredentials:
    consumer_key: str
    consumer_secret: str
    callback_secret: str


def _generated() -> str:
    return json.dumps(
        {
            code: {
                "consumer_key": f"{code.lower()}-{secrets.token_hex(6)}",
                "consumer_secret": secrets.token_urlsafe(32),
                "callback_secret": secrets.token_urlsafe(32),
            }
            for code in DEVELOPMENT_AGENCIES
        },
        indent=2,
    )


def load_agency_credentials(settings: Settings) -> dict[str, AgencyCredentials]:
    if settings.agency_credentials is not None:
        raw = settings.agency_credentials.get_secret_value()
    elif settings.env is Environment.PRODUCTION:
        return {}  # no agency is reachable until an operator configures one
    else:
        raw = write_once(settings.agency_credentials_file, _generated() + "\n")
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
