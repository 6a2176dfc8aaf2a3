"""Signed status callbacks to the gateway: what is sent, that an independent HMAC check accepts
it, retries until acknowledged, giving up after the budget, and that none of it ever touches
the agency's own API."""

from __future__ import annotations

import httpx
from casework_support import (
    WALL_TIME,
    Receiver,
    assert_error,
    eventually,
    filing,
    serving,
    verified,
)

from mock_agencies.casework import LateTransport, RetryPolicy
from mock_agencies.dlt import app as dlt

RENEWAL = "dlt-driving-licence-renewal"


async def test_every_change_is_called_back_signed_in_order() -> None:
    receiver = Receiver()
    async with serving(dlt, "DLT", receiver) as agency:
        body = filing(RENEWAL)
        ref = await agency.filed(body)
        await agency.staff(ref, "accept")
        await agency.staff(ref, "request-info", reason="ขอเอกสาร", items=["ใบรับรองแพทย์"])
        await agency.staff(ref, "accept")
        await agency.staff(ref, "approve")  # approved: the fee is paid, then DLT issues
        assert (await agency.pay(ref)).status_code == 201
        await eventually(lambda: len(receiver.requests) == 5)
        case = await agency.case(ref)

    payloads = []
    nonces = set()
    for headers, raw in receiver.requests:
        assert headers["x-agency"] == "DLT"
        assert headers["x-timestamp"] == str(int(WALL_TIME))  # real time, not the agency's
        assert len(headers["x-nonce"]) >= 16
        assert headers["content-type"] == "application/json"
        nonces.add(headers["x-nonce"])
        payloads.append(verified(headers, raw))
    assert len(nonces) == 5
    # the filing's own answer carried seq 1; every later change is called back, in order
    assert [p["seq"] for p in payloads] == [2, 3, 4, 5, 6]
    assert [p["status"] for p in payloads] == [
        "in_review",
        "needs_info",
        "in_review",
        "awaiting_payment",
        "approved",
    ]
    for payload, event in zip(payloads, case["events"][1:], strict=True):
        assert payload == {
            "agency_ref": ref,
            "application_number": body["application_number"],
            "application_id": body["application_id"],
            "seq": event["seq"],
            "at": event["at"],
            "status": event["status"],
            "data": event["data"],
        }
    assert payloads[1]["data"]["items"] == [{"name_th": "ใบรับรองแพทย์", "name_en": "ใบรับรองแพทย์"}]
    assert payloads[3]["data"]["approved"] is True
    assert payloads[4]["data"]["document_id"] == case["document_id"]


async def test_a_wrong_secret_fails_the_independent_check() -> None:
    receiver = Receiver()
    async with serving(dlt, "DLT", receiver) as agency:
        ref = await agency.filed(filing(RENEWAL))
        await agency.staff(ref, "reject")
        await eventually(lambda: len(receiver.requests) == 1)
    headers, raw = receiver.requests[0]
    verified(headers, raw)
    try:
        verified(headers, raw, secret="another-secret")
    except AssertionError:
        pass
    else:
        raise AssertionError("a signature made with another secret was accepted")
    try:
        verified(headers, raw.replace(b"rejected", b"approved"))
    except AssertionError:
        pass
    else:
        raise AssertionError("a changed body kept its signature")


async def test_a_refused_callback_is_tried_again_after_the_backoff_until_acknowledged() -> None:
    receiver = Receiver(answers=[500, 503, 200])
    retry = RetryPolicy(max_attempts=5, first_delay=10.0, factor=2.0)
    async with serving(dlt, "DLT", receiver, retry=retry) as agency:
        ref = await agency.filed(filing(RENEWAL))
        await agency.staff(ref, "accept")
        await eventually(lambda: receiver.calls == 1)
        # not again before the delay has passed on the agency's clock
        agency.clock.advance(9)
        assert agency.casework.outbox.due(agency.clock()) == []
        agency.clock.advance(1)
        await eventually(lambda: receiver.calls == 2)
        agency.clock.advance(20)  # the second delay is twice the first
        await eventually(lambda: receiver.calls == 3)
        await eventually(lambda: not agency.casework.outbox.pending)
        deliveries = (await agency.client.get("/dlt/staff/callbacks")).json()["callbacks"]

    assert deliveries == [
        {
            "agency_ref": ref,
            "seq": 2,
            "status": "in_review",
            "url": "http://gateway.test/v1/agency/callbacks/DLT",
            "state": "delivered",
            "attempts": 3,
            "last_status": 200,
            "last_error": None,
        }
    ]
    payloads = [verified(headers, raw) for headers, raw in receiver.requests]
    assert {p["seq"] for p in payloads} == {2}  # the same change each time,
    assert len({headers["x-nonce"] for headers, _ in receiver.requests}) == 3  # signed afresh


async def test_a_case_waits_for_its_earlier_callback_and_others_do_not() -> None:
    receiver = Receiver(answers=[500, 200])
    async with serving(dlt, "DLT", receiver) as agency:
        first = await agency.filed(filing(RENEWAL))
        await agency.staff(first, "accept")
        await eventually(lambda: receiver.calls == 1)  # refused
        await agency.staff(first, "approve")
        second = await agency.filed(filing(RENEWAL))
        await agency.staff(second, "reject")
        await eventually(lambda: receiver.calls == 2)
        agency.clock.advance(10)
        await eventually(lambda: not agency.casework.outbox.pending)

    acknowledged = [verified(headers, raw) for headers, raw in receiver.acknowledged()]
    assert [(p["agency_ref"], p["seq"]) for p in acknowledged] == [
        (second, 2),  # another case's callback does not wait
        (first, 2),
        (first, 3),  # seq 3 only after seq 2
    ]


async def test_after_the_budget_a_callback_is_given_up_and_the_api_never_notices() -> None:
    receiver = Receiver(answers=[500])
    retry = RetryPolicy(max_attempts=3, first_delay=10.0, factor=1.0)
    async with serving(dlt, "DLT", receiver, retry=retry) as agency:
        ref = await agency.filed(filing(RENEWAL))
        accepted = await agency.staff(ref, "accept")
        assert accepted.status_code == 200
        for attempt in (1, 2, 3):
            await eventually(lambda attempt=attempt: receiver.calls == attempt)
            agency.clock.advance(10)
        await eventually(lambda: not agency.casework.outbox.pending)
        deliveries = (await agency.client.get("/dlt/staff/callbacks")).json()["callbacks"]
        assert [(d["state"], d["attempts"], d["last_status"]) for d in deliveries] == [
            ("failed", 3, 500)
        ]
        status = await agency.client.get(
            f"/dlt/api/v1/applications/{ref}", headers=await agency.headers()
        )
        assert status.json()["status"] == "in_review"  # the gateway can still poll
        assert (await agency.staff(ref, "approve")).status_code == 200
        await eventually(lambda: receiver.calls == 4)  # the next change is tried anew
        assert receiver.calls == 4


async def test_an_unreachable_gateway_is_only_retried() -> None:
    nowhere = LateTransport()  # no receiver connected: every attempt fails to connect
    async with serving(dlt, "DLT") as agency:
        agency.casework.callback_transport = LateTransport(nowhere)
        ref = await agency.filed(filing(RENEWAL))
        assert (await agency.staff(ref, "accept")).status_code == 200
        await eventually(lambda: agency.casework.outbox.due(agency.clock()) == [])
        pending = (await agency.client.get("/dlt/staff/callbacks")).json()["callbacks"]
        assert pending[0]["state"] == "pending"
        assert pending[0]["attempts"] == 1
        assert "ConnectError" in pending[0]["last_error"]
        # connected later (the gateway came up): the next try goes through
        receiver = Receiver()
        nowhere.target = httpx.ASGITransport(app=receiver.app())
        agency.clock.advance(10)
        await eventually(lambda: len(receiver.requests) == 1)
        assert verified(*receiver.requests[0])["seq"] == 2


async def test_callbacks_can_be_turned_off_and_need_a_callback_url() -> None:
    receiver = Receiver()
    async with serving(dlt, "DLT", receiver, send_callbacks=False) as agency:
        ref = await agency.filed(filing(RENEWAL))
        await agency.staff(ref, "approve")
        assert not agency.casework.outbox.pending
        assert (await agency.client.get("/dlt/staff/callbacks")).json() == {"callbacks": []}
    async with serving(dlt, "DLT", receiver) as agency:
        ref = await agency.filed(filing(RENEWAL, callback=False))
        await agency.staff(ref, "approve")
        assert not agency.casework.outbox.pending
    assert receiver.requests == []


async def test_a_cancellation_is_called_back_too() -> None:
    receiver = Receiver()
    async with serving(dlt, "DLT", receiver) as agency:
        ref = await agency.filed(filing(RENEWAL))
        headers = await agency.headers()
        cancelled = await agency.client.post(
            f"/dlt/api/v1/applications/{ref}/cancel", headers=headers
        )
        assert cancelled.status_code == 200
        await eventually(lambda: len(receiver.requests) == 1)
        assert_error(await agency.staff(ref, "accept"), 409, "invalid_transition")
    payload = verified(*receiver.requests[0])
    assert (payload["seq"], payload["status"]) == (2, "cancelled")
