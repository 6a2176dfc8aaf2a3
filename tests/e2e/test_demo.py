"""`citizen-gateway demo`'s journey and `citizen-gateway token`'s login, run against the
in-process stack over HTTP."""

from __future__ import annotations

import pytest
from support import Stack

from gateway.demo import APP_SCOPE, DEMO_CITIZENS, DemoFailed, log_in, run
from mock_agencies.dopa.population import DEMO_CITIZENS as REGISTRY_DEMO_CITIZENS


async def test_the_demo_citizen_files_and_tracks_an_application(stack: Stack) -> None:
    lines: list[str] = []
    shown = await run(stack.gateway, stack.agencies, lines.append)
    assert shown["status"] == "submitted"
    assert shown["number"].startswith("DLT-")
    assert [e["kind"] for e in shown["timeline"]] == ["created", "submit"]
    text = "\n".join(lines)
    assert "identify Somchai Jaidee at IAL2.3" in text
    assert f"receipt {shown['number']}" in text
    assert "inbox" in text


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
