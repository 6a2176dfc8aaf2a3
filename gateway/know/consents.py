"""Consent: data that no law lets the portal fetch for a purpose is fetched for it only while the
citizen agrees. Asked once per purpose; listed, and revocable at any time; a revoked consent
stops every later fetch for that purpose at once (in every process: each answer reads the
consents first, and a source without one is neither asked nor read from the cache).

Which sources need consent is the portal's legal reading, kept here with its reason:
- NHSO: a person's health-coverage scheme and hospital are health data, sensitive personal data
  under the Personal Data Protection Act B.E. 2562 (s.26): explicit consent.
- RD: tax information is confidential to the Revenue Department (Revenue Code s.10): the
  portal asks only with the taxpayer's consent.
Every other connected source (DOPA's registry, SSO, DLT, CGD, DOP) is one whose data the
services it decides are, by their own laws, checked against by the state itself (R-12.1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.repository import append
from gateway.know.models import Consent
from kernel.errors import NotFound

#: Sources whose data needs the citizen's consent, with the reason (module docstring).
CONSENT_SOURCES: Mapping[str, str] = {
    "NHSO": "health data is sensitive personal data (PDPA s.26)",
    "RD": "tax information is confidential (Revenue Code s.10)",
}


@dataclass(frozen=True)
class Purpose:
    id: str
    title_th: str
    title_en: str
    description_th: str
    description_en: str


PURPOSES: Mapping[str, Purpose] = {
    p.id: p
    for p in (
        Purpose(
            "entitlements",
            "ตรวจสอบสิทธิของฉัน",
            "Check my entitlements",
            "ให้พอร์ทัลขอข้อมูลสิทธิรักษาพยาบาลจาก สปสช. และข้อมูลภาษีจากกรมสรรพากร เพื่อตรวจสอบสิทธิที่ท่านพึงได้รับ",
            "Let the portal ask NHSO for your health coverage and the Revenue Department for "
            "your tax data to check the entitlements you should receive.",
        ),
        Purpose(
            "records",
            "ข้อมูลของฉัน",
            "My government data",
            "ให้พอร์ทัลแสดงข้อมูลสิทธิรักษาพยาบาลจาก สปสช. และสถานะการคืนภาษีจากกรมสรรพากร",
            "Let the portal show your health coverage from NHSO and your tax refund status "
            "from the Revenue Department.",
        ),
    )
}


@dataclass(frozen=True)
class ConsentState:
    purpose: Purpose
    sources: tuple[str, ...]
    granted_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def granted(self) -> bool:
        return self.granted_at is not None and self.revoked_at is None


def purpose_of(purpose_id: str) -> Purpose:
    purpose = PURPOSES.get(purpose_id)
    if purpose is None:
        raise NotFound(f"No consent purpose {purpose_id!r}.", code="consent_purpose_not_found")
    return purpose


class Consents:
    def __init__(self, session: AsyncSession, now: dt.datetime) -> None:
        self.session = session
        self.now = now

    async def granted(self, citizen_id: str) -> set[str]:
        """The purposes the citizen agrees to now (one statement)."""
        rows = await self.session.scalars(
            select(Consent.purpose).where(
                Consent.citizen_id == citizen_id, Consent.revoked_at.is_(None)
            )
        )
        return set(rows)

    async def states(self, citizen_id: str) -> list[ConsentState]:
        rows = {
            row.purpose: row
            for row in await self.session.scalars(
                select(Consent).where(Consent.citizen_id == citizen_id)
            )
        }
        return [self._state(purpose, rows.get(purpose.id)) for purpose in PURPOSES.values()]

    async def grant(self, citizen_id: str, purpose_id: str) -> ConsentState:
        purpose = purpose_of(purpose_id)
        row = await self.session.get(Consent, (citizen_id, purpose.id))
        if row is not None and row.revoked_at is None:
            return self._state(purpose, row)  # agreeing again changes nothing
        if row is None:
            row = Consent(citizen_id=citizen_id, purpose=purpose.id, granted_at=self.now)
            self.session.add(row)
        else:
            row.granted_at, row.revoked_at = self.now, None
        await self._audit(citizen_id, "consent.granted", purpose)
        await self.session.flush()
        return self._state(purpose, row)

    async def revoke(self, citizen_id: str, purpose_id: str) -> ConsentState:
        purpose = purpose_of(purpose_id)
        row = await self.session.get(Consent, (citizen_id, purpose.id))
        if row is None or row.revoked_at is not None:
            return self._state(purpose, row)  # nothing to withdraw
        row.revoked_at = self.now
        await self._audit(citizen_id, "consent.revoked", purpose)
        await self.session.flush()
        return self._state(purpose, row)

    async def _audit(self, citizen_id: str, action: str, purpose: Purpose) -> None:
        await append(
            self.session,
            at=self.now,
            actor=f"citizen:{citizen_id}",
            action=action,
            subject=f"consent:{citizen_id}:{purpose.id}",
            data={"purpose": purpose.id, "sources": sorted(CONSENT_SOURCES)},
        )

    @staticmethod
    def _state(purpose: Purpose, row: Consent | None) -> ConsentState:
        return ConsentState(
            purpose,
            tuple(sorted(CONSENT_SOURCES)),
            row.granted_at if row else None,
            row.revoked_at if row else None,
        )
