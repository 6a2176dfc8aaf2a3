"""Which agencies the gateway can reach, loaded once at start from entry points.

An agency's connector is a package that declares, in its `pyproject.toml`::

    [project.entry-points."citizen_gateway.connectors"]
    DLT = "connectors.api.dlt:create"

The name is the agency code; the value a factory `create(config, transport=None) -> Connector`.
`ConnectorRegistry.load(configs)` builds one connector per configured agency. A connector that
cannot be built (its module fails to import, its factory raises, it is not a Connector, no entry
point has its code) is recorded in `.broken[code]` with the reason and logged: the gateway
starts without it, and `get(code)` names the reason (Netflix Dispatch's plugin rule: a broken
plugin is reported, never fatal).

    registry = ConnectorRegistry.load({"DLT": dlt_config, "SSO": sso_config})
    connector = registry.get("DLT")                       # or ConnectorNotAvailable
    await registry.policy_for("DLT").call(lambda: connector.submit(submission))
    await registry.aclose()
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connectors.base import (
    Bills,
    Cancels,
    Connector,
    HoldsCitizenData,
    IssuesDocuments,
    ProvidesOnceOnlyData,
    ReceivesInformation,
    ReceivesPayments,
)
from connectors.config import ConnectorConfig, PolicyConfig
from connectors.errors import ConnectorNotAvailable
from connectors.policy import AgencyPolicy, BreakerState, Clock

GROUP = "citizen_gateway.connectors"

log = logging.getLogger(__name__)


class ConnectorFactory(Protocol):
    def __call__(
        self, config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> Connector: ...


class EntryPointLike(Protocol):
    """What the registry uses of `importlib.metadata.EntryPoint` (tests pass their own)."""

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    def load(self) -> Any: ...


@dataclass(frozen=True)
class ConnectorInfo:
    """One agency's line in an operator's view of the connectors."""

    agency_code: str
    ok: bool
    detail: str  # the connector's class, or why it is broken
    # "cancel", "information", "payments", "bills", "documents", "once_only:<kind>", …
    capabilities: tuple[str, ...]
    breaker: BreakerState | None


class _Broken(Exception):
    pass


class ConnectorRegistry:
    def __init__(
        self,
        connectors: Mapping[str, Connector] | None = None,
        *,
        broken: Mapping[str, str] | None = None,
        policies: Mapping[str, AgencyPolicy] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        """A registry of ready connectors (tests and tools may build one directly)."""
        self._connectors = {code.upper(): c for code, c in (connectors or {}).items()}
        self.broken: dict[str, str] = {code.upper(): r for code, r in (broken or {}).items()}
        self._policies = {code.upper(): p for code, p in (policies or {}).items()}
        self._clock = clock

    @classmethod
    def load(
        cls,
        configs: Mapping[str, ConnectorConfig],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        entry_points: Iterable[EntryPointLike] | None = None,
        clock: Clock = time.monotonic,
    ) -> ConnectorRegistry:
        """A connector for each configured agency, from the entry points of group
        `citizen_gateway.connectors` (or `entry_points`, for tests). `transport` is handed to
        every factory (tests route all agencies in-process with it)."""
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=GROUP)
        by_code: dict[str, list[EntryPointLike]] = {}
        for entry_point in entry_points:
            by_code.setdefault(entry_point.name.strip().upper(), []).append(entry_point)

        registry = cls(clock=clock)
        for key, config in configs.items():
            code = key.strip().upper()
            registry._policies[code] = AgencyPolicy.from_config(config, clock=clock)
            try:
                registry._connectors[code] = _build(code, config, by_code.get(code, []), transport)
            except _Broken as exc:
                registry.broken[code] = str(exc)
                log.warning("connector %s not loaded: %s", code, exc)
            else:
                log.info("connector %s loaded", code)
        return registry

    @staticmethod
    def build(
        config: ConnectorConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        entry_points: Iterable[EntryPointLike] | None = None,
    ) -> Connector:
        """One agency's connector, built as `load` builds it, or ConnectorNotAvailable saying
        why not; nothing is logged (the caller says what a refusal means: certification's
        TLS probe hopes for one)."""
        if entry_points is None:
            entry_points = importlib.metadata.entry_points(group=GROUP)
        code = config.agency_code.strip().upper()
        found = [e for e in entry_points if e.name.strip().upper() == code]
        try:
            return _build(code, config, found, transport)
        except _Broken as exc:
            raise ConnectorNotAvailable(code, str(exc)) from None

    def get(self, code: str) -> Connector:
        """The agency's connector, or ConnectorNotAvailable saying why there is none."""
        code = code.strip().upper()
        try:
            return self._connectors[code]
        except KeyError:
            reason = self.broken.get(code, "no connector is configured for this agency")
            raise ConnectorNotAvailable(code, reason) from None

    def available(self) -> tuple[str, ...]:
        """The agency codes with a working connector, sorted."""
        return tuple(sorted(self._connectors))

    def policy_for(self, code: str) -> AgencyPolicy:
        """The agency's retry policy and its own circuit breaker (one per agency, shared by
        every caller in this process)."""
        code = code.strip().upper()
        if code not in self._policies:
            if code not in self._connectors and code not in self.broken:
                raise ConnectorNotAvailable(code, "no connector is configured for this agency")
            self._policies[code] = AgencyPolicy.from_config(
                PolicyConfig(), agency=code, clock=self._clock
            )
        return self._policies[code]

    def describe(self) -> tuple[ConnectorInfo, ...]:
        infos = [
            ConnectorInfo(
                agency_code=code,
                ok=True,
                detail=type(connector).__qualname__,
                capabilities=_capabilities(connector),
                breaker=self.policy_for(code).breaker.state,
            )
            for code, connector in self._connectors.items()
        ]
        infos += [
            ConnectorInfo(code, ok=False, detail=reason, capabilities=(), breaker=None)
            for code, reason in self.broken.items()
        ]
        return tuple(sorted(infos, key=lambda info: info.agency_code))

    async def aclose(self) -> None:
        """Close every connector; one failing to close does not keep the others open."""
        codes = list(self._connectors)
        results = await asyncio.gather(
            *(self._connectors[code].aclose() for code in codes), return_exceptions=True
        )
        for code, result in zip(codes, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("connector %s did not close cleanly: %r", code, result)


def _build(
    code: str,
    config: ConnectorConfig,
    entry_points: list[EntryPointLike],
    transport: httpx.AsyncBaseTransport | None,
) -> Connector:
    if config.agency_code != code:
        raise _Broken(f"its configuration names agency {config.agency_code}")
    values = sorted({entry_point.value for entry_point in entry_points})
    if not values:
        raise _Broken(f"no entry point {code!r} in group {GROUP!r}: is its package installed?")
    if len(values) > 1:
        raise _Broken(f"registered more than once ({', '.join(values)})")
    entry_point = entry_points[0]
    try:
        factory = entry_point.load()
    except Exception as exc:
        raise _Broken(f"cannot import {entry_point.value}: {type(exc).__name__}: {exc}") from exc
    if not callable(factory):
        raise _Broken(f"{entry_point.value} is not a factory")
    try:
        connector = factory(config, transport)
    except Exception as exc:
        raise _Broken(f"{entry_point.value} failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(connector, Connector):
        raise _Broken(f"{entry_point.value} returned {type(connector).__name__}, not a Connector")
    return connector


def _capabilities(connector: Connector) -> tuple[str, ...]:
    found = ["submit", "status"]
    if isinstance(connector, Cancels):
        found.append("cancel")
    if isinstance(connector, ReceivesInformation):
        found.append("information")
    if isinstance(connector, ReceivesPayments):
        found.append("payments")
    if isinstance(connector, Bills):
        found.append("bills")
    if isinstance(connector, IssuesDocuments):
        found.append("documents")
    if isinstance(connector, ProvidesOnceOnlyData):
        found += [f"once_only:{kind}" for kind in sorted(connector.once_only_kinds)]
    if isinstance(connector, HoldsCitizenData):
        found.append("citizen_data")
    return tuple(found)
