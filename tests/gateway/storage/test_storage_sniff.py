"""The media type comes from the first bytes of the content, and only three are accepted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from storage_samples import ELF, JPEG, MZ, PDF, PNG, SCRIPT

from gateway.storage.sniff import ACCEPTED, EXTENSIONS, HEAD_BYTES, sniff

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


@pytest.mark.parametrize(
    ("blob", "expected"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"%PDF-", "application/pdf"),  # short blobs are judged on what there is
        (ELF, None),
        (MZ, None),
        (SCRIPT, None),
        (b"#!/usr/bin/env python3\n", None),
        (b"PK\x03\x04", None),  # ZIP (and DOCX, JAR, APK)
        (b"<html><body>%PDF-1.7", None),
        (b"GIF89a", None),
        (b"%PDF", None),  # the dash is part of the header
        (b"\x89PNG\r\n", None),  # a truncated signature is no signature
        (b"", None),
    ],
)
def test_known_content(blob: bytes, expected: str | None) -> None:
    assert sniff(blob) == expected


def test_a_pdf_header_after_junk_is_refused() -> None:
    # Readers accept %PDF- anywhere in the first 1024 bytes; we do not (see sniff.py).
    assert sniff(b"MZ" + bytes(14) + PDF) is None
    assert sniff(b"\n" + PDF) is None


def test_every_accepted_type_has_an_extension() -> None:
    assert set(EXTENSIONS) == ACCEPTED == set(SIGNATURES.values())
    assert all(ext.startswith(".") for ext in EXTENSIONS.values())


@given(signature=st.sampled_from(sorted(SIGNATURES)), rest=st.binary(max_size=64))
def test_a_signature_decides_whatever_follows(signature: bytes, rest: bytes) -> None:
    assert sniff(signature + rest) == SIGNATURES[signature]


@given(blob=st.binary(max_size=64))
def test_without_a_signature_nothing_is_accepted(blob: bytes) -> None:
    if not any(blob.startswith(s) for s in SIGNATURES):
        assert sniff(blob) is None
    else:
        assert sniff(blob) in ACCEPTED


@given(blob=st.binary(max_size=256))
def test_only_the_first_bytes_matter(blob: bytes) -> None:
    assert sniff(blob) == sniff(blob[:HEAD_BYTES])


@given(prefix=st.sampled_from([ELF[:4], b"MZ", b"#!"]), rest=st.binary(max_size=64))
def test_executables_are_never_accepted(prefix: bytes, rest: bytes) -> None:
    assert sniff(prefix + rest) is None
