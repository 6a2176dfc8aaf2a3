"""Chaos: a worker process killed (SIGKILL) in the middle of its call to the agency, then
another worker started. Nothing is lost and the agency's effect happens once.

Real processes on loopback: the mock agencies (`citizen-gateway agencies`, DLT answering slowly)
and two `citizen-gateway worker` processes on the test database. Bounded in time; every process
is stopped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from support import Stack, bearer, filed, free_port, login

from gateway.applications.models import Application
from gateway.config import Settings
from gateway.forwarding.models import OutboxMessage

BIN = Path(sys.executable).parent
DEADLINE_SECONDS = 60


def _environment(settings: Settings, agencies_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITIZEN_GATEWAY_")}
    secret = (
        settings.dopa_consumer_secret.get_secret_value() if settings.dopa_consumer_secret else ""
    )
    env.update(
        CITIZEN_GATEWAY_DATABASE_URL=settings.database_url,
        CITIZEN_GATEWAY_VAR_DIR=str(settings.var_dir),
        CITIZEN_GATEWAY_STORAGE_DIR=str(settings.storage_dir),
        CITIZEN_GATEWAY_ADMIN_TOKEN=settings.admin_token.get_secret_value()
        if settings.admin_token
        else "",
        CITIZEN_GATEWAY_AGENCIES_URL=agencies_url,
        CITIZEN_GATEWAY_DOPA_URL=f"{agencies_url}/dopa",
        CITIZEN_GATEWAY_DOPA_CONSUMER_KEY=settings.dopa_consumer_key or "",
        CITIZEN_GATEWAY_DOPA_CONSUMER_SECRET=secret,
        CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE=str(settings.agency_credentials_file),
        CITIZEN_GATEWAY_WORKER_LEASE_SECONDS="3",
        CITIZEN_GATEWAY_WORKER_IDLE_SECONDS="0.2",
        CITIZEN_GATEWAY_LOG_JSON="false",
        MOCK_AGENCIES_VAR_DIR=str(settings.agency_credentials_file.parent),
        MOCK_DOPA_CONSUMERS=json.dumps({settings.dopa_consumer_key: secret}),
        MOCK_DOPA_POPULATION="100",
        MOCK_DLT_CALLBACKS="off",
        # DLT takes 4 s to answer: long enough to kill the worker in the middle of the call.
        MOCK_AGENCIES_FAULTS=json.dumps({"DLT": {"latency_ms": 4000}}),
    )
    return env


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


async def _until(check: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


async def test_a_worker_killed_mid_call_loses_nothing_and_delivers_once(
    stack: Stack, seeded: Settings, tmp_path: Path
) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    number = submitted["application"]["number"]
    assert stack.app is not None
    sessions = stack.app.state.runtime.sessions

    port = free_port()
    agencies_url = f"http://127.0.0.1:{port}"
    env = _environment(seeded, agencies_url)
    cli = str(BIN / "citizen-gateway")
    host = [cli, "agencies", "--port", str(port)]
    with _process(host, env, tmp_path / "agencies.log"):
        async with httpx.AsyncClient(base_url=agencies_url, timeout=5) as agencies:

            async def agencies_up() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    return (await agencies.get("/healthz")).status_code == 200
                return False

            await _until(agencies_up, "the mock agencies")

            async def message() -> OutboxMessage:
                async with sessions() as session:
                    return (
                        await session.scalars(
                            select(OutboxMessage).where(
                                OutboxMessage.application_id == application_id
                            )
                        )
                    ).one()

            # The first worker takes the message and calls DLT ... and is killed mid-call.
            with _process([cli, "worker"], env, tmp_path / "worker-1.log") as first:

                async def claimed() -> bool:
                    return (await message()).status == "in_flight"

                await _until(claimed, "the first worker to claim the message")
                await asyncio.sleep(1.5)  # inside DLT's 4-second answer
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=10)
            assert (await message()).status == "in_flight"  # nothing recorded, nothing lost

            # A second worker: the lease runs out, it sends again with the same key.
            with _process([cli, "worker"], env, tmp_path / "worker-2.log"):

                async def delivered() -> bool:
                    return (await message()).status == "done"

                await _until(delivered, "the second worker to deliver")

            cases = (await agencies.get("/dlt/staff/applications")).json()["applications"]
    mine = [c for c in cases if c["application_number"] == number]
    assert len(mine) == 1, mine  # the agency's effect happened once
    async with sessions() as session:
        application = await session.get(Application, application_id)
        assert application is not None
        assert application.status == "forwarded"
        assert application.agency_ref == mine[0]["agency_ref"]
    final = await message()
    assert final.attempts == 2  # two deliveries, one effect
