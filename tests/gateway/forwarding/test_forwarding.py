"""Submitted applications reach their agency and its answers come back: the API kind (DLT, SSO,
RD with signed callbacks), misrouting within an agency, outages, refusals and dead letters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from support import (
    SSO_UNEMPLOYMENT,
    Portal,
    assert_problem,
    bearer,
    eventually,
    filed,
    login,
    shown,
)

from connectors.errors import AgencyRejected, NotOurCase
from connectors.registry import ConnectorRegistry
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.polling import poll_agency_statuses
from gateway.forwarding.worker import Forwarder

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


async def agency_cases(portal: Portal, code: str) -> list[dict[str, Any]]:
    """The cases the mock agency holds, as its staff list shows them."""
    r = await portal.agencies.get(f"/{code.lower()}/staff/applications")
    assert r.status_code == 200, r.text
    cases: list[dict[str, Any]] = r.json()["applications"]
    return cases


async def test_a_filed_renewal_reaches_dlt_and_its_approval_comes_back(portal: Portal) -> None:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    application_id = submitted["application"]["id"]
    deemed = submitted["application"]["deemed_received_at"]

    outcomes = await portal.forward()
    assert [d.outcome for d in outcomes] == ["delivered"]
    application = await shown(portal, headers, application_id)
    assert application["status"] == "forwarded"
    assert application["deemed_received_at"] == deemed  # portal anchor: kept
    items = await agency_cases(portal, "DLT")
    case = next(c for c in items if c["application_number"] == application["number"])
    assert case["status"] == "received"

    # The officer approves at DLT; the signed callbacks bring it back (in_review, approved).
    # (DLT issues on approval: its fee is not collected here; paying it is another test's.)
    r = await portal.agencies.put("/dlt/rules", json={"collect_fees": False})
    assert r.status_code == 200, r.text
    r = await portal.agencies.post(f"/dlt/staff/applications/{case['agency_ref']}/accept")
    assert r.status_code == 200, r.text
    r = await portal.agencies.post(f"/dlt/staff/applications/{case['agency_ref']}/approve")
    assert r.status_code == 200, r.text

    async def approved() -> bool:
        return (await shown(portal, headers, application_id))["status"] == "approved"

    await eventually(approved)
    timeline = [e["kind"] for e in (await shown(portal, headers, application_id))["timeline"]]
    assert timeline == ["created", "submit", "forward", "accept", "approve"]
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert inbox[0]["kind"] == "approved"


async def test_an_agency_down_for_the_whole_burst_gets_every_application_once(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    r = await portal.agencies.put("/faults/DLT", json={"outage": True})
    assert r.status_code == 200
    numbers = [(await filed(portal, headers))["application"]["number"] for _ in range(5)]
    outcomes = await portal.forward()
    assert sorted(d.outcome for d in outcomes) == ["retry"] * 5
    # Nothing is lost: every message waits with its error.
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        waiting = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        ).all()
    assert len(waiting) == 5
    assert all(m.last_error for m in waiting)

    await portal.agencies.delete("/faults")
    # The backoff has not run out yet: nothing is due.
    assert await portal.forward() == []
    # Back up: each message goes when its backoff is over (the circuit breaker lets one trial
    # call through first, then the rest).
    delivered_outcomes: list[str] = []
    for _ in range(10):
        r = await portal.gateway.post("/v1/admin/clock", json={"advance": 3600}, headers=ADMIN)
        assert r.status_code == 200
        delivered_outcomes += [d.outcome for d in await portal.forward() if d.outcome != "retry"]
        if len(delivered_outcomes) == 5:
            break
    assert delivered_outcomes == ["delivered"] * 5
    items = await agency_cases(portal, "DLT")
    delivered = [c["application_number"] for c in items if c["application_number"] in numbers]
    assert sorted(delivered) == sorted(numbers)  # each exactly once


async def test_a_message_delivered_twice_has_one_effect_at_the_agency(portal: Portal) -> None:
    """A worker that died after the agency took the application, before it recorded that: the
    next worker sends it again with the same key, and the agency answers with its first answer."""
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    assert portal.forwarder is not None
    assert portal.app is not None
    claimed = await portal.forwarder.ledger.claim()
    assert len(claimed) == 1
    # The call reached the agency, then the worker "died" (its answer never recorded).
    loaded = await portal.forwarder._load(claimed[0])
    assert loaded is not None
    _, submission, _ = loaded
    connector = portal.app.state.connectors.get("DLT")
    first = await connector.submit(submission)
    # Its lease runs out; another worker takes the message.
    r = await portal.gateway.post("/v1/admin/clock", json={"advance": 120}, headers=ADMIN)
    assert r.status_code == 200
    outcomes = await portal.forward()
    assert [d.outcome for d in outcomes] == ["delivered"]
    items = await agency_cases(portal, "DLT")
    mine = [c for c in items if c["application_number"] == submitted["application"]["number"]]
    assert [c["agency_ref"] for c in mine] == [first.agency_ref]


class Refusing:
    """A connector whose agency answers every filing with a refusal (or "not our case")."""

    agency_code = "DLT"

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    async def submit(self, submission: Any) -> Any:
        self.calls += 1
        raise self.error

    async def status(self, agency_ref: str) -> Any:  # pragma: no cover - not asked here
        raise NotImplementedError

    async def health(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


def forwarder_with(portal: Portal, connector: Refusing) -> Forwarder:
    assert portal.app is not None
    state = portal.app.state
    return Forwarder(state.runtime, state.applications, ConnectorRegistry({"DLT": connector}))


async def test_a_refusal_is_shown_to_the_citizen_and_not_retried(portal: Portal) -> None:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    refusing = Refusing(AgencyRejected("DLT", "ไม่พบใบอนุญาตขับรถที่จะต่ออายุ / no licence to renew"))
    outcomes = await forwarder_with(portal, refusing).run_once()
    assert [d.outcome for d in outcomes] == ["rejected"]
    now = await shown(portal, headers, submitted["application"]["id"])
    assert now["status"] == "rejected"
    assert now["timeline"][-1]["data"]["reason"].endswith("no licence to renew")
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert inbox[0]["kind"] == "rejected"
    assert "no licence to renew" in inbox[0]["body"]
    assert await forwarder_with(portal, refusing).run_once() == []
    assert refusing.calls == 1


@pytest.mark.rule("R-10.6")
async def test_another_agencys_case_is_redirected_and_the_citizen_told_where(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    outcomes = await forwarder_with(
        portal, Refusing(NotOurCase("DLT", "not ours", responsible_agency="SSO"))
    ).run_once()
    assert [d.outcome for d in outcomes] == ["redirected"]
    now = await shown(portal, headers, submitted["application"]["id"])
    assert now["status"] == "redirected"
    assert [e["kind"] for e in now["timeline"]][-2:] == ["misroute", "redirect"]
    assert now["timeline"][-1]["data"]["responsible_agency"] == "SSO"
    inbox = (
        await portal.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    ).json()["items"]
    assert inbox[0]["kind"] == "redirected"
    assert "Social Security Office" in inbox[0]["body"]


async def test_dead_letters_are_listed_and_can_be_redriven(portal: Portal) -> None:
    headers = bearer(await login(portal))
    await filed(portal, headers, service_id=SSO_UNEMPLOYMENT)
    await portal.agencies.put("/faults/SSO", json={"outage": True})
    assert portal.app is not None
    budget = portal.app.state.runtime.settings.forward_max_attempts
    outcomes: list[str] = []
    for _ in range(budget):
        outcomes += [d.outcome for d in await portal.forward()]
        await portal.gateway.post("/v1/admin/clock", json={"advance": 3600}, headers=ADMIN)
    assert outcomes[-1] == "dead"
    dead = (await portal.gateway.get("/v1/admin/outbox", headers=ADMIN)).json()["items"]
    assert [m["agency_code"] for m in dead] == ["SSO"]
    assert dead[0]["attempts"] == budget
    await portal.agencies.delete("/faults")
    r = await portal.gateway.post(f"/v1/admin/outbox/{dead[0]['id']}/redrive", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending"
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    again = await portal.gateway.post(f"/v1/admin/outbox/{dead[0]['id']}/redrive", headers=ADMIN)
    assert_problem(again, 409, "not_dead")


async def test_two_workers_never_take_the_same_message(portal: Portal) -> None:
    headers = bearer(await login(portal))
    for _ in range(8):
        await filed(portal, headers)
    assert portal.app is not None
    state = portal.app.state
    one = Forwarder(state.runtime, state.applications, state.connectors, name="worker-1")
    two = Forwarder(state.runtime, state.applications, state.connectors, name="worker-2")
    first, second = await asyncio.gather(one.ledger.claim(), two.ledger.claim())
    assert set(first).isdisjoint(second)
    assert len(first) + len(second) == 8
    results = await asyncio.gather(
        *(one.deliver(i) for i in first), *(two.deliver(i) for i in second)
    )
    assert [r.outcome for r in results] == ["delivered"] * 8
    async with state.runtime.sessions() as session:
        done = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "done")
        )
    assert done == 8


async def test_a_lost_callback_is_made_up_for_by_polling_the_agency(portal: Portal) -> None:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    application_id = submitted["application"]["id"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    ref = (await agency_cases(portal, "DLT"))[-1]["agency_ref"]
    saved, portal.callbacks.target = portal.callbacks.target, None  # the line back is cut
    r = await portal.agencies.put("/dlt/rules", json={"collect_fees": False})  # issue at once
    assert r.status_code == 200, r.text
    try:
        for action in ("accept", "approve"):
            r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}")
            assert r.status_code == 200, r.text
        assert (await shown(portal, headers, application_id))["status"] == "forwarded"
        # Quiet for longer than the polling threshold: the scheduled job asks DLT.
        await portal.gateway.post("/v1/admin/clock", json={"advance": 900}, headers=ADMIN)
        assert portal.app is not None
        state = portal.app.state
        moved = await poll_agency_statuses(state.runtime, state.applications, state.connectors)
        assert moved == 1
    finally:
        portal.callbacks.target = saved
    headers = bearer(await login(portal))
    now = await shown(portal, headers, application_id)
    assert now["status"] == "approved"
    assert [e["kind"] for e in now["timeline"]][-2:] == ["accept", "approve"]
