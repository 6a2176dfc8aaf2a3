"""Response bodies of the wallet (the OpenAPI schema documents them)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from gateway.documents.models import WalletDocument


class WalletDocumentOut(BaseModel):
    id: str
    kind: str
    title: str
    issuer_agency: str
    media_type: str
    size: int
    sha256: str
    issued_at: dt.datetime

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


class WalletPage(BaseModel):
    items: list[WalletDocumentOut]
