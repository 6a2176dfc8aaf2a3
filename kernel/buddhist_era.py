"""Thai dates are written in the Buddhist Era: BE year = CE year + 543.

Civil-registry birth dates are `YYYYMMDD` in the BE, with `00` for an unknown day or month.
"""

from __future__ import annotations

BE_OFFSET = 543


def split_be_date(value: str) -> tuple[int, int, int]:
    """(CE year, month, day) of a BE `YYYYMMDD`; 0 marks an unknown month or day.
    Only the shape is checked here: callers decide what a valid date is."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise ValueError("a BE date is YYYYMMDD")
    return int(value[:4]) - BE_OFFSET, int(value[4:6]), int(value[6:])
