"""Calls agencies make to the gateway (status callbacks, notification pushes): the signed body
checked, and its nonce remembered with the change it carries (a replay is refused)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.credentials import AgencyCredentials
from gateway.forwarding import signing
from gateway.forwarding.models import CallbackNonce
from gateway.http import read_capped
from kernel.errors import Unauthorized

MAX_SIGNED_BODY_BYTES = 64 * 1024


#: What a signed call can be refused for, and what its body can be refused for (OpenAPI).
SIGNED_CALL_PROBLEMS = (
    "unknown_agency",
    "signature_missing",
    "signature_malformed",
    "signature_invalid",
    "signature_stale",
    "signature_replayed",
    "validation_failed",
    "payload_too_large",
)


@dataclass(frozen=True)
class Signature:
    """The signature headers of a call from an agency, as sent (checked by `verified_body`)."""

    agency: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None


async def signature_headers(
    x_agency: Annotated[str | None, Header()] = None,
    x_timestamp: Annotated[str | None, Header()] = None,
    x_nonce: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> Signature:
    return Signature(x_agency, x_timestamp, x_nonce, x_signature)


SignatureDep = Annotated[Signature, Depends(signature_headers)]


async def verified_body(
    request: Request, code: str, sent: Signature
) -> tuple[bytes, signing.SignedHeaders]:
    """The raw body of a signed call from agency `code`, or 401 saying why not."""
    credentials: dict[str, AgencyCredentials] = request.app.state.agency_credentials
    try:
        headers = signing.parse_headers(sent.agency, sent.timestamp, sent.nonce, sent.signature)
        if headers.agency != code or code not in credentials:
            raise signing.SignatureRefused("unknown_agency", f"No agency {code} signs calls here.")
        body = await read_capped(request, MAX_SIGNED_BODY_BYTES)
        # Freshness is transport security: measured on the real clock, whatever simulated
        # time the gateway runs on.
        signing.check(headers, credentials[code].callback_secret, body, time.time())
    except signing.SignatureRefused as refused:
        raise Unauthorized(refused.message, code=refused.code) from refused
    return body, headers


async def remember_nonce(
    session: AsyncSession, agency_code: str, nonce: str, now: dt.datetime
) -> None:
    """Refuse a nonce seen before (a replay); it is remembered with the change it carried."""
    try:
        async with session.begin_nested():
            session.add(CallbackNonce(agency_code=agency_code, nonce=nonce, seen_at=now))
    except IntegrityError as exc:
        raise Unauthorized("This message was already received.", code="signature_replayed") from exc
