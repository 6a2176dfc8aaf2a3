"""Receipt trust fixtures: a TSA on a fixed clock, and the real OpenSSL as the outside verifier.

The TSA's files are made once per session (key generation is the slow part); each test gets
its own `TimestampAuthority` over them, so a test may move its clock freely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from receipts_support import FixedClock, Runner

from gateway.receipts.tsa import TimestampAuthority


@pytest.fixture(scope="session")
def tsa_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("trust") / "tsa"
    TimestampAuthority.load_or_create(directory, production=False, clock=FixedClock())
    return directory


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def authority(tsa_dir: Path, clock: FixedClock) -> TimestampAuthority:
    return TimestampAuthority.load_or_create(tsa_dir, production=True, clock=clock)


@pytest.fixture(scope="session")
def openssl() -> Runner:
    """`openssl(*args)`: run the real OpenSSL (the independent verifier) and capture its output."""
    binary = shutil.which("openssl")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have openssl: .ci/run installs it")
        pytest.skip(
            "OPENSSL NOT FOUND ON PATH: the RFC 3161 tokens are NOT being checked by an outside "
            "verifier. Install openssl (e.g. apt-get install openssl) to run these tests."
        )

    def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (fixed binary, arguments from the test)
            [binary, *map(str, args)], capture_output=True, text=True, cwd=cwd, check=False
        )

    return run
