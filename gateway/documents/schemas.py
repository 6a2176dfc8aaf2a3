"""Bodies of the wallet, the verification page, share links and the permit register (the
OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from documents.facts import Item
from gateway.documents.models import WalletDocument
from gateway.documents.register import RegisterEntry
from payments.models import PaymentReceipt

Standing = Literal["valid", "expired", "not_yet_valid", "suspended", "revoked"]


class DocumentLinks(BaseModel):
    pdf: str = Field(description="The signed PDF (PAdES; `pdfsig` verifies it)")
    credential: str = Field(description="The same facts as a signed VC-JWT")
    qr: str = Field(description="The verification QR code (PNG)")
    verify: str = Field(description="The public verification page")
    shares: str


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
    number: str | None = Field(default=None, description="The issuing agency's document number")
    application_id: str | None = Field(
        default=None, description="The application whose approval granted it"
    )
    standing: Standing | None = Field(
        default=None, description="Whether it is good today (documents the portal issued)"
    )
    status_reason: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    links: DocumentLinks | None = None

    @classmethod
    def of(
        cls, row: WalletDocument, lang: str, *, standing: Standing | None, public_url: str
    ) -> WalletDocumentOut:
        issued = row.verification_code is not None
        base = f"/v1/documents/{row.id}"
        return cls(
            id=row.id,
            kind=row.kind,
            title=row.title_en if lang == "en" and row.title_en else row.title_th,
            issuer_agency=row.issuer_agency,
            media_type=row.media_type,
            size=row.size,
            sha256=row.sha256,
            issued_at=row.issued_at,
            href=f"{base}/pdf" if issued else None,
            number=row.number,
            application_id=row.application_id,
            standing=standing,
            status_reason=row.status_reason if row.status != "valid" else None,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            links=DocumentLinks(
                pdf=f"{base}/pdf",
                credential=f"{base}/credential",
                qr=f"{base}/qr",
                verify=f"{public_url}/verify/{row.verification_code}",
                shares=f"{base}/shares",
            )
            if issued
            else None,
        )


def e_receipt_out(row: PaymentReceipt, lang: str) -> WalletDocumentOut:
    """An official e-receipt whose PDF is not made yet, as a wallet item (its signed JSON)."""
    return WalletDocumentOut(
        id=row.number,
        kind="e_receipt",  # the same kind as its PDF, once the worker made it
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


class PrintedItem(BaseModel):
    key: str
    label: str
    value: str

    @classmethod
    def of(cls, item: Item, lang: str) -> PrintedItem:
        if lang == "en":
            return cls(key=item.key, label=item.label_en, value=item.value_en)
        return cls(key=item.key, label=item.label_th, value=item.value_th)


class VerificationOut(BaseModel):
    """What the public verification page says: the standing and exactly what the document
    prints, nothing more (R-13.1, R-14.1)."""

    result: Literal["valid", "expired", "not_yet_valid", "suspended", "revoked", "unknown"]
    checked_at: dt.datetime
    title: str | None = None
    items: list[PrintedItem] = Field(default_factory=list)
    status_reason: str | None = Field(
        default=None, description="The agency's reason, for a revoked or suspended document"
    )
    status_changed_at: dt.datetime | None = None
    sha256: str | None = Field(default=None, description="SHA-256 of the genuine signed PDF")


class ShareIn(BaseModel):
    expires_in_minutes: int = Field(
        default=1440, ge=5, le=43_200, description="5 minutes to 30 days; a day by default"
    )


class ShareOut(BaseModel):
    id: str
    state: Literal["active", "expired", "revoked"]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    views: int
    url: str | None = Field(
        default=None, description="The link to give (shown once, when the share is made)"
    )
    qr: str | None = Field(default=None, description="The link as a QR code (PNG, data URL)")


class SharePage(BaseModel):
    items: list[ShareOut]


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
    items: list[PrintedItem] = Field(
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
            items=[PrintedItem.of(item, lang) for item in entry.items],
        )


class RegisterPage(BaseModel):
    agency: str
    items: list[RegisterEntryOut]
    next_cursor: str | None
