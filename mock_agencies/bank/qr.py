"""Thai QR as the bank's app reads it: EMVCo merchant-presented TLV fields and their CRC
(../shared/design/FACTS.md, "Thai QR"). Written for the mock on its own: a mock speaks HTTP
only and never imports the gateway's `payments` package, so the two parsers check each other.

A field is a 2-digit tag, a 2-digit decimal length and that many characters; templates (tag 30,
tag 62) nest the same grammar. The payload ends with tag 63: CRC-16/CCITT-FALSE over everything
before its 4 hex digits, `6304` included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mock_agencies.bank.errors import BadQr, UnsupportedQr

BILL_PAYMENT_AID = "A000000677010112"  # tag 30/00: domestic bill payment
THB = "764"  # ISO 4217, tag 53
MAX_PAYLOAD = 512  # a QR holds far less; anything longer is not one
_AMOUNT = re.compile(r"(\d{1,10})(?:\.(\d{1,2}))?")  # tag 54: at most 13 characters


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def parse_tlv(text: str) -> dict[str, str]:
    """The fields of one TLV level, by tag, in the order given; BadQr unless `text` is exactly
    a run of well-formed fields with no tag twice."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if len(head) < 4 or not (head.isascii() and head.isdigit()):
            raise BadQr(f"no tag and length at character {position}")
        tag, length = head[:2], int(head[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise BadQr(f"tag {tag} is cut short")
        if tag in fields:
            raise BadQr(f"tag {tag} appears twice")
        fields[tag] = value
        position += 4 + length
    return fields


def read_payload(payload: str) -> dict[str, str]:
    """The top-level fields of a payload whose CRC checks (EMVCo tags 00 first, 63 last)."""
    if not payload.isascii() or len(payload) > MAX_PAYLOAD:
        raise BadQr(f"a Thai QR payload is ASCII text of at most {MAX_PAYLOAD} characters")
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise BadQr("the payload must end with its CRC field, 6304 and 4 hex digits")
    expected = crc16_ccitt_false(payload[:-4].encode("ascii"))
    if payload[-4:].upper() != f"{expected:04X}":
        raise BadQr("the CRC (tag 63) does not match the payload")
    fields = parse_tlv(payload)
    tags = list(fields)
    if tags[0] != "00" or fields["00"] != "01":
        raise BadQr("the payload must start with the format indicator 000201")
    if tags[-1] != "63":
        raise BadQr("the CRC (tag 63) must be the last field")
    return fields


def amount_satang(text: str) -> int:
    """Tag 54's decimal THB amount in satang ("3649.22" → 364922)."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise BadQr(f"the amount (tag 54) {text!r} is not a decimal with up to two places")
    baht, fraction = match.group(1), (match.group(2) or "").ljust(2, "0")
    satang = int(baht) * 100 + int(fraction)
    if satang <= 0:
        raise BadQr("the amount (tag 54) must be more than zero")
    return satang


@dataclass(frozen=True)
class BillPayment:
    """What a tag-30 bill payment QR asks for. `amount_satang` is None on a QR without one."""

    biller_id: str
    ref1: str
    ref2: str | None
    ref3: str | None  # tag 62/07 (terminal label), where a biller uses a third reference
    amount_satang: int | None


def read_bill_payment(payload: str) -> BillPayment:
    """The bill payment a payload asks for: BadQr when it is not a sound QR, UnsupportedQr when
    it is one the bank's bill payment does not take (a PromptPay transfer, another currency)."""
    fields = read_payload(payload)
    if "30" not in fields:
        raise UnsupportedQr("not a bill payment QR (tag 30); this app pays bills only")
    if fields.get("53", THB) != THB or fields.get("58", "TH") != "TH":
        raise UnsupportedQr("only Thai baht (53 = 764) payments in Thailand (58 = TH)")
    bill = parse_tlv(fields["30"])
    if bill.get("00") != BILL_PAYMENT_AID:
        raise UnsupportedQr(f"tag 30 is not a domestic bill payment (AID {BILL_PAYMENT_AID})")
    biller_id, ref1 = bill.get("01", ""), bill.get("02", "")
    if not ref1:
        raise BadQr("a bill payment needs its Ref1 (tag 30/02)")
    if not (len(biller_id) == 15 and biller_id.isdigit()):
        raise UnsupportedQr("the biller ID (tag 30/01) must be 15 digits: tax ID and suffix")
    additional = parse_tlv(fields["62"]) if "62" in fields else {}
    return BillPayment(
        biller_id=biller_id,
        ref1=ref1,
        ref2=bill.get("03") or None,
        ref3=additional.get("07") or None,
        amount_satang=amount_satang(fields["54"]) if "54" in fields else None,
    )
