"""Response bodies of the wallet and the permit register (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from gateway.documents.models import WalletDocument
from gateway.documents.register import RegisterEntry
from payments.models import PaymentReceipt


class WalletDocumentOut(BaseModel):
    id: str
    kind: str
    title: str
    issuer_agency: str
    media_type: str
    size: int
    sha256: str
    issued_at: dt.datetime
    href: str | None = Field(
        default=None, description="Where to fetch it (an e-receipt: its signed JWS)"
    )

    @classmethod
    def of(cls, row: WalletDocument, lang: str) -> WalletDocumentOut:
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title_en if lang == "en" and row.title_en else row.title_th,
            issuer_agency=row.issuer_agency,
            media_type=row.media_type,
            size=row.size,
            sha256=row.sha256,
            issued_at=row.issued_at,
        )


def e_receipt_out(row: PaymentReceipt, lang: str) -> WalletDocumentOut:
    """An official e-receipt of a payment, as a wallet item (signed JSON; the PDF rendering
    comes with the signed documents)."""
    return WalletDocumentOut(
        id=row.number,
        kind="e-receipt",
        title=f"Receipt {row.number}" if lang == "en" else f"ใบเสร็จรับเงิน {row.number}",
        issuer_agency=row.agency_code,
        media_type="application/jose",
        size=len(row.jws),
        sha256=hashlib.sha256(row.jws.encode("ascii")).hexdigest(),
        issued_at=row.issued_at,
        href=f"/v1/payments/{row.intent_id}/receipt",
    )


class WalletPage(BaseModel):
    items: list[WalletDocumentOut]


class RegisterItemOut(BaseModel):
    key: str
    label: str
    value: str


class RegisterEntryOut(BaseModel):
    """A granted permit on the public register (R-13.1): what it is and where it stands,
    never its verification code (the holder's to give) nor what else it prints."""

    number: str
    kind: str
    title: str
    holder: str = Field(description="The holder's name, masked as the law allows")
    issued_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    standing: Literal["valid", "expired", "not_yet_valid", "suspended", "revoked"] = Field(
        description="On today's date (Bangkok), as of this request"
    )
    status_changed_at: dt.datetime | None = Field(
        description="When the agency last suspended, revoked or reinstated it"
    )
    items: list[RegisterItemOut] = Field(
        description="The items the agency printed on the permit (e.g. the premises, the class)"
    )

    @classmethod
    def of(cls, entry: RegisterEntry, lang: str) -> RegisterEntryOut:
        standing = entry.standing
        assert standing != "unknown"  # only documents that exist are listed
        return cls(
            number=entry.number,
            kind=entry.kind,
            title=entry.title(lang),
            holder=entry.holder,
            issued_on=entry.issued_on,
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
            standing=standing,
            status_changed_at=entry.status_changed_at,
            items=[
                RegisterItemOut(
                    key=item.key,
                    label=item.label_en if lang == "en" else item.label_th,
                    value=item.value_en if lang == "en" else item.value_th,
                )
                for item in entry.items
            ],
        )


class RegisterPage(BaseModel):
    agency: str
    items: list[RegisterEntryOut]
    next_cursor: str | None
