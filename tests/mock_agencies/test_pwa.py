"""The mock Provincial Waterworks Authority: a biller only (its e-services are links). Its water
bills, the payments the portal reports, and the data-exchange door it shares with the
API-kind agencies."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from bills_support import Biller, assert_bill_shape, notice, pid, serving_pwa
from casework_support import AGENT_ID, KEY, SOMCHAI, assert_error

from mock_agencies.casework import DEMO_PIDS
from mock_agencies.pwa import app as pwa

BILL_NUMBER = re.compile(r"PWA(\d{11})(\d{4})")  # the customer number, then YYMM
BAHT = 100


@pytest.fixture
async def biller() -> AsyncIterator[Biller]:
    async with serving_pwa() as served:
        yield served


async def test_every_demo_citizen_owes_this_months_water_bill(biller: Biller) -> None:
    for demo in sorted(DEMO_PIDS):
        bills = await biller.bills(demo)
        assert 1 <= len(bills) <= 2, (demo, bills)
        for bill in bills:
            assert_bill_shape(bill, "water")
            number = BILL_NUMBER.fullmatch(bill["bill_id"])
            assert number is not None
            assert number.group(1) == bill["account_ref"]
            assert bill["details"]["unit"] == "m3"
        latest = bills[-1]
        assert latest["bill_id"].endswith("2509")
        assert latest["title_th"] == "ค่าน้ำประปาเดือนกันยายน 2568"
        assert latest["title_en"] == "Water, September 2025"
        assert (latest["issued_on"], latest["due_on"]) == ("2025-10-01", "2025-10-15")


async def test_water_bills_are_around_one_to_five_hundred_baht(biller: Biller) -> None:
    amounts, nobody = [], 0
    for serial in range(300):
        bills = await biller.bills(pid(serial))
        nobody += not bills
        amounts += [bill["amount_satang"] for bill in bills]
    assert 30 <= nobody <= 100
    assert min(amounts) >= 80 * BAHT
    assert max(amounts) <= 700 * BAHT
    assert 150 * BAHT <= sorted(amounts)[len(amounts) // 2] <= 400 * BAHT


async def test_a_water_bill_is_paid_once(biller: Biller) -> None:
    bill = (await biller.bills(SOMCHAI))[0]
    paying = notice(bill)
    first = await biller.pay(bill["bill_id"], paying)
    assert first.status_code == 201, first.text
    assert (await biller.pay(bill["bill_id"], paying)).json() == first.json()
    assert bill not in await biller.bills(SOMCHAI)
    assert_error(await biller.pay(bill["bill_id"], notice(bill)), 409, "already_paid")
    assert_error(
        await biller.pay("PWA" + "0" * 15, notice({**bill, "bill_id": "PWA" + "0" * 15})),
        404,
        "bill_not_found",
    )
    assert [payment["bill_id"] for payment in await biller.payments()] == [bill["bill_id"]]


async def test_it_takes_no_applications(biller: Biller) -> None:
    filed = await biller.client.post(
        "/pwa/api/v1/applications", json={}, headers=await biller.headers()
    )
    assert_error(filed, 404, "not_found")


async def test_its_door_is_the_data_exchange_one(biller: Biller) -> None:
    wrong = await biller.client.get(
        "/pwa/gdx/auth/validate",
        params={"ConsumerSecret": "not-the-secret", "AgentID": AGENT_ID},
        headers={"Consumer-Key": KEY},
    )
    assert_error(wrong, 401, "unauthorised")
    no_token = await biller.client.get("/pwa/api/v1/bills", params={"pid": SOMCHAI})
    assert_error(no_token, 401, "unauthorised")
    assert no_token.headers["www-authenticate"] == 'Token realm="mock-pwa"'

    headers = await biller.headers()
    biller.clock.advance(61 * 60)  # a token lapses after 60 idle minutes
    lapsed = await biller.client.get("/pwa/api/v1/bills", params={"pid": SOMCHAI}, headers=headers)
    assert_error(lapsed, 401, "token_expired")
    assert_error(await biller.listing("12345"), 400, "invalid_pid")


async def test_its_landing_links_answer_without_credentials(biller: Biller) -> None:
    landing = await biller.client.get("/pwa/")
    assert landing.status_code == 200
    assert landing.json()["agency"] == "PWA"
    links = landing.json()["links"]
    assert links == {"health": "/pwa/api/v1/health", "bill_payments": "/pwa/staff/bill-payments"}
    for path in links.values():
        assert (await biller.client.get(path)).status_code == 200


async def test_the_default_app_serves_the_consumer_in_the_shared_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCK_PWA_CONSUMERS", raising=False)
    monkeypatch.delenv("MOCK_PWA_CALLBACK_SECRET", raising=False)
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path))
    agency = pwa.create_default_app()
    entry = json.loads((tmp_path / "agency-credentials.json").read_text())["PWA"]
    transport = httpx.ASGITransport(app=agency)
    async with httpx.AsyncClient(transport=transport, base_url="http://pwa.test") as client:
        validated = await client.get(
            "/gdx/auth/validate",
            params={"ConsumerSecret": entry["consumer_secret"], "AgentID": AGENT_ID},
            headers={"Consumer-Key": entry["consumer_key"]},
        )
        assert validated.status_code == 200, validated.text
        headers = {"Consumer-Key": entry["consumer_key"], "Token": validated.json()["Result"]}
        listed = await client.get("/api/v1/bills", params={"pid": SOMCHAI}, headers=headers)
        assert listed.status_code == 200
        assert listed.json()["bills"]
