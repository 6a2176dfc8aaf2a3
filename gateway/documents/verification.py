"""Whether a document is good now (R-13.1, R-14.1): looked up by its verification code, always
from the database (a revocation shows on the very next request), answered with exactly the
items the document prints and nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from documents.codes import normalize_code
from documents.facts import DocumentFacts, Item
from gateway.documents.models import REVOKED, SUSPENDED, WalletDocument
from gateway.documents.wallet import Wallet, open_facts
from kernel.crypto import PIIVault

Outcome = Literal["valid", "expired", "not_yet_valid", "suspended", "revoked", "unknown"]


def standing(document: WalletDocument, today: dt.date) -> Outcome:
    """A document's standing on `today` (Bangkok): the agency's word first, then its dates."""
    if document.status == REVOKED:
        return "revoked"
    if document.status == SUSPENDED:
        return "suspended"
    if document.valid_until is not None and today > document.valid_until:
        return "expired"
    if document.valid_from is not None and today < document.valid_from:
        return "not_yet_valid"
    return "valid"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    document: WalletDocument | None
    facts: DocumentFacts | None

    def items(self) -> list[Item]:
        return self.facts.printed() if self.facts is not None else []


UNKNOWN = Verdict("unknown", None, None)


async def verify_code(session: AsyncSession, vault: PIIVault, code: str, today: dt.date) -> Verdict:
    """The verdict on the document with verification code `code` (as typed)."""
    canonical = normalize_code(code)
    if canonical is None:
        return UNKNOWN
    document = await Wallet(session).by_code(canonical)
    if document is None:
        return UNKNOWN
    return Verdict(standing(document, today), document, open_facts(vault, document))
