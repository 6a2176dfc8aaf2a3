"""R-7.4: fees, taxes and charges may be paid electronically. Every fee a service's manual lists
(and every fee an agency states for a case) can be paid on the portal by Thai QR, with a signed
e-receipt, in integer satang; the QR is one every Thai banking app reads (EMVCo bill payment,
CRC-16/CCITT-FALSE); no fee is ever charged for a copy of a state document (R-12.1 side).

Over HTTP through the whole stack; the mock bank is the citizen's bank.
"""

from __future__ import annotations

import pytest
from support import (
    SOMCHAI,
    Stack,
    act,
    agency_headers,
    bearer,
    filed,
    login,
    published_services,
)

from payments.thaiqr import parse

pytestmark = pytest.mark.rule("R-7.4")


async def test_every_live_fee_is_payable_electronically_as_the_manual_says(stack: Stack) -> None:
    """The catalog says for every service with fees when they are paid on the portal, in
    whole satang."""
    manuals = [
        (await stack.gateway.get(f"/v1/services/{service['id']}")).json()
        for service in await published_services(stack.gateway)
    ]
    charged = [m for m in manuals if m["manual"]["fees"] and not m["manual"]["fees"]["no_fee"]]
    assert charged, "the seed catalog has services with fees"
    for service in charged:
        fees = service["manual"]["fees"]
        assert fees["collected"] in ("at_filing", "after_approval"), service["id"]
        assert all(isinstance(item["amount_satang"], int) for item in fees["items"])
        assert fees["total_satang"] == sum(item["amount_satang"] for item in fees["items"])


async def test_a_fee_is_paid_by_a_thai_qr_any_bank_app_reads_and_gets_an_e_receipt(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    application = (await filed(stack, headers))["application"]
    dlt = await agency_headers(stack, "DLT")
    await act(stack, dlt, application["id"], "accept")
    await act(stack, dlt, application["id"], "request_payment")
    payment = (
        await stack.gateway.post(f"/v1/applications/{application['id']}/payments", headers=headers)
    ).json()
    qr = parse(payment["qr_payload"])  # CRC checked: raises on any corruption
    assert (qr.kind, qr.dynamic, qr.currency, qr.country) == ("bill_payment", True, "764", "TH")
    assert qr.amount_satang == payment["amount_satang"]

    await stack.agencies.put("/bank/admin/webhook-faults", json={"hold": False})
    paid = await stack.agencies.post(
        "/bank/app/scan-pay", json={"pid": SOMCHAI["national_id"], "payload": payment["qr_payload"]}
    )
    assert paid.status_code == 201, paid.text
    r = await stack.agencies.post("/bank/admin/webhooks/flush")
    assert r.status_code == 200
    done = (await stack.gateway.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
    assert done["status"] == "succeeded"
    receipt = (await stack.gateway.get(done["receipt"], headers=headers)).json()
    assert receipt["payload"]["type"] == "e-receipt"
    assert receipt["payload"]["amount_satang"] == payment["amount_satang"]
    assert receipt["jws"].count(".") == 2
