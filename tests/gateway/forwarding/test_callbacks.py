"""Agencies' callbacks: only a fresh, correctly signed message from a known agency counts, once,
and the agency's own order wins over the order of arrival."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
from support import Portal, assert_problem, bearer, filed, login

from gateway.forwarding.signing import FRESHNESS_SECONDS, sign


async def forwarded_to_dlt(portal: Portal) -> tuple[dict[str, str], dict[str, Any]]:
    headers = bearer(await login(portal))
    submitted = await filed(portal, headers)
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    return headers, submitted["application"]


def signed(
    portal: Portal,
    body: dict[str, Any],
    *,
    agency: str = "DLT",
    secret: str | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    assert portal.credentials is not None
    raw = json.dumps(body).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    once = nonce or secrets.token_urlsafe(18)
    key = secret or portal.credentials[agency].callback_secret
    return raw, {
        "Content-Type": "application/json",
        "X-Agency": agency,
        "X-Timestamp": str(ts),
        "X-Nonce": once,
        "X-Signature": sign(key, ts, once, raw),
    }


def event(application: dict[str, Any], seq: int, status: str, **data: Any) -> dict[str, Any]:
    return {
        "application_id": application["id"],
        "seq": seq,
        "at": "2026-11-23T03:00:00Z",
        "status": status,
        "data": data,
    }


async def post(portal: Portal, raw: bytes, headers: dict[str, str], agency: str = "DLT") -> Any:
    return await portal.gateway.post(f"/v1/agency/callbacks/{agency}", content=raw, headers=headers)


async def status_of(portal: Portal, headers: dict[str, str], application_id: str) -> str:
    r = await portal.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    status: str = r.json()["status"]
    return status


async def test_a_signed_callback_moves_the_application(portal: Portal) -> None:
    headers, application = await forwarded_to_dlt(portal)
    raw, signed_headers = signed(portal, event(application, 2, "in_review"))
    r = await post(portal, raw, signed_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "result": "applied",
        "application_id": application["id"],
        "status": "in_review",
    }
    assert await status_of(portal, headers, application["id"]) == "in_review"


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("forged", "signature_invalid"),
        ("stale", "signature_stale"),
        ("future", "signature_stale"),
        ("unknown_agency", "unknown_agency"),
        ("unsigned", "signature_missing"),
        ("body_changed", "signature_invalid"),
    ],
)
async def test_forged_stale_and_unknown_callbacks_are_refused(
    portal: Portal, tamper: str, code: str
) -> None:
    headers, application = await forwarded_to_dlt(portal)
    body = event(application, 2, "approved")
    if tamper == "forged":
        raw, h = signed(portal, body, secret="not-the-agencys-secret-0123456789")
    elif tamper == "stale":
        raw, h = signed(portal, body, timestamp=int(time.time()) - FRESHNESS_SECONDS - 30)
    elif tamper == "future":
        raw, h = signed(portal, body, timestamp=int(time.time()) + FRESHNESS_SECONDS + 30)
    elif tamper == "unknown_agency":
        raw, h = signed(portal, body)
        h["X-Agency"] = "XYZ"
        r = await post(portal, raw, h, agency="XYZ")
        assert_problem(r, 401, code)
        assert await status_of(portal, headers, application["id"]) == "forwarded"
        return
    elif tamper == "unsigned":
        raw, h = json.dumps(body).encode(), {"Content-Type": "application/json"}
    else:
        raw, h = signed(portal, body)
        raw = raw.replace(b"approved", b"rejected")
    r = await post(portal, raw, h)
    assert_problem(r, 401, code)
    assert await status_of(portal, headers, application["id"]) == "forwarded"


async def test_a_replayed_callback_is_refused(portal: Portal) -> None:
    _headers, application = await forwarded_to_dlt(portal)
    raw, h = signed(portal, event(application, 2, "in_review"))
    assert (await post(portal, raw, h)).status_code == 200
    again = await post(portal, raw, h)
    assert_problem(again, 401, "signature_replayed")


async def test_another_agency_cannot_report_on_this_application(portal: Portal) -> None:
    headers, application = await forwarded_to_dlt(portal)
    raw, h = signed(portal, event(application, 2, "approved"), agency="SSO")
    r = await post(portal, raw, h, agency="SSO")
    assert_problem(r, 404, "application_not_found")
    assert await status_of(portal, headers, application["id"]) == "forwarded"


async def test_out_of_order_and_duplicate_callbacks_end_in_the_agencys_order(
    portal: Portal,
) -> None:
    headers, application = await forwarded_to_dlt(portal)
    approved = event(application, 3, "approved")
    review = event(application, 2, "in_review")
    r = await post(portal, *signed(portal, approved))
    assert r.json()["result"] == "waiting"  # seq 2 is not known yet
    assert await status_of(portal, headers, application["id"]) == "forwarded"
    r = await post(portal, *signed(portal, review))
    assert r.json()["result"] == "applied"
    assert await status_of(portal, headers, application["id"]) == "approved"
    # The same events again (new nonces, as an agency's retry sends them): nothing changes.
    for body in (review, approved):
        r = await post(portal, *signed(portal, body))
        assert r.json()["result"] == "duplicate"
    timeline = (
        await portal.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    ).json()["timeline"]
    assert [e["kind"] for e in timeline] == ["created", "submit", "forward", "accept", "approve"]


async def test_a_malformed_callback_is_refused_with_pointers(portal: Portal) -> None:
    _, application = await forwarded_to_dlt(portal)
    raw, h = signed(portal, {"application_id": application["id"], "seq": 0, "status": "flying"})
    problem = assert_problem(await post(portal, raw, h), 422, "validation_failed")
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"/body/seq", "/body/status", "/body/at"} <= pointers
