"""The credentials the gateway and each agency share: the agency's data-exchange consumer pair
(the connector's calls) and the secret its signed callbacks carry.

Configured in production (`CITIZEN_GATEWAY_AGENCY_CREDENTIALS`). In development they come from
the file the mock agencies read too, created once by whichever process starts first (written
whole, then linked into place: nobody reads half a file).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.config import Environment, Settings
from gateway.keys import _write_once
from identity import ClientKind, OIDCProvider, agency_scope

#: The agencies the development file holds credentials for.
DEVELOPMENT_AGENCIES = ("DLT", "SSO", "RD", "BMA", "DOP")


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
        raw = _write_once(settings.agency_credentials_file, _generated() + "\n")
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
