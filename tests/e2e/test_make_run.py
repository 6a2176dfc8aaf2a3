"""`make run` as a person runs it, and stops it: Ctrl-C (SIGINT to the terminal's foreground
process group) or SIGTERM (a supervisor stopping make) ends the gateway and the mock agencies
cleanly: no "Segmentation fault", no traceback, no make error line, nothing left running.

The real Makefile in the checkout, on free ports, with every file it writes (database, keys,
the mock agencies' credentials) under a temporary directory, so the checkout's var/ is left
alone. Every wait is bounded and ends on a positive signal (an answer, an exit, an empty
process group).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
#: `make run` migrates, seeds, then starts two servers; on a busy 2-core machine that is slow.
STARTUP_SECONDS = 180.0
#: How long stopping may take before the test gives up (a graceful shutdown is ~1 s).
STOP_SECONDS = 60.0

pytestmark = pytest.mark.skipif(
    MAKE is None and not os.environ.get("CI"),
    reason="make is not installed (CI has it, and there this test fails instead)",
)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def make_run_environment(var: Path) -> dict[str, str]:
    """The caller's environment without its gateway or mock configuration, with everything
    `make run` writes kept under `var`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITIZEN_GATEWAY_", "MOCK_"))}
    env.update(
        CITIZEN_GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{var}/gateway.db",
        CITIZEN_GATEWAY_VAR_DIR=str(var),
        CITIZEN_GATEWAY_STORAGE_DIR=str(var / "storage"),
        CITIZEN_GATEWAY_DOPA_CONSUMER_FILE=str(var / "mock-agencies" / "dopa-consumer.json"),
        CITIZEN_GATEWAY_AGENCY_CREDENTIALS_FILE=str(
            var / "mock-agencies" / "agency-credentials.json"
        ),
        MOCK_AGENCIES_VAR_DIR=str(var / "mock-agencies"),
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class MakeRun:
    """A running `make run`: the leader of its own process group, as in a terminal."""

    process: subprocess.Popen[bytes]
    output: Path
    gateway_url: str
    agencies_url: str

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[MakeRun]:
    """`make run` on free ports, started as a terminal starts a command (its own process
    group), and ready: the gateway's /readyz and the mock agencies' /healthz answer 200."""
    assert MAKE is not None
    gateway_port, agencies_port = _free_ports(2)
    output = tmp_path / "make-run.log"
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - make with fixed arguments
            [
                MAKE,
                "--no-print-directory",
                "run",
                "HOST=127.0.0.1",
                f"PORT={gateway_port}",
                f"AGENCIES_PORT={agencies_port}",
            ],
            cwd=ROOT,
            env=make_run_environment(tmp_path / "var"),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = MakeRun(
        process,
        output,
        f"http://127.0.0.1:{gateway_port}",
        f"http://127.0.0.1:{agencies_port}",
    )
    try:
        _wait_ready(running, f"{running.agencies_url}/healthz")
        _wait_ready(running, f"{running.gateway_url}/readyz")
        yield running
    finally:
        if running.group_alive():
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)


def _wait_ready(running: MakeRun, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer yet"
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if running.process.poll() is not None:
                pytest.fail(f"make run ended before {url} answered:\n{running.text()}")
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                last = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            time.sleep(0.2)
    pytest.fail(f"{url} not ready after {STARTUP_SECONDS:.0f} s; last: {last}\n{running.text()}")


def _wait_stopped(running: MakeRun) -> int:
    """make's exit status once make and everything it started have ended."""
    try:
        status = running.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"make run still running {STOP_SECONDS:.0f} s after the signal:\n{running.text()}"
        )
    deadline = time.monotonic() + STOP_SECONDS
    while running.group_alive():
        if time.monotonic() > deadline:
            pytest.fail(f"make ended but its servers are still running:\n{running.text()}")
        time.sleep(0.1)
    return status


#: What a person must not see when stopping make run.
NOT_SHOWN = (
    "Segmentation fault",  # the old `trap 'kill 0' EXIT INT TERM` re-triggering itself
    "Traceback",
    "Aborted!",  # click's answer to a KeyboardInterrupt
    "make: ***",  # make reporting a failed or killed recipe
    "Terminated",
    "Killed",
    '"level": "error"',
    '"level": "critical"',
)


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        pytest.param("ctrl-c", {0, -signal.SIGINT}, id="ctrl-c to the process group"),
        pytest.param("sigterm", {0, -signal.SIGTERM}, id="sigterm to make"),
    ],
)
def test_stopping_make_run_stops_both_servers_cleanly(
    make_run: MakeRun, how: str, expected: set[int]
) -> None:
    if how == "ctrl-c":  # what a terminal does on Ctrl-C
        os.killpg(make_run.process.pid, signal.SIGINT)
    else:  # what a supervisor (or `kill PID`) does
        make_run.process.send_signal(signal.SIGTERM)

    status = _wait_stopped(make_run)

    text = make_run.text()
    assert status in expected, f"make run exited {status}:\n{text}"
    shown = [line for line in text.splitlines() if any(bad in line for bad in NOT_SHOWN)]
    assert shown == [], text
    # Both servers released their ports: nothing answers any more.
    for url in (make_run.gateway_url, make_run.agencies_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/healthz", timeout=5)
