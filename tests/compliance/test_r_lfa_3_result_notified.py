"""R-LFA.3: the result is notified within 7 days of the decision.

The gateway tells the citizen an agency's result in its inbox in the same transaction that
records it, so the message is there as soon as the gateway knows: when an agency's back end
decides through the agency API, when a platform agency's officer decides in its back office,
when a signed callback brings the decision, and when polling finds a decision whose callback
was lost. Each message carries when the agency decided (`data.decided_at`: the agency's own
time for a callback or a polled status) beside when the citizen was told (`created_at`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import (
    Portal,
    Stack,
    act,
    agency_headers,
    bearer,
    draft,
    eventually,
    filed,
    login,
    shown,
)

from gateway.forwarding.polling import poll_agency_statuses

pytestmark = pytest.mark.rule("R-LFA.3")

SEVEN_DAYS = dt.timedelta(days=7)
ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
EN = {"Accept-Language": "en"}
ALLOWANCE = "dop-older-persons-allowance-registration"


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _told(stack: Stack, headers: dict[str, str], application_id: str, kind: str) -> Any:
    """The one inbox message of `kind` about the application."""
    r = await stack.gateway.get("/v1/notifications", headers={**headers, **EN})
    assert r.status_code == 200, r.text
    found = [
        n for n in r.json()["items"] if n["application_id"] == application_id and n["kind"] == kind
    ]
    assert len(found) == 1, r.json()["items"]
    return found[0]


async def _decision_event(
    stack: Stack, headers: dict[str, str], application_id: str, kind: str
) -> dict[str, Any]:
    """The timeline's line for the decision (the moment the gateway recorded it)."""
    timeline = (await shown(stack, headers, application_id, "en"))["timeline"]
    [event] = [e for e in timeline if e["kind"] == kind]
    return dict(event)


def _told_in_time(message: dict[str, Any], recorded: dict[str, Any]) -> None:
    """Told in the same moment the gateway recorded the decision, and within 7 days of it."""
    told_at = _at(message["created_at"])
    decided_at = _at(message["data"]["decided_at"])
    assert told_at == _at(recorded["at"])
    assert dt.timedelta(0) <= told_at - decided_at <= SEVEN_DAYS
    assert message["paper"] is False


@pytest.mark.parametrize(
    ("action", "body", "kind"),
    [
        ("approve", {}, "approved"),
        ("reject", {"reason": "The medical certificate is unreadable."}, "rejected"),
    ],
)
async def test_an_agency_backends_decision_reaches_the_inbox_at_once(
    stack: Stack, action: str, body: dict[str, Any], kind: str
) -> None:
    headers = bearer(await login(stack))
    application_id = (await filed(stack, headers))["application"]["id"]
    dlt = await agency_headers(stack, "DLT")
    for step, extra in (("accept", {}), (action, body)):
        r = await act(stack, dlt, application_id, step, **extra)
        assert r.status_code == 200, r.text

    message = await _told(stack, headers, application_id, kind)
    recorded = await _decision_event(stack, headers, application_id, action)
    _told_in_time(message, recorded)
    # Decided through the API: the decision's time is the moment the gateway took it.
    assert _at(message["data"]["decided_at"]) == _at(recorded["at"])
    assert message["data"]["status"] == kind
    if action == "reject":
        assert body["reason"] in message["body"]


async def test_a_platform_officers_rejection_in_the_back_office_reaches_the_inbox(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    allowance = await draft(portal, headers, ALLOWANCE, {"payment_method": "promptpay_id"})
    r = await portal.gateway.post(f"/v1/applications/{allowance['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    reason = "ผู้ยื่นคำขอมีอายุไม่ถึง 60 ปี / The applicant is under 60."
    for action, form in (("accept", {}), ("reject", {"reason": reason})):
        r = await portal.agencies.post(
            f"/dop/backoffice/applications/{allowance['id']}/{action}",
            data={"officer": "dop-officer-07", **form},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    message = await _told(portal, headers, allowance["id"], "rejected")
    _told_in_time(message, await _decision_event(portal, headers, allowance["id"], "reject"))
    assert reason in message["body"]


async def _dlt_case(portal: Portal, number: str) -> dict[str, Any]:
    r = await portal.agencies.get("/dlt/staff/applications")
    assert r.status_code == 200, r.text
    [case] = [c for c in r.json()["applications"] if c["application_number"] == number]
    r = await portal.agencies.get(f"/dlt/staff/applications/{case['agency_ref']}")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def _agency_decided_at(case: dict[str, Any], status: str) -> dt.datetime:
    [event] = [e for e in case["events"] if e["status"] == status]
    return _at(event["at"])


async def test_a_decision_a_callback_brings_is_told_with_the_agencys_time(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    case = await _dlt_case(portal, application["number"])
    for action in ("accept", "reject"):
        r = await portal.agencies.post(
            f"/dlt/staff/applications/{case['agency_ref']}/{action}",
            json={"reason": "ใบรับรองแพทย์หมดอายุ"} if action == "reject" else {},
        )
        assert r.status_code == 200, r.text

    async def rejected() -> bool:
        return bool((await shown(portal, headers, application["id"]))["status"] == "rejected")

    await eventually(rejected)
    message = await _told(portal, headers, application["id"], "rejected")
    _told_in_time(message, await _decision_event(portal, headers, application["id"], "reject"))
    case = await _dlt_case(portal, application["number"])
    assert _at(message["data"]["decided_at"]) == _agency_decided_at(case, "rejected")


async def test_a_decision_found_by_polling_after_a_lost_callback_is_told_within_7_days(
    portal: Portal,
) -> None:
    headers = bearer(await login(portal))
    application = (await filed(portal, headers))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    ref = (await _dlt_case(portal, application["number"]))["agency_ref"]
    r = await portal.agencies.put("/dlt/rules", json={"collect_fees": False})  # approve outright
    assert r.status_code == 200, r.text
    assert portal.callbacks is not None
    saved, portal.callbacks.target = portal.callbacks.target, None  # the line back is cut
    try:
        for action in ("accept", "approve"):
            r = await portal.agencies.post(f"/dlt/staff/applications/{ref}/{action}")
            assert r.status_code == 200, r.text
        assert (await shown(portal, headers, application["id"]))["status"] == "forwarded"
        r = await portal.gateway.post("/v1/admin/clock", json={"advance": 900}, headers=ADMIN)
        assert r.status_code == 200, r.text
        assert portal.app is not None
        state = portal.app.state
        assert await poll_agency_statuses(state.runtime, state.applications, state.connectors) == 1
    finally:
        portal.callbacks.target = saved

    headers = bearer(await login(portal))  # the clock moved: a fresh token
    message = await _told(portal, headers, application["id"], "approved")
    _told_in_time(message, await _decision_event(portal, headers, application["id"], "approve"))
    case = await _dlt_case(portal, application["number"])
    assert _at(message["data"]["decided_at"]) == _agency_decided_at(case, "approved")
