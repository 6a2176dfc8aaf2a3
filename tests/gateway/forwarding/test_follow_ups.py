"""What the citizen does on the portal after filing reaches an API agency's back end too: the
answer to a request for information (R-LFA.2) and a withdrawal, each once however often the
worker sends it, and in the agency's own order."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select, update
from support import (
    PDF,
    Portal,
    attach,
    bearer,
    eventually,
    filed,
    login,
    shown,
)

from connectors.errors import AgencyUnavailable
from connectors.registry import ConnectorRegistry
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.worker import Forwarder

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


async def dlt_case(portal: Portal, number: str) -> dict[str, Any]:
    r = await portal.agencies.get("/dlt/staff/applications")
    ref = next(c for c in r.json()["applications"] if c["application_number"] == number)
    r = await portal.agencies.get(f"/dlt/staff/applications/{ref['agency_ref']}")
    assert r.status_code == 200, r.text
    case: dict[str, Any] = r.json()
    return case


async def at_dlt(portal: Portal) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
    """A renewal filed and delivered to DLT: (headers, the application, DLT's case)."""
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    application = await shown(portal, headers, application["id"])
    return headers, application, await dlt_case(portal, application["number"])


async def test_the_citizens_answer_reaches_the_agency_once_and_the_case_goes_on(
    portal: Portal,
) -> None:
    headers, application, case = await at_dlt(portal)
    ref = case["agency_ref"]
    for action, body in (
        ("accept", {}),
        ("request-info", {"reason": "ใบรับรองแพทย์ไม่ชัด", "items": ["ใบรับรองแพทย์ฉบับใหม่"]}),
    ):
        r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}", json=body)
        assert r.status_code == 200, r.text

    async def asked() -> bool:
        return (await shown(portal, headers, application["id"]))["status"] == "needs_info"

    await eventually(asked)
    r = await attach(portal, headers, application["id"], "medical-certificate", PDF, "new.pdf")
    assert r.status_code == 201, r.text
    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/respond",
        json={"note": "ใบใหม่แนบแล้ว"},
        headers=headers,
    )
    assert r.status_code == 200, r.text

    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    case = await dlt_case(portal, application["number"])
    assert case["status"] == "in_review"
    assert case["events"][-1]["data"] == {"documents": ["medical-certificate"], "note_given": True}
    answered_seq = case["events"][-1]["seq"]

    # Sent again (a worker died before recording it): the agency records it once.
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == "application.info_provided")
            .values(status="pending")
        )
        await session.commit()
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    case = await dlt_case(portal, application["number"])
    assert [e["seq"] for e in case["events"]][-1] == answered_seq

    # The officer decides on the answer; the decision comes back (DLT issuing on approval:
    # its fee is not collected here).
    r = await portal.agencies.put("/dlt/rules", json={"collect_fees": False})
    assert r.status_code == 200, r.text
    r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/approve", json={})
    assert r.status_code == 200, r.text

    async def approved() -> bool:
        return (await shown(portal, headers, application["id"]))["status"] == "approved"

    await eventually(approved)
    kinds = [e["kind"] for e in (await shown(portal, headers, application["id"]))["timeline"]]
    assert kinds[-3:] == ["request_info", "provide_info", "approve"]


async def test_a_withdrawal_cancels_the_case_at_the_agency(portal: Portal) -> None:
    headers, application, _ = await at_dlt(portal)
    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/withdraw",
        json={"reason": "ต่ออายุที่สำนักงานแล้ว"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    assert (await dlt_case(portal, application["number"]))["status"] == "cancelled"
    assert (await shown(portal, headers, application["id"]))["status"] == "withdrawn"


async def test_withdrawn_before_it_went_the_agency_never_hears_of_it(portal: Portal) -> None:
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/withdraw", json={}, headers=headers
    )
    assert r.status_code == 200, r.text
    # Taken in one round: the filing is dropped, and the withdrawal waits for it to finish
    # (without spending its retry budget).
    assert sorted(d.outcome for d in await portal.forward()) == ["skipped", "waiting"]
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        waiting = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.topic == "application.withdrawn")
            )
        ).one()
        assert waiting.attempts == 0
    r = await portal.gateway.post("/v1/admin/clock", json={"advance": 120}, headers=ADMIN)
    assert r.status_code == 200
    assert [d.outcome for d in await portal.forward()] == ["skipped"]
    r = await portal.agencies.get("/dlt/staff/applications")
    numbers = [c["application_number"] for c in r.json()["applications"]]
    assert application["number"] not in numbers
    r = await portal.gateway.get("/v1/admin/outbox?status=dead", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


class LostAnswer:
    """DLT's connector whose call reaches DLT and files the case, but whose answer is lost on
    the way back (a timeout): the worker cannot tell it arrived."""

    agency_code = "DLT"

    def __init__(self, real: Any) -> None:
        self.real = real

    async def submit(self, submission: Any) -> Any:
        await self.real.submit(submission)
        raise AgencyUnavailable("DLT", "read timeout")

    async def status(self, agency_ref: str) -> Any:  # pragma: no cover - not asked
        raise NotImplementedError

    async def health(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


async def test_withdrawn_after_an_attempt_that_may_have_arrived_is_cancelled_there(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    assert portal.app is not None
    state = portal.app.state
    lossy = Forwarder(
        state.runtime,
        state.applications,
        ConnectorRegistry({"DLT": LostAnswer(state.connectors.get("DLT"))}),
    )
    assert [d.outcome for d in await lossy.run_once()] == ["retry"]
    assert (await dlt_case(portal, application["number"]))["status"] == "received"

    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/withdraw", json={}, headers=headers
    )
    assert r.status_code == 200, r.text
    for _ in range(3):  # the filing is sent again (same key: DLT's first answer), then cancelled
        r = await portal.gateway.post("/v1/admin/clock", json={"advance": 700}, headers=ADMIN)
        assert r.status_code == 200
        await portal.forward()
    assert (await dlt_case(portal, application["number"]))["status"] == "cancelled"
    r = await portal.agencies.get("/dlt/staff/applications")
    numbers = [c["application_number"] for c in r.json()["applications"]]
    assert numbers.count(application["number"]) == 1
    headers = bearer(await login(portal))  # the simulated hour outlived the first token
    assert (await shown(portal, headers, application["id"]))["status"] == "withdrawn"


class Held(LostAnswer):
    """DLT's connector whose filing call waits until the test lets it go (then it arrives)."""

    def __init__(self, real: Any) -> None:
        super().__init__(real)
        self.go = asyncio.Event()
        self.called = asyncio.Event()

    async def submit(self, submission: Any) -> Any:
        self.called.set()
        await self.go.wait()
        return await self.real.submit(submission)


async def test_a_withdrawal_read_while_another_worker_files_it_still_cancels_the_case(
    portal: Portal,
) -> None:
    """Two workers: one is filing the application when the citizen withdraws it; the other
    takes the withdrawal and has read the application (no agency reference yet) when the
    filing lands. The withdrawal must see the filing's result and cancel the case at DLT, not
    end as "never reached the agency" with the case left live there."""
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    assert portal.app is not None
    state = portal.app.state
    held = Held(state.connectors.get("DLT"))
    filing = Forwarder(
        state.runtime, state.applications, ConnectorRegistry({"DLT": held}), name="filing"
    )
    filing_round = asyncio.create_task(filing.run_once())
    await held.called.wait()  # the filing is with DLT, its answer not yet back

    r = await portal.gateway.post(
        f"/v1/applications/{application['id']}/withdraw", json={}, headers=headers
    )
    assert r.status_code == 200, r.text
    other = Forwarder(state.runtime, state.applications, state.connectors, name="other")
    read_follow_up = other._follow_up_of

    async def filing_lands_in_between(*args: Any, **kwargs: Any) -> Any:
        held.go.set()
        assert [d.outcome for d in await filing_round] == ["delivered"]
        return await read_follow_up(*args, **kwargs)

    other._follow_up_of = filing_lands_in_between  # type: ignore[method-assign]
    assert [d.outcome for d in await other.run_once()] == ["delivered"]
    case = await dlt_case(portal, application["number"])
    assert case["status"] == "cancelled"

    async def dlt_told_the_portal() -> bool:  # its callbacks about the case have all landed
        r = await portal.agencies.get("/dlt/staff/callbacks")
        about = [c for c in r.json()["callbacks"] if c["agency_ref"] == case["agency_ref"]]
        return bool(about) and all(c["state"] == "delivered" for c in about)

    await eventually(dlt_told_the_portal)
