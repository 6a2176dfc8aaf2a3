"""R-15.1: electronic records are evidence: the audit log is append-only and tamper-evident, and
a check proves it unbroken; every read of a citizen's data by agency staff is in it, and an
agency reaches only the applications filed with it.

Over HTTP, through the whole stack, then the log itself: `gateway.audit.entries_about` and
`gateway.audit.verify` on the gateway's own database, and `citizen-gateway audit verify`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import DBAPIError
from support import (
    Stack,
    act,
    agency_headers,
    assert_problem,
    bearer,
    filed,
    login,
    triggers_bypassed,
)

from gateway import audit
from gateway.audit import GENESIS_HASH, AuditChainHead, AuditEntry
from gateway.cli import main

pytestmark = pytest.mark.rule("R-15.1")

OFFICER = "officer-0042"


@pytest.fixture
async def stack_with_empty_log(stack: Stack) -> Stack:
    """The stack with the audit log started afresh, so that what other tests (which share the
    database) did to the chain cannot decide these tests."""
    assert stack.app is not None
    async with triggers_bypassed(stack.app.state.runtime.engine) as conn:
        await conn.execute(delete(AuditEntry))
        await conn.execute(delete(AuditChainHead))
        await conn.execute(insert(AuditChainHead).values(id=1, seq=0, hash=GENESIS_HASH))
    return stack


async def _entries(stack: Stack, application_id: str) -> list[AuditEntry]:
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        return list(await audit.entries_about(session, f"application:{application_id}"))


async def _verify(stack: Stack) -> audit.ChainReport:
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        return await audit.verify(session)


async def _journey(stack: Stack) -> str:
    """Submit; the DLT back end accepts, an officer reads the application, DLT approves."""
    headers = bearer(await login(stack))
    application_id: str = (await filed(stack, headers))["application"]["id"]
    dlt = await agency_headers(stack, "DLT")
    r = await act(stack, dlt, application_id, "accept")
    assert r.status_code == 200, r.text
    r = await stack.gateway.get(
        f"/v1/agency/applications/{application_id}", headers={**dlt, "X-Officer-Id": OFFICER}
    )
    assert r.status_code == 200, r.text
    assert r.json()["form"]["first_name_th"] == "สมชาย"  # the officer did see personal data
    r = await act(stack, dlt, application_id, "approve")
    assert r.status_code == 200, r.text
    return application_id


async def _run_cli_verify(database_url: str) -> Result:
    # The command runs its own event loop, so it runs in a thread beside this test's loop.
    def invoke() -> Result:
        return CliRunner().invoke(
            main, ["audit", "verify"], env={"CITIZEN_GATEWAY_DATABASE_URL": database_url}
        )

    return await asyncio.to_thread(invoke)


async def test_a_journey_leaves_an_ordered_audit_trail_that_verifies(
    stack_with_empty_log: Stack,
) -> None:
    stack = stack_with_empty_log
    application_id = await _journey(stack)

    entries = await _entries(stack, application_id)
    assert [e.action for e in entries] == [
        "application.submitted",
        "application.accept",
        "application.read_by_staff",
        "application.approve",
    ]
    seqs = [e.seq for e in entries]
    assert seqs == sorted(seqs)
    submitted, accept, read, approve = entries
    assert submitted.actor.startswith("citizen:")
    assert submitted.data["number"].startswith("DLT-")
    assert submitted.data["content_digest"]
    assert accept.actor.startswith("agency:DLT:")
    assert (accept.data["from"], accept.data["to"]) == ("submitted", "in_review")
    # Who read the citizen's data: the agency, its client and the officer.
    assert read.actor.startswith("agency:DLT:")
    assert read.actor.endswith(f"/{OFFICER}")
    assert read.data == {"what": "application"}
    assert (approve.data["from"], approve.data["to"]) == ("in_review", "approved")

    report = await _verify(stack)
    assert report.ok, report
    assert report.first_broken_seq is None
    assert report.entries_checked == report.head_seq
    assert report.head_seq is not None
    assert report.head_seq >= approve.seq


async def test_a_changed_entry_is_found_and_named(
    stack_with_empty_log: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = stack_with_empty_log
    assert stack.app is not None
    application_id = await _journey(stack)
    accept = next(
        e for e in await _entries(stack, application_id) if e.action == "application.accept"
    )
    original = dict(accept.data)

    # Appending is all the gateway's own connections may do.
    async with stack.app.state.runtime.sessions() as session:
        with pytest.raises(DBAPIError, match=r"audit_log is append-only \(R-15\.1\)"):
            await session.execute(
                update(AuditEntry).where(AuditEntry.seq == accept.seq).values(actor="someone")
            )
        await session.rollback()
    assert (await _verify(stack)).ok

    engine = stack.app.state.runtime.engine
    try:
        async with triggers_bypassed(engine) as conn:
            await conn.execute(
                update(AuditEntry)
                .where(AuditEntry.seq == accept.seq)
                .values(data={**original, "to": "rejected"})
            )
        report = await _verify(stack)
        assert not report.ok
        assert report.first_broken_seq == accept.seq
        assert report.entries_checked == accept.seq - 1

        monkeypatch.chdir(tmp_path)  # no stray .env of the project directory is read
        result = await _run_cli_verify(stack.app.state.runtime.settings.database_url)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"audit log BROKEN at seq {accept.seq}:")
    finally:
        # Put the evidence back as it was, so the shared database's chain is whole again.
        async with triggers_bypassed(engine) as conn:
            await conn.execute(
                update(AuditEntry).where(AuditEntry.seq == accept.seq).values(data=original)
            )
    assert (await _verify(stack)).ok


async def test_an_agency_reaches_only_its_own_applications(
    stack_with_empty_log: Stack,
) -> None:
    stack = stack_with_empty_log
    citizen = bearer(await login(stack))
    application = (await filed(stack, citizen))["application"]
    application_id = application["id"]
    attachment_id = application["attachments"][0]["id"]
    base = f"/v1/agency/applications/{application_id}"

    sso = await agency_headers(stack, "SSO")
    r = await stack.gateway.get(base, headers={**sso, "X-Officer-Id": OFFICER})
    assert_problem(r, 404, "application_not_found")
    r = await stack.gateway.get(f"{base}/attachments/{attachment_id}", headers=sso)
    assert_problem(r, 404, "application_not_found")
    for action in ("accept", "reject"):
        r = await act(stack, sso, application_id, action, reason="not ours")
        assert_problem(r, 404, "application_not_found")
    queue = await stack.gateway.get("/v1/agency/applications", headers=sso)
    assert queue.status_code == 200
    assert application_id not in [a["id"] for a in queue.json()["items"]]

    # The citizen's own token is not an agency's.
    for path in ("/v1/agency/applications", base):
        r = await stack.gateway.get(path, headers=citizen)
        assert r.status_code in {401, 403}, r.text
    r = await act(stack, citizen, application_id, "accept")
    assert r.status_code in {401, 403}, r.text
    r = await stack.gateway.get(base)
    assert r.status_code == 401

    # Nothing of it reached the data: no read is logged and the application is untouched.
    entries = await _entries(stack, application_id)
    assert [e.action for e in entries] == ["application.submitted"]
    r = await stack.gateway.get(f"/v1/applications/{application_id}", headers=citizen)
    assert r.json()["status"] == "submitted"

    # The agency it was filed with does reach it, and its read is logged.
    dlt = await agency_headers(stack, "DLT")
    queue = await stack.gateway.get("/v1/agency/applications", headers=dlt)
    assert application_id in [a["id"] for a in queue.json()["items"]]
    r = await stack.gateway.get(f"{base}/attachments/{attachment_id}", headers=dlt)
    assert r.status_code == 200
    entries = await _entries(stack, application_id)
    assert [(e.action, e.data) for e in entries][-1] == (
        "application.read_by_staff",
        {"what": f"attachment:{attachment_id}"},
    )
