"""Fees belong to the journey (R-7.4): an agency's request for the fee becomes something the
citizen pays on the portal through a Thai QR, one open payment per fee; a free service is never
charged, nor a copy of a state document (R-12.1); an unpaid fee lapses instead of leaving the
application waiting for ever."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from support import (
    DLT_RENEWAL,
    NATTHIDA,
    SSO_UNEMPLOYMENT,
    Stack,
    act,
    agency_headers,
    assert_problem,
    bearer,
    draft,
    filed,
    login,
    shown,
)

from gateway.forwarding.models import OutboxMessage
from gateway.jobs import run_once
from payments.thaiqr import crc16, parse

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}


async def fee_requested(
    stack: Stack, headers: dict[str, str], **body: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """A DLT renewal filed, taken up and its fee asked for by the agency's officer."""
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    assert (await act(stack, dlt, application["id"], "accept")).status_code == 200
    r = await act(stack, dlt, application["id"], "request_payment", **body)
    assert r.status_code == 200, r.text
    return application, dlt


async def test_the_manuals_fee_becomes_a_thai_qr_the_citizen_pays(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application, _ = await fee_requested(stack, headers)
    assert (await shown(stack, headers, application["id"]))["status"] == "awaiting_payment"

    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert r.status_code == 201, r.text
    payment = r.json()
    # The manual's items: 500 THB licence + 5 THB form.
    assert payment["amount_satang"] == 50500
    assert payment["amount_display"] == "505.00"
    assert payment["status"] == "created"
    assert payment["paid_for"]["application_id"] == application["id"]
    qr = parse(payment["qr_payload"])
    assert qr.kind == "bill_payment"
    assert qr.amount_satang == 50500
    assert qr.ref1 == application["number"].replace("-", "")  # the application number
    assert qr.ref2 == payment["id"]  # the payment id
    assert qr.biller_id == payment["biller_id"]
    assert payment["qr_payload"][-4:] == crc16(payment["qr_payload"][:-4])

    png = await stack.gateway.get(payment["qr_png"], headers=headers)
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await stack.gateway.get(payment["qr_svg"], headers=headers)
    assert svg.headers["content-type"].startswith("image/svg+xml")

    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert any(n["kind"] == "fee_due" and "505.00" in n["body"] for n in inbox), inbox


async def test_a_fee_has_one_open_payment_however_often_it_is_asked_for(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application, _ = await fee_requested(stack, headers)
    path = f"/v1/applications/{application['id']}/payments"
    first = await stack.gateway.post(path, headers=headers)
    again = await stack.gateway.post(path, headers=headers)  # a second tap, no key
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    keyed = await stack.gateway.post(path, headers={**headers, "Idempotency-Key": "tap-1"})
    replay = await stack.gateway.post(path, headers={**headers, "Idempotency-Key": "tap-1"})
    assert keyed.json()["id"] == first.json()["id"]
    assert replay.headers.get("Idempotent-Replayed") == "true"

    # Given up, a new QR can be had while the fee is due.
    cancelled = await stack.gateway.post(
        f"/v1/payments/{first.json()['id']}/cancel", headers=headers
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["qr_payload"] is None
    fresh = await stack.gateway.post(path, headers=headers)
    assert fresh.status_code == 201
    assert fresh.json()["id"] != first.json()["id"]
    listed = (await stack.gateway.get("/v1/payments", headers=headers)).json()["items"]
    assert [p["status"] for p in listed] == ["created", "cancelled"]


async def test_the_agency_states_the_fee_when_it_depends_on_the_case(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application, _ = await fee_requested(
        stack,
        headers,
        fees=[{"label_th": "ค่าปรับต่ออายุล่าช้า", "label_en": "Late renewal", "amount_satang": 20000}],
    )
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert r.json()["amount_satang"] == 20000
    assert [i["label"] for i in r.json()["items"]] == ["ค่าปรับต่ออายุล่าช้า"]


async def test_a_free_service_is_never_charged(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = (await filed(stack, headers, service_id=SSO_UNEMPLOYMENT))["application"]
    sso = await agency_headers(stack, "SSO")
    assert (await act(stack, sso, application["id"], "accept")).status_code == 200
    r = await act(
        stack,
        sso,
        application["id"],
        "request_payment",
        fees=[{"label_th": "ค่าธรรมเนียม", "amount_satang": 1000}],
    )
    assert_problem(r, 409, "service_is_free")
    assert (await shown(stack, headers, application["id"]))["status"] == "in_review"


async def test_no_fee_for_a_copy_of_a_state_document(stack: Stack) -> None:
    """R-12.1: an agency asking for a fee for a copy of a document the state issued is
    refused, and the application is not left waiting for a payment."""
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    r = await act(
        stack,
        dlt,
        application["id"],
        "request_payment",
        fees=[
            {
                "label_th": "ค่าสำเนาใบอนุญาต",
                "amount_satang": 5000,
                "purpose": "state_document_copy",
            }
        ],
    )
    assert_problem(r, 409, "fee_for_state_document")
    assert (await shown(stack, headers, application["id"]))["status"] == "in_review"


async def test_nothing_to_pay_and_nobody_elses_payment(stack: Stack) -> None:
    owner = bearer(await login(stack))
    application = (await filed(stack, owner))["application"]
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=owner)
    assert_problem(r, 409, "no_payment_due")

    await act(stack, await agency_headers(stack, "DLT"), application["id"], "accept")
    await act(stack, await agency_headers(stack, "DLT"), application["id"], "request_payment")
    paid = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=owner)
    other = bearer(await login(stack, person=NATTHIDA))
    for path in (
        f"/v1/payments/{paid.json()['id']}",
        f"/v1/payments/{paid.json()['id']}/qr.png",
        f"/v1/payments/{paid.json()['id']}/receipt",
    ):
        assert_problem(await stack.gateway.get(path, headers=other), 404, "payment_not_found")
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=other)
    assert_problem(r, 404, "application_not_found")
    assert (await stack.gateway.get("/v1/payments", headers=other)).json()["items"] == []


async def test_a_fee_collected_at_filing_holds_the_application_until_paid(stack: Stack) -> None:
    """The international driving permit's fee is paid when filing: the application waits for
    it, and nothing goes to DLT until then."""
    headers = bearer(await login(stack))
    application = await draft(stack, headers, "dlt-international-driving-permit", {})
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    seen = await shown(stack, headers, application["id"])
    assert seen["status"] == "awaiting_payment"
    assert r.json()["receipt"]["number"]  # filed: the legal receipt is given at once
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        messages = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.application_id == application["id"])
            )
        ).all()
    assert messages == []  # not sent to DLT before the fee is paid
    payment = await stack.gateway.post(
        f"/v1/applications/{application['id']}/payments", headers=headers
    )
    assert payment.json()["amount_satang"] == 50500


async def test_an_unpaid_fee_lapses_and_the_application_does_not_wait_for_ever(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application, _ = await fee_requested(stack, headers)
    payment = (
        await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    ).json()
    assert stack.app is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=15)
    r = await stack.gateway.post("/v1/admin/clock", json={"set": later.isoformat()}, headers=ADMIN)
    assert r.status_code == 200, r.text
    counts = await run_once(
        stack.app.state.runtime,
        stack.app.state.applications,
        None,
        stack.app.state.payments,
    )
    assert counts["fees lapsed"] == 1
    headers = bearer(await login(stack))  # two weeks on: a new sign-in
    seen = await shown(stack, headers, application["id"])
    assert seen["status"] == "lapsed"
    assert seen["turn"] == "none"
    assert (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()[
        "status"
    ] == "expired"
    inbox = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert inbox[0]["kind"] == "lapsed"
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    assert_problem(r, 409, "no_payment_due")


async def test_a_withdrawn_application_ends_its_open_payment(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application, _ = await fee_requested(stack, headers)
    payment = (
        await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    ).json()
    r = await stack.gateway.post(
        f"/v1/applications/{application['id']}/withdraw", json={}, headers=headers
    )
    assert r.status_code == 200, r.text
    after = await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)
    assert after.json()["status"] == "cancelled"
    assert application["service_id"] == DLT_RENEWAL
