"""`CheckCardByLaser`: what the civil registry answers about an ID card. Pure: no I/O.

Result codes (RULES.md, Identity facts; 6 and 7 are this mock's own):

| code | meaning |
|---|---|
| 0 | normal: the card is valid and the data match |
| 2 | card void: the holder changed address and was issued a new card |
| 4 | laser code not found, or names / birth date / laser do not match the ID (or unknown ID) |
| 5 | incomplete input: a field is missing or malformed (the description names it) |
| 6 | card expired |
| 7 | card reported lost, or revoked |

The registry compares exactly what it is given: names after trimming surrounding whitespace
only (no other normalisation), the birth date as the 8-character BE string whose "00" parts must
match the record's, and the laser code as 12 characters without hyphens, uppercase. Forgiving
the citizen's typing (hyphens, OCR `O` for `0`) is the gateway's job, not the registry's. Card
status is disclosed only to a caller who got every field right; any mismatch is a plain 4.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from mock_agencies.dopa.population import (
    BE_OFFSET,
    CardStatus,
    Population,
    is_valid_national_id,
)

NORMAL = 0
VOID_ADDRESS_CHANGE = 2
NOT_FOUND_OR_MISMATCH = 4
INCOMPLETE_INPUT = 5
EXPIRED = 6
LOST_OR_REVOKED = 7

MAX_NAME_LENGTH = 100
_LASER = re.compile(r"[A-Z]{2}[0-9]{10}")


class CardCheck(NamedTuple):
    code: int
    desc_th: str
    desc_en: str


_DESCRIPTIONS = {
    NORMAL: ("สถานะปกติ", "Normal"),
    VOID_ADDRESS_CHANGE: (
        "บัตรถูกยกเลิกเนื่องจากเปลี่ยนที่อยู่",
        "Card void: the holder changed address",
    ),
    NOT_FOUND_OR_MISMATCH: (
        "ไม่พบเลขหลังบัตร หรือข้อมูลไม่ตรงกับทะเบียนราษฎร",
        "Laser code not found, or the data do not match the registry",
    ),
    EXPIRED: ("บัตรหมดอายุ", "Card expired"),
    LOST_OR_REVOKED: ("บัตรสูญหายหรือถูกเพิกถอน", "Card reported lost or revoked"),
}

_STATUS_CODES = {
    CardStatus.ACTIVE: NORMAL,
    CardStatus.VOID_ADDRESS_CHANGE: VOID_ADDRESS_CHANGE,
    CardStatus.EXPIRED: EXPIRED,
    CardStatus.LOST_OR_REVOKED: LOST_OR_REVOKED,
}

# Field labels used in a code-5 description.
_LABELS = {
    "pid": ("เลขประจำตัวประชาชน", "national ID"),
    "first_name": ("ชื่อ", "first name"),
    "last_name": ("นามสกุล", "last name"),
    "birth_date": ("วันเดือนปีเกิด", "birth date"),
    "laser": ("เลขหลังบัตร", "laser code"),
}


def result(code: int) -> CardCheck:
    th, en = _DESCRIPTIONS[code]
    return CardCheck(code, th, en)


def incomplete(field: str, missing: bool) -> CardCheck:
    th, en = _LABELS[field]
    problem_th, problem_en = ("ไม่ได้ระบุ", "missing") if missing else ("รูปแบบไม่ถูกต้อง", "malformed")
    return CardCheck(
        INCOMPLETE_INPUT,
        f"ข้อมูลไม่ครบถ้วนหรือไม่ถูกต้อง: {th}{problem_th}",
        f"Incomplete input: {en} {problem_en}",
    )


def is_valid_birth_date_be(value: str) -> bool:
    """8 ASCII digits, YYYYMMDD in the Buddhist Era; "00" day, or "0000" month and day, for
    unknown parts; a complete date must exist in the calendar."""
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        return False
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if year < 2300 or month > 12 or (month == 0 and day != 0):
        return False
    if day == 0:
        return True
    try:
        date(year - BE_OFFSET, month, day)
    except ValueError:
        return False
    return True


def _well_formed(field: str, value: str) -> bool:
    if field == "pid":
        return is_valid_national_id(value)
    if field == "birth_date":
        return is_valid_birth_date_be(value)
    if field == "laser":
        return _LASER.fullmatch(value) is not None
    return len(value) <= MAX_NAME_LENGTH


def check_card_by_laser(
    population: Population,
    pid: object,
    first_name_th: object,
    last_name_th: object,
    birth_date_be: object,
    laser: object,
) -> CardCheck:
    """The registry's answer for these inputs, as received (None: the field was not sent)."""
    given = {
        "pid": pid,
        "first_name": first_name_th,
        "last_name": last_name_th,
        "birth_date": birth_date_be,
        "laser": laser,
    }
    fields: dict[str, str] = {}
    for field, value in given.items():
        if value is None:
            return incomplete(field, missing=True)
        if not isinstance(value, str):
            return incomplete(field, missing=False)
        text = value.strip() if field in {"first_name", "last_name"} else value
        if not text:
            return incomplete(field, missing=True)
        if not _well_formed(field, text):
            return incomplete(field, missing=False)
        fields[field] = text

    person = population.get(fields["pid"])
    if person is None or (
        fields["first_name"] != person.first_name.th
        or fields["last_name"] != person.last_name.th
        or fields["birth_date"] != person.birth_date_be
        or fields["laser"] != person.laser
    ):
        return result(NOT_FOUND_OR_MISMATCH)
    return result(_STATUS_CODES[person.card_status])
