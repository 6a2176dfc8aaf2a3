"""Fixtures of the documents tests: outside readers of a rendered PDF (poppler's pdftotext and
pdftoppm, Debian's poppler-utils; zbarimg, Debian's zbar-tools)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Tool = Callable[..., subprocess.CompletedProcess[str]]


def _tool(name: str, package: str) -> Tool:
    binary = shutil.which(name)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {name}: .ci/run (and make test) install {package}")
        pytest.skip(
            f"{name.upper()} NOT FOUND ON PATH: the rendered PDFs are NOT being read by an "
            f"outside tool. Install it (apt-get install {package}; `make test` tries to)."
        )

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (a fixed binary, paths the test made)
            [binary, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
        )

    return run


@pytest.fixture(scope="session")
def pdftotext() -> Tool:
    return _tool("pdftotext", "poppler-utils")


@pytest.fixture(scope="session")
def pdftoppm() -> Tool:
    return _tool("pdftoppm", "poppler-utils")


@pytest.fixture(scope="session")
def pdfinfo() -> Tool:
    return _tool("pdfinfo", "poppler-utils")


@pytest.fixture(scope="session")
def zbarimg() -> Tool:
    return _tool("zbarimg", "zbar-tools")
