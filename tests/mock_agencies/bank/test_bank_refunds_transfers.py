"""Money going back: refunds of mobile payments (idempotent, bounded by what is left), and
money from the state: PromptPay transfers by national ID (credited, or returned unlinked)."""

from __future__ import annotations

from collections.abc import Iterator

from bank_support import BOONMEE, SOMCHAI, assert_error, bill_qr, national_id, serving

from mock_agencies.bank.ledger import OPENING_BALANCE_SATANG, Ledger, linked_by_default
from mock_agencies.casework import DEMO_PIDS


def valid_pids() -> Iterator[str]:
    for n in range(1, 10**6):
        yield national_id(f"1{n:011d}")


def unlinked_pid() -> str:
    return next(pid for pid in valid_pids() if not linked_by_default(pid))


async def test_a_refund_credits_the_payer_up_to_what_was_paid() -> None:
    async with serving() as bank:
        txn = await bank.pay(bill_qr("APP2569000200", amount_satang=50000))
        bank.clock.advance(3600)
        first = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-1", "txn_id": txn["txn_id"],
                                      "amount_satang": 20000},
        )  # fmt: skip
        too_much = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-2", "txn_id": txn["txn_id"],
                                      "amount_satang": 30001},
        )  # fmt: skip
        rest = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-3", "txn_id": txn["txn_id"],
                                      "amount_satang": 30000},
        )  # fmt: skip
        nothing_left = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-4", "txn_id": txn["txn_id"],
                                      "amount_satang": 1},
        )  # fmt: skip
        after = (await bank.api("GET", f"/transactions/{txn['txn_id']}")).json()
        balance = await bank.balance()

    assert first.status_code == 201
    assert first.json() == {
        "refund_id": "RF-1",
        "txn_id": txn["txn_id"],
        "amount_satang": 20000,
        "status": "succeeded",
        "refunded_at": "2026-12-06T04:00:00Z",
    }
    assert assert_error(too_much, 422, "refund_exceeds_payment")["unrefunded_satang"] == 30000
    assert rest.status_code == 201
    assert assert_error(nothing_left, 422, "refund_exceeds_payment")["unrefunded_satang"] == 0
    assert after["refunded_satang"] == 50000
    assert after["amount_satang"] == 50000  # the payment itself is unchanged
    assert balance == OPENING_BALANCE_SATANG  # every satang came back, once


async def test_the_same_refund_id_again_is_the_same_refund() -> None:
    async with serving() as bank:
        txn = await bank.pay(bill_qr("APP2569000201", amount_satang=50000))
        body = {"refund_id": "RF-same", "txn_id": txn["txn_id"], "amount_satang": 10000}
        first = await bank.api("POST", "/refunds", json=body)
        bank.clock.advance(60)
        again = await bank.api("POST", "/refunds", json=body)
        other_amount = await bank.api("POST", "/refunds", json={**body, "amount_satang": 9000})
        balance = await bank.balance()
        refunded = (await bank.api("GET", f"/transactions/{txn['txn_id']}")).json()
        lines = await bank.statement("2026-12-06")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert_error(other_amount, 409, "idempotency_conflict")
    assert balance == OPENING_BALANCE_SATANG - 50000 + 10000
    assert refunded["refunded_satang"] == 10000
    assert [line["kind"] for line in lines] == ["payment", "refund"]


async def test_only_mobile_payments_are_refunded() -> None:
    async with serving() as bank:
        cash = await bank.at_counter("APP2569000202", 50000)
        refused = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-cash", "txn_id": cash["txn_id"],
                                      "amount_satang": 100},
        )  # fmt: skip
        unknown = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-none", "txn_id": "MB20261206999999",
                                      "amount_satang": 100},
        )  # fmt: skip
        zero = await bank.api(
            "POST", "/refunds", json={"refund_id": "RF-zero", "txn_id": cash["txn_id"],
                                      "amount_satang": 0},
        )  # fmt: skip
    assert_error(refused, 422, "refund_not_possible")
    assert_error(unknown, 404, "not_found")
    assert_error(zero, 422, "invalid_request")


async def test_a_transfer_to_a_linked_id_is_credited_once() -> None:
    body = {"transfer_id": "TR-2569-0001", "pid": BOONMEE, "amount_satang": 60000,
            "payer": "DOP", "memo": "เบี้ยยังชีพผู้สูงอายุ ธ.ค. 2569"}  # fmt: skip
    async with serving() as bank:
        account = (await bank.client.get(f"/bank/app/accounts/{BOONMEE}")).json()
        first = await bank.api("POST", "/transfers", json=body)
        bank.clock.advance(60)
        again = await bank.api("POST", "/transfers", json=body)
        read = await bank.api("GET", "/transfers/TR-2569-0001")
        changed = await bank.api("POST", "/transfers", json={**body, "amount_satang": 70000})
        missing = await bank.api("GET", "/transfers/TR-none")
        balance = await bank.balance(BOONMEE)

    assert first.status_code == 201
    assert first.json() == {
        "transfer_id": "TR-2569-0001",
        "status": "credited",
        "amount_satang": 60000,
        "credited_at": "2026-12-06T03:00:00Z",
        "account_masked": f"xxx-x-x{account['account_no'][5:9]}-x",
    }
    assert again.status_code == 200
    assert again.json() == first.json() == read.json()
    assert_error(changed, 409, "idempotency_conflict")
    assert_error(missing, 404, "not_found")
    assert balance == OPENING_BALANCE_SATANG + 60000


async def test_a_transfer_to_an_unlinked_id_is_returned() -> None:
    stranger = unlinked_pid()
    async with serving() as bank:
        account = (await bank.client.get(f"/bank/app/accounts/{stranger}")).json()
        returned = await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-2", "pid": stranger,
                                        "amount_satang": 60000, "payer": "DOP"},
        )  # fmt: skip
        # The citizen registers PromptPay; the next transfer arrives.
        linked = await bank.client.put(f"/bank/app/promptpay/{stranger}", json={"linked": True})
        credited = await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-3", "pid": stranger,
                                        "amount_satang": 60000, "payer": "DOP"},
        )  # fmt: skip
        balance = await bank.balance(stranger)

    assert account["promptpay_linked"] is False
    assert returned.status_code == 201
    assert returned.json() == {
        "transfer_id": "TR-2",
        "status": "returned",
        "reason": "no_promptpay_link",
        "amount_satang": 60000,
        "returned_at": "2026-12-06T03:00:00Z",
    }
    assert linked.json()["promptpay_linked"] is True
    assert credited.json()["status"] == "credited"
    assert balance == OPENING_BALANCE_SATANG + 60000  # the returned one never arrived


async def test_a_demo_citizen_unlinked_by_hand_gets_the_transfer_returned() -> None:
    async with serving() as bank:
        unlinked = await bank.client.put(f"/bank/app/promptpay/{SOMCHAI}", json={"linked": False})
        returned = await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-4", "pid": SOMCHAI,
                                        "amount_satang": 100, "payer": "RD"},
        )  # fmt: skip
        invalid = await bank.api(
            "POST", "/transfers", json={"transfer_id": "TR-5", "pid": SOMCHAI[:12] + "0",
                                        "amount_satang": 100, "payer": "RD"},
        )  # fmt: skip
    assert unlinked.json()["promptpay_linked"] is False
    assert returned.json()["status"] == "returned"
    assert_error(invalid, 422, "invalid_pid")


def test_about_one_in_ten_is_unlinked_and_every_demo_citizen_is_linked() -> None:
    pids = [pid for pid, _ in zip(valid_pids(), range(5000), strict=False)]
    unlinked = sum(not linked_by_default(pid) for pid in pids)
    assert 0.07 < unlinked / len(pids) < 0.13


async def test_demo_citizens_start_linked() -> None:
    async with serving() as bank:
        accounts = [
            (await bank.client.get(f"/bank/app/accounts/{pid}")).json() for pid in DEMO_PIDS
        ]
    assert all(account["promptpay_linked"] for account in accounts)


def test_an_always_linked_id_is_linked_even_where_the_hash_would_not() -> None:
    stranger = unlinked_pid()
    assert Ledger(lambda: 0.0, always_linked={stranger}).account(stranger).promptpay_linked
    assert not Ledger(lambda: 0.0).account(stranger).promptpay_linked
