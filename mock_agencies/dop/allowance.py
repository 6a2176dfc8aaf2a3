"""The older persons' allowance (เบี้ยยังชีพผู้สูงอายุ) as DOP pays it each month. Pure: no I/O.

A stepped monthly amount by age (the Ministry of Interior regulation of B.E. 2566, as
/work/shared/design/FACTS.md gives it): 600 THB at 60–69, 700 at 70–79, 800 at 80–89, 1,000 at
90 and over. The age that counts is the one the person reaches in the month paid for (their age
on its last day), so a 70th birthday on the 20th already pays 700 that month. The month's
allowance is paid on its 10th (Bangkok).

The payout id the portal is given, `DOP-OPA-<YYYY-MM>-<application number>`, is printed in bank
statements' references: it names the registration, never the national ID.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from mock_agencies import grants
from mock_agencies.dop.eligibility import MINIMUM_AGE, age_on

KIND = "older_persons_allowance"
PAY_DAY = 10
#: (lowest age, monthly satang), highest first.
STEPS = ((90, 100_000), (80, 80_000), (70, 70_000), (MINIMUM_AGE, 60_000))
_MONTH = re.compile(r"(?P<year>20[0-9]{2}|2[1-9][0-9]{2})-(?P<month>0[1-9]|1[0-2])")
#: What the portal takes in a payout id (64 characters in all).
_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,48}")
THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
#: Not strftime's %B: that follows the process's locale.
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_of(text: str) -> tuple[int, int] | None:
    """(year, month) of a `YYYY-MM` month (years 2000-2999), or None."""
    found = _MONTH.fullmatch(text)
    if found is None:
        return None
    return int(found["year"]), int(found["month"])


def last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def pay_on(year: int, month: int) -> dt.date:
    return dt.date(year, month, PAY_DAY)


def age_in_month(birth: dt.date, year: int, month: int) -> int:
    """The age the person reaches in the month: completed years on its last day."""
    return age_on(birth, last_day(year, month))


def monthly_satang(age: int) -> int | None:
    """The month's allowance at `age`; None under 60 (no allowance)."""
    for lowest, amount in STEPS:
        if age >= lowest:
            return amount
    return None


def payout_id(year: int, month: int, application_number: str) -> str | None:
    """The month's payout id for a registration, or None when its number cannot be one."""
    if not _REFERENCE.fullmatch(application_number):
        return None
    return f"DOP-OPA-{year:04d}-{month:02d}-{application_number}"


def titles(year: int, month: int) -> tuple[str, str]:
    """(Thai, English) title of the month's payment: the Thai with the Buddhist Era year."""
    return (
        f"เบี้ยยังชีพผู้สูงอายุ ประจำเดือน{THAI_MONTHS[month - 1]} {year + 543}",
        f"Older persons' allowance, {ENGLISH_MONTHS[month - 1]} {year}",
    )


def masked(national_id: str) -> str:
    """A national ID as the mock's own pages show it: only the last three digits."""
    return f"x-xxxx-xxxxx-{national_id[-3:-1]}-{national_id[-1:]}"


def birth_date(value: object) -> dt.date | None:
    """The form's birth date (the portal prefills it from the verified identity, ISO 8601),
    or None when there is none or it is only partly known."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def age_band(age: int) -> tuple[str, str]:
    """(Thai, English) of the age band `age` is paid in, e.g. ("อายุ 70–79 ปี", "Aged 70-79")."""
    upper = None
    for lowest, _ in STEPS:  # highest first: a band ends where the one above it starts
        if age >= lowest:
            if upper is None:
                return f"อายุ {lowest} ปีขึ้นไป", f"Aged {lowest} and over"
            return f"อายุ {lowest}–{upper} ปี", f"Aged {lowest}-{upper}"
        upper = lowest - 1
    return f"อายุ {age} ปี", f"Aged {age}"


def award_document(
    application: Mapping[str, Any], number: str, today: dt.date
) -> dict[str, Any] | None:
    """The award letter approving a registration grants (a DocumentSpec as JSON:
    mock_agencies/grants.py): the monthly amount at the applicant's age today, in effect from
    today. None when the form gives no full birth date or the applicant is under 60: the
    mock cannot say what it awards."""
    birth = birth_date((application.get("form") or {}).get("birth_date"))
    if birth is None:
        return None
    age = age_on(birth, today)
    amount = monthly_satang(age)
    if amount is None:
        return None
    items = [
        grants.item("benefit", "สวัสดิการ", "Benefit", "เบี้ยยังชีพผู้สูงอายุ", "Older persons' allowance"),
        grants.item("monthly_amount", "จำนวนเงินต่อเดือน", "Monthly amount", *grants.baht(amount)),
        grants.item("age_band", "ช่วงอายุ", "Age band", *age_band(age)),
        grants.item(
            "pay_day",
            "กำหนดจ่าย",
            "Paid on",
            f"วันที่ {PAY_DAY} ของทุกเดือน",
            f"the {PAY_DAY}th of each month",
        ),
    ]
    if isinstance(reference := application.get("number"), str) and reference:
        items.append(grants.item("application_number", "เลขที่คำขอ", "Application number", reference))
    return grants.document(
        "benefit_award",
        number,
        "หนังสือแจ้งผลการอนุมัติเบี้ยยังชีพผู้สูงอายุ",
        "Older persons' allowance award letter",
        items,
        valid_from=today,
    )
