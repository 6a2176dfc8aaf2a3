"""The bodies an API-kind agency accepts (docs/agency-integration.md, "Cases").

Unknown fields are kept, not refused: an agency takes what it needs from a filing and a newer
gateway may send more than this mock knows about.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from mock_agencies.dopa.population import is_valid_national_id

Text = Annotated[str, Field(max_length=500)]


class Applicant(BaseModel):
    model_config = ConfigDict(extra="allow")

    pid: str
    first_name_th: Text | None = None
    last_name_th: Text | None = None
    birth_date: Annotated[str, Field(max_length=32)] | None = None
    address_th: Annotated[str, Field(max_length=1000)] | None = None
    province_code: Annotated[str, Field(max_length=8)] | None = None

    @field_validator("pid")
    @classmethod
    def _national_id(cls, pid: str) -> str:
        if not is_valid_national_id(pid):
            raise ValueError("pid must be a valid 13-digit national ID")
        return pid


class Attachment(BaseModel):
    model_config = ConfigDict(extra="allow")

    document: Text | None = None
    filename: Text | None = None
    media_type: Text | None = None
    size: int | None = None
    sha256: Annotated[str, Field(max_length=64)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None


class Submission(BaseModel):
    model_config = ConfigDict(extra="allow")

    application_number: Annotated[str, Field(min_length=1, max_length=64)]
    application_id: Annotated[str, Field(max_length=64)] | None = None
    service_id: Annotated[str, Field(min_length=1, max_length=120)]
    unit_code: Annotated[str, Field(max_length=64)] | None = None
    applicant: Applicant
    form: dict[str, Any] = Field(default_factory=dict)
    attachments: Annotated[list[Attachment], Field(max_length=50)] = Field(default_factory=list)
    arrived_at: Annotated[str, Field(max_length=64)] | None = None
    deemed_received_at: Annotated[str, Field(max_length=64)] | None = None
    callback_url: Annotated[str, Field(max_length=2000)] | None = None
    province_code: Annotated[str, Field(max_length=8)] | None = None  # the applicant's province

    @field_validator("callback_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("callback_url must be an http(s) URL")
        return url or None


class Item(BaseModel):
    """One thing the agency asks the citizen for (the gateway's shape for `items`)."""

    model_config = ConfigDict(extra="allow")

    name_th: Text
    name_en: Text


class StaffDecision(BaseModel):
    """What an officer adds to an action: a reason, and for request-info the items asked."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=1000)] | None = None
    items: Annotated[list[Item | Text], Field(max_length=20)] | None = None

    def item_list(self) -> list[dict[str, Any]]:
        return [
            {"name_th": item, "name_en": item} if isinstance(item, str) else item.model_dump()
            for item in self.items or []
            if not isinstance(item, str) or item.strip()
        ]


Reference = Annotated[str, Field(min_length=1, max_length=64)]


class PaidFee(BaseModel):
    model_config = ConfigDict(extra="allow")

    label: Annotated[str, Field(min_length=1, max_length=500)]
    amount_satang: Annotated[StrictInt, Field(ge=0)]


class PaymentReport(BaseModel):
    """The gateway's word that the citizen paid a case's fees (POST …/payments)."""

    model_config = ConfigDict(extra="allow")

    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    reference: Reference  # the application number
    payment_id: Reference
    receipt_number: Reference
    amount_satang: Annotated[StrictInt, Field(gt=0)]
    fees: Annotated[list[PaidFee], Field(min_length=1, max_length=20)]
    paid_at: AwareDatetime
    channel: Annotated[str, Field(min_length=1, max_length=32)]

    @model_validator(mode="after")
    def _fees_add_up(self) -> Self:
        if sum(fee.amount_satang for fee in self.fees) != self.amount_satang:
            raise ValueError("amount_satang must be the sum of the fees")
        return self


class Rules(BaseModel):
    """The mock's automatic officer: `auto_accept` takes new cases into review; after
    `auto_decide_after_seconds` in review (on the agency's clock) a case gets `decision`.

    `collect_fees` (on by default) holds an approved case of a service whose fees are paid
    after approval (`Agency.fees_after_approval`) in `awaiting_payment` until the fee is paid;
    off, approval issues at once, as before the portal took payments.

    `profile` makes the agency behave like a faulty one, for certification to find
    (docs/agency-integration.md, "Fault profiles"): `legacy` demands the consumer secret in
    validate's query string and answers business refusals (409/422) as HTTP 500 with their
    code; `sloppy` ignores the Idempotency-Key of a filing (a repeat files another case) and
    sends its callbacks without X-Signature. `standard` (the default) does neither."""

    model_config = ConfigDict(extra="forbid")

    profile: Literal["standard", "legacy", "sloppy"] = "standard"

    auto_accept: bool = False
    auto_decide_after_seconds: Annotated[float, Field(ge=0)] | None = None
    decision: Literal["approve", "reject"] = "approve"
    collect_fees: bool = True
