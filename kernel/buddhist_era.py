"""Thai dates are written in the Buddhist Era: BE year = CE year + 543.

Civil-registry birth dates are `YYYYMMDD` in the BE, with `00` for an unknown day or month.
"""

from __future__ import annotations

import datetime as dt

BE_OFFSET = 543


def split_be_date(value: str) -> tuple[int, int, int]:
    """(CE year, month, day) of a BE `YYYYMMDD`; 0 marks an unknown month or day.
    Only the shape is checked here: callers decide what a valid date is."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise ValueError("a BE date is YYYYMMDD")
    return int(value[:4]) - BE_OFFSET, int(value[4:6]), int(value[6:])


THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def thai_date(day: dt.date) -> str:
    """A date as Thai official documents write it: day, Thai month name, BE year
    (`6 ธันวาคม 2569`). Arabic digits, which official documents may use instead of Thai ones."""
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + BE_OFFSET}"


def english_date(day: dt.date) -> str:
    """The same date in the English version: CE (`6 December 2026`)."""
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"
