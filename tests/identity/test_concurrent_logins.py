"""One person logging in twice at the same moment (two devices, or an app that retried while
its first face step was still being decided): each login ends in one clear outcome, against the
one citizen row, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from support import SOMCHAI, Agencies, forget_citizens

from connectors.api.dopa import DopaRegistry
from connectors.civil_registry import CardCheck, CardQuery, PersonRecord
from gateway.config import Settings
from gateway.db import create_engine, session_factory
from identity.verification.face import CosineMatcher
from identity.verification.models import Citizen, IdentityVerification
from identity.verification.service import (
    CardInput,
    Challenge,
    VerificationService,
    VerificationSettings,
)
from kernel.clock import SimulatedClock
from kernel.crypto import PIIVault

CLIENT = "198.51.100.7"


class InStep:
    """The civil registry, except that the face steps' `person` answers are held until every
    login has one: the logins leave the registry together and race for the rest (the claim,
    the citizen row, the commit), which is where a real overlap hurts."""

    def __init__(self, registry: DopaRegistry, logins: int) -> None:
        self.registry = registry
        self.together = asyncio.Barrier(logins)

    async def check_card_by_laser(self, query: CardQuery) -> CardCheck:
        return await self.registry.check_card_by_laser(query)

    async def person(self, national_id: str) -> PersonRecord:
        answer = await self.registry.person(national_id)
        await self.together.wait()
        return answer

    async def face_reference(self, national_id: str) -> tuple[float, ...]:
        return await self.registry.face_reference(national_id)

    async def aclose(self) -> None:
        await self.registry.aclose()


@pytest.fixture
async def two_devices(
    seeded: Settings, registry: DopaRegistry, vault: PIIVault, clock: SimulatedClock
) -> AsyncIterator[tuple[VerificationService, VerificationService]]:
    """Two verification services, each with a session (a connection) of its own."""
    engine = create_engine(seeded)
    sessions = session_factory(engine)
    in_step = InStep(registry, 2)

    def service(session: AsyncSession) -> VerificationService:
        return VerificationService(
            session,
            registry=in_step,
            matcher=CosineMatcher(0.5),
            vault=vault,
            clock=clock,
            settings=VerificationSettings(),
        )

    async with sessions() as first, sessions() as second:
        await forget_citizens(first)
        await first.commit()
        yield service(first), service(second)
    await engine.dispose()


async def _scan(agencies: Agencies, challenge: Challenge) -> dict[str, Any]:
    response = await agencies.app.post(
        "/device/face-scan",
        json={
            "pid": SOMCHAI["national_id"],
            "challenge": {"nonce": challenge.nonce, "action": challenge.action},
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _two_open_challenges(
    first: VerificationService, second: VerificationService
) -> tuple[Challenge, Challenge]:
    """Two challenges of one card, both open. A new verification voids only challenges not yet
    answered, so this is where the first device stands when the second starts while the first
    face step is being decided; the test holds the first one as claimed while the second
    starts, then opens it again so that both face steps run at once."""
    one = await first.start(CardInput(**SOMCHAI), CLIENT)
    await _set_status(first, one.verification_id, "deciding")
    other = await second.start(CardInput(**SOMCHAI), CLIENT)
    await _set_status(first, one.verification_id, "face_required")
    return one, other


async def _set_status(service: VerificationService, verification_id: str, status: str) -> None:
    await service.session.execute(
        update(IdentityVerification)
        .where(IdentityVerification.id == verification_id)
        .values(status=status)
    )
    await service.session.commit()


async def test_two_first_logins_at_once_both_succeed_as_one_citizen(
    two_devices: tuple[VerificationService, VerificationService], agencies: Agencies
) -> None:
    first, second = two_devices
    challenges = await _two_open_challenges(first, second)
    scans = [await _scan(agencies, challenge) for challenge in challenges]

    verified = await asyncio.gather(
        *(
            service.complete_face(
                challenge.verification_id, scan["template"], scan["liveness"], CLIENT
            )
            for service, challenge, scan in zip(two_devices, challenges, scans, strict=True)
        )
    )

    assert [v.assurance for v in verified] == ["IAL2.3", "IAL2.3"]
    assert verified[0].citizen.id == verified[1].citizen.id
    assert verified[0].citizen.subject == verified[1].citizen.subject
    async with first.session.begin():
        citizens = await first.session.scalar(select(func.count()).select_from(Citizen))
        statuses = (
            await first.session.scalars(
                select(IdentityVerification.status).where(
                    IdentityVerification.id.in_([c.verification_id for c in challenges])
                )
            )
        ).all()
    assert citizens == 1
    assert sorted(statuses) == ["verified", "verified"]
