"""The Provincial Electricity Authority (PEA): its bill e-service and the bills it sends.

Cases through the Agency Case API v1 (the account's bills and use, `pea-electricity-bill-payment`);
`Bills` through the Bills API (`connectors.api.bills`): the monthly electricity bills a citizen
owes, and the payments the portal reports for them. No once-only data.
"""

from __future__ import annotations

import httpx

from connectors.api.bills import CaseworkBiller
from connectors.config import ConnectorConfig


class PeaConnector(CaseworkBiller):
    pass


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> PeaConnector:
    """The entry point `citizen_gateway.connectors: PEA`."""
    return PeaConnector(config, transport)
