"""The settlement statement: one CSV per Bangkok day, every movement (mobile and counter
payments, refunds, transfers credited and returned), in time order; and a generated day of
many payments for the gateway's reconciliation benchmark."""

from __future__ import annotations

import datetime as dt

from bank_support import BILLER, OTHER_BILLER, SOMCHAI, assert_error, bill_qr, serving

from mock_agencies.bank.ledger import RUN
from mock_agencies.bank.statement import HEADER

#: 23:59:59 on 5 December 2026 in Bangkok (16:59:59 UTC): one second before the day changes.
LAST_SECOND = dt.datetime(2026, 12, 5, 16, 59, 59, tzinfo=dt.UTC).timestamp()


async def test_a_day_is_the_bangkok_calendar_day() -> None:
    async with serving(at=LAST_SECOND) as bank:
        late = await bank.pay(bill_qr("APP2569000300", amount_satang=100))
        bank.clock.advance(1)  # midnight in Bangkok, still 5 December in UTC
        early = await bank.at_counter("APP2569000301", 200)
        fifth = await bank.statement("2026-12-05")
        sixth = await bank.statement("2026-12-06")
        fourth = await bank.statement("2026-12-04")

    assert late["txn_id"].startswith("MB20261205")
    assert early["txn_id"] == f"MB20261206{RUN}000001"  # a new day, a new sequence
    assert early["paid_at"] == "2026-12-05T17:00:00Z"
    assert [line["txn_id"] for line in fifth] == [late["txn_id"]]
    assert [line["txn_id"] for line in sixth] == [early["txn_id"]]
    assert fourth == []


async def test_the_statement_lists_every_movement_of_the_day_in_order() -> None:
    async with serving() as bank:
        mobile = await bank.pay(bill_qr("APP2569000310", "7", 50500))
        bank.clock.advance(60)
        counter = await bank.at_counter("APP2569000311", 12000, channel="branch")
        bank.clock.advance(60)
        await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-9", "txn_id": mobile["txn_id"],
                                      "amount_satang": 500},
        )  # fmt: skip
        bank.clock.advance(60)
        await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-9", "pid": SOMCHAI,
                                        "amount_satang": 60000, "payer": "DOP"},
        )  # fmt: skip
        await bank.client.put(f"/bank/app/promptpay/{SOMCHAI}", json={"linked": False})
        bank.clock.advance(60)
        await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-10", "pid": SOMCHAI,
                                        "amount_satang": 60000, "payer": "DOP"},
        )  # fmt: skip
        other = await bank.pay(bill_qr("APP9", amount_satang=100, biller_id=OTHER_BILLER))
        raw = (await bank.api("GET", "/statements/2026-12-06")).text
        lines = await bank.statement("2026-12-06")
        only_ours = await bank.statement("2026-12-06", biller_id=BILLER)

    assert raw.startswith(HEADER)
    assert HEADER == "line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2,amount_satang\n"
    rows = [{k: v for k, v in line.items() if k != "line_id"} for line in lines]
    payment = {"kind": "payment", "biller_id": BILLER}
    assert rows[:3] == [
        {**payment, "txn_id": mobile["txn_id"], "paid_at": "2026-12-06T03:00:00Z",
         "channel": "mobile", "ref1": "APP2569000310", "ref2": "7", "amount_satang": "50500"},
        {**payment, "txn_id": counter["txn_id"], "paid_at": "2026-12-06T03:01:00Z",
         "channel": "branch", "ref1": "APP2569000311", "ref2": "", "amount_satang": "12000"},
        {"kind": "refund", "txn_id": mobile["txn_id"], "paid_at": "2026-12-06T03:02:00Z",
         "channel": "mobile", "biller_id": BILLER, "ref1": "APP2569000310", "ref2": "RF-9",
         "amount_satang": "500"},
    ]  # fmt: skip
    credit, returned, last = rows[3:]
    assert {k: credit[k] for k in ("kind", "paid_at", "channel", "biller_id", "ref1", "ref2",
                                   "amount_satang")} == {
        "kind": "credit", "paid_at": "2026-12-06T03:03:00Z", "channel": "promptpay",
        "biller_id": "", "ref1": "DOP", "ref2": "TR-9", "amount_satang": "60000",
    }  # fmt: skip
    assert (returned["kind"], returned["ref2"]) == ("return", "TR-10")
    assert last["txn_id"] == other["txn_id"]
    assert len({line["line_id"] for line in lines}) == len(lines)  # every line its own id
    assert [line["txn_id"] for line in only_ours] == [
        mobile["txn_id"], counter["txn_id"], mobile["txn_id"]
    ]  # fmt: skip


async def test_a_bad_date_is_refused_and_a_quiet_day_is_the_header_alone() -> None:
    async with serving() as bank:
        bad = await bank.api("GET", "/statements/2026-13-01")
        quiet = await bank.api("GET", "/statements/2027-01-01")
    assert_error(bad, 422, "invalid_request")
    assert quiet.text == HEADER


async def test_a_generated_day_joins_the_statement_in_time_order_without_webhooks() -> None:
    payments = [
        {"biller_id": BILLER, "ref1": f"APP2569{n:06d}", "ref2": "1", "amount_satang": 100 + n}
        for n in range(2000)
    ]
    payments[5]["channel"] = "7-eleven"
    async with serving() as bank:
        live = await bank.pay(bill_qr("LIVE1", amount_satang=100))  # 10:00 in Bangkok
        generated = await bank.client.post(
            "/bank/admin/generate-day",
            json={"date": "2026-12-06", "payments": payments,
                  "noise": {"unknown": 300, "counter": 200}},
        )  # fmt: skip
        lines = await bank.statement("2026-12-06")
        found = await bank.api(
            "GET", "/transactions", params={"biller_id": BILLER, "ref1": "APP2569000005"}
        )
        await bank.flush()
        deliveries = await bank.deliveries()

    assert generated.status_code == 201, generated.text
    summary = generated.json()
    assert summary == {
        "date": "2026-12-06",
        "added": 2500,
        "payments": 2000,
        "unknown": 300,
        "counter": 200,
        "first_txn_id": f"MB20261206{RUN}000002",
        "last_txn_id": f"MB20261206{RUN}002501",
        "lines_in_day": 2501,
    }
    assert len(lines) == 2501
    times = [line["paid_at"] for line in lines]
    assert times == sorted(times)
    assert times[0] == "2026-12-05T17:00:00Z"  # midnight in Bangkok
    assert times[-1] < "2026-12-06T17:00:00Z"
    assert live["txn_id"] in {line["txn_id"] for line in lines}
    assert sum(line["ref1"].startswith("APP2569") for line in lines) == 2000
    assert sum(line["ref1"].startswith("UNKNOWN") for line in lines) == 300
    counter = [line for line in lines if line["ref1"].startswith("COUNTER")]
    assert len(counter) == 200
    assert {line["channel"] for line in counter} <= {"post_office", "7-eleven", "branch"}
    (paid,) = found.json()["items"]
    assert (paid["channel"], paid["amount_satang"], paid["ref2"]) == ("7-eleven", 105, "1")
    assert [d["txn_id"] for d in deliveries] == [live["txn_id"]]  # the live payment's only


async def test_a_generated_day_is_validated_and_bounded() -> None:
    async with serving() as bank:
        bad = await bank.client.post(
            "/bank/admin/generate-day",
            json={"date": "2026-12-07",
                  "payments": [{"biller_id": "123", "ref1": "A", "amount_satang": 1}] * 500},
        )  # fmt: skip
        too_many = await bank.client.post(
            "/bank/admin/generate-day",
            json={"date": "2026-12-07", "noise": {"unknown": 500_000, "counter": 500_000}},
        )
        nothing = await bank.statement("2026-12-07")
    body = assert_error(bad, 422, "invalid_request")
    assert 0 < len(body["errors"]) <= 20
    assert_error(too_many, 422, "day_full")
    assert nothing == []
