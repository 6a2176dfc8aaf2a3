"""Money as integer satang (1 THB = 100 satang): shown with two decimals, read strictly, and
written in Thai words as official receipts write it (บาทถ้วน). No floats anywhere. Pure.
"""

from __future__ import annotations

import re

__all__ = ["baht_text", "format_baht", "parse_amount"]

# Digits 0-9 only (re.ASCII: Thai digits ๐-๙ are not accepted); commas only as whole thousands
# groups; at most two decimals; no leading zeros, no sign but a leading minus.
_AMOUNT = re.compile(
    r"(-?)(0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*)(?:\.([0-9]{1,2}))?", re.ASCII
)
#: Longer text is refused before it reaches int(): no amount here has more digits.
_MAX_AMOUNT_CHARS = 32

_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
# The place names inside a group of six digits; ล้าน joins groups.
_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")
_MILLION = "ล้าน"


def _check_int(satang: int) -> None:
    if isinstance(satang, bool) or not isinstance(satang, int):
        raise TypeError(f"an amount is an int of satang, not {type(satang).__name__}")


def format_baht(satang: int) -> str:
    """`364922` → `"3,649.22"`: a thousands separator and two decimals; a minus in front."""
    _check_int(satang)
    baht, rest = divmod(abs(satang), 100)
    return f"{'-' if satang < 0 else ''}{baht:,}.{rest:02d}"


def parse_amount(text: str) -> int:
    """Satang of an amount in baht: `"3649.22"` → 364922, `"30"` → 3000, `"0.5"` → 50,
    `"3,649.22"` → 364922. Strict: ASCII digits, at most two decimals, thousands separators
    only where they belong, no spaces, no exponent, no `+`; ValueError otherwise."""
    if not isinstance(text, str) or len(text) > _MAX_AMOUNT_CHARS:
        raise ValueError(f"not an amount in baht: {text!r}")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise ValueError(f"not an amount in baht with at most two decimals: {text!r}")
    sign, baht, fraction = match.group(1), match.group(2), match.group(3) or ""
    satang = int(baht.replace(",", "")) * 100 + int(fraction.ljust(2, "0"))
    return -satang if sign else satang


def _six_digits(group: int, *, after_higher: bool) -> str:
    """Words for 0 <= group < 1,000,000. A 1 in the units place reads เอ็ด when any digit
    before it is not zero, in this group or a higher one (101 หนึ่งร้อยเอ็ด, 1,000,001
    หนึ่งล้านเอ็ด); alone it reads หนึ่ง. Tens read สิบ for 1 and ยี่สิบ for 2."""
    words = []
    for place in range(5, -1, -1):
        digit = group // 10**place % 10
        if digit == 0:
            continue
        if place == 0:
            ed = digit == 1 and (after_higher or group >= 10)
            words.append("เอ็ด" if ed else _DIGITS[digit])
        elif place == 1:
            words.append({1: "", 2: "ยี่"}.get(digit, _DIGITS[digit]) + "สิบ")
        else:
            words.append(_DIGITS[digit] + _PLACES[place])
    return "".join(words)


def _number_text(number: int, *, after_higher: bool = False) -> str:
    """Words for number > 0: groups of six digits joined by ล้าน (21,000,000 ยี่สิบเอ็ดล้าน)."""
    higher, group = divmod(number, 1_000_000)
    head = _number_text(higher, after_higher=after_higher) + _MILLION if higher else ""
    return head + _six_digits(group, after_higher=after_higher or higher > 0)


def baht_text(satang: int) -> str:
    """The amount in Thai words as on an official receipt: 50500 → ห้าร้อยห้าบาทถ้วน,
    364922 → สามพันหกร้อยสี่สิบเก้าบาทยี่สิบสองสตางค์, 50 → ห้าสิบสตางค์, 0 → ศูนย์บาทถ้วน.
    Satang are read on their own (1.01 → หนึ่งบาทหนึ่งสตางค์). Negative amounts are refused:
    a receipt states money paid, and a refund is its own document with a positive amount."""
    _check_int(satang)
    if satang < 0:
        raise ValueError("a receipt's amount in words is not negative")
    baht, rest = divmod(satang, 100)
    if rest == 0:
        return (_number_text(baht) if baht else _DIGITS[0]) + "บาทถ้วน"
    return (_number_text(baht) + "บาท" if baht else "") + _number_text(rest) + "สตางค์"
