"""Onboarding tests: no cases at the start, and the services they publish withdrawn after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete

from gateway.catalog.models import EService
from gateway.config import Settings
from gateway.db import create_engine, session_factory
from gateway.onboarding.models import (
    ConnectorCertification,
    OnboardingCase,
    OnboardingEvent,
    ServiceFlowModel,
)

#: Every service id a test onboards starts with this, so it can be withdrawn afterwards.
TEST_SERVICE = "onb-test-"


async def forget_onboarding(settings: Settings) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session, session.begin():
        for table in (ConnectorCertification, ServiceFlowModel, OnboardingEvent):
            await session.execute(delete(table))
        await session.execute(delete(OnboardingCase).where(OnboardingCase.replaces_id.is_not(None)))
        await session.execute(delete(OnboardingCase))
        await session.execute(delete(EService).where(EService.id.like(f"{TEST_SERVICE}%")))
    await engine.dispose()


@pytest.fixture
async def no_onboarding(seeded: Settings) -> AsyncIterator[None]:
    await forget_onboarding(seeded)
    yield
    await forget_onboarding(seeded)
