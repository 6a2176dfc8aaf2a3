"""The public register of granted permits (R-13.1): free, current, per agency; holders'
names masked as the law allows, found by a keyed index of the full name (never in clear).

Every read goes to the database (nothing is cached), so a permit the agency revoked shows as
revoked on the very next request. A register entry says what the permit is, the items the
agency put on it (R-13.1: at least the items on the permit) and where it stands; the holder
only masked, and never the verification code (that is the holder's to give).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from documents.facts import Item
from gateway.documents.models import WalletDocument
from gateway.documents.verification import Outcome, standing
from gateway.documents.wallet import open_facts
from gateway.pagination import CursorCodec, bytewise, query_fingerprint
from kernel.crypto import PIIVault
from kernel.working_time import BANGKOK


def name_index(vault: PIIVault, full_name: str) -> str:
    """The keyed index a holder's full name is searched by: NFC, spaces collapsed, case folded."""
    normal = " ".join(unicodedata.normalize("NFC", full_name).split()).casefold()
    return vault.blind_index(f"name:{normal}")


@dataclass(frozen=True)
class RegisterEntry:
    """One permit as the public register shows it."""

    number: str
    kind: str
    title_th: str
    title_en: str
    holder: str  # masked
    issued_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    standing: Outcome
    status_changed_at: dt.datetime | None
    items: tuple[Item, ...] = ()  # what the agency printed on the permit besides the above

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_th


@dataclass(frozen=True)
class RegisterQuery:
    """Which register entries: one agency's, optionally one number or one holder's."""

    agency_code: str
    number: str | None = None
    holder_index: str | None = None

    def fingerprint(self) -> str:
        return query_fingerprint(
            "register",
            {"agency": self.agency_code, "number": self.number, "holder": self.holder_index},
        )


# Only what the register shows is read (the sealed facts for the agency's own items): never
# the credential or the verification code.
_SHOWN = load_only(
    WalletDocument.id,
    WalletDocument.number,
    WalletDocument.kind,
    WalletDocument.title_th,
    WalletDocument.title_en,
    WalletDocument.holder_masked,
    WalletDocument.issued_at,
    WalletDocument.valid_from,
    WalletDocument.valid_until,
    WalletDocument.status,
    WalletDocument.status_changed_at,
    WalletDocument.facts_enc,
)


def _position(row: WalletDocument) -> str:
    return f"{row.issued_at.astimezone(dt.UTC).isoformat()}|{row.id}"


def _after(payload: str) -> tuple[dt.datetime, str]:
    at, _, last_id = payload.partition("|")
    return dt.datetime.fromisoformat(at), last_id


class Register:
    def __init__(self, session: AsyncSession, cursors: CursorCodec, vault: PIIVault) -> None:
        self.session = session
        self.cursors = cursors
        self.vault = vault

    async def page(
        self, query: RegisterQuery, *, limit: int, cursor: str | None, today: dt.date
    ) -> tuple[list[RegisterEntry], str | None]:
        """A page of the agency's register, newest first, with each permit's standing on
        `today` (Bangkok), and the cursor of the next page (None: the last one)."""
        fingerprint = query.fingerprint()
        after = _after(self.cursors.decode(cursor, fingerprint)) if cursor else None
        rows = await self._rows(query, limit + 1, after)
        page = rows[:limit]
        more = len(rows) > limit
        next_cursor = self.cursors.encode(fingerprint, _position(page[-1])) if more else None
        return [self._entry(row, today) for row in page], next_cursor

    async def _rows(
        self, query: RegisterQuery, limit: int, after: tuple[dt.datetime, str] | None
    ) -> Sequence[WalletDocument]:
        statement = (
            select(WalletDocument)
            .options(_SHOWN)
            .where(
                WalletDocument.issuer_agency == query.agency_code,
                WalletDocument.registered.is_(True),
                WalletDocument.number.is_not(None),
            )
        )
        if query.number is not None:
            statement = statement.where(WalletDocument.number == query.number)
        if query.holder_index is not None:
            statement = statement.where(WalletDocument.holder_index == query.holder_index)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(
                    WalletDocument.issued_at < at,
                    and_(WalletDocument.issued_at == at, bytewise(WalletDocument.id) < last_id),
                )
            )
        statement = statement.order_by(
            WalletDocument.issued_at.desc(), bytewise(WalletDocument.id).desc()
        ).limit(limit)
        return (await self.session.scalars(statement)).all()

    def _entry(self, row: WalletDocument, today: dt.date) -> RegisterEntry:
        assert row.number is not None  # the query lists numbered documents only
        facts = open_facts(self.vault, row)
        return RegisterEntry(
            number=row.number,
            kind=row.kind,
            title_th=row.title_th,
            title_en=row.title_en,
            holder=row.holder_masked or "-",
            issued_on=row.issued_at.astimezone(BANGKOK).date(),
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            standing=standing(row, today),
            status_changed_at=row.status_changed_at,
            # The agency's own items; the holder's name and ID it prints are not repeated
            # (the entry's `holder` is the masked name).
            items=facts.items if facts is not None else (),
        )
