"""R-11.1: after an electronic filing, every reply, request for information and result goes to
the citizen electronically (the inbox, and its server-sent-events stream), unless the citizen
chose paper at submission.

Over HTTP, through the whole stack: the citizen files a driving-licence renewal and the DLT
back end (client credentials, scope agency:DLT) works it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support import (
    NATTHIDA,
    PDF,
    Stack,
    act,
    agency_headers,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
)

pytestmark = pytest.mark.rule("R-11.1")

EN = {"Accept-Language": "en"}
NEW_CERTIFICATE = {
    "name_th": "ใบรับรองแพทย์ฉบับใหม่",
    "name_en": "A new medical certificate",
    "document": "medical-certificate",
}


async def _inbox(stack: Stack, headers: dict[str, str]) -> dict[str, Any]:
    r = await stack.gateway.get("/v1/notifications", headers={**headers, **EN})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _events(text: str) -> list[dict[str, str]]:
    """The server-sent events of a stream body (comments and `retry:` left out)."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, sep, value = line.partition(": ")
            if sep and name in {"id", "event", "data"}:
                fields[name] = value
        if fields:
            events.append(fields)
    return events


async def _journey_to_approval(stack: Stack, headers: dict[str, str]) -> str:
    """File, accept, ask for a new certificate, answer, approve; the application id."""
    application_id: str = (await filed(stack, headers))["application"]["id"]
    dlt = await agency_headers(stack, "DLT")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("accept", {}),
        ("request_info", {"items": [NEW_CERTIFICATE]}),
    ]
    for action, body in steps:
        r = await act(stack, dlt, application_id, action, **body)
        assert r.status_code == 200, r.text
    r = await attach(stack, headers, application_id, "medical-certificate", PDF, "new.pdf")
    assert r.status_code == 201, r.text
    r = await stack.gateway.post(
        f"/v1/applications/{application_id}/respond", json={"note": "attached"}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await act(stack, dlt, application_id, "approve")
    assert r.status_code == 200, r.text
    return application_id


async def test_every_state_change_reaches_the_inbox(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application_id = await _journey_to_approval(stack, headers)

    inbox = await _inbox(stack, headers)
    items = list(reversed(inbox["items"]))  # oldest first
    assert [n["kind"] for n in items] == [
        "submitted",
        "in_review",
        "needs_info",
        "in_review",
        "approved",
    ]
    number = items[0]["data"]["number"]
    for notification in items:
        assert notification["application_id"] == application_id
        assert number in notification["title"]
        assert notification["paper"] is False  # electronic unless paper was chosen
        assert notification["read_at"] is None
    assert inbox["unread"] == 5
    # The request for information names, in writing, what is needed.
    needs_info = items[2]
    assert "A new medical certificate" in needs_info["body"]
    assert needs_info["data"]["items"][0]["name_en"] == "A new medical certificate"
    thai = (await stack.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert "ใบรับรองแพทย์ฉบับใหม่" in next(n for n in thai if n["kind"] == "needs_info")["body"]
    assert items[4]["data"]["status"] == "approved"


async def test_a_rejection_reaches_the_inbox_with_its_reason(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application_id = (await filed(stack, headers))["application"]["id"]
    dlt = await agency_headers(stack, "DLT")
    r = await act(stack, dlt, application_id, "accept")
    assert r.status_code == 200, r.text
    reason = "The medical certificate is older than one month."
    r = await act(stack, dlt, application_id, "reject", reason=reason)
    assert r.status_code == 200, r.text

    items = (await _inbox(stack, headers))["items"]
    assert [n["kind"] for n in items] == ["rejected", "in_review", "submitted"]
    assert reason in items[0]["body"]
    assert items[0]["data"]["reason"] == reason
    assert items[0]["paper"] is False


async def test_the_stream_sends_each_message_in_order_and_resumes_after_the_last_seen(
    stack: Stack,
) -> None:
    headers = bearer(await login(stack))
    await _journey_to_approval(stack, headers)
    listed = list(reversed((await _inbox(stack, headers))["items"]))
    ids = [str(n["id"]) for n in listed]

    r = await stack.gateway.get(
        "/v1/notifications/stream",
        params={"wait": 0},
        headers={**headers, **EN, "Last-Event-ID": "0"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    assert [e["id"] for e in events] == ids
    assert {e["event"] for e in events} == {"notification"}
    sent = [json.loads(e["data"]) for e in events]
    assert [n["kind"] for n in sent] == [n["kind"] for n in listed]
    assert sent[2]["body"] == listed[2]["body"]

    # Reconnecting after the second message gives only what came after it.
    r = await stack.gateway.get(
        "/v1/notifications/stream",
        params={"wait": 0},
        headers={**headers, "Last-Event-ID": ids[1]},
    )
    assert r.status_code == 200, r.text
    assert [e["id"] for e in _events(r.text)] == ids[2:]


async def test_paper_chosen_at_submission_marks_the_replies_for_paper(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    application_id = application["id"]
    r = await attach(stack, headers, application_id, "medical-certificate")
    assert r.status_code == 201, r.text
    r = await stack.gateway.post(
        f"/v1/applications/{application_id}/submit", json={"delivery": "paper"}, headers=headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["application"]["delivery"] == "paper"
    assert r.json()["receipt"]["payload"]["delivery"] == "paper"
    dlt = await agency_headers(stack, "DLT")
    r = await act(stack, dlt, application_id, "accept")
    assert r.status_code == 200, r.text

    items = (await _inbox(stack, headers))["items"]
    assert [(n["kind"], n["paper"]) for n in items] == [
        ("in_review", True),
        ("submitted", True),
    ]


async def test_a_message_is_marked_read_only_by_its_owner(stack: Stack) -> None:
    headers = bearer(await login(stack))
    await filed(stack, headers)
    inbox = await _inbox(stack, headers)
    assert inbox["unread"] == 1
    notification = inbox["items"][0]

    other = bearer(await login(stack, person=NATTHIDA))
    r = await stack.gateway.post(f"/v1/notifications/{notification['id']}/read", headers=other)
    assert_problem(r, 404, "notification_not_found")
    assert (await _inbox(stack, headers))["unread"] == 1

    r = await stack.gateway.post(f"/v1/notifications/{notification['id']}/read", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == notification["id"]
    assert r.json()["read_at"] is not None
    after = await _inbox(stack, headers)
    assert after["unread"] == 0
    assert after["items"][0]["read_at"] is not None
