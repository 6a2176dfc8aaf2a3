"""A rendered e-document read back by tools that are not ours: poppler extracts every printed
item in Thai and English, zbarimg decodes the QR code to the verification URL, and the Thai
marks survive the round trip (R-13.1, R-14.1: what the page shows is `printed()`)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from documents.facts import KIND_NAMES, DocumentFacts, Item, Kind
from documents.render import render_pdf

Tool = Callable[..., subprocess.CompletedProcess[str]]  # the conftest's outside tools
URL = "https://gateway.example.go.th/verify/7KQ2-M9XD-3HPA-VW6T-R8NB"


def facts(kind: Kind, **changes: object) -> DocumentFacts:
    thai, english = KIND_NAMES[kind]
    base = DocumentFacts(
        kind=kind,
        number=f"DOP2569-{kind.value[:4].upper()}0001",
        title_th=f"{thai}ผู้สูงอายุ",
        title_en=f"{english} (older persons)",
        agency_code="DOP",
        agency_name_th="กรมกิจการผู้สูงอายุ",
        agency_name_en="Department of Older Persons",
        holder_name_th="นางสาวสมหญิง ใจดี",
        holder_name_en="Miss Somying Jaidee",
        holder_id_masked="1-1037-xxxxx-xx-1",
        issued_on=dt.date(2026, 12, 6),
        valid_from=dt.date(2026, 12, 6),
        valid_until=dt.date(2031, 12, 5),
        verify_url=URL,
        items=(
            Item("amount", "จำนวนเงินต่อเดือน", "Monthly amount", "600 บาท", "THB 600"),
            Item("group", "กลุ่มผู้รับสิทธิ", "Group", "ผู้สูงอายุ อายุ 60-69 ปี", "Aged 60-69"),
            Item("branch", "สาขาที่ออก", "Issuing office", "เขตปทุมวัน", "เขตปทุมวัน"),
        ),
    )
    return DocumentFacts(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def squeeze(text: str) -> str:
    """Text without whitespace: poppler puts a space after sara am (ำ), which HarfBuzz draws
    as two glyphs, and lines break where the layout puts them; the characters and their order
    are what must come back."""
    return re.sub(r"\s+", "", text)


def extracted(pdf: bytes, tmp_path: Path, pdftotext: Tool, *options: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = pdftotext(*options, path, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("kind", list(Kind))
def test_every_printed_item_reads_back_in_thai_and_english(
    kind: Kind, tmp_path: Path, pdftotext: Tool
) -> None:
    """R-14.1: each item of `printed()` is on the page, label and value, in both languages."""
    document = facts(kind)
    text = squeeze(extracted(render_pdf(document), tmp_path, pdftotext))
    for item in document.printed():
        assert squeeze(f"{item.label_th}: {item.value_th}") in text, item
        assert squeeze(f"{item.label_en}: {item.value_en}") in text, item
    for words in (document.title_th, document.title_en, document.agency_name_th):
        assert squeeze(words) in text
    assert squeeze(f"ลงนามอิเล็กทรอนิกส์โดย {document.agency_name_th}") in text
    assert squeeze(f"Digitally signed by {document.agency_name_en}") in text
    assert squeeze("ตรวจสอบเอกสารฉบับนี้ได้ที่ / Verify this document at") in text
    assert URL in text


@pytest.mark.parametrize("kind", list(Kind))
def test_the_qr_code_decodes_to_exactly_the_verification_url(
    kind: Kind, tmp_path: Path, pdftoppm: Tool, zbarimg: Tool
) -> None:
    """R-13.1: anyone can check the document: its QR code opens its public verification page."""
    url = f"https://gateway.example.go.th/verify/{kind.value.upper()[:4]}-M9XD-3HPA-VW6T-R8NB"
    path = tmp_path / "document.pdf"
    path.write_bytes(render_pdf(facts(kind, verify_url=url)))
    rendered = pdftoppm("-png", "-r", "150", "-singlefile", path, tmp_path / "page")
    assert rendered.returncode == 0, rendered.stderr
    decoded = zbarimg("--raw", "-q", tmp_path / "page.png")
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout == url + "\n"  # one symbol on the page, and exactly the URL


def test_thai_marks_come_back_unchanged(tmp_path: Path, pdftotext: Tool) -> None:
    """Tone marks and above and below vowels are shaped (HarfBuzz) and still map back to the
    same characters, in the same order, words and spaces included (no sara am here: see
    `squeeze`)."""
    names = ("นางสาวสมหญิง ใจดี", "ผู้สูงอายุ", "นายปู่ ฟ้าใหม่", "เบี้ยยังชีพ ฝั่งธนบุรี")
    document = facts(
        Kind.CERTIFICATE,
        holder_name_th=names[0],
        items=tuple(Item(f"k{i}", "ชื่อ", "Name", name, "x") for i, name in enumerate(names)),
    )
    lines = extracted(render_pdf(document), tmp_path, pdftotext).splitlines()
    for name in names:
        assert any(line.strip() == f"ชื่อ: {name}" for line in lines), name


def test_the_fonts_are_embedded_subsets_of_sarabun() -> None:
    """The page looks the same on every reader: Sarabun is in the file, only the glyphs used."""
    pdf = render_pdf(facts(Kind.PERMIT))
    fonts = re.findall(rb"/BaseFont /([A-Z]{6})\+(Sarabun\w*)", pdf)
    assert {name for _, name in fonts} == {b"Sarabun", b"SarabunBold"}
    assert b"/FontFile2" in pdf
    assert len(pdf) <= 150_000  # the embedded subsets, not the whole fonts


def test_metadata_names_the_document_and_the_agency(tmp_path: Path, pdfinfo: Tool) -> None:
    document = facts(Kind.DRIVING_LICENCE)
    path = tmp_path / "document.pdf"
    path.write_bytes(render_pdf(document))
    info = pdfinfo(path).stdout
    assert f"{document.title_th} / {document.title_en}" in info
    assert "Author:          Department of Older Persons" in info
    assert "CreationDate:    Sat Dec  5 17:00:00 2026 UTC" in info  # 6 Dec 2026, 00:00 ICT


def test_the_same_facts_give_the_same_bytes() -> None:
    """A document re-rendered from its stored facts is the very file that was signed."""
    assert render_pdf(facts(Kind.BENEFIT_AWARD)) == render_pdf(facts(Kind.BENEFIT_AWARD))
    assert render_pdf(facts(Kind.BENEFIT_AWARD)) != render_pdf(
        facts(Kind.BENEFIT_AWARD, number="DOP2569-OTHER0002")
    )


def test_the_embedded_fonts_carry_no_clock() -> None:
    """Re-rendered on another day, a document is still the very file that was signed: the
    embedded font programs keep Sarabun's own modification time instead of the rendering's
    (a TrueType subset otherwise stamps its `head` table with the time it was saved)."""
    import zlib
    from io import BytesIO

    import fontpkg_sarabun
    from fontTools.ttLib import TTFont

    pdf = render_pdf(facts(Kind.PERMIT))
    packaged = {
        TTFont(path)["head"].modified
        for path in (Path(fontpkg_sarabun.ROOT) / "files").glob("Sarabun-*.ttf")
    }
    programs = re.findall(rb"/Length1 \d+ >>\nstream\n(.*?)\nendstream", pdf, re.DOTALL)
    assert len(programs) == 2
    for program in programs:
        embedded = TTFont(BytesIO(zlib.decompress(program)))
        assert embedded["head"].modified in packaged
