"""Calls agencies make to the gateway (status callbacks, notification pushes): the signed body
checked, and its nonce remembered with the change it carries (a replay is refused)."""

from __future__ import annotations

import datetime as dt
import time

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.credentials import AgencyCredentials
from gateway.forwarding import signing
from gateway.forwarding.models import CallbackNonce
from gateway.http import read_capped
from kernel.errors import Unauthorized

MAX_SIGNED_BODY_BYTES = 64 * 1024


async def verified_body(
    request: Request,
    code: str,
    *,
    agency: str | None,
    timestamp: str | None,
    nonce: str | None,
    signature: str | None,
) -> tuple[bytes, signing.SignedHeaders]:
    """The raw body of a signed call from agency `code`, or 401 saying why not."""
    credentials: dict[str, AgencyCredentials] = request.app.state.agency_credentials
    try:
        headers = signing.parse_headers(agency, timestamp, nonce, signature)
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
