"""TEMPLATE — copy this file into your own package and fill in every `NotImplementedError`.

A connector is how your agency's back end plugs into the Citizen Portal gateway. The gateway's
worker is its only caller: it hands you one `Submission` per application (exactly once per
`idempotency_key`, though it may repeat a call whose answer it never got), asks for status when
a callback is missing, and closes you at shutdown.

The rules every method follows (the gateway relies on them; the conformance tests check them):

* Raise only the errors of `connectors.errors`:
  - `AgencyUnavailable`   your back end did not answer, timed out, said 429/5xx, or sent a
                          garbled reply. The gateway retries later with the same idempotency
                          key, so your back end must treat a repeated key as the same filing.
  - `AgencyRejected`      your agency answered and refused (`code` is your reason code). Final:
                          the citizen sees it.
  - `NotOurCase`          the case belongs to another agency; set `responsible_agency` to its
                          code (the gateway forwards it or tells the citizen, s.10 ¶2).
  - `AgencyMisconfigured` credentials refused, wrong URL, or an answer that breaks your own
                          contract. An operator must act; the gateway does not retry.
* Do not retry, sleep or open circuit breakers yourself: the gateway wraps every call in its
  policy (`connectors.policy`), per agency.
* Times are timezone-aware (`datetime` with an offset). Money is `amount_satang: int`.
* Reuse one HTTP client for the connector's lifetime and close it in `aclose()`. Accept a
  `transport` so tests can route your calls to a fake agency in-process.
* `health()` never raises: it reports.
* Credentials go in headers, never in the URL (proxies and access logs keep URLs); with
  `config.require_tls` (the gateway in production) refuse an http:// `base_url`.
  `citizen-gateway certify` reports both (docs/agency-integration.md, "Certifying the
  connector").

Delete the optional capabilities (`cancel`, `provide_info`, `payment_received`, `document`,
`once_only`) your agency does not offer: the gateway discovers them with
`isinstance(connector, Cancels)` and so on.

If your agency speaks the portal's Agency Case API v1 (docs/agency-integration.md), you need not
write any of this: subclass `connectors.api.casework.CaseworkConnector` as
`connectors/api/dlt.py` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.base import (
    AgencyEvent,
    Health,
    InformationAnswer,
    PaymentNotice,
    StatusReport,
    Submission,
    SubmitResult,
)
from connectors.config import ConnectorConfig
from connectors.errors import AgencyMisconfigured

_HINT = "connectors/template/connector.py: fill this in (see the module docstring)"


class TemplateConnector:
    """Implements `Connector`, `Cancels`, `ReceivesInformation`, `ReceivesPayments`,
    `IssuesDocuments` and `ProvidesOnceOnlyData`.

    Rename it after your agency (e.g. `DltConnector`).
    """

    # TODO: the once-only data kinds you offer, e.g. frozenset({"licences"}).
    once_only_kinds: frozenset[str] = frozenset()

    def __init__(
        self, config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.agency_code = config.agency_code
        # In production (`require_tls`) never send credentials or citizens' data in the clear:
        # refuse an http:// back end here (certification reports `tls-not-required` otherwise).
        if config.require_tls and not config.base_url.startswith("https://"):
            raise AgencyMisconfigured(self.agency_code, "TLS is required: base_url is http://")
        # One client for the connector's life. `config.base_url` is your back end's root;
        # `config.consumer_key`, `config.consumer_secret.get_secret_value()` and
        # `config.agent_id` are your data-exchange credentials; `config.options` holds any
        # setting of your own.
        self._client = httpx.AsyncClient(
            base_url=config.base_url, transport=transport, timeout=config.timeout_seconds
        )

    async def submit(self, submission: Submission) -> SubmitResult:
        """TODO: send the application to your back end with `submission.idempotency_key`
        (the same key again must return the first answer and file nothing new), and map the
        answer onto `SubmitResult`: your case reference, status (`RECEIVED`, or
        `FORWARDED_WITHIN_AGENCY` with the right `unit_code` when the citizen chose the wrong
        office), your entry time, the event's `seq` (1 for a new case) and any fees.
        Map HTTP failures onto the errors in the module docstring."""
        raise NotImplementedError(_HINT)

    async def status(self, agency_ref: str) -> StatusReport:
        """TODO: the case's current status and all its events, in `seq` order."""
        raise NotImplementedError(_HINT)

    async def health(self) -> Health:
        """TODO: one cheap authenticated call; `Health(ok=False, detail=...)` on any failure."""
        return Health(ok=False, detail=f"not implemented: {_HINT}")

    async def cancel(self, agency_ref: str) -> AgencyEvent:
        """TODO (optional capability `Cancels`): withdraw the case at the citizen's request;
        return the `cancelled` event your back end recorded."""
        raise NotImplementedError(_HINT)

    async def provide_info(self, agency_ref: str, answer: InformationAnswer) -> AgencyEvent:
        """TODO (optional capability `ReceivesInformation`): hand your back end the citizen's
        answer to your request for information, given on the portal (a note and documents to
        fetch from the gateway), with `answer.idempotency_key` (the same key again records
        nothing new); return the event your back end recorded (normally back in review).
        Without it, your officers read answers on the gateway's agency API instead."""
        raise NotImplementedError(_HINT)

    async def payment_received(self, agency_ref: str, notice: PaymentNotice) -> None:
        """TODO (optional capability `ReceivesPayments`): tell your back end the citizen paid
        the case's fees on the portal (`notice.amount_satang`, `notice.fees`, the portal's
        e-receipt `notice.receipt_number`), with `notice.idempotency_key`: the same key again
        must record nothing new and is not an error. What your agency does next (issue the
        licence of a case approved and waiting for its fee, go on reviewing) reaches the
        gateway as the case's next status event, by callback or `status`. A payment your back
        end refuses (not the amount due, already paid under another key, a case not waiting
        for one) is AgencyRejected. Offer it if your fees are paid on the portal."""
        raise NotImplementedError(_HINT)

    async def document(self, document_id: str) -> bytes:
        """TODO (optional capability `IssuesDocuments`): the issued document's bytes (PDF)."""
        raise NotImplementedError(_HINT)

    async def once_only(self, kind: str, pid: str, **params: Any) -> Mapping[str, Any]:
        """TODO (optional capability `ProvidesOnceOnlyData`): the record of `kind` your agency
        holds about the citizen `pid`, so the portal never asks the citizen for it (R-12.1).
        An unknown `kind` raises AgencyMisconfigured; no such record, AgencyRejected."""
        raise NotImplementedError(_HINT)

    async def aclose(self) -> None:
        await self._client.aclose()


def create(
    config: ConnectorConfig, transport: httpx.AsyncBaseTransport | None = None
) -> TemplateConnector:
    """The factory your entry point names (see README.md, step 4). Keep this signature."""
    return TemplateConnector(config, transport)
