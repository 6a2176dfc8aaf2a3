"""The Social Security Office (SSO): benefits of insured persons.

Cases through the Agency Case API v1; once-only data (R-12.1): the citizen's insurance record,
`GET /api/v1/insured/{pid}` (kind "insured").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.config import ConnectorConfig


class SsoConnector(CaseworkConnector):
    once_only_kinds = frozenset({"insured"})

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        return await self.fetch(f"{API}/insured/{pid_segment(pid)}")


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> SsoConnector:
    """The entry point `citizen_gateway.connectors: SSO`."""
    return SsoConnector(config, transport)
