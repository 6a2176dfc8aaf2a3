"""`make run` started as a person starts it in a terminal, for the tests that need the real thing
(the Makefile, its shell, both servers): on free ports, with every file it writes (database,
keys, the mock agencies' credentials, stored attachments) under a temporary directory, so the
checkout's var/ is left alone. Waits are bounded and end on a positive signal."""

from __future__ import annotations

import contextlib
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
#: How long stopping may take before a test gives up (a graceful shutdown is about a second).
STOP_SECONDS = 60.0

#: For modules that run make: skipped only where make is missing outside CI (CI has it, and
#: there such a test fails instead).
needs_make = pytest.mark.skipif(
    MAKE is None and not os.environ.get("CI"), reason="make is not installed"
)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def environment(var: Path) -> dict[str, str]:
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
        # A busy test machine must not turn an agency's answer into `timed_out` (know).
        CITIZEN_GATEWAY_KNOW_SOURCE_TIMEOUT_SECONDS="30",
        PYTHONUNBUFFERED="1",
    )
    return env


@dataclass
class MakeRun:
    """A running `make run`: the leader of its own process group, as in a terminal."""

    process: subprocess.Popen[bytes]
    output: Path
    var: Path
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

    def wait_stopped(self) -> int:
        """make's exit status, once make and everything it started have ended."""
        try:
            status = self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make run still running {STOP_SECONDS:.0f} s on:\n{self.text()}")
        deadline = time.monotonic() + STOP_SECONDS
        while self.group_alive():
            if time.monotonic() > deadline:
                pytest.fail(f"make ended but its servers are still running:\n{self.text()}")
            time.sleep(0.1)
        return status

    def wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        last = "no answer yet"
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    pytest.fail(f"make run ended before {url} answered:\n{self.text()}")
                try:
                    response = client.get(url)
                except httpx.HTTPError as error:
                    last = f"{type(error).__name__}: {error}"
                else:
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:300]}"
                time.sleep(0.2)
        pytest.fail(f"{url} not ready after {STARTUP_SECONDS:.0f} s; last: {last}\n{self.text()}")


@contextlib.contextmanager
def make_run(workdir: Path, venv: Path | None = None) -> Iterator[MakeRun]:
    """`make run` in the checkout on free ports, ready (the gateway's /readyz and the mock
    agencies' /healthz answer 200); its whole process group is killed at the end if a test
    did not stop it. `venv` runs it with another virtual environment than the checkout's
    `.venv` (make's VENV)."""
    assert MAKE is not None, "make is not installed"
    gateway_port, agencies_port = free_ports(2)
    output, var = workdir / "make-run.log", workdir / "var"
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - make with fixed arguments
            [
                MAKE,
                "--no-print-directory",
                "run",
                "HOST=127.0.0.1",
                f"PORT={gateway_port}",
                f"AGENCIES_PORT={agencies_port}",
                *([f"VENV={venv}"] if venv is not None else []),
            ],
            cwd=ROOT,
            env=environment(var),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    running = MakeRun(
        process,
        output,
        var,
        f"http://127.0.0.1:{gateway_port}",
        f"http://127.0.0.1:{agencies_port}",
    )
    try:
        running.wait_ready(f"{running.agencies_url}/healthz")
        running.wait_ready(f"{running.gateway_url}/readyz")
        yield running
    finally:
        if running.group_alive():
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)
