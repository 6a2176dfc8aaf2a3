"""R-20.1: each agency has a list of announced channels; until it announces any, every channel
in use counts. The portal's own entry is the legal receipt (R-10.1) only when the portal is one
of them; otherwise the application is received when it enters the agency's own system."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from support import Stack, bearer, filed, login

from gateway.catalog.models import Agency

pytestmark = pytest.mark.rule("R-20.1")


@pytest.fixture
async def dlt_channels(stack: Stack) -> AsyncIterator[list[list[str]]]:
    """Lets a test change what DLT has announced; puts the seed's list back afterwards."""
    assert stack.app is not None
    sessions = stack.app.state.runtime.sessions
    async with sessions() as session:
        agency = (await session.scalars(select(Agency).where(Agency.code == "DLT"))).one()
        original = list(agency.announced_channels)
    changes: list[list[str]] = []
    yield changes
    async with sessions() as session:
        agency = (await session.scalars(select(Agency).where(Agency.code == "DLT"))).one()
        agency.announced_channels = original
        await session.commit()


async def announce(stack: Stack, channels: list[str]) -> None:
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        agency = (await session.scalars(select(Agency).where(Agency.code == "DLT"))).one()
        agency.announced_channels = channels
        await session.commit()


async def test_when_the_portal_is_announced_its_entry_is_the_receipt(
    stack: Stack, dlt_channels: list[list[str]]
) -> None:
    await announce(stack, ["portal", "counter"])
    application = (await filed(stack, bearer(await login(stack))))["application"]
    assert application["receipt_anchor"] == "portal"
    assert application["deemed_received_at"] is not None


async def test_until_an_agency_announces_any_channel_every_channel_counts(
    stack: Stack, dlt_channels: list[list[str]]
) -> None:
    await announce(stack, [])
    application = (await filed(stack, bearer(await login(stack))))["application"]
    assert application["receipt_anchor"] == "portal"
    assert application["deemed_received_at"] is not None


async def test_a_portal_the_agency_has_not_announced_is_not_its_receipt(
    stack: Stack, dlt_channels: list[list[str]]
) -> None:
    await announce(stack, ["agency_web", "counter"])
    submitted = await filed(stack, bearer(await login(stack)))
    application = submitted["application"]
    assert application["receipt_anchor"] == "agency_backend"
    assert application["arrived_at"] is not None  # the portal's entry is still kept and shown
    assert application["deemed_received_at"] is None  # set when DLT's own system takes it
    assert submitted["receipt"]["payload"]["receipt_anchor"] == "agency_backend"
