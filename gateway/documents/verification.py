"""Whether a document is good now (R-13.1, R-14.1): looked up by its verification code, always
from the database (a revocation shows on the very next request), answered with exactly the
items the document prints and nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from documents.codes import normalize_code
from documents.facts import DocumentFacts, Item
from gateway.documents.models import REVOKED, SUSPENDED, WalletDocument
from gateway.documents.wallet import Wallet, open_facts
from kernel.crypto import PIIVault
from kernel.working_time import BANGKOK

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


def attachment_verification(
    document: WalletDocument, now: dt.datetime, public_url: str
) -> dict[str, Any]:
    """What an agency is told of a wallet document attached to an application: its standing
    now, as the public verification page says it (R-12.1, R-14.1), and where to check again.
    A document the portal did not issue itself has no page: `not_issued_by_portal`."""
    issued = document.verification_code is not None
    today = now.astimezone(BANGKOK).date()
    return {
        "result": standing(document, today) if issued else "not_issued_by_portal",
        "issuer_agency": document.issuer_agency,
        "number": document.number,
        "kind": document.kind,
        "verify_url": f"{public_url.rstrip('/')}/verify/{document.verification_code}"
        if issued
        else None,
        "checked_at": now.astimezone(dt.UTC).isoformat(),
    }
