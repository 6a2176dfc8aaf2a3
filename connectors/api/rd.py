"""The Revenue Department (RD): personal income tax.

Cases through the Agency Case API v1; once-only data (R-12.1): the withholding-tax certificates
(50 Tawi) the citizen's payers filed for a tax year, `GET /api/v1/withholding/{pid}?year=YYYY`
(kind "withholding", parameter `year`). `Bills` (`connectors.api.bills`): the income tax
still to pay for the last tax year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.api.bills import CaseworkBiller
from connectors.api.casework import API, pid_segment
from connectors.config import ConnectorConfig


class RdConnector(CaseworkBiller):
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
