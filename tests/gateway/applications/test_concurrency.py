"""A person and the system's own writers at once end in one clear outcome: the worker recording
an agency's answer never makes a person's action fail, and a person's action that lands in the
middle of the worker's never makes the worker lose or repeat its work.

Each race is made to happen, not hoped for: the first party is held at the point where it has
read the application and not yet written, the second one runs to its commit, then the first
goes on with what it read (stale). Runs on SQLite and, with CITIZEN_GATEWAY_TEST_DATABASE_URL,
on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from support import Portal, agency_headers, bearer, draft, login, shown

from gateway.applications.models import Application
from gateway.applications.reading import Reader
from gateway.applications.transitions import Transitions

ADMIN = {"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"}
DOP_ALLOWANCE = "dop-older-persons-allowance-registration"


async def filed_with_dop(portal: Portal) -> tuple[dict[str, str], str]:
    headers = bearer(await login(portal))
    allowance = await draft(portal, headers, DOP_ALLOWANCE, {"payment_method": "promptpay_id"})
    r = await portal.gateway.post(f"/v1/applications/{allowance['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    return headers, allowance["id"]


async def test_an_officer_referring_while_the_worker_records_the_delivery_is_not_refused(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DOP officer refers a case to another office right after it was filed; the worker
    records its delivery in between the officer's read and write. The officer's referral
    stands (200), decided on the delivered case; nothing answers 409."""
    headers, application_id = await filed_with_dop(portal)
    dop = await agency_headers(portal, "DOP")
    worker_outcomes: list[str] = []
    original = Reader.of_agency

    async def read_then_let_the_worker_in(
        self: Reader, agency_code: str, application_id: str
    ) -> Application:
        application = await original(self, agency_code, application_id)
        if not worker_outcomes:  # the officer's first read: the worker commits now
            worker_outcomes.extend(d.outcome for d in await portal.forward())
        return application

    monkeypatch.setattr(Reader, "of_agency", read_then_let_the_worker_in)
    r = await portal.gateway.post(
        f"/v1/agency/applications/{application_id}/refer",
        json={"unit_code": "DOP_CNX", "officer": "dop-11"},
        headers=dop,
    )
    assert worker_outcomes == ["delivered"]
    assert r.status_code == 200, r.text
    now = await shown(portal, headers, application_id, "en")
    assert now["status"] == "forwarded"
    assert now["unit_code"] == "DOP_CNX"
    # The worker's delivery first, then the officer's referral: each once.
    kinds = [e["kind"] for e in now["timeline"]]
    assert kinds == ["created", "submit", "forward", "misroute", "forward"]


async def test_a_citizen_withdrawing_while_the_worker_records_the_delivery_wins(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker has read a DOP filing and is about to record its delivery when the citizen
    withdraws it. The citizen's withdrawal stands (200); the worker reads again, finds the
    application withdrawn, and ends its message without moving it (no 409, no dead letter,
    no second attempt later)."""
    headers, application_id = await filed_with_dop(portal)
    withdrawals: list[Any] = []
    original = Transitions.record_delivery

    async def citizen_first(self: Transitions, *args: Any, **kwargs: Any) -> Application:
        if not withdrawals:  # the worker's first attempt: the citizen commits now
            withdrawals.append(
                await portal.gateway.post(
                    f"/v1/applications/{application_id}/withdraw",
                    json={"reason": "changed my mind"},
                    headers=headers,
                )
            )
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(Transitions, "record_delivery", citizen_first)
    outcomes = [d.outcome for d in await portal.forward()]
    assert len(withdrawals) == 1
    assert withdrawals[0].status_code == 200, withdrawals[0].text
    assert outcomes == ["delivered"]
    now = await shown(portal, headers, application_id, "en")
    assert now["status"] == "withdrawn"
    assert [e["kind"] for e in now["timeline"]] == ["created", "submit", "withdraw"]
    assert await portal.forward() == []  # the message is done: nothing is tried again
    r = await portal.gateway.get("/v1/admin/outbox?status=dead", headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
