"""The citizen's bank app and the counter: accounts, paying a Thai QR (right amount, wrong
amount, twice), counter payments, and the PSP API's transaction reads behind its key."""

from __future__ import annotations

import pytest
from bank_support import (
    API_KEY,
    BILLER,
    BOONMEE,
    SOMCHAI,
    assert_error,
    bill_qr,
    national_id,
    serving,
    tlv,
    with_crc,
)

from mock_agencies.bank.ledger import OPENING_BALANCE_SATANG, RUN

PROMPTPAY_QR = "00020101021229370016A0000006770101110113006681222333353037645802TH540530.0063043CAD"


async def test_every_citizen_has_one_account_opened_on_first_use() -> None:
    async with serving() as bank:
        first = await bank.client.get(f"/bank/app/accounts/{SOMCHAI}")
        other = await bank.client.get(f"/bank/app/accounts/{BOONMEE}")
    async with serving() as again:
        same = await again.client.get(f"/bank/app/accounts/{SOMCHAI}")

    assert first.status_code == 200
    account = first.json()
    assert account == {
        "pid": SOMCHAI,
        "account_no": account["account_no"],
        "balance_satang": OPENING_BALANCE_SATANG,
        "promptpay_linked": True,
    }
    assert len(account["account_no"]) == 10
    assert account["account_no"].isdigit()
    assert other.json()["account_no"] != account["account_no"]
    assert same.json() == account  # derived from the pid: the same in every run


async def test_an_invalid_national_id_has_no_account() -> None:
    async with serving() as bank:
        bad_check_digit = SOMCHAI[:12] + str((int(SOMCHAI[12]) + 1) % 10)
        for pid in (bad_check_digit, "123", "0" + national_id("00000000000")[1:]):
            assert_error(await bank.client.get(f"/bank/app/accounts/{pid}"), 422, "invalid_pid")


async def test_paying_a_qr_debits_the_account_and_records_the_payment() -> None:
    async with serving() as bank:
        txn = await bank.pay(bill_qr("APP2569000123", "1", 50500, ref3="DLT"))
        read = await bank.api("GET", f"/transactions/{txn['txn_id']}")
        balance = await bank.balance()
        account_no = (await bank.client.get(f"/bank/app/accounts/{SOMCHAI}")).json()["account_no"]

    assert txn == {
        "txn_id": f"MB20261206{RUN}000001",  # Bangkok date, the process, the day's sequence
        "kind": "payment",
        "status": "succeeded",
        "biller_id": BILLER,
        "ref1": "APP2569000123",
        "ref2": "1",
        "ref3": "DLT",
        "amount_satang": 50500,
        "paid_at": "2026-12-06T03:00:00Z",
        "channel": "mobile",
        "payer_account": account_no,
        "refunded_satang": 0,
    }
    assert read.status_code == 200
    assert read.json() == txn
    assert balance == OPENING_BALANCE_SATANG - 50500


async def test_the_citizen_may_type_another_amount_than_the_qr_asks() -> None:
    async with serving() as bank:
        txn = await bank.pay(bill_qr("APP2569000123", amount_satang=50500), amount_satang=5050)
        balance = await bank.balance()
    assert txn["amount_satang"] == 5050  # the gateway, not the bank, decides it is wrong
    assert balance == OPENING_BALANCE_SATANG - 5050


async def test_a_qr_without_an_amount_needs_one_typed_in() -> None:
    static = bill_qr("APP2569000124")
    async with serving() as bank:
        missing = await bank.client.post(
            "/bank/app/scan-pay", json={"pid": SOMCHAI, "payload": static}
        )
        txn = await bank.pay(static, amount_satang=12000)
        balance = await bank.balance()
    assert_error(missing, 422, "amount_required")
    assert txn["amount_satang"] == 12000
    assert balance == OPENING_BALANCE_SATANG - 12000  # the refused attempt took nothing


async def test_the_same_qr_paid_twice_is_two_payments_found_by_their_refs() -> None:
    qr = bill_qr("APP2569000125", "7", 30000)
    async with serving() as bank:
        first = await bank.pay(qr)
        bank.clock.advance(90)
        second = await bank.pay(qr, pid=BOONMEE)
        await bank.pay(bill_qr("APP2569000125", "8", 30000))  # same Ref1, another Ref2
        await bank.pay(bill_qr("APP2569000125", "7", 30000, biller_id="010555012345601"))
        by_both = await bank.api(
            "GET", "/transactions", params={"biller_id": BILLER, "ref1": "APP2569000125",
                                            "ref2": "7"},
        )  # fmt: skip
        by_ref1 = await bank.api(
            "GET", "/transactions", params={"biller_id": BILLER, "ref1": "APP2569000125"}
        )
        none = await bank.api(
            "GET", "/transactions", params={"biller_id": BILLER, "ref1": "NOSUCHREF"}
        )
        missing_ref1 = await bank.api("GET", "/transactions", params={"biller_id": BILLER})

    assert first["txn_id"] != second["txn_id"]
    assert first["txn_id"] < second["txn_id"]  # sortable: the day's sequence
    assert by_both.status_code == 200
    assert by_both.json() == {"items": [first, second]}  # oldest first
    assert [t["ref2"] for t in by_ref1.json()["items"]] == ["7", "7", "8"]
    assert none.json() == {"items": []}
    assert_error(missing_ref1, 422, "invalid_request")


async def test_a_payment_the_account_cannot_cover_is_refused() -> None:
    async with serving() as bank:
        refused = await bank.client.post(
            "/bank/app/scan-pay",
            json={"pid": SOMCHAI, "payload": bill_qr("BIG1", amount_satang=5_000_001)},
        )
        everything = await bank.pay(bill_qr("BIG2", amount_satang=5_000_000))
        balance = await bank.balance()
    assert_error(refused, 422, "insufficient_funds")
    assert everything["amount_satang"] == OPENING_BALANCE_SATANG
    assert balance == 0


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (bill_qr("APP1", amount_satang=100)[:-4] + "0000", "bad_qr"),  # the CRC does not match
        (bill_qr("APP1", amount_satang=100)[:-1], "bad_qr"),
        ("hello", "bad_qr"),
        (PROMPTPAY_QR, "unsupported_qr"),  # a transfer to a person, not a bill
        (bill_qr("APP1", amount_satang=100, biller_id="0112233445566"), "unsupported_qr"),
        (with_crc(tlv("00", "01") + tlv("01", "11") + tlv("30", tlv("00", "A000000677010112")
                  + tlv("01", BILLER)) + "6304"), "bad_qr"),  # no Ref1
    ],
)  # fmt: skip
async def test_a_qr_the_bank_cannot_pay_is_refused(payload: str, code: str) -> None:
    async with serving() as bank:
        response = await bank.client.post(
            "/bank/app/scan-pay", json={"pid": SOMCHAI, "payload": payload}
        )
        balance = await bank.balance()
        nothing = await bank.statement("2026-12-06")
    assert_error(response, 422, code)
    assert balance == OPENING_BALANCE_SATANG
    assert nothing == []


async def test_a_counter_payment_is_cash_without_an_account() -> None:
    async with serving() as bank:
        txn = await bank.at_counter("APP2569000126", 50500, channel="post_office")
        read = await bank.api("GET", f"/transactions/{txn['txn_id']}")
        bad = await bank.client.post(
            "/bank/counter/payments",
            json={"biller_id": BILLER, "ref1": "X", "amount_satang": 1, "channel": "atm"},
        )
        short_biller = await bank.client.post(
            "/bank/counter/payments",
            json={"biller_id": "0112233445566", "ref1": "X", "amount_satang": 1,
                  "channel": "branch"},
        )  # fmt: skip
        zero = await bank.client.post(
            "/bank/counter/payments",
            json={"biller_id": BILLER, "ref1": "X", "amount_satang": 0, "channel": "branch"},
        )
    assert txn["channel"] == "post_office"
    assert txn["payer_account"] is None
    assert txn["ref2"] is None
    assert read.json() == txn
    for response in (bad, short_biller, zero):
        body = assert_error(response, 422, "invalid_request")
        assert body["errors"]


async def test_the_psp_api_wants_the_api_key() -> None:
    async with serving() as bank:
        txn = await bank.pay(bill_qr("APP2569000127", amount_satang=100))
        paths = [
            ("GET", f"/bank/api/v1/transactions/{txn['txn_id']}", None),
            ("GET", f"/bank/api/v1/transactions?biller_id={BILLER}&ref1=APP2569000127", None),
            ("POST", "/bank/api/v1/refunds", {"refund_id": "r1", "txn_id": txn["txn_id"],
                                              "amount_satang": 1}),
            ("POST", "/bank/api/v1/transfers", {"transfer_id": "t1", "pid": SOMCHAI,
                                                "amount_satang": 1, "payer": "DOP"}),
            ("GET", "/bank/api/v1/transfers/t1", None),
            ("GET", "/bank/api/v1/statements/2026-12-06", None),
            ("GET", "/bank/api/v1/webhook", None),
            ("PUT", "/bank/api/v1/webhook", {"url": "http://elsewhere.test/"}),
        ]  # fmt: skip
        wrong = [{}, {"Authorization": "Bearer not-the-key"}, {"Authorization": f"Basic {API_KEY}"}]
        for method, path, body in paths:
            for headers in wrong:
                response = await bank.client.request(method, path, json=body, headers=headers)
                assert_error(response, 401, "unauthorized")
                assert response.headers["www-authenticate"].startswith("Bearer")
        balance = await bank.balance()
        health = await bank.client.get("/bank/api/v1/health")
        webhook = await bank.api("GET", "/webhook")
    assert balance == OPENING_BALANCE_SATANG - 100  # no refund went through
    assert health.status_code == 200
    assert health.json()["psp"] == "mockbank"
    assert webhook.json() == {"url": "http://gateway.test/v1/payments/webhooks/mockbank"}


async def test_an_unknown_transaction_is_not_found() -> None:
    async with serving() as bank:
        assert_error(await bank.api("GET", "/transactions/MB20261206999999"), 404, "not_found")
        assert_error(await bank.client.get("/bank/no/such/page"), 404, "not_found")
