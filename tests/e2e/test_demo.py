"""`citizen-gateway demo`'s journey and `citizen-gateway token`'s login, run against the
in-process stack over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from pathlib import Path

import pytest
from support import PDF, SSO_FORM, Portal, Stack, Tool

from gateway.demo import APP_SCOPE, DEMO_CITIZENS, DemoFailed, demo_service, log_in, run
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


async def _sso_officer_decides(portal: Portal) -> None:
    """SSO's officer, in SSO's own back office: accepts and approves the first case there."""
    while True:
        cases = (await portal.agencies.get("/sso/staff/applications")).json()["applications"]
        if cases:
            break
        await asyncio.sleep(0.05)
    for action in ("accept", "approve"):
        r = await portal.agencies.post(
            f"/sso/staff/applications/{cases[0]['agency_ref']}/{action}", json={}
        )
        assert r.status_code == 200, r.text


async def test_demo_service_files_any_live_service_and_follows_its_status(
    portal: Portal, tmp_path: Path
) -> None:
    """`citizen-gateway demo --service sso-unemployment-benefit --form @claim.json --attach
    termination-letter=letter.pdf`: filed through the API, its receipt printed, its status
    followed as SSO takes and decides it."""
    assert portal.forwarder is not None
    form = tmp_path / "claim.json"
    form.write_text(json.dumps(SSO_FORM), encoding="utf-8")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(PDF)
    stop = asyncio.Event()
    worker = asyncio.create_task(portal.forwarder.run(stop))  # as `serve` runs it
    officer = asyncio.create_task(_sso_officer_decides(portal))
    lines: list[str] = []
    errors: list[str] = []
    try:
        code = await demo_service(
            portal.gateway,
            portal.agencies,
            lines.append,
            errors.append,
            "sso-unemployment-benefit",
            f"@{form}",
            [f"termination-letter={letter}"],
            wait_seconds=60,
        )
        await officer
    finally:
        stop.set()
        officer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    assert (code, errors) == (0, [])
    text = "\n".join(lines)
    [filed] = [line for line in lines if line.startswith("filed    application ")]
    number = filed.removeprefix("filed    application ")
    assert number.startswith("SSO-")
    assert "identify Somchai Jaidee at IAL2.3" in text
    assert f"receipt {number}: arrived " in text
    assert "attached letter.pdf as " in text
    tracked = [line.split(": ", 1)[1] for line in lines if line.startswith("track")]
    assert tracked[0].split(",")[0] in {"submitted", "forwarded"}
    # SSO approves; its benefit letter is issued right after, so a poll may see either.
    assert tracked[-1].split(",")[0] in {"approved", "issued"}
    assert all(a != b for a, b in itertools.pairwise(tracked))  # each move once

    # What the gateway holds: the citizen's application, with the letter attached.
    tokens = await log_in(portal.gateway, portal.agencies, DEMO_CITIZENS[0])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    mine = (await portal.gateway.get("/v1/applications", headers=headers)).json()["items"]
    [application] = [a for a in mine if a["number"] == number]
    shown = (
        await portal.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()
    assert [a["filename"] for a in shown["attachments"]] == ["letter.pdf"]
    assert shown["form"]["cause"] == SSO_FORM["cause"]


async def test_demo_service_with_an_unknown_service_is_refused_with_exit_code_2(
    stack: Stack,
) -> None:
    lines: list[str] = []
    errors: list[str] = []
    code = await demo_service(
        stack.gateway, stack.agencies, lines.append, errors.append, "no-such-service", "{}", []
    )
    assert code == 2
    assert lines == []
    [error] = errors
    assert error.startswith("demo refused: no live service 'no-such-service'")


@pytest.mark.parametrize(
    ("form", "attach", "said"),
    [
        ("[1, 2]", [], "the form must be a JSON object"),
        ("{not json", [], "the form is not JSON"),
        ("{}", ["nowhere"], "--attach takes KEY=PATH"),
        ("{}", ["bank-book=/no/such/file.pdf"], "--attach bank-book: no file at"),
        ('{"cause": "bored"}', [], "the gateway refused the draft: validation_failed"),
    ],
)
async def test_demo_service_refuses_a_bad_form_or_attachment_with_exit_code_2(
    stack: Stack, form: str, attach: list[str], said: str
) -> None:
    errors: list[str] = []
    code = await demo_service(
        stack.gateway,
        stack.agencies,
        lambda _: None,
        errors.append,
        "sso-unemployment-benefit",
        form,
        attach,
    )
    assert code == 2
    [error] = errors
    assert said in error
