"""The Bills API (docs/agency-integration.md, "Bills"): what a biller's connector calls, over
the agency's data-exchange credentials (the Case API client's token and error mapping).

    GET  {base}/api/v1/bills?pid=…               → {"pid", "bills": [{"bill_id", "kind",
                                                   "title_th", "title_en", "account_ref",
                                                   "period", "amount_satang", "due_on"}]}
    POST {base}/api/v1/bills/{bill_id}/payments  Idempotency-Key, the PaymentNotice as JSON
                                                 → 201 {"bill_id", "status": "paid", …}
                                                   (200 the same for the key again)

How answers map onto `connectors.errors`, besides the Case API client's rules (401 → a new
token, then AgencyMisconfigured; 429, 5xx, network → AgencyUnavailable; a garbled body →
AgencyUnavailable):

    404 bill_not_found, 409 already_paid, 422 amount_mismatch, reference_mismatch
                                           AgencyRejected(code=…): the citizen is told
    a bill that breaks the contract (a number that is not a Ref1, a missing or negative
    amount, a due date that is not a date, a number twice)
                                           AgencyMisconfigured naming the field
    a payment answer for another bill, or not "paid"    AgencyMisconfigured

The gateway calls these through the agency's policy (`registry.policy_for(code).call(...)`):
a listing is a read, and a payment notice may be sent again with the same idempotency key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from connectors.api.casework import API, CaseworkConnector, pid_segment
from connectors.base import Bill, PaymentNotice
from connectors.errors import AgencyMisconfigured

#: Ref1 of a Thai QR bill payment: at most 20 upper-case letters and digits (FACTS.md).
REF1 = re.compile(r"[A-Z0-9]{1,20}")

Text = Annotated[StrictStr, Field(min_length=1, max_length=500)]


class _BillAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    bill_id: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9]{1,20}$")]
    kind: Text
    title_th: Text
    title_en: Text
    account_ref: Text
    period: Text | None = None
    amount_satang: Annotated[StrictInt, Field(gt=0)]
    due_on: dt.date


class _BillsAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    bills: list[_BillAnswer]


def bill_segment(bill_id: str) -> str:
    """A bill number as a path segment: a Ref1, nothing else."""
    if not REF1.fullmatch(bill_id):
        raise ValueError("a bill number (Ref1) is 1 to 20 upper-case letters and digits")
    return quote(bill_id, safe="")


async def list_bills(agency: CaseworkConnector, pid: str) -> list[Bill]:
    """The bills the citizen `pid` has still to pay at `agency`, as it lists them."""
    answer = await agency.fetch(f"{API}/bills", {"pid": pid_segment(pid)})
    try:
        listed = _BillsAnswer.model_validate(answer).bills
    except ValidationError as exc:
        raise AgencyMisconfigured(agency.agency_code, f"bills answer: {_first(exc)}") from None
    numbers = [bill.bill_id for bill in listed]
    if len(set(numbers)) != len(numbers):
        raise AgencyMisconfigured(agency.agency_code, f"bills answer lists a bill twice: {numbers}")
    return [Bill(**bill.model_dump()) for bill in listed]


async def report_bill_paid(agency: CaseworkConnector, bill_id: str, notice: PaymentNotice) -> None:
    """Tell `agency` its bill `bill_id` was paid (once per `notice.idempotency_key`)."""
    path = f"{API}/bills/{bill_segment(bill_id)}/payments"
    answer = await agency.post(path, _notice_body(notice), idempotency_key=notice.idempotency_key)
    if answer.get("bill_id") != bill_id or answer.get("status") != "paid":
        raise AgencyMisconfigured(
            agency.agency_code,
            f"payment answer for bill {answer.get('bill_id')!r} with status "
            f"{answer.get('status')!r}; expected {bill_id!r}, 'paid'",
        )


def _notice_body(notice: PaymentNotice) -> dict[str, Any]:
    return {
        "idempotency_key": notice.idempotency_key,
        "reference": notice.reference,
        "payment_id": notice.payment_id,
        "receipt_number": notice.receipt_number,
        "amount_satang": notice.amount_satang,
        "fees": [{"label": fee.label, "amount_satang": fee.amount_satang} for fee in notice.fees],
        "paid_at": notice.paid_at.isoformat(),
        "channel": notice.channel,
    }


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(the answer)"
    return f"{where}: {error['msg']} (got {error.get('input')!r:.80})"


class CaseworkBiller(CaseworkConnector):
    """A Case API agency that also bills citizens: `Connector`, `Cancels`, `IssuesDocuments`,
    `ReceivesInformation` and `Bills`."""

    async def bills(self, pid: str) -> Sequence[Bill]:
        return await list_bills(self, pid)

    async def bill_paid(self, bill_id: str, notice: PaymentNotice) -> None:
        await report_bill_paid(self, bill_id, notice)
