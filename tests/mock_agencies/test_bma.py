"""The mock BMA's Web Integration e-service against a fake portal that checks what a real one
would: the client-credentials token, the one-time mToken, and every signature (recomputed here,
independently of the code under test)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from documents.facts import DocumentSpec, Kind
from mock_agencies.app import create_app as create_host
from mock_agencies.bma.app import create_app
from mock_agencies.bma.delivery import RetryPolicy
from mock_agencies.bma.portal import AgencyCredentials

KEY, SECRET = "bma-test-client", "bma-consumer-secret-for-tests-0123456789"
CALLBACK_SECRET = "bma-callback-secret-for-tests-abcdefghij"
CREDENTIALS = AgencyCredentials(KEY, SECRET, CALLBACK_SECRET)
APP_ID, MTOKEN = "app-0001", "mtoken-one-time-0001"
T0 = 1_776_300_000.0  # 2026-04-16 00:40 UTC = 07:40 in Bangkok
CITIZEN = {
    "subject": "sub-citizen-7",
    "first_name_th": "สมหญิง",
    "last_name_th": "รักไทย",
    "first_name_en": "Somying",
    "last_name_en": "Rakthai",
    "birth_date": "1980-05-01",
    "address_th": "99 ถนนพระราม 4 แขวงสีลม เขตบางรัก กรุงเทพมหานคร 10500",
}
FORM = {
    "applicant_role": "owner",
    "site_title_deed_number": "12345",
    "site_house_number": "99",
    "site_road": "พระราม 4",
    "site_subdistrict": "สีลม",
    "site_district": "บางรัก",
    "building_use": "detached_house",
    "storeys": "2",
    "floor_area_sqm": "180.5",
    "engineer_licence_number": "สย.12345",
    "contact_phone": "0812345678",
}


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def expected_signature(timestamp: str, nonce: str, body: bytes) -> str:
    """The contract's signature, computed without the code under test."""
    digest = hmac.new(
        CALLBACK_SECRET.encode(),
        timestamp.encode() + b"." + nonce.encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    return f"v1={digest}"


@dataclass
class FakePortal:
    """What the gateway does on its side of the contract, minimally."""

    clock: Clock
    mtokens: dict[str, str] = field(default_factory=lambda: {MTOKEN: APP_ID})
    citizen: dict[str, str] = field(default_factory=lambda: dict(CITIZEN))
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)  # every signed post, kept or not
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before accepting
    nonces: set[str] = field(default_factory=set)

    def app(self) -> FastAPI:
        portal = FastAPI()

        @portal.post("/oauth/token")
        async def token(request: Request) -> JSONResponse:
            self.token_requests += 1
            form = await request.form()
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            pair = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
            if pair != f"{KEY}:{SECRET}" or form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "invalid_client"}, 401)
            if form.get("scope") != "agency:BMA":
                return JSONResponse({"error": "invalid_scope"}, 400)
            issued = f"access-{self.token_requests}"
            self.tokens.add(issued)
            return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": 600})

        @portal.post("/v1/agency/web/exchange")
        async def exchange(request: Request) -> JSONResponse:
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            if bearer not in self.tokens:
                return JSONResponse({"code": "invalid_token", "detail": "no"}, 401)
            body = await request.json()
            self.exchanges.append(body)
            if self.mtokens.pop(body.get("mToken"), None) != body.get("appId"):
                return JSONResponse(
                    {"code": "invalid_mtoken", "detail": "used, expired or foreign", "status": 401},
                    401,
                    media_type="application/problem+json",
                )
            return JSONResponse(self.citizen)

        async def signed(request: Request, into: list[dict[str, Any]]) -> JSONResponse:
            raw = await request.body()
            headers = request.headers
            attempt = {"body": raw, "headers": dict(headers)}
            self.attempts.append(attempt)
            timestamp, nonce = headers.get("x-timestamp", ""), headers.get("x-nonce", "")
            good = (
                headers.get("x-agency") == "BMA"
                and abs(int(timestamp or 0) - self.clock()) <= 300
                and len(nonce) >= 16
                and nonce not in self.nonces
                and hmac.compare_digest(
                    headers.get("x-signature", ""), expected_signature(timestamp, nonce, raw)
                )
            )
            attempt["verified"] = good
            if not good:
                return JSONResponse({"code": "bad_signature"}, 401)
            self.nonces.add(nonce)
            if self.fail_next:
                return JSONResponse({"code": "oops"}, self.fail_next.pop(0))
            into.append(json.loads(raw))
            return JSONResponse({"ok": True})

        @portal.post("/v1/agency/callbacks/BMA")
        async def callback(request: Request) -> JSONResponse:
            return await signed(request, self.callbacks)

        @portal.post("/v1/agency/web/notifications")
        async def notification(request: Request) -> JSONResponse:
            return await signed(request, self.notifications)

        return portal


@dataclass
class Bma:
    client: httpx.AsyncClient
    portal: FakePortal
    clock: Clock
    app: FastAPI


@pytest.fixture
async def bma() -> AsyncIterator[Bma]:
    clock = Clock()
    portal = FakePortal(clock)
    app = create_app(
        credentials=CREDENTIALS,
        gateway="http://portal.test",
        gateway_transport=httpx.ASGITransport(app=portal.app()),
        clock=clock,
        tick_seconds=0.01,
        retry=RetryPolicy(base_seconds=30, max_seconds=600, max_attempts=3),
        first_case_number=42,
        seed=1,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bma.test") as c,
    ):
        yield Bma(c, portal, clock, app)


async def eventually(check: Callable[[], bool], what: str) -> None:
    """Let the background worker run until `check` holds (bounded: fails rather than hangs)."""
    for _ in range(3000):  # up to 30 s: a loaded machine is slow; it ends once it holds
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries a CSRF field"
    return found.group(1)


async def launch(bma: Bma) -> httpx.Response:
    return await bma.client.get("/eservice", params={"appId": APP_ID, "mToken": MTOKEN})


async def file_permit(bma: Bma, **changes: str) -> httpx.Response:
    page = await launch(bma)
    assert page.status_code == 200, page.text
    return await bma.client.post(
        "/eservice/submit", data={**FORM, **changes, "csrf": csrf_of(page.text)}
    )


OTHER_APP_ID, OTHER_MTOKEN = "app-0002", "mtoken-one-time-0002"


async def file_another_permit(bma: Bma) -> None:
    """A second citizen's permit, filed from a browser of its own: its callbacks are the later
    events that show the worker has gone round since (the worker takes messages in order)."""
    bma.portal.mtokens[OTHER_MTOKEN] = OTHER_APP_ID
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bma.app), base_url="http://bma.test"
    ) as browser:
        page = await browser.get(
            "/eservice", params={"appId": OTHER_APP_ID, "mToken": OTHER_MTOKEN}
        )
        assert page.status_code == 200, page.text
        filed = await browser.post("/eservice/submit", data={**FORM, "csrf": csrf_of(page.text)})
        assert filed.status_code == 200, filed.text


def of_app(messages: list[dict[str, Any]], app_id: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("application_id", m.get("appId")) == app_id]


async def test_launch_exchanges_the_mtoken_and_prefills_the_verified_citizen(bma: Bma) -> None:
    response = await launch(bma)
    assert response.status_code == 200
    assert bma.portal.exchanges == [{"appId": APP_ID, "mToken": MTOKEN}]
    page = response.text
    assert 'id="applicant-name">สมหญิง รักไทย<' in page
    assert "Somying Rakthai" in page
    assert CITIZEN["address_th"] in page
    # verified data is shown, never asked again; the permit's own fields are asked
    assert 'name="first_name_th"' not in page
    assert 'name="site_title_deed_number"' in page
    assert 'name="floor_area_sqm"' in page
    assert "เลขที่โฉนดที่ดิน / Title deed number" in page
    assert response.cookies.get("bma_session")


async def test_a_used_mtoken_shows_the_expired_link_page(bma: Bma) -> None:
    assert (await launch(bma)).status_code == 200
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=bma.app), base_url="http://bma.test"
    ) as another_browser:
        again = await another_browser.get("/eservice", params={"appId": APP_ID, "mToken": MTOKEN})
    assert again.status_code == 401
    assert "used or has expired" in again.text
    assert "สมหญิง" not in again.text
    assert len(bma.portal.exchanges) == 2  # the portal was asked, and said no


async def test_a_reload_in_the_same_browser_keeps_the_session(bma: Bma) -> None:
    assert (await launch(bma)).status_code == 200
    reload = await launch(bma)
    assert reload.status_code == 200
    assert "สมหญิง" in reload.text
    assert len(bma.portal.exchanges) == 1


async def test_the_access_token_is_cached_and_fetched_again_once_it_lapses(bma: Bma) -> None:
    bma.portal.mtokens["mtoken-2"] = "app-0002"
    bma.portal.mtokens["mtoken-3"] = "app-0003"
    assert (await launch(bma)).status_code == 200
    await bma.client.get("/eservice", params={"appId": "app-0002", "mToken": "mtoken-2"})
    assert bma.portal.token_requests == 1
    bma.clock.now += 601
    await bma.client.get("/eservice", params={"appId": "app-0003", "mToken": "mtoken-3"})
    assert bma.portal.token_requests == 2


async def test_submit_files_a_case_and_sends_a_signed_received_callback(bma: Bma) -> None:
    # a posted name is ignored: the verified one counts
    receipt = await file_permit(bma, first_name_th="ปลอม")
    assert receipt.status_code == 200
    assert 'id="agency-ref">BMA-BP-000042<' in receipt.text
    assert 'id="received-at">16/04/2026 07:40:00 (UTC+07:00)<' in receipt.text

    await eventually(lambda: len(bma.portal.callbacks) == 1, "the received callback")
    callback = bma.portal.callbacks[0]
    assert callback["agency_ref"] == "BMA-BP-000042"
    assert callback["application_id"] == APP_ID
    assert callback["application_number"] is None
    assert callback["seq"] == 1
    assert callback["status"] == "received"
    assert callback["at"] == "2026-04-16T00:40:00Z"
    form = callback["data"]["form"]
    assert form["first_name_th"] == "สมหญิง"
    assert form["registered_address"] == CITIZEN["address_th"]
    assert form["site"]["title_deed_number"] == "12345"
    assert form["storeys"] == 2
    assert form["floor_area_sqm"] == 180.5
    attempt = bma.portal.attempts[0]
    assert attempt["verified"]
    assert attempt["headers"]["x-agency"] == "BMA"
    assert attempt["headers"]["x-timestamp"] == str(int(T0))

    await eventually(lambda: len(bma.portal.notifications) == 1, "the citizen's notice")
    notice = bma.portal.notifications[0]
    assert notice["appId"] == APP_ID
    assert "BMA-BP-000042" in notice["body_th"]
    assert "received" in notice["title_en"]
    assert notice["title_th"]


async def test_submitting_twice_files_one_case(bma: Bma) -> None:
    page = await launch(bma)
    data = {**FORM, "csrf": csrf_of(page.text)}
    first = await bma.client.post("/eservice/submit", data=data)
    second = await bma.client.post("/eservice/submit", data=data)
    assert "BMA-BP-000042" in first.text
    assert "BMA-BP-000042" in second.text
    assert "already filed" in second.text
    assert len((await bma.client.get("/staff/applications")).json()["applications"]) == 1


async def test_submit_without_the_session_or_with_bad_fields_is_refused(bma: Bma) -> None:
    no_session = await bma.client.post("/eservice/submit", data={**FORM, "csrf": "x"})
    assert no_session.status_code == 403
    page = await launch(bma)
    wrong_csrf = await bma.client.post("/eservice/submit", data={**FORM, "csrf": "forged"})
    assert wrong_csrf.status_code == 403
    bad = await bma.client.post(
        "/eservice/submit",
        data={**FORM, "storeys": "0", "contact_phone": "12", "csrf": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    assert 'data-field="storeys"' in bad.text
    assert 'data-field="contact_phone"' in bad.text
    assert 'value="บางรัก"' in bad.text  # what was typed is kept
    # Nothing was filed, so nothing is waiting to be reported to the portal.
    assert (await bma.client.get("/staff/applications")).json()["applications"] == []
    assert (await bma.client.get("/deliveries")).json()["items"] == []


async def test_staff_actions_send_callbacks_with_increasing_seq(bma: Bma) -> None:
    await file_permit(bma)
    ref = "BMA-BP-000042"
    accepted = await bma.client.post(f"/staff/applications/{ref}/accept", json={})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "in_review"
    bma.clock.now += 3600
    approved = await bma.client.post(f"/staff/applications/{ref}/approve", json={})
    assert approved.json()["status"] == "approved"
    assert approved.json()["seq"] == 3

    await eventually(lambda: len(bma.portal.callbacks) == 3, "three callbacks")
    assert [(c["seq"], c["status"]) for c in bma.portal.callbacks] == [
        (1, "received"),
        (2, "in_review"),
        (3, "approved"),
    ]
    assert bma.portal.callbacks[2]["at"] == "2026-04-16T01:40:00Z"
    assert all(a["verified"] for a in bma.portal.attempts)
    await eventually(lambda: len(bma.portal.notifications) == 3, "three notices")
    assert "approved" in bma.portal.notifications[2]["title_en"]


async def test_the_approval_grants_the_building_permit(bma: Bma) -> None:
    """The approved callback carries the permit as the gateway's DocumentSpec (R-13.1: a
    granted permit is published), numbered BMA<BE year>-<8 Crockford base32>, valid a year."""
    await file_permit(bma)
    ref = "BMA-BP-000042"
    await bma.client.post(f"/staff/applications/{ref}/accept", json={})
    approved = (await bma.client.post(f"/staff/applications/{ref}/approve", json={})).json()
    await eventually(lambda: len(bma.portal.callbacks) == 3, "the approved callback")
    granted = bma.portal.callbacks[2]["data"]["document"]
    assert granted == approved["events"][-1]["data"]["document"]
    spec = DocumentSpec.model_validate(granted)
    assert spec.kind is Kind.PERMIT
    assert re.fullmatch(r"BMA2569-[0-9A-HJKMNP-TV-Z]{8}", spec.number), spec.number
    assert spec.title_th == "ใบอนุญาตก่อสร้างอาคาร (แบบ อ.1)"
    assert (spec.valid_from, spec.valid_until) == (dt.date(2026, 4, 16), dt.date(2027, 4, 15))
    items = {item.key: item for item in spec.items}
    assert items["site"].value_th == "โฉนดที่ดินเลขที่ 12345 เขตบางรัก กรุงเทพมหานคร"
    assert items["building_use"].value_en == "Detached house"
    assert items["storeys"].value_th == "2 ชั้น"
    assert items["floor_area"].value_en == "180.50 m²"
    assert items["engineer_licence"].value_th == "สย.12345"
    # Only an approval grants anything.
    assert all("document" not in c["data"] for c in bma.portal.callbacks[:2])


async def test_staff_refusals_are_explained(bma: Bma) -> None:
    await file_permit(bma)
    ref = "BMA-BP-000042"
    early = await bma.client.post(f"/staff/applications/{ref}/approve", json={})
    assert early.status_code == 409
    assert early.json()["error"] == "invalid_transition"
    no_reason = await bma.client.post(f"/staff/applications/{ref}/reject", json={})
    assert no_reason.status_code == 422
    missing = await bma.client.post("/staff/applications/BMA-BP-999999/accept", json={})
    assert missing.status_code == 404
    await bma.client.post(f"/staff/applications/{ref}/accept", json={})
    asked = await bma.client.post(
        f"/staff/applications/{ref}/request-info",
        json={"items": ["แบบแปลนฉบับแก้ไข"], "reason": "แบบไม่ครบ"},
    )
    assert asked.json()["status"] == "needs_info"
    await eventually(lambda: len(bma.portal.callbacks) == 3, "the needs_info callback")
    assert bma.portal.callbacks[2]["data"] == {
        "reason": "แบบไม่ครบ",
        "items": [{"name_th": "แบบแปลนฉบับแก้ไข", "name_en": ""}],
    }


async def test_the_staff_page_lists_cases_and_its_buttons_work(bma: Bma) -> None:
    await file_permit(bma)
    page = await bma.client.get("/staff/")
    assert "BMA-BP-000042" in page.text
    assert 'action="/staff/applications/BMA-BP-000042/accept"' in page.text
    pressed = await bma.client.post(
        "/staff/applications/BMA-BP-000042/accept", data={"officer": "somchai"}
    )
    assert pressed.status_code == 303
    assert pressed.headers["location"] == "/staff/"
    after = await bma.client.get("/staff/")
    assert "in_review (seq 2)" in after.text
    case = (await bma.client.get("/staff/applications/BMA-BP-000042")).json()
    assert case["events"][-1]["actor"] == "staff/somchai"
    refused = await bma.client.post(
        "/staff/applications/BMA-BP-000042/reject", data={"officer": "somchai"}
    )
    assert refused.status_code == 422
    assert 'id="error"' in refused.text


async def test_a_failed_callback_is_retried_with_a_fresh_signature(bma: Bma) -> None:
    bma.portal.fail_next = [500]
    await file_permit(bma)
    await eventually(lambda: len(bma.portal.attempts) >= 1, "the first attempt")
    deliveries = (await bma.client.get("/deliveries")).json()["items"]
    callback = next(d for d in deliveries if d["kind"] == "callback")
    assert callback["state"] == "pending"
    assert callback["last_status"] == 500
    # Another case's callback and notice get through: the worker has gone round since.
    await file_another_permit(bma)
    await eventually(
        lambda: len(of_app(bma.portal.notifications, OTHER_APP_ID)) == 1, "the other case's notice"
    )
    assert of_app(bma.portal.callbacks, APP_ID) == []  # not before its backoff: no time passed
    # the notice waits behind the callback of the same case: nothing overtakes seq 1
    assert of_app(bma.portal.notifications, APP_ID) == []
    assert (
        len(
            [
                a
                for a in bma.portal.attempts
                if json.loads(a["body"]).get("application_id") == APP_ID
            ]
        )
        == 1
    )

    bma.clock.now += 31  # past the backoff (at most 30 s for the first retry)
    await eventually(lambda: len(of_app(bma.portal.callbacks, APP_ID)) == 1, "the retried callback")
    tries = [
        a for a in bma.portal.attempts if json.loads(a["body"]).get("application_id") == APP_ID
    ]
    first, second = tries[0], tries[1]
    assert first["body"] == second["body"]
    assert first["headers"]["x-nonce"] != second["headers"]["x-nonce"]
    assert second["verified"]
    await eventually(
        lambda: len(of_app(bma.portal.notifications, APP_ID)) == 1, "the notice after it"
    )


async def test_delivery_gives_up_when_the_budget_is_spent(bma: Bma) -> None:
    bma.portal.fail_next = [503] * 3
    await file_permit(bma)

    def callback() -> dict[str, Any]:
        return next(d for d in bma.app.state.office.outbox.messages() if d.kind == "callback")

    for _ in range(300):
        if callback().state == "dead":
            break
        bma.clock.now += 601  # past any backoff
        await asyncio.sleep(0.01)
    assert callback().state == "dead"
    assert callback().attempts == 3  # the budget
    assert len([a for a in bma.portal.attempts if b"received" in a["body"]]) == 3
    assert bma.portal.callbacks == []
    listed = (await bma.client.get("/deliveries")).json()["items"]
    assert [d["state"] for d in listed if d["kind"] == "callback"] == ["dead"]


async def test_rules_accept_then_approve_after_the_delay(bma: Bma) -> None:
    rules = {"auto_accept": True, "auto_decide_after_seconds": 120, "decision": "approve"}
    assert (await bma.client.put("/rules", json=rules)).json() == rules
    assert (await bma.client.get("/rules")).json() == rules
    await file_permit(bma)
    await eventually(lambda: len(bma.portal.callbacks) == 2, "the automatic accept")
    assert bma.portal.callbacks[1]["status"] == "in_review"
    # Another case accepted by the rules: they have been applied again since, and the first
    # case is still not decided before the delay.
    await file_another_permit(bma)
    await eventually(
        lambda: (
            [c["status"] for c in of_app(bma.portal.callbacks, OTHER_APP_ID)]
            == ["received", "in_review"]
        ),
        "the other case's automatic accept",
    )
    case = (await bma.client.get("/staff/applications/BMA-BP-000042")).json()
    assert case["status"] == "in_review"
    assert len(of_app(bma.portal.callbacks, APP_ID)) == 2

    bma.clock.now += 121
    await eventually(lambda: len(of_app(bma.portal.callbacks, APP_ID)) == 3, "the approval")
    assert [(c["seq"], c["status"]) for c in of_app(bma.portal.callbacks, APP_ID)] == [
        (1, "received"),
        (2, "in_review"),
        (3, "approved"),
    ]


async def test_rules_can_reject_with_a_reason(bma: Bma) -> None:
    await bma.client.put(
        "/rules", json={"auto_accept": True, "auto_decide_after_seconds": 0, "decision": "reject"}
    )
    await file_permit(bma)
    await eventually(lambda: len(bma.portal.callbacks) == 3, "the automatic rejection")
    assert bma.portal.callbacks[2]["status"] == "rejected"
    assert bma.portal.callbacks[2]["data"]["reason"]
    assert (await bma.client.put("/rules", json={"decision": "maybe"})).status_code == 422


async def test_citizen_data_is_escaped_in_every_page(bma: Bma) -> None:
    bma.portal.citizen["first_name_th"] = "<script>alert(1)</script>"
    page = await launch(bma)
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    await bma.client.post("/eservice/submit", data={**FORM, "csrf": csrf_of(page.text)})
    staff = await bma.client.get("/staff/")
    assert "<script>" not in staff.text
    assert "&lt;script&gt;" in staff.text


async def test_an_unreachable_portal_shows_an_apology_not_a_crash() -> None:
    def refuse(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    app = create_app(
        credentials=CREDENTIALS,
        gateway="http://portal.test",
        gateway_transport=httpx.MockTransport(refuse),
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b.test") as c,
    ):
        page = await c.get("/eservice", params={"appId": APP_ID, "mToken": MTOKEN})
        assert page.status_code == 502
        assert "try again later" in page.text
        missing = await c.get("/eservice", params={"appId": APP_ID})
        assert missing.status_code == 400


async def test_through_the_host_paths_cookies_and_faults_work(bma: Bma) -> None:
    host = create_host({"BMA": bma.app}, seed=5)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=host), base_url="http://agencies.test"
    ) as agencies:
        page = await agencies.get("/bma/eservice", params={"appId": APP_ID, "mToken": MTOKEN})
        assert page.status_code == 200
        assert 'action="/bma/eservice/submit"' in page.text
        assert "Path=/bma/" in page.headers["set-cookie"]
        receipt = await agencies.post(
            "/bma/eservice/submit", data={**FORM, "csrf": csrf_of(page.text)}
        )
        assert "BMA-BP-000042" in receipt.text
        assert (await agencies.get("/bma/api/v1/health")).json() == {"status": "ok"}

        await agencies.put("/faults/BMA", json={"outage": True})
        assert (await agencies.get("/bma/api/v1/health")).status_code == 503
        assert (await agencies.get("/bma/staff/")).status_code == 503
        await agencies.delete("/faults")
        assert (await agencies.get("/bma/staff/")).status_code == 200


def test_the_portal_is_found_where_make_run_says_it_is() -> None:
    """The Web Integration agencies reach the portal at MOCK_AGENCIES_GATEWAY_URL, else at
    the gateway's public URL (which `make run` exports for any PORT)."""
    from mock_agencies.bma.portal import gateway_url

    assert gateway_url({"CITIZEN_GATEWAY_PUBLIC_URL": "http://127.0.0.1:8001/"}) == (
        "http://127.0.0.1:8001"
    )
    assert (
        gateway_url(
            {
                "MOCK_AGENCIES_GATEWAY_URL": "http://portal.test",
                "CITIZEN_GATEWAY_PUBLIC_URL": "http://127.0.0.1:8001",
            }
        )
        == "http://portal.test"
    )
    assert gateway_url({}) == "http://127.0.0.1:8000"
