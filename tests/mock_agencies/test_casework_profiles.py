"""The casework mocks' credentials in a header, and their fault profiles (`Rules.profile`),
which certification must find out: `legacy` demands the consumer secret in validate's query
string and answers business refusals as HTTP 500; `sloppy` ignores a filing's Idempotency-Key
and sends its callbacks without X-Signature."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from casework_support import AGENT_ID, KEY, SECRET, Served, eventually, filing, serving

from mock_agencies.dlt import app as dlt

RENEWAL = "dlt-driving-licence-renewal"


@pytest.fixture
async def agency() -> AsyncIterator[Served]:
    async with serving(dlt, "DLT") as served:
        yield served


async def validate(agency: Served, *, header: bool) -> int:
    where = (
        {"headers": {"Consumer-Key": KEY, "Consumer-Secret": SECRET}, "params": {}}
        if header
        else {"headers": {"Consumer-Key": KEY}, "params": {"ConsumerSecret": SECRET}}
    )
    response = await agency.client.get(
        "/dlt/gdx/auth/validate",
        params={**where["params"], "AgentID": AGENT_ID},
        headers=where["headers"],
    )
    return response.status_code


async def set_profile(agency: Served, profile: str) -> None:
    put = await agency.client.put("/dlt/rules", json={"profile": profile})
    assert put.status_code == 200, put.text


async def test_the_consumer_secret_is_taken_in_a_header_or_the_query(agency: Served) -> None:
    assert await validate(agency, header=True) == 200
    assert await validate(agency, header=False) == 200


async def test_legacy_demands_the_secret_in_the_query(agency: Served) -> None:
    await set_profile(agency, "legacy")
    assert await validate(agency, header=True) == 401
    assert await validate(agency, header=False) == 200


async def test_legacy_answers_a_refusal_as_a_server_error_with_its_code(agency: Served) -> None:
    ref = await agency.filed(filing(RENEWAL))
    await set_profile(agency, "legacy")
    answer = await agency.client.post(
        f"/dlt/api/v1/applications/{ref}/information",
        json={"attachments": []},
        headers={**await agency.headers(), "Idempotency-Key": "late-answer"},
    )
    assert answer.status_code == 500
    assert answer.json()["error"] == "invalid_transition"
    # the mock's own staff pages are not the data exchange: their refusals stay 409
    assert (await agency.staff(ref, "accept")).status_code == 200
    twice = await agency.staff(ref, "accept")
    assert twice.status_code == 409


async def test_sloppy_files_a_repeated_key_again(agency: Served) -> None:
    await set_profile(agency, "sloppy")
    body = filing(RENEWAL)
    first = await agency.submit(body, key="same-key:submit")
    again = await agency.submit(body, key="same-key:submit")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["agency_ref"] != again.json()["agency_ref"]


async def test_sloppy_sends_its_callbacks_unsigned(agency: Served) -> None:
    await set_profile(agency, "sloppy")
    ref = await agency.filed(filing(RENEWAL))
    assert (await agency.staff(ref, "accept")).status_code == 200
    await eventually(lambda: len(agency.receiver.requests) == 1)
    [(headers, _)] = agency.receiver.requests
    assert "x-signature" not in headers
    assert headers["x-nonce"]
    assert headers["x-timestamp"]


async def test_the_page_keeps_the_profile(agency: Served) -> None:
    await set_profile(agency, "legacy")
    posted = await agency.client.post("/dlt/staff/rules", data={"decision": "approve"})
    assert posted.status_code == 303
    assert (await agency.client.get("/dlt/rules")).json()["profile"] == "legacy"
