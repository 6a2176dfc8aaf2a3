"""How an agency's own back end talks to the portal (the gateway), over HTTP only.

Used by the mock BMA (Web Integration) and the mock DOP back office (platform kind).

Development credentials: the shared write-once file
`$MOCK_AGENCIES_VAR_DIR/agency-credentials.json` (mock_agencies/dev_credentials.py), which the
gateway reads too. For BMA and DOP,
`consumer_key` / `consumer_secret` are their OAuth client id and secret at the gateway
(`POST /oauth/token`, client credentials, scope `agency:<CODE>`), and `callback_secret` keys the
HMAC of their signed callbacks. Tests and deployments override one agency with
`MOCK_<CODE>_CREDENTIALS` (the same three-key JSON object).

Signed messages (callbacks, notifications): headers `X-Agency`, `X-Timestamp` (unix seconds),
`X-Nonce` (random, url-safe) and `X-Signature: v1=<hex HMAC-SHA256(callback_secret,
"<timestamp>.<nonce>." + raw body)>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from mock_agencies.dev_credentials import FIELDS, file_entry

GATEWAY_URL_ENV = "MOCK_AGENCIES_GATEWAY_URL"
PORTAL_PUBLIC_URL_ENV = "CITIZEN_GATEWAY_PUBLIC_URL"
DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000"
#: Renew an access token this long before the gateway says it lapses.
TOKEN_MARGIN_SECONDS = 30.0


@dataclass(frozen=True)
class AgencyCredentials:
    consumer_key: str  # also the agency's OAuth client_id at the gateway
    consumer_secret: str  # also its OAuth client secret
    callback_secret: str  # keys the HMAC of its callbacks and notifications

    @classmethod
    def parse(cls, raw: object, source: str) -> AgencyCredentials:
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(name), str) and raw[name] for name in FIELDS
        ):
            raise ValueError(f"{source} must be a JSON object with non-empty {', '.join(FIELDS)}")
        return cls(*(raw[name] for name in FIELDS))


def load_credentials(code: str, environ: Mapping[str, str] = os.environ) -> AgencyCredentials:
    """`code`'s credentials: from MOCK_<CODE>_CREDENTIALS, else from (or newly into) the file."""
    variable = f"MOCK_{code}_CREDENTIALS"
    if raw := environ.get(variable):
        try:
            return AgencyCredentials.parse(json.loads(raw), variable)
        except json.JSONDecodeError as error:
            raise ValueError(f"{variable} is not JSON: {error}") from None
    return AgencyCredentials(**file_entry(code, environ))


def gateway_url(environ: Mapping[str, str] = os.environ) -> str:
    """The portal's root: MOCK_AGENCIES_GATEWAY_URL, else the gateway's own public URL (as
    `make run` exports it), else the default port on loopback."""
    url = environ.get(GATEWAY_URL_ENV) or environ.get(PORTAL_PUBLIC_URL_ENV) or DEFAULT_GATEWAY_URL
    return url.rstrip("/")


# -- signing ------------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """`v1=` + hex HMAC-SHA256 over "<timestamp>.<nonce>." + the raw body."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(agency: str, secret: str, body: bytes, now: float) -> dict[str, str]:
    """Fresh headers for one delivery attempt: a retry gets a new timestamp and nonce (the
    gateway refuses stale timestamps and nonces it has seen), the body stays the same."""
    timestamp = str(int(now))
    nonce = secrets.token_urlsafe(18)
    return {
        "Content-Type": "application/json",
        "X-Agency": agency,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(secret, timestamp, nonce, body),
    }


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# -- the gateway client -------------------------------------------------------------------------


class PortalError(Exception):
    """The gateway could not be reached, or refused us in a way the caller cannot fix."""

    def __init__(self, message: str, status: int | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail


def problem_detail(response: httpx.Response) -> tuple[str | None, str]:
    """(`code`, human detail) of a gateway refusal: RFC 9457 problem+json, or whatever came."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300] or response.reason_phrase
    if not isinstance(body, dict):
        return None, str(body)[:300]
    code = body.get("code") or body.get("error")
    detail = body.get("detail") or body.get("error_description") or body.get("title")
    return (
        code if isinstance(code, str) else None,
        str(detail) if detail else response.reason_phrase,
    )


class PortalClient:
    """Calls the gateway as one agency: a client-credentials token (scope `agency:<CODE>`),
    cached until shortly before it lapses and fetched again once if the gateway says 401."""

    def __init__(
        self,
        agency: str,
        credentials: AgencyCredentials,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
    ) -> None:
        self.agency = agency
        self.credentials = credentials
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)
        self._token: str | None = None
        self._token_until = 0.0
        self.tokens_fetched = 0

    @property
    def scope(self) -> str:
        return f"agency:{self.agency}"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def token(self) -> str:
        if self._token is not None and self.clock() < self._token_until:
            return self._token
        try:
            response = await self._http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "scope": self.scope},
                auth=(self.credentials.consumer_key, self.credentials.consumer_secret),
            )
        except httpx.HTTPError as error:
            raise PortalError(f"portal unreachable: {error!r}") from None
        if response.status_code != 200:
            _, detail = problem_detail(response)
            raise PortalError("the portal refused our credentials", response.status_code, detail)
        body = response.json()
        lifetime = float(body.get("expires_in") or 300)
        self._token = str(body["access_token"])
        self._token_until = self.clock() + max(lifetime - TOKEN_MARGIN_SECONDS, lifetime / 2)
        self.tokens_fetched += 1
        return self._token

    def forget_token(self) -> None:
        self._token = None

    async def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """An authorised call; a 401 that is about our token (not about the request's content)
        gets one retry with a fresh token. Transport failures raise PortalError."""
        for attempt in (1, 2):
            sent = {**(headers or {}), "Authorization": f"Bearer {await self.token()}"}
            try:
                response = await self._http.request(method, path, headers=sent, **kwargs)
            except httpx.HTTPError as error:
                raise PortalError(f"portal unreachable: {error!r}") from None
            if response.status_code == 401 and attempt == 1 and _about_our_token(response):
                self.forget_token()
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def post_signed(self, path: str, body: bytes, now: float) -> httpx.Response:
        """A signed message (no bearer token: the signature is the authentication)."""
        headers = signed_headers(self.agency, self.credentials.callback_secret, body, now)
        return await self._http.post(path, content=body, headers=headers)


def _about_our_token(response: httpx.Response) -> bool:
    code, _ = problem_detail(response)
    return code is None or "mtoken" not in code.lower()
