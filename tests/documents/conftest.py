"""Fixtures of the documents tests: outside readers of a rendered PDF (poppler's pdftotext,
pdftoppm and pdfinfo, Debian's poppler-utils; zbarimg, Debian's zbar-tools; openssl, for the
CMS object inside a signature). `pdfsig` and `pdftotext` are in tests/conftest.py, for every
test."""

from __future__ import annotations

import pytest
from support import Tool, outside_tool


@pytest.fixture(scope="session")
def pdftoppm() -> Tool:
    return outside_tool("pdftoppm", "poppler-utils")


@pytest.fixture(scope="session")
def pdfinfo() -> Tool:
    return outside_tool("pdfinfo", "poppler-utils")


@pytest.fixture(scope="session")
def zbarimg() -> Tool:
    return outside_tool("zbarimg", "zbar-tools")


@pytest.fixture(scope="session")
def openssl() -> Tool:
    return outside_tool("openssl", "openssl")
