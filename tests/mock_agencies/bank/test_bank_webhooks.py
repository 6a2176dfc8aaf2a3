"""The bank's webhooks to the gateway: signed so that an independent HMAC check accepts them,
retried with backoff until acknowledged or parked, in order per transaction, and bent on
purpose by the fault knobs (drop, duplicate, reorder, delay, hold). Time moves only when a test
moves the bank's clock; `POST /admin/webhooks/flush` is the signal that what was due went."""

from __future__ import annotations

import random

import pytest
from bank_support import (
    BILLER,
    REAL_NOW,
    WEBHOOK_PATH,
    Receiver,
    assert_error,
    bill_qr,
    serving,
    verified,
)
from hypothesis import given
from hypothesis import strategies as st

from mock_agencies.bank import RetryPolicy

CAP = 60  # seconds: moving the clock this far makes any retry due


async def test_a_payment_is_announced_signed() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        txn = await bank.pay(bill_qr("APP2569000400", "1", 50500))
        await bank.flush()
        deliveries = await bank.deliveries()

    ((path, headers, raw),) = receiver.requests
    assert path == WEBHOOK_PATH
    assert headers["content-type"] == "application/json"
    assert headers["x-bank-timestamp"] == str(int(REAL_NOW))  # real time, not the bank's
    event = verified(headers, raw)
    assert event == {
        "event_id": event["event_id"],
        "type": "payment.succeeded",
        "txn_id": txn["txn_id"],
        "biller_id": BILLER,
        "ref1": "APP2569000400",
        "ref2": "1",
        "amount_satang": 50500,
        "paid_at": "2026-12-06T03:00:00Z",
        "channel": "mobile",
        "refund_id": None,
        "sent_at": "2026-12-06T03:00:00Z",
    }
    assert event["event_id"].startswith("EV")
    assert [(d["event_id"], d["state"], d["attempts"], d["last_status"]) for d in deliveries] == [
        (event["event_id"], "delivered", 1, 200)
    ]


async def test_a_signature_fails_with_another_secret_or_a_changed_body() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.pay(bill_qr("APP2569000401", amount_satang=50500))
        await bank.flush()
    ((_, headers, raw),) = receiver.requests
    with pytest.raises(AssertionError):
        verified(headers, raw, secret="another-secret")
    with pytest.raises(AssertionError):
        verified(headers, raw.replace(b"50500", b"5050"))
    with pytest.raises(AssertionError):
        verified({**headers, "x-bank-timestamp": str(int(REAL_NOW) + 1)}, raw)


async def test_a_refused_webhook_is_retried_until_acknowledged() -> None:
    receiver = Receiver(answers=[500, 503, 200])
    async with serving(receiver) as bank:
        await bank.pay(bill_qr("APP2569000402", amount_satang=50500))
        await bank.flush()
        (waiting,) = await bank.deliveries()
        again = await bank.flush()  # the bank's clock has not moved: nothing is due
        calls_before_the_delay = receiver.calls
        for _ in range(2):
            bank.clock.advance(CAP)
            bank.wall_clock.advance(CAP)
            await bank.flush()
        (done,) = await bank.deliveries()
        bank.clock.advance(CAP)
        await bank.flush()

    assert (waiting["state"], waiting["attempts"], waiting["last_status"]) == ("queued", 1, 500)
    assert bank.clock.now - CAP * 3 <= waiting["next_attempt_at"] <= bank.clock.now - CAP * 3 + 1
    assert again["attempted"] == 0
    assert calls_before_the_delay == 1
    assert (done["state"], done["attempts"], done["last_status"]) == ("delivered", 3, 200)
    assert receiver.calls == 3  # acknowledged: never again
    bodies = {raw for _, _, raw in receiver.requests}
    assert len(bodies) == 1  # the same event and body each time,
    stamps = [headers["x-bank-timestamp"] for _, headers, _ in receiver.requests]
    assert stamps == [str(int(REAL_NOW)), str(int(REAL_NOW) + 60), str(int(REAL_NOW) + 120)]
    assert all(verified(headers, raw) for _, headers, raw in receiver.requests)  # signed afresh


async def test_an_unreachable_receiver_is_retried_and_then_parked() -> None:
    receiver = Receiver(answers=[500])
    async with serving(receiver, retry=RetryPolicy(max_attempts=4)) as bank:
        txn = await bank.pay(bill_qr("APP2569000403", amount_satang=50500))
        await bank.flush()
        for _ in range(5):
            bank.clock.advance(CAP)
            await bank.flush()
        parked = await bank.deliveries(state="failed")
        queued = await bank.deliveries(state="queued")
        still_known = await bank.api("GET", f"/transactions/{txn['txn_id']}")

    assert receiver.calls == 4
    assert [(d["txn_id"], d["attempts"], d["last_status"]) for d in parked] == [
        (txn["txn_id"], 4, 500)
    ]
    assert queued == []
    assert still_known.json()["status"] == "succeeded"  # the gateway can still find it


async def test_a_connection_error_counts_as_a_failed_attempt() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.api("PUT", "/webhook", json={"url": "http://127.0.0.1:9/nobody-listens"})
        bank.bank.webhooks.transport = None  # the real network, where nobody listens
        await bank.pay(bill_qr("APP2569000404", amount_satang=50500))
        await bank.flush()
        (delivery,) = await bank.deliveries()
    assert delivery["state"] == "queued"
    assert delivery["last_status"] is None
    assert "ConnectError" in delivery["last_error"]
    assert delivery["url"] == "http://127.0.0.1:9/nobody-listens"


async def test_the_webhook_url_can_be_changed_and_read() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        changed = await bank.api("PUT", "/webhook", json={"url": "http://gateway.test/other"})
        read = await bank.api("GET", "/webhook")
        bad = await bank.api("PUT", "/webhook", json={"url": "ftp://gateway.test/"})
        await bank.pay(bill_qr("APP2569000405", amount_satang=100))
        await bank.flush()
    assert changed.json() == read.json() == {"url": "http://gateway.test/other"}
    assert_error(bad, 422, "invalid_request")
    assert [path for path, _, _ in receiver.requests] == ["/other"]


async def test_a_refund_is_announced_after_its_payment() -> None:
    receiver = Receiver(answers=[500, 200])
    async with serving(receiver) as bank:
        txn = await bank.pay(bill_qr("APP2569000406", "2", 50500))
        await bank.flush()  # refused: the payment's webhook waits for its retry
        refund = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-40", "txn_id": txn["txn_id"],
                                      "amount_satang": 500},
        )  # fmt: skip
        other = await bank.pay(bill_qr("APP2569000407", amount_satang=100))
        await bank.flush()  # another transaction's webhook does not wait
        calls_before = [event["txn_id"] for event in receiver.events()]
        bank.clock.advance(CAP)
        await bank.flush()

    assert refund.status_code == 201
    assert calls_before == [txn["txn_id"], other["txn_id"]]
    events = receiver.events()
    assert [(e["type"], e["txn_id"]) for e in events[2:]] == [
        ("payment.succeeded", txn["txn_id"]),
        ("refund.succeeded", txn["txn_id"]),
    ]
    assert events[3] == {
        "event_id": events[3]["event_id"],
        "type": "refund.succeeded",
        "txn_id": txn["txn_id"],
        "biller_id": BILLER,
        "ref1": "APP2569000406",
        "ref2": "2",
        "amount_satang": 500,  # the money back
        "paid_at": "2026-12-06T03:00:00Z",  # when it moved, as on the statement
        "channel": "mobile",
        "refund_id": "RF-40",
        "sent_at": "2026-12-06T03:00:00Z",
    }
    assert events[3]["event_id"] != events[2]["event_id"]


async def test_a_counter_payment_sends_no_webhook_but_is_on_the_statement() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        cash = await bank.at_counter("APP2569000408", 50500)
        mobile = await bank.pay(bill_qr("APP2569000409", amount_satang=100))
        await bank.flush()
        deliveries = await bank.deliveries()
        lines = await bank.statement("2026-12-06")
    assert [event["txn_id"] for event in receiver.events()] == [mobile["txn_id"]]
    assert [d["txn_id"] for d in deliveries] == [mobile["txn_id"]]
    assert [line["txn_id"] for line in lines] == [cash["txn_id"], mobile["txn_id"]]


async def test_a_dropped_webhook_is_never_sent_but_the_payment_is_known() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.faults(drop=1.0)
        txn = await bank.pay(bill_qr("APP2569000410", amount_satang=50500))
        flushed = await bank.flush()
        (dropped,) = await bank.deliveries()
        found = await bank.api(
            "GET", "/transactions", params={"biller_id": BILLER, "ref1": "APP2569000410"}
        )
    assert flushed == {"attempted": 0, "queued": 0, "failed": 0}
    assert receiver.calls == 0
    assert (dropped["txn_id"], dropped["state"], dropped["attempts"]) == (txn["txn_id"],
                                                                          "dropped", 0)  # fmt: skip
    assert found.json() == {"items": [txn]}


async def test_a_duplicated_webhook_arrives_twice_with_one_event_id() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.faults(duplicate=1.0)
        await bank.pay(bill_qr("APP2569000411", amount_satang=50500))
        await bank.flush()
    first, second = receiver.events()
    assert first == second


async def test_held_webhooks_wait_and_then_go_in_order() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.faults(hold=True)
        paid = [await bank.pay(bill_qr(f"APP256900042{n}", amount_satang=100)) for n in range(3)]
        held = await bank.flush()
        queued = await bank.deliveries(state="queued")
        calls_while_held = receiver.calls
        await bank.faults(hold=False)
        await bank.flush()
    assert held["attempted"] == 0
    assert held["queued"] == 3
    assert len(queued) == 3
    assert calls_while_held == 0
    assert [e["txn_id"] for e in receiver.events()] == [t["txn_id"] for t in paid]


async def test_reordered_webhooks_arrive_newest_first() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.faults(hold=True)
        paid = [await bank.pay(bill_qr(f"APP256900043{n}", amount_satang=100)) for n in range(4)]
        await bank.faults(hold=False, reorder=True)
        await bank.flush()
    assert [e["txn_id"] for e in receiver.events()] == [t["txn_id"] for t in reversed(paid)]


async def test_a_delayed_webhook_waits_on_the_banks_clock() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.faults(delay_seconds=30)
        await bank.pay(bill_qr("APP2569000440", amount_satang=100))
        await bank.flush()
        calls_before = receiver.calls
        bank.clock.advance(30)
        await bank.flush()
    assert calls_before == 0
    assert receiver.calls == 1


async def test_the_knobs_are_read_back_and_validated() -> None:
    async with serving() as bank:
        await bank.faults(drop=0.25, reorder=True)
        read = await bank.client.get("/bank/admin/webhook-faults")
        out_of_range = await bank.client.put("/bank/admin/webhook-faults", json={"drop": 1.5})
        unknown = await bank.client.put("/bank/admin/webhook-faults", json={"explode": True})
    assert read.json() == {"drop": 0.25, "duplicate": 0.0, "reorder": True,
                           "delay_seconds": 0.0, "hold": False}  # fmt: skip
    assert_error(out_of_range, 422, "invalid_request")
    assert_error(unknown, 422, "invalid_request")


async def test_the_background_worker_delivers_on_its_own_and_stops_with_the_host() -> None:
    receiver = Receiver()
    async with serving(receiver) as bank:
        await bank.pay(bill_qr("APP2569000450", amount_satang=100))
        worker_started = bank.bank.webhooks.running
        await bank.flush()  # waits for the worker's attempt in flight, if any
    assert worker_started
    assert receiver.calls == 1
    assert not bank.bank.webhooks.running  # the host's lifespan ended the bank's


@given(failed=st.integers(min_value=1, max_value=40), seed=st.integers())
def test_backoff_is_full_jitter_under_a_doubling_ceiling_capped_at_a_minute(
    failed: int, seed: int
) -> None:
    policy = RetryPolicy()
    delay = policy.delay(failed, random.Random(seed))  # noqa: S311 - jitter, not secrets
    assert 0 <= delay <= min(60.0, 1.0 * 2 ** (failed - 1))
    assert (policy.base_seconds, policy.cap_seconds, policy.max_attempts) == (1.0, 60.0, 15)
