"""What the API-kind connectors share to implement `HoldsCitizenData` (know): reading a record
the agency may not hold, checking an answer against its documented shape, and the date the
agency's records are read on.

How answers map onto `connectors.errors`, besides the Case API client's rules (401 → a new
token, then AgencyMisconfigured; 429, 5xx, network → AgencyUnavailable):

    404 not_found                       the agency holds no such record: None (nothing held)
    an answer missing a documented field, or of the wrong type
                                        AgencyMisconfigured naming the field

Each connector declares how long the portal may reuse its answer (`citizen_data_fresh_for`, a
class constant documented on the connector).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from connectors.api.casework import CaseworkConnector
from connectors.base import Health, StatusReport, Submission, SubmitResult
from connectors.config import ConnectorConfig
from connectors.errors import AgencyMisconfigured, AgencyRejected
from kernel.clock import Clock

#: Asia/Bangkok (UTC+7, no daylight saving): the day an agency's records are read on.
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")

_M = TypeVar("_M", bound=BaseModel)


async def read_held(
    agency: CaseworkConnector, path: str, params: Mapping[str, str | int] | None = None
) -> Mapping[str, Any] | None:
    """GET `path`: the record, or None when the agency answers 404 not_found (holds none)."""
    try:
        return await agency.fetch(path, params)
    except AgencyRejected as refused:
        if refused.code == "not_found":
            return None
        raise


def parsed(agency_code: str, model: type[_M], answer: Mapping[str, Any], what: str) -> _M:
    """`answer` as `model`; AgencyMisconfigured naming the first field that breaks it."""
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(the answer)"
        raise AgencyMisconfigured(
            agency_code, f"{what}: {where}: {error['msg']} (got {error.get('input')!r:.80})"
        ) from None


def today_in_bangkok(agency: CaseworkConnector) -> dt.date:
    """The connector's today (its clock, in Bangkok): the day "last year" is counted from."""
    return agency.now().astimezone(BANGKOK).date()


class RecordsOnly:
    """`Connector` for an agency that files no cases through the portal and only answers
    reads (know): `submit` and `status` raise AgencyMisconfigured (the gateway never forwards
    to it; if it does, our side is wrong), `health` asks the agency. The exchange itself
    (token, errors) is the Case API client's, as PWA's is (`connectors.api.pwa`)."""

    #: Why it takes no applications, said in the errors.
    no_cases: ClassVar[str] = "this agency takes no applications through the portal"

    def __init__(
        self,
        config: ConnectorConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.agency_code = config.agency_code
        self.exchange = CaseworkConnector(config, transport, clock=clock)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agency_code!r}, {self.config.base_url!r})"

    async def submit(self, submission: Submission) -> SubmitResult:
        raise AgencyMisconfigured(
            self.agency_code, f"{self.no_cases} (asked to file {submission.service_id})"
        )

    async def status(self, agency_ref: str) -> StatusReport:
        raise AgencyMisconfigured(self.agency_code, f"{self.no_cases} (asked about {agency_ref})")

    async def health(self) -> Health:
        return await self.exchange.health()

    async def aclose(self) -> None:
        await self.exchange.aclose()
