"""What a certification run certifies: a connector, how to build it again with other settings
(wrong credentials, an address nobody answers at), the sample filing, and the optional hooks
of the agency's test environment."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import httpx

from connectors.base import Connector, Submission
from connectors.certification.hooks import BackOffice, Outages
from connectors.certification.performance import Burst
from connectors.certification.samples import Sample
from connectors.config import ConnectorConfig
from connectors.registry import ConnectorFactory, ConnectorRegistry, EntryPointLike


class VariantUnavailable(Exception):
    """The connector could not be built again with other settings (the check that needed the
    copy errs: nothing is known about the connector's behaviour)."""


@dataclass(frozen=True)
class Subject:
    connector: Connector  # built from `config` by `factory`, with `transport`
    config: ConnectorConfig
    factory: ConnectorFactory  # builds copies: `factory(config, transport)`
    sample: Sample
    transport: httpx.AsyncBaseTransport | None = None  # None: the network
    outages: Outages | None = None  # None: the `outage` check is skipped
    back_office: BackOffice | None = None  # None: filed cases are not moved on
    burst: Burst | None = None  # None: the `performance` check is skipped
    # The secret the agency signs its callbacks with (None: their signatures are not checked)
    callback_secret: str | None = None
    # Where the filings' callbacks go (None: nowhere, CALLBACK_BASE; `certify` sets its
    # loopback receiver's)
    callback_url: str | None = None

    @property
    def agency_code(self) -> str:
        return self.config.agency_code

    def submission(self, **options: str) -> Submission:
        """A fresh filing of the sample (Sample.submission), calling back `callback_url`."""
        return self.sample.submission(self.agency_code, callback_url=self.callback_url, **options)

    @contextlib.asynccontextmanager
    async def variant(
        self, config: ConnectorConfig, *, network: bool = False
    ) -> AsyncIterator[Connector]:
        """A copy of the connector built from `config`, closed afterwards. `network=True`
        builds it without the subject's transport (to reach a real socket)."""
        try:
            copy = self.factory(config, None if network else self.transport)
        except Exception as exc:
            raise VariantUnavailable(
                f"could not build a second {self.agency_code} connector: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        try:
            yield copy
        finally:
            await copy.aclose()


def registered_connector(
    config: ConnectorConfig,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    entry_points: Iterable[EntryPointLike] | None = None,
) -> tuple[Connector, ConnectorFactory]:
    """The connector registered for `config.agency_code` (entry points
    `citizen_gateway.connectors`), built the way the gateway builds it, and a factory that
    builds it again from another config. Raises ConnectorNotAvailable with the registry's
    reason when it cannot be built (no entry point, an import error, a failing factory)."""
    known = None if entry_points is None else list(entry_points)

    def build(
        config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> Connector:
        return ConnectorRegistry.build(config, transport=transport, entry_points=known)

    return build(config, transport), build
