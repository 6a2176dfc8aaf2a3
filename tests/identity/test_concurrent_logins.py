"""One person logging in twice at the same moment (two devices, or an app that retried while
its first face step was still being decided): each login ends in one clear outcome, against the
one citizen row, never a 500; over HTTP, both logins end with their own tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from support import (
    POPULATION,
    REDIRECT,
    SOMCHAI,
    Agencies,
    Stack,
    authorization,
    bearer,
    face_answer,
    forget_citizens,
    pkce,
    reset_operator_state,
)

from connectors.api.dopa import DopaRegistry
from connectors.civil_registry import CardCheck, CardQuery, PersonRecord
from gateway.config import Settings
from gateway.db import create_engine, session_factory
from gateway.main import create_app
from identity.clients import MOBILE_APP_CLIENT_ID
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
from mock_agencies.app import create_app as create_host
from mock_agencies.device import app as device
from mock_agencies.dopa import app as dopa

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


# -- the same over HTTP, through the token exchange -----------------------------------------


class RegistryHeldForFaceSteps(httpx.AsyncBaseTransport):
    """The agencies, except that the registry's person look-ups (asked by a face step once it
    has claimed its challenge) wait until `logins` of them are waiting: the face steps then
    leave the registry together and race for the rest (the decision, the citizen row, the
    code). `asked` is set as soon as the first one arrives."""

    def __init__(self, agencies: httpx.AsyncBaseTransport, logins: int) -> None:
        self.agencies = agencies
        self.together = asyncio.Barrier(logins)
        self.asked = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/gdx/linkage/person"):
            self.asked.set()
            await self.together.wait()
        return await self.agencies.handle_async_request(request)


@pytest.fixture
async def held_stack(seeded: Settings) -> AsyncIterator[tuple[Stack, RegistryHeldForFaceSteps]]:
    """The gateway and the mock agencies (as the `stack` fixture), the registry held for two
    face steps."""
    await reset_operator_state(seeded)
    engine = create_engine(seeded)
    async with session_factory(engine)() as session, session.begin():
        await forget_citizens(session)
    await engine.dispose()
    key = seeded.dopa_consumer_key or ""
    secret = seeded.dopa_consumer_secret.get_secret_value() if seeded.dopa_consumer_secret else ""
    host = create_host(
        {"DOPA": dopa.create_app(POPULATION, consumers={key: secret})},
        seed=3,
        device_app=device.create_app(POPULATION, 17),
    )
    to_agencies = httpx.ASGITransport(app=host)
    held = RegistryHeldForFaceSteps(to_agencies, 2)
    app = create_app(seeded, agencies_transport=held)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as gateway,
        httpx.AsyncClient(transport=to_agencies, base_url="http://agencies.test") as agencies,
    ):
        yield Stack(gateway, agencies, app), held


async def _exchange(stack: Stack, code: str, verifier: str) -> httpx.Response:
    return await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": MOBILE_APP_CLIENT_ID,
            "code_verifier": verifier,
        },
    )


async def test_two_logins_of_one_person_at_once_both_end_with_tokens(
    held_stack: tuple[Stack, RegistryHeldForFaceSteps], seeded: Settings
) -> None:
    """A first login on two devices at once: the second device starts while the first one's
    face step is under way; both face steps are decided together (both inserting the citizen,
    both writing a code) and both codes are exchanged at once. Each device gets its own tokens,
    for the one citizen."""
    stack, registry = held_stack
    (verifier_a, challenge_a), (verifier_b, challenge_b) = pkce(), pkce()
    start = "/v1/identity/verifications"

    first = await stack.gateway.post(
        start, json={**SOMCHAI, "authorization": authorization(challenge_a)}
    )
    assert first.status_code == 201, first.text
    face_a = asyncio.create_task(
        stack.gateway.post(first.json()["face_url"], json=await face_answer(stack, first.json()))
    )
    asked = asyncio.create_task(registry.asked.wait())
    await asyncio.wait({face_a, asked}, return_when=asyncio.FIRST_COMPLETED)
    assert not face_a.done(), face_a.result().text  # it waits at the registry, challenge claimed

    second = await stack.gateway.post(
        start, json={**SOMCHAI, "authorization": authorization(challenge_b)}
    )
    assert second.status_code == 201, second.text
    face_b = stack.gateway.post(
        second.json()["face_url"], json=await face_answer(stack, second.json())
    )
    answers = await asyncio.gather(face_a, face_b)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]

    codes = [a.json()["authorization"]["code"] for a in answers]
    exchanged = await asyncio.gather(
        _exchange(stack, codes[0], verifier_a), _exchange(stack, codes[1], verifier_b)
    )
    assert [t.status_code for t in exchanged] == [200, 200], [t.text for t in exchanged]
    tokens = [t.json() for t in exchanged]
    assert tokens[0]["refresh_token"] != tokens[1]["refresh_token"]  # two logins, two families
    profiles = [
        (await stack.gateway.get("/v1/me", headers=bearer(t))).json()["subject"] for t in tokens
    ]
    assert profiles[0] == profiles[1]

    engine = create_engine(seeded)
    async with session_factory(engine)() as session:
        citizens = await session.scalar(select(func.count()).select_from(Citizen))
        statuses = (
            await session.scalars(
                select(IdentityVerification.status).where(
                    IdentityVerification.id.in_([first.json()["id"], second.json()["id"]])
                )
            )
        ).all()
    await engine.dispose()
    assert citizens == 1
    assert statuses == ["verified", "verified"]
