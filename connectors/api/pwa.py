"""The Provincial Waterworks Authority (PWA): a biller only.

Its e-services are links to its own channels (catalog integration_mode `link`), so it takes no
applications: `submit` and `status` raise AgencyMisconfigured (the gateway never forwards to a
link-kind agency; if it does, our side is wrong). `Bills` goes through the Bills API
(`connectors.api.bills`) with the data-exchange credentials, as the API-kind agencies'.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from connectors.api.bills import list_bills, report_bill_paid
from connectors.api.casework import CaseworkConnector
from connectors.base import Bill, Health, PaymentNotice, StatusReport, Submission, SubmitResult
from connectors.config import ConnectorConfig
from connectors.errors import AgencyMisconfigured

NO_CASES = "PWA takes no applications through the portal: its e-services are links"


class PwaConnector:
    """`Connector` and `Bills`: no cases, so nothing to cancel, answer or issue."""

    def __init__(
        self, config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.agency_code = config.agency_code
        # The exchange itself (token, errors) is the Case API client's; only its bill calls
        # are used.
        self._exchange = CaseworkConnector(config, transport)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agency_code!r}, {self.config.base_url!r})"

    async def submit(self, submission: Submission) -> SubmitResult:
        raise AgencyMisconfigured(
            self.agency_code, f"{NO_CASES} (asked to file {submission.service_id})"
        )

    async def status(self, agency_ref: str) -> StatusReport:
        raise AgencyMisconfigured(self.agency_code, f"{NO_CASES} (asked about {agency_ref})")

    async def health(self) -> Health:
        return await self._exchange.health()

    async def aclose(self) -> None:
        await self._exchange.aclose()

    async def bills(self, pid: str) -> Sequence[Bill]:
        return await list_bills(self._exchange, pid)

    async def bill_paid(self, bill_id: str, notice: PaymentNotice) -> None:
        await report_bill_paid(self._exchange, bill_id, notice)


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> PwaConnector:
    """The entry point `citizen_gateway.connectors: PWA`."""
    return PwaConnector(config, transport)
