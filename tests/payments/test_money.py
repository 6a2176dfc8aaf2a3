"""Satang shown, read, and written in Thai words as on official receipts.

The words are checked against num2words' Thai currency reading (an independent implementation)
as well as against known examples.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

from payments.money import baht_text, format_baht, parse_amount

satang_amounts = st.integers(min_value=0, max_value=10**15)


# -- format_baht ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satang", "shown"),
    [
        (364922, "3,649.22"),
        (0, "0.00"),
        (5, "0.05"),
        (50, "0.50"),
        (100, "1.00"),
        (99999, "999.99"),
        (100000, "1,000.00"),
        (123456789012, "1,234,567,890.12"),
        (-364922, "-3,649.22"),
        (-5, "-0.05"),
    ],
)
def test_format_baht(satang: int, shown: str) -> None:
    assert format_baht(satang) == shown


def test_format_baht_takes_only_ints() -> None:
    with pytest.raises(TypeError):
        format_baht(36.49)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_baht(True)


# -- parse_amount -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "satang"),
    [
        ("3649.22", 364922),
        ("3,649.22", 364922),
        ("1,234,567.8", 123456780),
        ("30", 3000),
        ("30.00", 3000),
        ("0.5", 50),
        ("0.05", 5),
        ("0", 0),
        ("-12.34", -1234),
    ],
)
def test_parse_amount(text: str, satang: int) -> None:
    assert parse_amount(text) == satang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "3649.225",  # three decimals
        "3649.",
        ".22",
        "+5.00",
        " 5.00",
        "5.00 ",
        "1e3",
        "0x10",
        "3,64.22",  # separators in the wrong place
        "36,49.22",
        "3649,22",  # a decimal comma
        "1,0000",
        "007",
        "๕.๐๐",  # Thai digits
        "５",  # full-width digits
        "NaN",
        "inf",
        "1_000",
        "--5",
        "9" * 40,
    ],
)
def test_parse_amount_is_strict(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_amount_reads_what_format_baht_wrote(satang: int) -> None:
    shown = format_baht(satang)
    assert parse_amount(shown) == satang
    assert parse_amount(shown.replace(",", "")) == satang


# -- baht_text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("satang", "words"),
    [
        (50500, "ห้าร้อยห้าบาทถ้วน"),
        (364922, "สามพันหกร้อยสี่สิบเก้าบาทยี่สิบสองสตางค์"),
        (0, "ศูนย์บาทถ้วน"),
        (100, "หนึ่งบาทถ้วน"),
        (1100, "สิบเอ็ดบาทถ้วน"),
        (2100, "ยี่สิบเอ็ดบาทถ้วน"),
        (2000, "ยี่สิบบาทถ้วน"),
        (1000, "สิบบาทถ้วน"),
        (10100, "หนึ่งร้อยเอ็ดบาทถ้วน"),
        (11100, "หนึ่งร้อยสิบเอ็ดบาทถ้วน"),
        (100000000, "หนึ่งล้านบาทถ้วน"),
        (2100000000, "ยี่สิบเอ็ดล้านบาทถ้วน"),
        (100000100, "หนึ่งล้านเอ็ดบาทถ้วน"),
        (10100000000, "หนึ่งร้อยเอ็ดล้านบาทถ้วน"),
        (100000000000000, "หนึ่งล้านล้านบาทถ้วน"),
        (50, "ห้าสิบสตางค์"),
        (1, "หนึ่งสตางค์"),
        (21, "ยี่สิบเอ็ดสตางค์"),
        (101, "หนึ่งบาทหนึ่งสตางค์"),
        (3000, "สามสิบบาทถ้วน"),
        (60000, "หกร้อยบาทถ้วน"),  # an older person's allowance, 60-69
        (123456789, "หนึ่งล้านสองแสนสามหมื่นสี่พันห้าร้อยหกสิบเจ็ดบาทแปดสิบเก้าสตางค์"),
    ],
)
def test_baht_text(satang: int, words: str) -> None:
    assert baht_text(satang) == words


@given(satang_amounts)
def test_baht_text_agrees_with_num2words(satang: int) -> None:
    baht, rest = divmod(satang, 100)
    expected = num2words(Decimal(f"{baht}.{rest:02d}"), lang="th", to="currency")
    assert baht_text(satang) == expected


@given(satang_amounts)
def test_baht_text_reads_like_a_receipt(satang: int) -> None:
    words = baht_text(satang)
    assert "หนึ่งสิบ" not in words  # ten is สิบ
    assert "สองสิบ" not in words  # twenty is ยี่สิบ
    assert words.endswith("ถ้วน") == (satang % 100 == 0)
    assert words.endswith("สตางค์") == (satang % 100 != 0)
    assert ("บาท" in words) == (satang == 0 or satang >= 100)
    assert ("ศูนย์" in words) == (satang == 0)


@given(st.integers(min_value=0, max_value=10**11))
def test_a_one_in_the_units_reads_ed_after_any_other_digit(tens: int) -> None:
    baht = tens * 10 + 1
    words = baht_text(baht * 100)
    assert words.endswith("เอ็ดบาทถ้วน" if baht > 1 else "หนึ่งบาทถ้วน")
    assert not words.startswith("เอ็ด")


def test_baht_text_refuses_negative_and_non_int() -> None:
    with pytest.raises(ValueError, match="negative"):
        baht_text(-100)
    with pytest.raises(TypeError):
        baht_text(Decimal("1.00"))  # type: ignore[arg-type]
