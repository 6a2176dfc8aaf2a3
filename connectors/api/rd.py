"""The Revenue Department (RD): personal income tax.

Cases through the Agency Case API v1; once-only data (R-12.1): the withholding-tax certificates
(50 Tawi) the citizen's payers filed for a tax year, `GET /api/v1/withholding/{pid}?year=YYYY`
(kind "withholding", parameter `year`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.config import ConnectorConfig


class RdConnector(CaseworkConnector):
    once_only_kinds = frozenset({"withholding"})

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        if kind not in self.once_only_kinds:
            raise self.unknown_kind(kind, self.once_only_kinds)
        year = params.get("year")
        if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).isdigit():
            raise ValueError("once_only('withholding', pid, year=YYYY): the tax year is required")
        return await self.fetch(f"{API}/withholding/{pid_segment(pid)}", {"year": int(year)})


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> RdConnector:
    """The entry point `citizen_gateway.connectors: RD`."""
    return RdConnector(config, transport)
