"""The Thai government fiscal year and e-receipt numbers. Pure: times are passed in.

The fiscal year runs 1 October - 30 September, Asia/Bangkok, and is named by the Buddhist Era
year in which it ends: 1 Oct 2026 - 30 Sep 2027 is fiscal year 2570 (FACTS.md).

A receipt number is a series per issuing agency per fiscal year (this project's convention):

    DLT-2570-000123
    ^^^ agency code: an upper-case letter, then 1-9 upper-case letters or digits
        ^^^^ fiscal year (BE)
             ^^^^^^ the sequence number in that agency's series for that year, from 1,
                    zero-padded to six digits (and wider, unpadded, past 999,999)

It reads like an application number (`DLT-2569-000123`, numbered by calendar year), so an
agency's officer recognises it; the `-` separators make the two parts unambiguous.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kernel.buddhist_era import BE_OFFSET
from kernel.working_time import BANGKOK

__all__ = [
    "ReceiptNumber",
    "fiscal_year",
    "fiscal_year_of_day",
    "fiscal_year_span",
    "parse_receipt_number",
    "receipt_number",
]

_FIRST_MONTH = 10  # October
_AGENCY_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
_RECEIPT_NUMBER = re.compile(r"([A-Z][A-Z0-9]{1,9})-([0-9]{4})-([0-9]{6,})")
#: Sequence numbers are padded to this many digits.
SEQ_DIGITS = 6


def fiscal_year_of_day(day: dt.date) -> int:
    """The fiscal year (BE) a Bangkok calendar day belongs to."""
    return day.year + BE_OFFSET + (1 if day.month >= _FIRST_MONTH else 0)


def fiscal_year(at: dt.datetime) -> int:
    """The fiscal year (BE) of an aware instant, on the Bangkok calendar: 2026-09-30T17:00Z is
    midnight on 1 October in Bangkok, the first instant of fiscal year 2570."""
    if at.utcoffset() is None:
        raise ValueError("fiscal_year needs a timezone-aware datetime")
    return fiscal_year_of_day(at.astimezone(BANGKOK).date())


def fiscal_year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of fiscal year `year` (BE) as aware UTC instants, half-open: the start
    is midnight of 1 October in Bangkok, the end the same instant a year later."""
    ends_ce = year - BE_OFFSET
    start = dt.datetime(ends_ce - 1, _FIRST_MONTH, 1, tzinfo=BANGKOK)
    end = dt.datetime(ends_ce, _FIRST_MONTH, 1, tzinfo=BANGKOK)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass(frozen=True)
class ReceiptNumber:
    agency_code: str
    fiscal_year: int
    seq: int

    def __str__(self) -> str:
        return receipt_number(self.agency_code, self.fiscal_year, self.seq)


def receipt_number(agency_code: str, fiscal_year: int, seq: int) -> str:
    """`receipt_number("DLT", 2570, 123)` → `"DLT-2570-000123"` (the format is above)."""
    if not isinstance(agency_code, str) or not _AGENCY_CODE.fullmatch(agency_code):
        raise ValueError(f"an agency code is 2-10 upper-case letters and digits: {agency_code!r}")
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int):
        raise ValueError(f"a fiscal year is an int (BE), not {fiscal_year!r}")
    if not 1000 <= fiscal_year <= 9999:
        raise ValueError(f"a fiscal year is a four-digit BE year, not {fiscal_year}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"a sequence number is an int from 1, not {seq!r}")
    return f"{agency_code}-{fiscal_year}-{seq:0{SEQ_DIGITS}d}"


def parse_receipt_number(text: str) -> ReceiptNumber:
    """The parts of a receipt number; ValueError for anything `receipt_number` would not
    write (so each receipt has one spelling: no `DLT-2570-0000123`)."""
    match = _RECEIPT_NUMBER.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a receipt number like DLT-2570-000123: {text!r}")
    parsed = ReceiptNumber(match.group(1), int(match.group(2)), int(match.group(3)))
    try:
        canonical = str(parsed)
    except ValueError as refused:
        raise ValueError(f"not a receipt number: {text!r} ({refused})") from None
    if canonical != text:
        raise ValueError(f"not a receipt number as written here: {text!r}")
    return parsed
