"""`citizen-gateway audit verify` (R-15.1): exit 0 on an intact log, 1 naming the broken seq."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from audit_support import triggers_bypassed
from click.testing import CliRunner, Result
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit import AuditEntry, append
from gateway.cli import main
from gateway.config import Settings


async def run_verify(settings: Settings, *args: str) -> Result:
    # The command runs its own event loop, so it runs in a thread beside this test's loop.
    def invoke() -> Result:
        return CliRunner().invoke(
            main,
            ["audit", "verify", *args],
            env={"CITIZEN_GATEWAY_DATABASE_URL": settings.database_url},
        )

    return await asyncio.to_thread(invoke)


@pytest.mark.rule("R-15.1")
async def test_audit_verify_passes_an_intact_log_and_names_a_tampered_entry(
    migrated: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the project directory is read
    at = dt.datetime(2026, 4, 10, 3, 0, tzinfo=dt.UTC)
    async with sessions() as session, session.begin():
        for i in range(1, 13):
            await append(
                session,
                at=at + dt.timedelta(seconds=i),
                actor="agency:DLT",
                action="application.status_changed",
                subject=f"application:{i}",
                data={"to": "approved"},
            )

    intact = await run_verify(migrated, "--batch", "5")
    assert intact.exit_code == 0, intact.output
    assert intact.output.startswith("audit log intact: 12 entries, head seq 12 hash ")

    async with triggers_bypassed(engine) as conn:
        await conn.execute(
            update(AuditEntry).where(AuditEntry.seq == 8).values(data={"to": "rejected"})
        )

    broken = await run_verify(migrated)
    assert broken.exit_code == 1, broken.output
    assert broken.output.splitlines() == [
        "audit log BROKEN at seq 8: hash does not match the entry's contents",
        "7 entries verified before the break",
    ]
