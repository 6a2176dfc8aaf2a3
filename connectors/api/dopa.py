"""The civil registry (DOPA) through the government data-exchange REST style.

The registry authenticates every call: a consumer key and secret (issued to the gateway when it
is registered as a consumer) buy a token at `/gdx/auth/validate`; the token goes with the
consumer key on every call and lapses after 60 minutes without use. This connector keeps one
token, fetches a new one when the registry says it lapsed, and maps every failure onto the three
connector errors.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.civil_registry import CardCheck, CardCheckCode, CardQuery, PersonRecord
from connectors.errors import AgencyMisconfigured, AgencyRejected, AgencyUnavailable

AGENCY = "DOPA"
_TOKEN_LAPSED = {"token_expired", "invalid_token"}


@dataclass(frozen=True)
class DopaConfig:
    base_url: str  # e.g. http://127.0.0.1:8100/dopa
    consumer_key: str
    consumer_secret: str
    agent_id: str  # the 13-digit ID of the officer or system on whose behalf the portal asks
    timeout_seconds: float = 5.0


class DopaRegistry:
    """`connectors.civil_registry.CivilRegistry` over HTTP."""

    def __init__(self, config: DopaConfig, transport: httpx.AsyncBaseTransport | None = None):
        self.config = config
        self._client = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            transport=transport,
            timeout=config.timeout_seconds,
        )
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def check_card_by_laser(self, query: CardQuery) -> CardCheck:
        body = await self._call(
            "/gdx/linkage/check-card-by-laser",
            {
                "pid": query.national_id,
                "firstName": query.first_name_th,
                "lastName": query.last_name_th,
                "birthDate": query.birth_date_be,
                "laser": query.laser_code,
            },
        )
        try:
            code = CardCheckCode(int(body["code"]))
            return CardCheck(code, str(body.get("desc", "")), str(body.get("descEn", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyMisconfigured(AGENCY, f"unreadable check-card answer: {body!r}") from exc

    async def person(self, national_id: str) -> PersonRecord:
        body = await self._call("/gdx/linkage/person", {"pid": national_id})
        try:
            address = body.get("address") or {}
            return PersonRecord(
                national_id=str(body["pid"]),
                first_name_th=str(body["firstName"]["th"]),
                last_name_th=str(body["lastName"]["th"]),
                first_name_en=str(body["firstName"]["en"]),
                last_name_en=str(body["lastName"]["en"]),
                birth_date_be=str(body["birthDate"]),
                sex=str(body["sex"]),
                province_code=(address.get("province") or {}).get("iso"),
                address_th=(address.get("text") or {}).get("th"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise AgencyMisconfigured(AGENCY, "unreadable person record") from exc

    async def face_reference(self, national_id: str) -> tuple[float, ...]:
        body = await self._call("/gdx/linkage/face-reference", {"pid": national_id})
        try:
            return tuple(float(x) for x in body["template"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AgencyMisconfigured(AGENCY, "unreadable face reference") from exc

    async def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the current token; on a lapsed token, validate again and retry once."""
        token: str | None = None
        for _ in range(2):
            token = await self._current_token(stale=token)
            response = await self._send(
                "POST",
                path,
                json=payload,
                headers={"Consumer-Key": self.config.consumer_key, "Token": token},
            )
            if response.status_code == 401 and _error_code(response) in _TOKEN_LAPSED:
                continue
            return self._json_or_raise(response)
        raise AgencyMisconfigured(AGENCY, "a freshly validated token was refused")

    async def _current_token(self, *, stale: str | None = None) -> str:
        """The token to use; a new one when `stale` (refused) is still the current one. Callers
        that waited on the lock while another renewed it take the renewed token."""
        async with self._token_lock:
            if self._token is None or self._token == stale:
                response = await self._send(
                    "GET",
                    "/gdx/auth/validate",
                    params={
                        "ConsumerSecret": self.config.consumer_secret,
                        "AgentID": self.config.agent_id,
                    },
                    headers={"Consumer-Key": self.config.consumer_key},
                )
                body = self._json_or_raise(response)
                token = body.get("Result")
                if not isinstance(token, str) or not token:
                    raise AgencyMisconfigured(AGENCY, "validate answered without a token")
                self._token = token
            return self._token

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise AgencyUnavailable(
                AGENCY, f"no answer within {self.config.timeout_seconds}s"
            ) from exc
        except httpx.TransportError as exc:
            raise AgencyUnavailable(
                AGENCY, f"cannot reach the registry: {type(exc).__name__}"
            ) from exc

    def _json_or_raise(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status >= 500 or status == 429:
            raise AgencyUnavailable(AGENCY, f"registry answered {status}")
        if status in (401, 403):
            raise AgencyMisconfigured(
                AGENCY, f"registry refused our credentials ({_error_code(response) or status})"
            )
        if status == 404:
            raise AgencyRejected(AGENCY, _error_code(response) or "not found")
        if status >= 400:
            raise AgencyMisconfigured(
                AGENCY, f"registry answered {status}: {_error_code(response)}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise AgencyUnavailable(AGENCY, "registry sent a malformed reply") from exc
        if not isinstance(body, dict):
            raise AgencyUnavailable(AGENCY, "registry sent a malformed reply")
        return body


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None
