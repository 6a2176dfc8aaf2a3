"""`make run` as a person runs it, and stops it: Ctrl-C (SIGINT to the terminal's foreground
process group) or SIGTERM (a supervisor stopping make) ends the gateway and the mock agencies
cleanly: no "Segmentation fault", no traceback, no make error line, nothing left running."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from makerun import MakeRun, make_run, needs_make

pytestmark = needs_make


@pytest.fixture
def running(tmp_path: Path) -> Iterator[MakeRun]:
    with make_run(tmp_path) as started:
        yield started


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
    running: MakeRun, how: str, expected: set[int]
) -> None:
    if how == "ctrl-c":  # what a terminal does on Ctrl-C
        os.killpg(running.process.pid, signal.SIGINT)
    else:  # what a supervisor (or `kill PID`) does
        running.process.send_signal(signal.SIGTERM)

    status = running.wait_stopped()

    text = running.text()
    assert status in expected, f"make run exited {status}:\n{text}"
    shown = [line for line in text.splitlines() if any(bad in line for bad in NOT_SHOWN)]
    assert shown == [], text
    assert text.count("Application shutdown complete.") == 2, text  # both, gracefully
    # Both servers released their ports: nothing answers any more.
    for url in (running.gateway_url, running.agencies_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/healthz", timeout=5)
