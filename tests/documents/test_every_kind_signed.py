"""Every kind of e-document, rendered and signed as the worker does it, is valid to an outside
validator (poppler's pdfsig) and stops being valid when one signed byte changes; the text a
reader copies out of the signed PDF is still the document's (R-14.1, R-15.1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support import Tool

from documents.facts import KIND_NAMES, DocumentFacts, Item, Kind
from documents.pades import check_signature, sign_pdf
from documents.render import render_pdf
from documents.trust import DocumentTrust
from gateway.receipts.tsa import TimestampAuthority
from kernel.clock import SystemClock


def facts(kind: Kind) -> DocumentFacts:
    thai, english = KIND_NAMES[kind]
    return DocumentFacts(
        kind=kind,
        number=f"DLT2569-{kind.value[:6].upper()}",
        title_th=thai,
        title_en=english,
        agency_code="DLT",
        agency_name_th="กรมการขนส่งทางบก",
        agency_name_en="Department of Land Transport",
        holder_name_th="นายสมชาย ใจดี",
        holder_name_en="Mr Somchai Jaidee",
        holder_id_masked="1-1001-xxxxx-xx-4",
        issued_on=dt.date(2026, 12, 6),
        valid_from=dt.date(2026, 12, 6),
        valid_until=dt.date(2031, 12, 5),
        verify_url="https://gateway.example.go.th/verify/H0GV-TASJ-RFSZ-EPWA-R9BK",
        items=(Item("office", "สำนักงาน", "Office", "เขตจตุจักร", "Chatuchak"),),
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[DocumentTrust, TimestampAuthority]:
    where = tmp_path_factory.mktemp("keys")
    tsa = TimestampAuthority.load_or_create(where / "tsa", production=False, clock=SystemClock())
    trust = DocumentTrust.load_or_create(where / "documents", production=False, crl_url=None)
    return trust, tsa


@pytest.mark.parametrize("kind", list(Kind))
async def test_each_kind_is_valid_signed_and_fails_when_a_signed_byte_changes(
    kind: Kind,
    keys: tuple[DocumentTrust, TimestampAuthority],
    tmp_path: Path,
    pdfsig: Tool,
    pdftotext: Tool,
) -> None:
    trust, tsa = keys
    signed = await sign_pdf(
        render_pdf(facts(kind)),
        trust.signer("DLT"),
        timestamp=tsa.handle_request,
        tsa_roots=[tsa.ca_certificate],
        crls=[trust.crl_der()],
        signing_time=dt.datetime.now(dt.UTC),
        reason=f"{KIND_NAMES[kind][1]} DLT2569",
    )
    path = tmp_path / f"{kind.value}.pdf"
    path.write_bytes(signed)
    report = pdfsig(path).stdout
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report
    assert "นายสมชาย ใจดี" in pdftotext(path, "-").stdout

    roots = trust.certificates_pem() + tsa.ca_certificate_pem
    assert (await check_signature(signed, roots)).good

    tampered = bytearray(signed)
    at = signed.index(b"/Producer")  # the document's own info, inside the signed range
    tampered[at + 1] ^= 0x20  # /Producer -> /producer
    path.write_bytes(bytes(tampered))
    report = pdfsig(path).stdout
    assert "Signature is Valid" not in report, report
    assert not (await check_signature(bytes(tampered), roots)).intact
