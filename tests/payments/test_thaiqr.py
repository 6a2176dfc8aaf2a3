"""Thai QR payloads: FACTS.md's test vectors, round trips, and every way a payload is refused."""

from __future__ import annotations

import string
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.thaiqr import (
    MAX_AMOUNT_SATANG,
    QRError,
    ThaiQR,
    assemble,
    barcode_text,
    bill_payment,
    crc16,
    encode,
    parse,
    promptpay,
)

# FACTS.md "Thai QR", test vectors (their CRCs were recomputed independently of this code).
BILL_3649_22 = (
    "00020101021230650016A00000067701011201150994000165501000212123456789012030667042953037645802TH"
    "54073649.2263044534"
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
PRINTABLE = string.digits + string.ascii_letters + string.punctuation + " "


def fields_of(payload: str) -> list[tuple[str, str]]:
    """The test's own reading of the TLV grammar (not the parser's)."""
    out = []
    while payload:
        tag, size = payload[:2], int(payload[2:4])
        out.append((tag, payload[4 : 4 + size]))
        payload = payload[4 + size :]
    return out


def refused(payload: str) -> str:
    with pytest.raises(QRError) as caught:
        parse(payload)
    return caught.value.code


# -- the CRC and the vectors ------------------------------------------------------------------


def test_crc16_is_ccitt_false() -> None:
    assert crc16("123456789") == "29B1"  # the catalogued check value
    assert crc16("") == "FFFF"  # the init value, unreflected and without a final xor


def test_vector_bill_payment_with_amount() -> None:
    qr = bill_payment("099400016550100", "123456789012", "670429", amount_satang=364922)
    assert encode(qr) == BILL_3649_22
    read = parse(BILL_3649_22)
    assert read == qr
    assert (read.kind, read.biller_id, read.ref1, read.ref2, read.ref3) == (
        "bill_payment",
        "099400016550100",
        "123456789012",
        "670429",
        None,
    )
    assert (read.amount_satang, read.dynamic, read.currency, read.country) == (
        364922,
        True,
        "764",
        "TH",
    )


def test_vector_bill_payment_13_digit_biller_ref3_no_amount() -> None:
    read = parse(BILL_13_DIGITS_REF3)
    assert (read.kind, read.biller_id, read.ref1, read.ref2, read.ref3) == (
        "bill_payment",
        "0112233445566",
        "CUSTOMER001",
        "INV001",
        "SCB",
    )
    assert read.amount_satang is None
    assert read.dynamic is False
    # This project's builder emits 15-digit biller IDs only; the encoder still writes what
    # another generator made, byte for byte.
    with pytest.raises(ValueError, match="15 digits"):
        bill_payment("0112233445566", "CUSTOMER001", "INV001", ref3="SCB")
    assert encode(read) == BILL_13_DIGITS_REF3


def test_vector_promptpay_mobile_static() -> None:
    qr = promptpay(mobile="0812223333")
    assert encode(qr) == PROMPTPAY_MOBILE
    read = parse(PROMPTPAY_MOBILE)
    assert read == qr
    assert (read.kind, read.proxy_type, read.proxy_id, read.mobile_number) == (
        "promptpay",
        "mobile",
        "0066812223333",
        "0812223333",
    )
    assert (read.amount_satang, read.dynamic) == (None, False)


def test_vector_promptpay_mobile_with_amount_is_dynamic() -> None:
    qr = promptpay(mobile="0812223333", amount_satang=3000)
    assert encode(qr) == PROMPTPAY_MOBILE_30
    read = parse(PROMPTPAY_MOBILE_30)
    assert read == qr
    assert (read.amount_satang, read.dynamic) == (3000, True)


def test_vector_promptpay_national_id_with_58_before_53() -> None:
    read = parse(PROMPTPAY_ID_58_FIRST)
    assert read == promptpay(national_id="1111111111111")
    assert (read.proxy_type, read.proxy_id, read.mobile_number) == (
        "national_id",
        "1111111111111",
        None,
    )
    # The builder puts 53 before 58, as banks do; `assemble` writes any order, CRC included.
    assert assemble(fields_of(PROMPTPAY_ID_58_FIRST)[:-1]) == PROMPTPAY_ID_58_FIRST
    reordered = encode(read)
    assert reordered != PROMPTPAY_ID_58_FIRST
    assert parse(reordered) == read


def test_promptpay_ewallet_and_bank_account() -> None:
    wallet = promptpay(ewallet_id="140000012345678", amount_satang=12550)
    assert "0315140000012345678" in fields_of(encode(wallet))[2][1]
    assert parse(encode(wallet)) == wallet
    account = promptpay(bank_account="0141234567890")
    assert dict(fields_of(dict(fields_of(encode(account)))["29"]))["04"] == "0141234567890"
    assert parse(encode(account)) == account


def test_merchant_fields_and_ref3_are_written_and_read() -> None:
    qr = bill_payment(
        "099400016550100",
        "DLT2570000123",
        amount_satang=50500,
        ref3="KIOSK7",
        merchant_name="Dept of Land Transport",
        merchant_city="Bangkok",
        postal_code="10900",
    )
    fields = dict(fields_of(encode(qr)))
    assert (fields["59"], fields["60"], fields["61"]) == (
        "Dept of Land Transport",
        "Bangkok",
        "10900",
    )
    assert fields["62"] == "0706KIOSK7"
    assert parse(encode(qr)) == qr


# -- properties -------------------------------------------------------------------------------

refs = st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True)
amounts = st.none() | st.integers(min_value=1, max_value=MAX_AMOUNT_SATANG)


def _ascii(max_size: int) -> st.SearchStrategy[str | None]:
    return st.none() | st.text(alphabet=PRINTABLE, min_size=1, max_size=max_size)


bill_payments = st.builds(
    bill_payment,
    biller_id=st.from_regex(r"[0-9]{15}", fullmatch=True),
    ref1=refs,
    ref2=st.none() | refs,
    amount_satang=amounts,
    ref3=st.none() | refs,
    merchant_name=_ascii(25),
    merchant_city=_ascii(15),
    postal_code=_ascii(10),
)
promptpays = st.one_of(
    st.builds(promptpay, mobile=st.from_regex(r"0[0-9]{8,9}", fullmatch=True)),
    st.builds(promptpay, national_id=st.from_regex(r"[0-9]{13}", fullmatch=True)),
    st.builds(promptpay, ewallet_id=st.from_regex(r"[0-9]{15}", fullmatch=True)),
    st.builds(promptpay, bank_account=st.from_regex(r"[0-9]{4,43}", fullmatch=True)),
).flatmap(
    lambda qr: st.builds(
        lambda amount, ref3, name: ThaiQR(
            kind="promptpay",
            dynamic=amount is not None,
            amount_satang=amount,
            proxy_type=qr.proxy_type,
            proxy_id=qr.proxy_id,
            ref3=ref3,
            merchant_name=name,
        ),
        amounts,
        st.none() | refs,
        _ascii(25),
    )
)
thai_qrs = bill_payments | promptpays


@given(thai_qrs)
def test_parse_reads_back_what_encode_wrote(qr: ThaiQR) -> None:
    payload = encode(qr)
    assert parse(payload) == qr
    assert payload.startswith("000201010212" if qr.amount_satang else "000201010211")
    assert payload[-8:-4] == "6304"
    assert crc16(payload[:-4]) == payload[-4:]


@given(st.from_regex(r"0[0-9]{8,9}", fullmatch=True))
def test_a_mobile_number_survives_the_0066_form(mobile: str) -> None:
    qr = parse(encode(promptpay(mobile=mobile)))
    assert qr.proxy_id is not None
    assert len(qr.proxy_id) == 13
    assert qr.proxy_id.startswith("00")
    assert qr.mobile_number == mobile


@given(thai_qrs, st.data())
def test_any_single_changed_character_is_refused(qr: ThaiQR, data: st.DataObject) -> None:
    payload = encode(qr)
    at = data.draw(st.integers(min_value=0, max_value=len(payload) - 1), label="position")
    other = data.draw(st.sampled_from(PRINTABLE).filter(lambda c: c != payload[at]))
    corrupted = payload[:at] + other + payload[at + 1 :]
    code = refused(corrupted)
    if len(payload) - 8 <= at < len(payload) - 4:
        assert code == "malformed"  # the "6304" that introduces the CRC is gone
    else:
        assert code == "crc_mismatch"


@given(thai_qrs, st.randoms(use_true_random=False))
def test_top_level_tags_may_come_in_any_order(qr: ThaiQR, random: Random) -> None:
    fields = fields_of(encode(qr))[:-1]  # without the CRC: assemble adds it
    middle = fields[1:]
    random.shuffle(middle)
    shuffled = assemble([fields[0], *middle])
    assert parse(shuffled) == qr


# -- building refuses what breaks the conventions ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"biller_id": "09940001655010"}, "15 digits"),
        ({"biller_id": "0994000165501000"}, "15 digits"),
        ({"biller_id": "09940001655010X"}, "15 digits"),
        ({"ref1": ""}, "ref1 is 1-20"),
        ({"ref1": "abc123"}, "ref1 is 1-20"),
        ({"ref1": "A" * 21}, "ref1 is 1-20"),
        ({"ref1": "DLT-2570-000123"}, "ref1 is 1-20"),
        ({"ref2": "INV 001"}, "ref2 is 1-20"),
        ({"ref3": "scb"}, "ref3 is 1-20"),
        ({"amount_satang": 0}, "amount_satang"),
        ({"amount_satang": -100}, "amount_satang"),
        ({"amount_satang": True}, "amount_satang"),
        ({"amount_satang": MAX_AMOUNT_SATANG + 1}, "amount_satang"),
        ({"merchant_name": "x" * 26}, "merchant_name"),
        ({"merchant_city": "กรุงเทพ"}, "merchant_city"),
        ({"postal_code": "12345678901"}, "postal_code"),
    ],
)
def test_bill_payment_refuses_values_outside_the_conventions(
    kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"biller_id": "099400016550100", "ref1": "ABC123", **kwargs}
    with pytest.raises(ValueError, match=message):
        bill_payment(**args)  # type: ignore[arg-type]


def test_the_largest_amount_fits_tag_54() -> None:
    qr = bill_payment("099400016550100", "A1", amount_satang=MAX_AMOUNT_SATANG)
    assert dict(fields_of(encode(qr)))["54"] == "9999999999.99"
    assert parse(encode(qr)).amount_satang == MAX_AMOUNT_SATANG


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"mobile": "0812223333", "national_id": "1111111111111"}, "exactly one"),
        ({"mobile": "812223333"}, "leading 0"),
        ({"mobile": "+66812223333"}, "leading 0"),
        ({"national_id": "111111111111"}, "national_id"),
        ({"ewallet_id": "1400000123456789"}, "ewallet"),
        ({"bank_account": "014-123456-7"}, "bank_account"),
    ],
)
def test_promptpay_refuses_a_wrong_target(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        promptpay(**kwargs)  # type: ignore[arg-type]


def test_a_thai_qr_value_keeps_its_shape() -> None:
    with pytest.raises(ValueError, match="biller ID and a Ref1"):
        ThaiQR(kind="bill_payment", dynamic=False, ref1="A")
    with pytest.raises(ValueError, match="proxy type"):
        ThaiQR(kind="promptpay", dynamic=False)
    with pytest.raises(ValueError, match="no biller ID"):
        ThaiQR(kind="promptpay", dynamic=False, proxy_type="mobile", proxy_id="1", ref1="A")
    with pytest.raises(ValueError, match="amount_satang"):
        ThaiQR(kind="promptpay", dynamic=True, proxy_type="mobile", proxy_id="1", amount_satang=0)


# -- parsing refuses what cannot be paid, with a stable code ----------------------------------


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def bill_account(
    aid: str | None = "A000000677010112",
    biller_id: str | None = "099400016550100",
    ref1: str | None = "ABC123",
) -> str:
    parts = [("00", aid), ("01", biller_id), ("02", ref1)]
    return "".join(tlv(tag, value) for tag, value in parts if value is not None)


BILL_ACCOUNT = bill_account()
MOBILE_ACCOUNT = tlv("00", "A000000677010111") + tlv("01", "0066812223333")
THB, TH = ("53", "764"), ("58", "TH")


def _payload(*fields: tuple[str, str]) -> str:
    return assemble([("00", "01"), *fields])


def test_a_changed_crc_is_a_crc_mismatch() -> None:
    assert refused(BILL_3649_22[:-1] + "5") == "crc_mismatch"
    # FACTS.md: the CRC is upper-case hex; "780e" is not what the payload's CRC is written as.
    assert refused(BILL_13_DIGITS_REF3[:-1] + "e") == "crc_mismatch"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("", "malformed"),
        ("hello", "malformed"),
        (BILL_3649_22[:-8], "malformed"),  # no CRC at all
        (BILL_3649_22.replace("TH", "ไท"), "malformed"),  # not ASCII
        (BILL_3649_22[:40] + "\n" + BILL_3649_22[41:], "malformed"),  # a control character
        (assemble([("01", "11"), ("00", "01"), ("30", BILL_ACCOUNT), THB, TH]), "malformed"),
        (assemble([("00", "02"), ("30", BILL_ACCOUNT), THB, TH]), "malformed"),  # version 02
        (_payload(("01", "13"), ("30", BILL_ACCOUNT), THB, TH), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("54", "1.234")), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("54", "0.00")), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("54", "-5.00")), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("54", "1e3")), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("54", "10000000000.00")), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("59", "x" * 26)), "malformed"),
        (_payload(("30", BILL_ACCOUNT), THB, TH, ("62", "07")), "malformed"),  # broken template
        (_payload(("30", BILL_ACCOUNT), THB, TH, THB), "malformed"),  # a tag twice
        (_payload(("30", bill_account(biller_id="09940001655010")), THB, TH), "malformed"),
        (_payload(("29", MOBILE_ACCOUNT + tlv("02", "1" * 13)), THB, TH), "malformed"),
        (_payload(("29", MOBILE_ACCOUNT.replace("0066", "66")), THB, TH), "malformed"),
        (_payload(("30", BILL_ACCOUNT), TH), "missing_tag"),
        (_payload(("30", BILL_ACCOUNT), THB), "missing_tag"),
        (_payload(("30", bill_account(ref1=None)), THB, TH), "missing_tag"),
        (_payload(("30", bill_account(biller_id=None)), THB, TH), "missing_tag"),
        (_payload(("30", bill_account(aid=None)), THB, TH), "missing_tag"),
        (_payload(THB, TH), "missing_tag"),  # no merchant account
        (_payload(("29", tlv("00", "A000000677010111")), THB, TH), "missing_tag"),  # no proxy
        (_payload(("30", BILL_ACCOUNT), ("53", "840"), TH), "unsupported"),
        (_payload(("30", BILL_ACCOUNT), THB, ("58", "US")), "unsupported"),
        (_payload(("30", bill_account(aid="A000000677010199")), THB, TH), "unsupported"),
        (
            _payload(("29", tlv("00", "A000000677010114") + tlv("01", "1" * 13)), THB, TH),
            "unsupported",
        ),
        (_payload(("02", "4000123412341234"), THB, TH), "unsupported"),  # a card scheme's
        (_payload(("29", MOBILE_ACCOUNT), ("30", BILL_ACCOUNT), THB, TH), "unsupported"),
    ],
)
def test_parse_refuses_with_a_stable_code(payload: str, code: str) -> None:
    assert refused(payload) == code


def test_a_payload_over_512_characters_is_refused() -> None:
    long = _payload(("30", BILL_ACCOUNT), THB, TH, *[(f"{tag}", "X" * 99) for tag in range(80, 85)])
    assert len(long) > 512
    assert refused(long) == "malformed"


def test_a_tag_that_swallows_the_crc_field_is_refused() -> None:
    # Tag 99's length (12) runs over "6304" and the CRC: the text ends like a payload and its
    # CRC is right, but the grammar never reaches a tag 63.
    body = "000201" + "9912" + "ABCD" + "6304"
    assert refused(body + crc16(body)) == "malformed"


def test_parse_is_lenient_with_what_other_generators_write() -> None:
    # Refs outside this project's convention, no tag 01, a 62 without 07, an unknown tag
    # (80, unreserved templates) and an amount with one decimal are read as they are.
    account = "0016A00000067701011201150994000165501000208inv-0001"
    qr = parse(
        _payload(
            ("30", account + "0307a b.c/1"),
            ("58", "TH"),
            ("53", "764"),
            ("54", "12.5"),
            ("62", "0105BILL1"),
            ("80", "0003ABC"),
        )
    )
    assert (qr.ref1, qr.ref2, qr.ref3) == ("inv-0001", "a b.c/1", None)
    assert (qr.dynamic, qr.amount_satang) == (False, 1250)


# -- the paper bill's barcode -----------------------------------------------------------------


def test_barcode_text_is_pipe_biller_then_lines() -> None:
    text = barcode_text("099400016550100", "123456789012", "670429", 364922)
    assert text == "|099400016550100\r123456789012\r670429\r364922"
    assert barcode_text("099400016550100", "A1", None, 50500) == "|099400016550100\rA1\r\r50500"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("09940001655010", "A1", None, 100), "15 digits"),
        (("099400016550100", "a1", None, 100), "ref1"),
        (("099400016550100", "A1", "B 2", 100), "ref2"),
        (("099400016550100", "A1", None, 0), "amount_satang"),
    ],
)
def test_barcode_text_refuses_bad_values(
    args: tuple[str, str, str | None, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        barcode_text(*args)
