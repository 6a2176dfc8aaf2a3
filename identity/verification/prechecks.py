"""Local pre-checks run before anything is sent to the civil registry.

They catch typing and OCR slips at once, with a precise field error, and keep malformed
requests away from the registry (which would only answer "incomplete input", code 5).
Pure: no I/O, no clock except the `today` passed in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.th import pin

from kernel.buddhist_era import BE_OFFSET, split_be_date
from kernel.errors import FieldError

_LASER = re.compile(r"^[A-Z]{2}[0-9]{10}$")
_LASER_NOISE = re.compile(r"[\s\-]")
# Thai consonants, vowels, tone marks and other signs (U+0E01-U+0E4E), no digits or Latin.
_THAI_NAME = re.compile(r"^[\u0e01-\u0e3a\u0e40-\u0e4e]+(?: [\u0e01-\u0e3a\u0e40-\u0e4e]+)*$")
_BE_DATE = re.compile(r"^[0-9]{8}$")
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class CardData:
    """What the citizen typed, normalised and checked; ready for the registry."""

    national_id: str
    laser_code: str
    first_name_th: str
    last_name_th: str
    birth_date_be: str  # YYYYMMDD in the Buddhist Era; 00 for an unknown day or month


class PrecheckFailed(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.pointer}: {e.message}" for e in errors))
        self.errors = errors


def normalize_national_id(raw: str) -> str:
    """The 13 digits of a national ID; checksum per RULES.md, via python-stdnum."""
    try:
        return str(pin.validate(raw))
    except InvalidChecksum as exc:
        raise ValueError("checksum:the check digit does not match") from exc
    except InvalidLength as exc:
        raise ValueError("length:a national ID has 13 digits") from exc
    except InvalidFormat as exc:
        raise ValueError("format:a national ID has digits only") from exc
    except InvalidComponent as exc:
        raise ValueError("component:a national ID cannot start with 0 or 9") from exc


def normalize_laser_code(raw: str) -> str:
    """The 12-character laser code: hyphens and spaces dropped, upper case, and the OCR slip
    of reading the third character, always a digit, as the letter O, put right."""
    code = _LASER_NOISE.sub("", raw).upper()
    if len(code) == 12 and code[2] == "O":
        code = code[:2] + "0" + code[3:]
    if not _LASER.match(code):
        raise ValueError("format:a laser code is 2 letters and 10 digits, e.g. JT0-1234567-89")
    return code


def normalize_thai_name(raw: str) -> str:
    """A name as printed on the card, in Thai script; white space trimmed and collapsed."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValueError("missing:the name is empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"length:at most {MAX_NAME_CHARS} characters")
    name = name.replace("\u0e4d\u0e32", "\u0e33")  # SARA AM typed as two characters
    if not _THAI_NAME.match(name):
        raise ValueError("script:write the name in Thai, as on the card")
    return name


def normalize_birth_date_be(raw: str, today: dt.date) -> str:
    """YYYYMMDD in the Buddhist Era, with 00 for an unknown day, or 0000 for unknown month
    and day (cards of people whose birth date was never registered in full)."""
    value = raw.strip().replace("-", "").replace("/", "")
    if not _BE_DATE.match(value):
        raise ValueError("format:use YYYYMMDD in the Buddhist Era, e.g. 25300115")
    year_ce, month, day = split_be_date(value)
    if not 1850 <= year_ce <= today.year:
        raise ValueError(
            f"year:the year is in the Buddhist Era (CE + 543), so at most {today.year + BE_OFFSET}"
        )
    if month == 0 and day != 0:
        raise ValueError("unknown_month:a day cannot be known when the month is not")
    if month > 12:
        raise ValueError("month:the month is 01-12, or 00 when unknown")
    if day:
        try:
            born = dt.date(year_ce, month, day)
        except ValueError as exc:
            raise ValueError("day:no such day in that month") from exc
        if born > today:
            raise ValueError("future:the birth date is after today")
    elif month and (year_ce, month) > (today.year, today.month):
        raise ValueError("future:the birth date is after today")
    return value


def precheck_card(
    *,
    national_id: str,
    laser_code: str,
    first_name_th: str,
    last_name_th: str,
    birth_date_be: str,
    today: dt.date,
    pointer_prefix: str = "/body",
) -> CardData:
    """Every field checked; all failures reported together, each with its JSON pointer."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    checks = (
        ("national_id", national_id, normalize_national_id),
        ("laser_code", laser_code, normalize_laser_code),
        ("first_name_th", first_name_th, normalize_thai_name),
        ("last_name_th", last_name_th, normalize_thai_name),
        ("birth_date_be", birth_date_be, lambda v: normalize_birth_date_be(v, today)),
    )
    for field, raw, check in checks:
        try:
            values[field] = check(raw)
        except ValueError as exc:
            code, _, message = str(exc).partition(":")
            errors.append(FieldError(f"{pointer_prefix}/{field}", f"invalid_{code}", message))
    if errors:
        raise PrecheckFailed(errors)
    return CardData(**values)


def age_on(birth_date_be: str, today: dt.date) -> int | None:
    """Completed years of age on `today`; None when the unknown day or month leaves it open
    (the birthday may or may not have passed). Rules needing an age then stay undecided."""
    year_ce, month, day = split_be_date(birth_date_be)
    earliest = (month or 1, day or 1)
    last_month = month or 12
    latest = (last_month, day or calendar.monthrange(year_ce, last_month)[1])
    now = (today.month, today.day)
    if now >= latest:
        return today.year - year_ce
    if now < earliest:
        return today.year - year_ce - 1
    return None
