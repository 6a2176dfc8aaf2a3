"""The citizen directory: who a citizen is, as identity proofing verified it, for the one use
that needs it. The rest of the system never reads identity's tables or decrypts their data
itself; it asks here, by the citizen's id, inside its own transaction."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.verification.models import Citizen
from kernel.bounded import BoundedMap
from kernel.crypto import PIIVault


@dataclass(frozen=True)
class CitizenRef:
    """A citizen as a login names them: the internal id and the OIDC subject. No personal
    data: requests that need it ask the directory."""

    id: str
    subject: str


class CitizenIds:
    """Which citizen an OIDC subject names: a bounded map, filled from the database on a miss.

    A subject is given to one citizen when they are first verified and never changes, so what
    is found here stays true; a subject not found is not remembered."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._ids: BoundedMap[str, str] = BoundedMap(max_entries)

    async def of(self, sessions: async_sessionmaker[AsyncSession], subject: str) -> str | None:
        found = self._ids.get(subject)
        if found is not None:
            return found
        async with sessions() as session:
            found = await session.scalar(select(Citizen.id).where(Citizen.subject == subject))
        if found is not None:
            self._ids.put(subject, found)
        return found


@dataclass(frozen=True)
class VerifiedCitizen:
    """A citizen's verified data, decrypted for the one request or message that needs it."""

    id: str
    subject: str
    national_id: str
    first_name_th: str
    last_name_th: str
    first_name_en: str | None
    last_name_en: str | None
    birth_date_be: str
    assurance: str
    verified_at: dt.datetime

    @property
    def ref(self) -> CitizenRef:
        return CitizenRef(self.id, self.subject)

    @classmethod
    def of(cls, citizen: Citizen, vault: PIIVault) -> VerifiedCitizen:
        def open_(name: str, token: str | None) -> str | None:
            if token is None:
                return None
            return vault.decrypt(token, context=f"citizen:{citizen.id}:{name}")

        return cls(
            id=citizen.id,
            subject=citizen.subject,
            national_id=open_("national_id", citizen.national_id_enc) or "",
            first_name_th=open_("first_name_th", citizen.first_name_th_enc) or "",
            last_name_th=open_("last_name_th", citizen.last_name_th_enc) or "",
            first_name_en=open_("first_name_en", citizen.first_name_en_enc),
            last_name_en=open_("last_name_en", citizen.last_name_en_enc),
            birth_date_be=open_("birth_date_be", citizen.birth_date_be_enc) or "",
            assurance=citizen.assurance,
            verified_at=citizen.verified_at,
        )


class CitizenDirectory:
    def __init__(self, vault: PIIVault) -> None:
        self.vault = vault

    async def get(self, session: AsyncSession, citizen_id: str) -> VerifiedCitizen | None:
        """The citizen's verified profile, or None for an id nobody has."""
        citizen = await session.get(Citizen, citizen_id)
        return None if citizen is None else VerifiedCitizen.of(citizen, self.vault)

    async def enrol(
        self,
        session: AsyncSession,
        *,
        national_id: str,
        first_name_th: str,
        last_name_th: str,
        birth_date_be: str,
        assurance: str,
        now: dt.datetime,
    ) -> str:
        """A citizen as a verified login would leave them, for tools that need one without a
        login (the reconciliation benchmark); their id. The personal data is sealed per row and
        column, as a login seals it."""
        citizen_id = str(uuid.uuid4())
        plain = {
            "national_id": national_id,
            "first_name_th": first_name_th,
            "last_name_th": last_name_th,
            "birth_date_be": birth_date_be,
        }
        session.add(
            Citizen(
                id=citizen_id,
                subject=secrets.token_urlsafe(24),
                national_id_index=self.vault.blind_index(national_id),
                assurance=assurance,
                created_at=now,
                verified_at=now,
                **{
                    f"{name}_enc": self.vault.encrypt(value, context=f"citizen:{citizen_id}:{name}")
                    for name, value in plain.items()
                },
            )
        )
        return citizen_id

    async def id_of_national_id(self, session: AsyncSession, national_id: str) -> str | None:
        """The portal's id of the citizen with this national ID, None for one who never
        signed in (looked up by the keyed blind index; the ID itself is never stored clear)."""
        index = self.vault.blind_index(national_id)
        found = await session.scalar(select(Citizen.id).where(Citizen.national_id_index == index))
        return None if found is None else str(found)

    async def require(self, session: AsyncSession, citizen_id: str) -> VerifiedCitizen:
        """The citizen's verified profile; the id must be one (a foreign key keeps it)."""
        citizen = await self.get(session, citizen_id)
        if citizen is None:  # pragma: no cover - the foreign key keeps every citizen id real
            raise LookupError(f"no citizen {citizen_id}")
        return citizen
