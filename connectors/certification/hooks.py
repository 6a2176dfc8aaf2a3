"""Test hooks of an agency's test environment that some checks need, all optional:

- `Outages`: take the agency down for a moment (the `outage` check). `FaultKnobs` drives the
  mock agencies host's shared knobs over HTTP (`GET|PUT {faults_url}/{CODE}`, which
  `citizen-gateway agencies` serves at `{AGENCIES_URL}/faults`), and puts back what it found.
- `BackOffice`: move a filed case on as the agency's staff would (the `status-events` check
  then expects `in_review`; the `provide-info` check has the staff ask for information and the
  `payment` check for the fee, each skipped without one). `StaffBackOffice` uses the mock
  agencies' staff endpoints
  `POST {base_url}/staff/applications/{agency_ref}/{accept|request-info|request-payment}` with
  JSON `{"reason"?, "items"?}` (docs/agency-integration.md).

A hook that does not work raises `HookFailed`: the check that needed it errs (nothing is known
about the connector), it does not fail.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

import httpx


class HookFailed(Exception):
    """A test hook could not do its part (unreachable, refused, unexpected answer)."""


class Outages(Protocol):
    def outage(self, agency_code: str) -> contextlib.AbstractAsyncContextManager[None]:
        """While the context is open, the agency answers every call as if down (503)."""
        ...


class BackOffice(Protocol):
    async def accept(self, agency_ref: str) -> None:
        """The agency's staff take the case up: its status becomes `in_review`."""
        ...

    async def request_info(
        self, agency_ref: str, *, reason: str, items: Sequence[Mapping[str, str]]
    ) -> None:
        """The agency's staff ask the citizen for information (`items`, each with `name_th`
        and `name_en`): the case's status becomes `needs_info`."""
        ...

    async def request_payment(self, agency_ref: str) -> None:
        """The agency's staff ask the citizen to pay the case's fees: its status becomes
        `awaiting_payment`."""
        ...


async def _request(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise HookFailed(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise HookFailed(f"{method} {url} answered {response.status_code}: {response.text[:200]}")
    return response


class FaultKnobs:
    """The mock agencies host's fault knobs at `url` (e.g. http://127.0.0.1:8100/faults)."""

    def __init__(
        self, url: str, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0
    ) -> None:
        self.url = url.rstrip("/")
        self._transport = transport
        self._timeout = timeout

    @contextlib.asynccontextmanager
    async def outage(self, agency_code: str) -> AsyncIterator[None]:
        knob = f"{self.url}/{quote(agency_code.upper(), safe='')}"
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            found = (await _request(client, "GET", knob)).json()
            if not isinstance(found, dict):
                raise HookFailed(f"GET {knob} answered {found!r}, not the agency's knobs")
            await _request(client, "PUT", knob, json={**found, "outage": True})
            try:
                yield
            finally:  # the agency comes back however the check ended
                await _request(client, "PUT", knob, json=found)


class StaffBackOffice:
    """The mock casework agencies' staff endpoints below the agency's `base_url` (its root)."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._transport = transport
        self._timeout = timeout

    async def accept(self, agency_ref: str) -> None:
        await self._act(agency_ref, "accept")

    async def request_info(
        self, agency_ref: str, *, reason: str, items: Sequence[Mapping[str, str]]
    ) -> None:
        await self._act(
            agency_ref, "request-info", {"reason": reason, "items": [dict(i) for i in items]}
        )

    async def request_payment(self, agency_ref: str) -> None:
        await self._act(agency_ref, "request-payment")

    async def _act(
        self, agency_ref: str, action: str, decision: Mapping[str, Any] | None = None
    ) -> None:
        url = f"{self.base_url}/staff/applications/{quote(agency_ref, safe='')}/{action}"
        extra: dict[str, Any] = {} if decision is None else {"json": dict(decision)}
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            await _request(client, "POST", url, **extra)
