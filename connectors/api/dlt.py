"""The Department of Land Transport (DLT): driving licences and vehicle tax.

Cases through the Agency Case API v1; once-only data (R-12.1): the citizen's current driving
licence, `GET /api/v1/licences/{pid}` (kind "licences").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.config import ConnectorConfig


class DltConnector(CaseworkConnector):
    once_only_kinds = frozenset({"licences"})

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        return await self.fetch(f"{API}/licences/{pid_segment(pid)}")


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> DltConnector:
    """The entry point `citizen_gateway.connectors: DLT`."""
    return DltConnector(config, transport)
