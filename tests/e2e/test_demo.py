"""`citizen-gateway demo`'s journey and `citizen-gateway token`'s login, run against the
in-process stack over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from support import Portal, Stack, Tool

from gateway.demo import APP_SCOPE, DEMO_CITIZENS, DemoFailed, log_in, run
from mock_agencies.dopa.population import DEMO_CITIZENS as REGISTRY_DEMO_CITIZENS


async def test_the_demo_goes_from_know_to_the_licence_and_the_allowance(
    portal: Portal, tmp_path: Path, pdfsig: Tool
) -> None:
    """The whole journey as `citizen-gateway demo` prints it: demo citizen 1 files, DLT
    approves waiting for the fee, the QR is paid in the mock bank's app, the licence is issued
    as a signed PDF in the wallet whose verification page says valid; demo citizen 2 registers
    for the older persons' allowance and receives it."""
    assert portal.forwarder is not None
    stop = asyncio.Event()
    worker = asyncio.create_task(portal.forwarder.run(stop))  # as `serve` runs it
    lines: list[str] = []
    try:
        shown = await run(portal.gateway, portal.agencies, lines.append, tmp_path)
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    assert shown["status"] == "issued"
    assert shown["number"].startswith("DLT-")
    kinds = [e["kind"] for e in shown["timeline"]]
    assert kinds.index("request_payment") < kinds.index("pay") < kinds.index("approve")
    assert kinds[-1] == "issue"
    text = "\n".join(lines)
    assert "identify Somchai Jaidee at IAL2.3" in text
    assert f"receipt {shown['number']}" in text
    assert "waiting for the fee" in text
    assert "scanned and paid in the mock bank's app" in text
    assert "e-receipt DLT-" in text
    assert "DLT granted licence" in text
    assert f"receive  {shown['number']}: issued:" in text
    assert "(the QR on it, no login): valid" in text
    [line] = [x for x in lines if "saved as " in x]
    saved = Path(line.split("saved as ", 1)[1].split(":", 1)[0])
    assert saved.parent == tmp_path
    assert "Signature is Valid" in pdfsig(saved).stdout
    assert "DLT document signing" in pdfsig(saved).stdout
    assert "Older persons' allowance" in text
    assert "credited" in text


@pytest.mark.parametrize("number", [1, 2, 3, 7, 8])  # the demo citizens with active cards
async def test_citizen_gateway_token_logs_a_demo_citizen_in_as_the_app_does(
    stack: Stack, number: int
) -> None:
    card = DEMO_CITIZENS[number - 1]
    tokens = await log_in(stack.gateway, stack.agencies, card)
    assert tokens["token_type"].lower() == "bearer"
    assert set(tokens["scope"].split()) == set(APP_SCOPE.split())
    me = await stack.gateway.get(
        "/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200, me.text
    profile = me.json()
    assert (profile["first_name_th"], profile["birth_date_be"]) == (
        card["first_name_th"],
        card["birth_date_be"],
    )
    assert profile["login_assurance"] == "IAL2.3"  # the face scan was done, not skipped


async def test_the_token_has_the_scopes_asked_for(stack: Stack) -> None:
    tokens = await log_in(stack.gateway, stack.agencies, DEMO_CITIZENS[0], "openid citizen")
    assert set(tokens["scope"].split()) == {"openid", "citizen"}


async def test_a_demo_citizen_with_a_void_card_is_refused_with_the_gateways_answer(
    stack: Stack,
) -> None:
    with pytest.raises(DemoFailed) as refused:
        await log_in(stack.gateway, stack.agencies, DEMO_CITIZENS[3])  # 4: void after a move
    assert "POST /v1/identity/verifications answered 422" in str(refused.value)
    assert "card_void_address_change" in str(refused.value)


def test_the_demo_cards_are_the_registrys_demo_citizens_in_the_documented_order() -> None:
    keys = ("national_id", "laser_code", "first_name_th", "last_name_th", "birth_date_be")
    assert [tuple(card[k] for k in keys) for card in DEMO_CITIZENS] == [
        (p.pid, p.laser, p.first_name.th, p.last_name.th, p.birth_date_be)
        for p in REGISTRY_DEMO_CITIZENS
    ]
