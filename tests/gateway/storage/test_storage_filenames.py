"""Client file names are kept for display, never trusted: one safe component, bounded."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gateway.storage.uploads import MAX_FILENAME_CHARS, filename_for, safe_filename


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("สำเนาทะเบียนบ้าน.pdf", "สำเนาทะเบียนบ้าน.pdf"),
        ("ใบรับรองแพทย์ นายสมชาย.jpg", "ใบรับรองแพทย์ นายสมชาย.jpg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\System32\\cmd.exe", "cmd.exe"),
        ("C:\\Users\\somchai\\Desktop\\scan.png", "scan.png"),
        ("/var/lib/gateway/x.pdf", "x.pdf"),
        (".bashrc", "bashrc"),
        ("..", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("a\x00b\r\nc.pdf", "ab c.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override hides .exe
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("report.pdf. . ", "report.pdf"),
        ("tab\tand  spaces.pdf", "tab and spaces.pdf"),
        ("cafe\u0301.pdf", "caf\u00e9.pdf"),  # NFC
    ],
)
def test_examples(given_name: str, expected: str) -> None:
    assert safe_filename(given_name) == expected


def test_a_long_name_keeps_its_extension() -> None:
    name = safe_filename("ก" * 300 + ".pdf")
    assert len(name) == MAX_FILENAME_CHARS
    assert name.endswith("ก.pdf")


def test_truncation_keeps_a_thai_letter_with_its_marks() -> None:
    # "กี้" is a consonant, a vowel mark and a tone mark: cut before it, not inside it.
    name = safe_filename("ก" * 114 + "กี้" * 10 + ".pdf")
    assert len(name) <= MAX_FILENAME_CHARS
    stem = name.removesuffix(".pdf")
    assert unicodedata.category(stem[-1]) in ("Mn", "Lo")
    assert not stem.endswith("กี")  # never the vowel without its tone mark


@given(st.text(max_size=400))
@example("../" * 100 + "." * 50)
@example("\u0e01" + "\u0e34" * 200)
@example("x" * 200 + "." + "y" * 3)
@example("CON." + "z" * 200)
def test_properties(name: str) -> None:
    safe = safe_filename(name)
    assert safe
    assert len(safe) <= MAX_FILENAME_CHARS
    assert not safe.startswith(".")
    assert "/" not in safe
    assert "\\" not in safe
    assert not any(unicodedata.category(c)[0] == "C" for c in safe)
    assert unicodedata.is_normalized("NFC", safe)
    assert safe_filename(safe) == safe


@given(st.text(alphabet="กขคงจฉชซญดตถทนบปผพฟภมยรลวศษสหอฮะาำิีึืุูเแโใไ่้๊๋็์ .-_0123456789"))
def test_thai_letters_survive(name: str) -> None:
    safe = safe_filename(name)
    clean = unicodedata.normalize("NFC", " ".join(name.split())).strip(" .")
    if clean and len(clean) <= MAX_FILENAME_CHARS:
        assert safe == clean


@pytest.mark.parametrize(
    ("filename", "media_type", "expected"),
    [
        ("x.pdf", "image/png", "x.png"),
        ("x.pdf", "application/pdf", "x.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("photo.jpg", "image/jpeg", "photo.jpg"),
        ("scan", "image/png", "scan.png"),
        ("บัตรประชาชน.pdf", "image/jpeg", "บัตรประชาชน.jpg"),
    ],
)
def test_download_name_follows_the_content(filename: str, media_type: str, expected: str) -> None:
    assert filename_for(filename, media_type) == expected
