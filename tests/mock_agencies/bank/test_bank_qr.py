"""The bank's own Thai QR reader (mock_agencies/bank/qr.py) against the FACTS.md test vectors,
and against payloads a separate builder makes with the standard library's CRC."""

from __future__ import annotations

import binascii

import pytest
from bank_support import BILLER, bill_qr, tlv, with_crc
from hypothesis import given
from hypothesis import strategies as st

from mock_agencies.bank.errors import BadQr, UnsupportedQr
from mock_agencies.bank.qr import (
    crc16_ccitt_false,
    parse_tlv,
    read_bill_payment,
    read_payload,
)

# FACTS.md, "Thai QR": test vectors with independently recomputed CRCs.
BILL_WITH_AMOUNT = (
    "00020101021230650016A00000067701011201150994000165501000212123456789012030667042953037645802"
    "TH54073649.2263044534"
)
BILL_13_DIGITS_REF3 = (
    "00020101021130620016A000000677010112011301122334455660211CUSTOMER0010306INV00153037645802TH"
    "62070703SCB6304780E"
)
PROMPTPAY_MOBILE = "00020101021129370016A0000006770101110113006681222333353037645802TH63041DCF"
PROMPTPAY_MOBILE_30 = (
    "00020101021229370016A0000006770101110113006681222333353037645802TH540530.0063043CAD"
)
PROMPTPAY_ID_58_FIRST = "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A"
VECTORS = [
    BILL_WITH_AMOUNT,
    BILL_13_DIGITS_REF3,
    PROMPTPAY_MOBILE,
    PROMPTPAY_MOBILE_30,
    PROMPTPAY_ID_58_FIRST,
]

refs = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20)


def test_crc_check_value() -> None:
    assert crc16_ccitt_false(b"123456789") == 0x29B1


@given(st.binary(max_size=300))
def test_crc_agrees_with_the_standard_library(data: bytes) -> None:
    assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


@pytest.mark.parametrize("payload", VECTORS)
def test_every_vector_checks_and_ends_with_its_crc(payload: str) -> None:
    fields = read_payload(payload)
    assert next(iter(fields)) == "00"
    assert list(fields)[-1] == "63"
    assert fields["63"] == payload[-4:]


def test_the_bill_payment_vector_reads_as_the_bill() -> None:
    bill = read_bill_payment(BILL_WITH_AMOUNT)
    assert (bill.biller_id, bill.ref1, bill.ref2, bill.ref3, bill.amount_satang) == (
        "099400016550100",
        "123456789012",
        "670429",
        None,
        364922,
    )


def test_the_13_digit_biller_vector_parses_but_the_bank_wants_15_digits() -> None:
    fields = read_payload(BILL_13_DIGITS_REF3)
    assert parse_tlv(fields["30"]) == {
        "00": "A000000677010112",
        "01": "0112233445566",
        "02": "CUSTOMER001",
        "03": "INV001",
    }
    assert parse_tlv(fields["62"]) == {"07": "SCB"}
    assert "54" not in fields
    with pytest.raises(UnsupportedQr, match="15 digits"):
        read_bill_payment(BILL_13_DIGITS_REF3)


@pytest.mark.parametrize("payload", [PROMPTPAY_MOBILE, PROMPTPAY_MOBILE_30, PROMPTPAY_ID_58_FIRST])
def test_promptpay_transfers_are_not_bill_payments(payload: str) -> None:
    with pytest.raises(UnsupportedQr):
        read_bill_payment(payload)


def test_country_before_currency_is_accepted() -> None:
    fields = read_payload(PROMPTPAY_ID_58_FIRST)
    assert list(fields) == ["00", "01", "29", "58", "53", "63"]
    assert parse_tlv(fields["29"])["02"] == "1111111111111"


@given(
    ref1=refs,
    ref2=st.none() | refs,
    ref3=st.none() | refs,
    amount=st.none() | st.integers(min_value=1, max_value=10**12 - 1),
)
def test_a_built_bill_reads_back_as_built(
    ref1: str, ref2: str | None, ref3: str | None, amount: int | None
) -> None:
    bill = read_bill_payment(bill_qr(ref1, ref2, amount, ref3=ref3))
    assert (bill.biller_id, bill.ref1, bill.ref2, bill.ref3, bill.amount_satang) == (
        BILLER,
        ref1,
        ref2,
        ref3,
        amount,
    )


@given(
    payload=st.sampled_from([*VECTORS, bill_qr("INV2569000123", "1", 50500)]),
    data=st.data(),
)
def test_any_changed_character_is_refused(payload: str, data: st.DataObject) -> None:
    # CRC-16 catches every error burst of up to 16 bits: one character is 8.
    position = data.draw(st.integers(min_value=0, max_value=len(payload) - 5))
    replacement = data.draw(
        st.characters(min_codepoint=32, max_codepoint=126).filter(lambda c: c != payload[position])
    )
    changed = payload[:position] + replacement + payload[position + 1 :]
    with pytest.raises(BadQr):
        read_payload(changed)


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "6304ABCD",
        BILL_WITH_AMOUNT[:-1],  # cut short
        BILL_WITH_AMOUNT[:-4] + "0000",  # wrong CRC
        with_crc(tlv("00", "01") + tlv("00", "01") + "6304"),  # a tag twice
        with_crc(tlv("00", "01") + "5499" + "6304"),  # a length past the end
        with_crc(tlv("01", "11") + tlv("00", "01") + "6304"),  # format indicator not first
        with_crc(tlv("00", "01") + "6304")[:-4] + "ผผผผ",  # not ASCII
    ],
)
def test_malformed_payloads_are_bad_qr(payload: str) -> None:
    with pytest.raises(BadQr):
        read_payload(payload)


@pytest.mark.parametrize("amount", ["0.00", "1.234", "12,00", "-5.00", "abc"])
def test_a_bad_amount_is_bad_qr(amount: str) -> None:
    bill = tlv("00", "A000000677010112") + tlv("01", BILLER) + tlv("02", "REF1")
    body = tlv("00", "01") + tlv("01", "12") + tlv("30", bill) + tlv("54", amount) + "6304"
    with pytest.raises(BadQr, match="amount"):
        read_bill_payment(with_crc(body))
