"""The mock agency's own back office: staff actions move a case (each change one more `seq`),
the HTML page acts through plain forms, and the automatic rules act on the agency's clock."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from casework_support import (
    AGENT_ID,
    KEY,
    SECRET,
    Served,
    assert_error,
    eventually,
    filing,
    serving,
)
from dopa_support import FakeClock

from mock_agencies.dlt import app as dlt

RENEWAL = "dlt-driving-licence-renewal"


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(dlt, "DLT") as served:
        yield served


async def test_staff_actions_move_the_case_and_each_change_is_one_more_event(
    agency: Served,
) -> None:
    ref = await agency.filed(filing(RENEWAL))
    accepted = await agency.staff(ref, "accept")
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["seq"]) == ("in_review", 2)
    agency.clock.advance(60)
    asked = await agency.staff(
        ref,
        "request-info",
        reason="ใบรับรองแพทย์ไม่ชัด",
        items=[{"name_th": "ใบรับรองแพทย์ฉบับใหม่", "name_en": "A new medical certificate"}, "ภาพถ่าย"],
    )
    assert (asked.json()["status"], asked.json()["seq"]) == ("needs_info", 3)
    assert asked.json()["events"][-1]["data"] == {
        "reason": "ใบรับรองแพทย์ไม่ชัด",
        "items": [
            {"name_th": "ใบรับรองแพทย์ฉบับใหม่", "name_en": "A new medical certificate"},
            {"name_th": "ภาพถ่าย", "name_en": "ภาพถ่าย"},
        ],
    }
    assert_error(await agency.staff(ref, "approve"), 409, "invalid_transition")
    assert (await agency.staff(ref, "accept")).json()["status"] == "in_review"
    payment = (await agency.staff(ref, "request-payment")).json()
    assert payment["status"] == "awaiting_payment"
    assert payment["events"][-1]["data"]["amount_satang"] == 50500
    assert payment["events"][-1]["data"]["approved"] is False  # asked to pay, not decided
    assert (await agency.pay(ref)).json()["status"] == "in_review"  # paid: back to the officer
    agency.clock.advance(60)
    approved = (await agency.staff(ref, "approve")).json()
    assert approved["status"] == "approved"  # paid already: issued at once

    events = approved["events"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert [e["status"] for e in events] == [
        "received",
        "in_review",
        "needs_info",
        "in_review",
        "awaiting_payment",
        "in_review",
        "approved",
    ]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert events[2]["at"] > events[1]["at"]  # the clock moved between them
    assert approved["updated_at"] == events[-1]["at"]
    for action in ("accept", "request-info", "approve", "reject"):
        assert_error(await agency.staff(ref, action), 409, "invalid_transition")
    assert (await agency.case(ref))["seq"] == 7


async def test_reject_gives_the_reason_and_closes_the_case(agency: Served) -> None:
    ref = await agency.filed(filing(RENEWAL))
    rejected = (await agency.staff(ref, "reject", reason="เอกสารไม่ครบ")).json()
    assert (rejected["status"], rejected["seq"]) == ("rejected", 2)
    assert rejected["events"][-1]["data"] == {"reason": "เอกสารไม่ครบ"}
    unexplained = await agency.filed(filing(RENEWAL))
    assert (await agency.staff(unexplained, "reject")).json()["events"][-1]["data"]["reason"]


async def test_staff_input_is_checked(agency: Served) -> None:
    ref = await agency.filed(filing(RENEWAL))
    assert_error(await agency.staff(ref, "promote"), 400, "invalid_request")
    assert_error(await agency.staff(ref, "reject", reason=["not", "text"]), 400, "invalid_request")
    assert_error(await agency.staff(ref, "reject", extra="field"), 400, "invalid_request")
    assert (await agency.case(ref))["status"] == "received"


async def test_the_staff_list_filters_by_status(agency: Served) -> None:
    first = await agency.filed(filing(RENEWAL))
    second = await agency.filed(filing(RENEWAL))
    await agency.staff(second, "accept")
    listed = await agency.client.get("/dlt/staff/applications", params={"status": "in_review"})
    assert [case["agency_ref"] for case in listed.json()["applications"]] == [second]
    everything = (await agency.client.get("/dlt/staff/applications")).json()["applications"]
    assert {case["agency_ref"] for case in everything} == {first, second}
    bad = await agency.client.get("/dlt/staff/applications", params={"status": "sleeping"})
    assert_error(bad, 400, "invalid_request")


async def test_the_back_office_page_acts_through_plain_forms(agency: Served) -> None:
    ref = await agency.filed(filing(RENEWAL))
    page = await agency.client.get("/dlt/staff/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert ref in html
    assert "<script" not in html
    actions = set(re.findall(r'<form method="post" action="([^"]+)"', html))
    assert f"applications/{ref}/accept" in actions
    assert f"applications/{ref}/reject" in actions
    assert f"applications/{ref}/request-payment" not in actions  # not from "received"

    # the page's relative form action, resolved against the page's own URL
    posted = await agency.client.post(
        f"/dlt/staff/applications/{ref}/reject", data={"reason": "ไม่ผ่านเกณฑ์"}
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/dlt/staff/"
    case = await agency.case(ref)
    assert case["status"] == "rejected"
    assert case["events"][-1]["data"]["reason"] == "ไม่ผ่านเกณฑ์"
    assert f"applications/{ref}/accept" not in (await agency.client.get("/dlt/staff/")).text


# --- the automatic rules ------------------------------------------------------------------


async def test_rules_are_read_and_replaced_whole_and_checked(agency: Served) -> None:
    assert (await agency.client.get("/dlt/rules")).json() == {
        "auto_accept": False,
        "auto_decide_after_seconds": None,
        "decision": "approve",
        "collect_fees": True,
        "profile": "standard",
    }
    rules = {
        "auto_accept": True,
        "auto_decide_after_seconds": 5,
        "decision": "reject",
        "collect_fees": False,
        "profile": "legacy",
    }
    assert (await agency.client.put("/dlt/rules", json=rules)).json() == rules
    assert (await agency.client.get("/dlt/rules")).json() == rules
    for bad in (
        {"decision": "maybe"},
        {"auto_decide_after_seconds": -1},
        {"surprise": 1},
        {"collect_fees": "sometimes"},
        {"profile": "careless"},
    ):
        assert_error(await agency.client.put("/dlt/rules", json=bad), 400, "invalid_request")
    assert (await agency.client.get("/dlt/rules")).json() == rules


async def test_a_json_body_is_an_object_under_the_cap(agency: Served) -> None:
    put = agency.client.put
    for not_an_object in (b"[1, 2]", b"{nope", b"\xff\xfe"):
        assert_error(await put("/dlt/rules", content=not_an_object), 400, "invalid_request")
    too_large = b'{"auto_accept": true, "pad": "' + b"x" * (256 * 1024) + b'"}'
    assert_error(await put("/dlt/rules", content=too_large), 413, "payload_too_large")
    # An empty body is an empty object: the rules all back to their defaults.
    assert (await put("/dlt/rules", json={"auto_accept": True})).json()["auto_accept"] is True
    assert (await put("/dlt/rules", content=b"")).json()["auto_accept"] is False


async def test_auto_accept_takes_new_cases_into_review(agency: Served) -> None:
    await agency.client.put("/dlt/rules", json={"auto_accept": True})
    ref = await agency.filed(filing(RENEWAL))
    casework = agency.casework
    await eventually(lambda: casework.cases[ref].status == "in_review")
    case = await agency.case(ref)
    assert [e["status"] for e in case["events"]] == ["received", "in_review"]
    await eventually(lambda: not casework.running)  # nothing left: the worker ends


async def test_auto_decision_comes_after_the_stated_time_on_the_agencys_clock(
    agency: Served,
) -> None:
    ref = await agency.filed(filing(RENEWAL))
    await agency.staff(ref, "accept")
    rules = {
        "auto_accept": False,
        "auto_decide_after_seconds": 300,
        "decision": "approve",
        "collect_fees": False,  # issued on approval: the fee is the payment tests' business
    }
    await agency.client.put("/dlt/rules", json=rules)
    casework = agency.casework
    agency.clock.advance(299)
    assert casework.apply_rules() == 0  # not yet: the agency's clock says 299 s
    assert casework.cases[ref].status == "in_review"
    agency.clock.advance(1)
    await eventually(lambda: casework.cases[ref].status == "approved")
    approved = await agency.case(ref)
    assert approved["seq"] == 3
    assert approved["document_id"]


async def test_rules_can_reject_automatically(agency: Served) -> None:
    rules = {"auto_accept": True, "auto_decide_after_seconds": 0, "decision": "reject"}
    await agency.client.put("/dlt/rules", json=rules)
    ref = await agency.filed(filing(RENEWAL))
    await eventually(lambda: agency.casework.cases[ref].status == "rejected")
    case = await agency.case(ref)
    assert [e["status"] for e in case["events"]] == ["received", "in_review", "rejected"]
    assert case["events"][-1]["data"]["reason"]


async def test_the_page_sets_the_rules_with_a_form(agency: Served) -> None:
    posted = await agency.client.post(
        "/dlt/staff/rules",
        data={"auto_accept": "true", "auto_decide_after_seconds": "5", "decision": "reject"},
    )
    assert posted.status_code == 303
    assert (await agency.client.get("/dlt/rules")).json() == {
        "auto_accept": True,
        "auto_decide_after_seconds": 5.0,
        "decision": "reject",
        "collect_fees": False,  # its box left unticked
        "profile": "standard",  # not on the page: kept as it was
    }
    page = (await agency.client.get("/dlt/staff/")).text
    assert '<input type="checkbox" name="collect_fees" value="true">' in page
    ticked = {"collect_fees": "true", "decision": "approve"}
    assert (await agency.client.post("/dlt/staff/rules", data=ticked)).status_code == 303
    assert (await agency.client.get("/dlt/rules")).json()["collect_fees"] is True
    page = (await agency.client.get("/dlt/staff/")).text
    assert '<input type="checkbox" name="collect_fees" value="true" checked>' in page
    refused = await agency.client.post("/dlt/staff/rules", data={"auto_decide_after_seconds": "x"})
    assert_error(refused, 400, "invalid_request")


async def test_the_worker_stops_with_the_apps_lifespan() -> None:
    """Served on its own (not under the host), the agency's worker ends with its lifespan even
    while a rule still waits on the agency's clock."""
    clock = FakeClock()
    app = dlt.create_app(clock=clock, consumers={KEY: SECRET}, callback_secret="s" * 32)
    casework = app.state.casework

    def workers() -> list[asyncio.Task[object]]:
        return [t for t in asyncio.all_tasks() if t.get_name() == "casework-DLT" and not t.done()]

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dlt.test") as client:
            rules = {"auto_accept": True, "auto_decide_after_seconds": 3600}
            assert (await client.put("/rules", json=rules)).status_code == 200
            token = (
                await client.get(
                    "/gdx/auth/validate",
                    params={"ConsumerSecret": SECRET, "AgentID": AGENT_ID},
                    headers={"Consumer-Key": KEY},
                )
            ).json()["Result"]
            filed = await client.post(
                "/api/v1/applications",
                json=filing(RENEWAL, callback=False),
                headers={"Consumer-Key": KEY, "Token": token, "Idempotency-Key": "k"},
            )
            ref = filed.json()["agency_ref"]
            await eventually(lambda: casework.cases[ref].status == "in_review")
            assert workers()  # waiting to decide in an hour of the agency's time
    assert workers() == []
    assert not casework.running
    assert casework.cases[ref].status == "in_review"
