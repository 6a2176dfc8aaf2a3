"""Fixtures of the payments tests: an outside QR decoder (zbarimg, Debian's zbar-tools)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Decoder = Callable[[Path], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def zbarimg() -> Decoder:
    """`zbarimg(path)`: decode an image with zbarimg, an independent QR reader; its stdout is
    the payload (`--raw`: no "QR-Code:" prefix) followed by a newline."""
    binary = shutil.which("zbarimg")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have zbarimg: .ci/run (and make test) install zbar-tools")
        pytest.skip(
            "ZBARIMG NOT FOUND ON PATH: the QR images are NOT being read by an outside decoder. "
            "Install it (apt-get install zbar-tools; `make test` tries to) to run these tests."
        )

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (a fixed binary, a path the test made)
            [binary, "--raw", "-q", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    return run
