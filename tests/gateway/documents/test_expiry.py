"""The holder of a document about to lapse is told once, 30 days ahead, with the service to
renew it by (R-11.1); not earlier, not twice, and never for a revoked document.

SSO's unemployment award letter is valid for the benefit's days; the scheduled jobs
(gateway.jobs.run_once) run on the gateway's simulated clock, moved to the day that matters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from support import (
    Portal,
    agency_says,
    approved_and_issued,
    bearer,
    login,
    set_clock,
    wallet_document,
)

from gateway.jobs import run_once
from kernel.working_time import BANGKOK

EXPIRING = "document_expiring"


async def jobs(portal: Portal) -> dict[str, int]:
    assert portal.app is not None
    return await run_once(portal.app.state.runtime, portal.app.state.applications)


async def told(portal: Portal) -> list[dict[str, Any]]:
    """The expiry notices in the holder's inbox (logging in again: the clock has moved)."""
    headers = bearer(await login(portal))
    r = await portal.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == EXPIRING]


def noon(day: dt.date) -> str:
    return f"{day.isoformat()}T12:00:00+07:00"


async def test_a_document_lapsing_within_30_days_is_told_once_with_its_renewal(
    portal: Portal,
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    valid_until = dt.date.fromisoformat(document["valid_until"])
    assert portal.app is not None
    today = portal.app.state.runtime.clock.now().astimezone(BANGKOK).date()
    assert valid_until > today + dt.timedelta(days=31)  # the steps below are in its future

    # 31 days ahead: too early.
    await set_clock(portal, noon(valid_until - dt.timedelta(days=31)))
    assert (await jobs(portal))["expiring documents told"] == 0
    assert await told(portal) == []

    # 30 days ahead: told, once, however often the jobs run.
    await set_clock(portal, noon(valid_until - dt.timedelta(days=30)))
    assert (await jobs(portal))["expiring documents told"] == 1
    assert (await jobs(portal))["expiring documents told"] == 0
    [notice] = await told(portal)
    assert notice["application_id"] == application["id"]
    assert document["number"] in notice["title"]
    assert valid_until.isoformat() in notice["body"]
    data = notice["data"]
    assert data["document_id"] == document["id"]
    assert data["valid_until"] == valid_until.isoformat()
    assert data["renew_service_id"] == application["service_id"]
    # The renewal link opens the service in the catalog.
    renew = await portal.gateway.get(data["renew_href"])
    assert renew.status_code == 200, renew.text
    assert renew.json()["id"] == application["service_id"]

    # Later days do not tell again.
    await set_clock(portal, noon(valid_until - dt.timedelta(days=1)))
    assert (await jobs(portal))["expiring documents told"] == 0
    assert len(await told(portal)) == 1


async def test_a_revoked_document_is_not_told_to_renew(portal: Portal) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    valid_until = dt.date.fromisoformat(document["valid_until"])
    r = await agency_says(portal, document["number"], "revoked")
    assert r.status_code == 200, r.text

    await set_clock(portal, noon(valid_until - dt.timedelta(days=10)))
    assert (await jobs(portal))["expiring documents told"] == 0
    assert await told(portal) == []
