"""The mock DOP back office against a fake portal implementing the agency API subset it uses:
`/oauth/token`, `/v1/agency/applications[/{id}[/actions|/attachments/{aid}]]`."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from dop_support import (
    CREDENTIALS,
    Dop,
    application,
    serving_dop,
)

from documents.facts import DocumentSpec, Kind
from mock_agencies.app import create_app as create_host
from mock_agencies.dop.app import create_app


@pytest.fixture
async def dop() -> AsyncIterator[Dop]:
    async with serving_dop() as served:
        yield served


async def eventually(check: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # up to 30 s: a loaded machine is slow; it ends once it holds
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def status_of(dop: Dop, application_id: str) -> str:
    return str(dop.portal.applications[application_id]["status"])


async def test_the_list_shows_the_gateways_applications(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    dop.portal.add(application(2, "1955-06-30") | {"status": "in_review"})
    page = await dop.client.get("/backoffice/")
    assert page.status_code == 200
    assert "DOP-2569-000001" in page.text
    assert "DOP-2569-000002" in page.text
    assert 'href="/backoffice/applications/app-0001"' in page.text
    filtered = await dop.client.get("/backoffice/", params={"status": "in_review"})
    assert "DOP-2569-000002" in filtered.text
    assert "DOP-2569-000001" not in filtered.text
    assert dop.portal.lists[-1]["status"] == "in_review"
    assert dop.portal.token_requests == 1  # the token is reused


async def test_the_list_follows_the_gateways_cursor(dop: Dop) -> None:
    for number in range(1, 56):
        dop.portal.add(application(number, "1950-01-01"))
    first = await dop.client.get("/backoffice/")
    assert "DOP-2569-000050" in first.text
    assert "DOP-2569-000051" not in first.text
    assert 'href="/backoffice/?cursor=50"' in first.text
    second = await dop.client.get("/backoffice/", params={"cursor": "50"})
    assert "DOP-2569-000055" in second.text


async def test_the_case_page_shows_the_form_and_reads_as_the_officer(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    switched = await dop.client.post("/backoffice/officer", data={"officer": "somsri.k"})
    assert switched.status_code == 303
    page = await dop.client.get("/backoffice/applications/app-0001")
    assert page.status_code == 200
    assert 'data-field="birth_date">1950-01-01<' in page.text
    assert "บุญมี" in page.text
    assert 'id="status">submitted<' in page.text
    assert dop.portal.reads == [("app-0001", "somsri.k")]
    assert 'action="/backoffice/applications/app-0001/accept"' in page.text
    assert "/approve" not in page.text  # not offered before it is accepted
    missing = await dop.client.get("/backoffice/applications/app-9999")
    assert missing.status_code == 404
    assert "No such application." in missing.text


async def test_acting_calls_the_gateway_with_the_officer_and_returns_to_the_case(
    dop: Dop,
) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    accepted = await dop.client.post(
        "/backoffice/applications/app-0001/accept", data={"officer": "somsri.k"}
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/backoffice/applications/app-0001"
    assert dop.portal.actions == [("app-0001", {"action": "accept", "officer": "somsri.k"})]
    assert status_of(dop, "app-0001") == "in_review"

    await dop.client.post(
        "/backoffice/applications/app-0001/request_info",
        data={"officer": "somsri.k", "items": "หน้าสมุดบัญชี\n\nหนังสือมอบอำนาจ", "reason": "ขาด"},
    )
    assert dop.portal.actions[-1] == (
        "app-0001",
        {
            "action": "request_info",
            "officer": "somsri.k",
            "reason": "ขาด",
            "items": [
                {"name_th": "หน้าสมุดบัญชี", "name_en": "หน้าสมุดบัญชี"},
                {"name_th": "หนังสือมอบอำนาจ", "name_en": "หนังสือมอบอำนาจ"},
            ],
        },
    )
    rejected = await dop.client.post(
        "/backoffice/applications/app-0001/reject", data={"reason": "ไม่มีสิทธิ"}
    )
    assert rejected.status_code == 303
    assert dop.portal.actions[-1][1] == {
        "action": "reject",
        "officer": "dop-officer-01",  # no officer chosen: the default
        "reason": "ไม่มีสิทธิ",
    }


async def test_an_approval_sends_the_award_letter_it_grants(dop: Dop) -> None:
    """The approve action carries `document`: the older persons' allowance award letter as
    the gateway's DocumentSpec, its monthly amount by the applicant's age band today."""
    dop.portal.add(application(1, "1951-01-01") | {"status": "in_review"})  # 75 on 16 April 2026
    approved = await dop.client.post(
        "/backoffice/applications/app-0001/approve", data={"officer": "somsri.k"}
    )
    assert approved.status_code == 303
    [(_, body)] = dop.portal.actions
    assert body["action"] == "approve"
    spec = DocumentSpec.model_validate(body["document"])
    assert spec.kind is Kind.BENEFIT_AWARD
    assert re.fullmatch(r"DOP2569-[0-9A-HJKMNP-TV-Z]{8}", spec.number), spec.number
    assert spec.valid_from == dt.date(2026, 4, 16)
    items = {item.key: item for item in spec.items}
    assert items["monthly_amount"].value_th == "700.00 บาท"
    assert items["monthly_amount"].value_en == "THB 700.00"
    assert items["age_band"].value_th == "อายุ 70–79 ปี"
    assert items["application_number"].value_th == "DOP-2569-000001"


async def test_an_approval_without_a_birth_date_grants_no_letter(dop: Dop) -> None:
    """What the allowance is cannot be said without the age: the gateway gets no document."""
    dop.portal.add(application(1, "1951") | {"status": "in_review"})
    await dop.client.post("/backoffice/applications/app-0001/approve", data={})
    [(_, body)] = dop.portal.actions
    assert body == {"action": "approve", "officer": "dop-officer-01"}


async def test_a_refusal_shows_the_gateways_detail(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    refused = await dop.client.post(
        "/backoffice/applications/app-0001/approve", data={"officer": "somsri.k"}
    )
    assert refused.status_code == 409
    assert 'id="refusal">Cannot approve an application that is submitted.<' in refused.text
    assert 'id="status">submitted<' in refused.text  # the case as it stands
    no_reason = await dop.client.post("/backoffice/applications/app-0001/reject", data={})
    assert no_reason.status_code == 422
    assert "A rejection states its reason." in no_reason.text
    unknown = await dop.client.post("/backoffice/applications/app-0001/issue", data={})
    assert unknown.status_code == 404
    assert [body["action"] for _, body in dop.portal.actions] == ["approve", "reject"]


async def test_attachments_come_through_the_gateway(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    found = await dop.client.get("/backoffice/applications/app-0001/attachments/att-1")
    assert found.status_code == 200
    assert found.content == b"%PDF-1.7 bank book"
    assert found.headers["content-type"] == "application/pdf"
    assert dop.portal.reads == [("app-0001/att-1", "dop-officer-01")]


async def test_a_lapsed_token_is_replaced_once(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    assert (await dop.client.get("/backoffice/")).status_code == 200
    dop.portal.tokens.clear()  # the gateway forgot it (restart, key rotation)
    assert (await dop.client.get("/backoffice/")).status_code == 200
    assert dop.portal.token_requests == 2


async def test_values_from_the_gateway_are_escaped(dop: Dop) -> None:
    bad = application(1, "1950-01-01")
    bad["form"]["first_name_th"] = '<img src=x onerror="alert(1)">'
    dop.portal.add(bad)
    page = await dop.client.get("/backoffice/applications/app-0001")
    assert "<img" not in page.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page.text


async def test_the_rule_accepts_then_decides_by_age_after_the_delay(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))  # 76: eligible
    dop.portal.add(application(2, "1990-07-01"))  # 35: too young
    dop.portal.add(application(3, "1990-07-01", service_id="dop-older-persons-fund-loan"))
    rules = {
        "auto_accept": True,
        "auto_decide_after_seconds": 300,
        "decision": "approve",
        "poll_seconds": 0.01,
    }
    assert (await dop.client.put("/rules", json=rules)).json() == rules
    await eventually(
        lambda: status_of(dop, "app-0001") == status_of(dop, "app-0002") == "in_review",
        "both registrations accepted",
    )
    assert all(body["officer"] == "auto-rule" for _, body in dop.portal.actions)
    passes = dop.app.state.automation.passes
    await eventually(lambda: dop.app.state.automation.passes > passes + 3, "more passes")
    assert status_of(dop, "app-0001") == "in_review"  # not before the delay

    dop.clock.now += 301
    await eventually(lambda: status_of(dop, "app-0001") == "approved", "the approval")
    await eventually(lambda: status_of(dop, "app-0002") == "rejected", "the rejection")
    rejections = [b for i, b in dop.portal.actions if i == "app-0002" and b["action"] == "reject"]
    assert len(rejections) == 1
    assert "35" in rejections[0]["reason"]
    assert status_of(dop, "app-0003") == "submitted"  # another service: not this rule's
    state = (await dop.client.get("/automation")).json()
    assert state["running"]
    assert state["last_error"] is None


async def test_the_rule_asks_once_for_what_is_missing(dop: Dop) -> None:
    incomplete = application(1, "1950-01-01") | {"status": "in_review"}
    incomplete["missing"] = [{"kind": "document", "pointer": "/documents/x", "name": "Bank book"}]
    dop.portal.add(incomplete)
    await dop.client.put("/rules", json={"auto_decide_after_seconds": 0, "poll_seconds": 0.01})
    await eventually(lambda: status_of(dop, "app-0001") == "needs_info", "the request")
    assert dop.portal.actions[0][1]["items"] == [{"name_th": "Bank book", "name_en": "Bank book"}]


async def test_rules_are_validated_and_the_rule_can_be_turned_off(dop: Dop) -> None:
    assert (await dop.client.get("/rules")).json()["auto_accept"] is False
    assert (await dop.client.put("/rules", json={"poll_seconds": 0})).status_code == 422
    assert (await dop.client.put("/rules", json={"decision": "maybe"})).status_code == 422
    await dop.client.put("/rules", json={"auto_accept": True, "poll_seconds": 0.01})
    await eventually(lambda: dop.app.state.automation.running, "the rule running")
    await dop.client.put("/rules", json={"auto_accept": False})
    await eventually(lambda: not dop.app.state.automation.running, "the rule stopped")
    # Its task has ended, so nothing looks at a new application until the rule is on again.
    dop.portal.add(application(1, "1950-01-01"))
    assert not dop.app.state.automation.running
    assert status_of(dop, "app-0001") == "submitted"
    await dop.client.put("/rules", json={"auto_accept": True})
    await eventually(lambda: status_of(dop, "app-0001") == "in_review", "the rule on again")


async def test_an_unreachable_portal_is_a_502_page() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    app = create_app(
        credentials=CREDENTIALS,
        gateway="http://portal.test",
        gateway_transport=httpx.MockTransport(refuse),
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://d.test") as c,
    ):
        page = await c.get("/backoffice/")
        assert page.status_code == 502
        assert "The portal cannot be reached" in page.text


async def test_through_the_host_paths_and_faults_work(dop: Dop) -> None:
    dop.portal.add(application(1, "1950-01-01"))
    host = create_host({"DOP": dop.app}, seed=5)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host), base_url="http://agencies.test"
    ) as agencies:
        page = await agencies.get("/dop/backoffice/")
        assert 'href="/dop/backoffice/applications/app-0001"' in page.text
        acted = await agencies.post("/dop/backoffice/applications/app-0001/accept", data={"x": "1"})
        assert acted.headers["location"] == "/dop/backoffice/applications/app-0001"
        assert (await agencies.get("/dop/api/v1/health")).json() == {"status": "ok"}
        await agencies.put("/faults/DOP", json={"outage": True})
        assert (await agencies.get("/dop/backoffice/")).status_code == 503
        await agencies.delete("/faults")
        assert (await agencies.get("/dop/backoffice/")).status_code == 200
