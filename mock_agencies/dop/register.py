"""DOP's register of who receives the older persons' allowance, for the gateway's read
(`GET /api/v1/allowances/{pid}`). Pure: no I/O.

Two sources: the enrolments approved through the portal (payroll.py's `Payroll.enrolled`),
and the register as it stood before the portal (`legacy_since`): drawn from the civil
registry's population, a stable four in five of the Thai people aged 60 or more who draw no
state pension (CGD's register decides, as FACTS.md's rule says), enrolled from the month after
their 60th birthday (the universal allowance began in October 2009). No demo citizen is on the
old register: demo citizen 2 is the one to try registering on the portal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from mock_agencies.cgd.register import age_on_as_of, birth_year, pensioner
from mock_agencies.dop import allowance
from mock_agencies.dop.eligibility import MINIMUM_AGE
from mock_agencies.dopa.population import DEMO_CITIZENS, Person, nationality

UNIVERSAL_FROM = dt.date(2009, 10, 1)
_DEMO_PIDS = frozenset(person.pid for person in DEMO_CITIZENS)


def birth_of(person: Person) -> dt.date:
    """The birth date ages are counted from; an unknown day or month counts as the 1st
    (January), the registry's convention for a year alone."""
    be = person.birth_date_be
    return dt.date(birth_year(person), int(be[4:6]) or 1, int(be[6:8]) or 1)


def legacy_since(person: Person, seed: int = 0) -> dt.date | None:
    """When `person` was enrolled before the portal, or None when they were not."""
    if person.pid in _DEMO_PIDS or nationality(person) != "TH":
        return None
    if age_on_as_of(person) < MINIMUM_AGE or pensioner(person, seed) is not None:
        return None
    draw = hashlib.sha256(f"{seed}:DOP:enrolled:{person.pid}".encode()).digest()
    if draw[0] % 5 == 0:
        return None
    birth = birth_of(person)
    sixty = dt.date(birth.year + MINIMUM_AGE, birth.month, min(birth.day, 28))
    first = dt.date(sixty.year + (sixty.month == 12), sixty.month % 12 + 1, 1)
    return max(first, UNIVERSAL_FROM)


def last_pay_day(since: dt.date, today: dt.date) -> dt.date | None:
    """The latest allowance pay day (the 10th) on or after `since` and on or before `today`."""
    day = allowance.pay_on(today.year, today.month)
    if day > today:
        day = allowance.pay_on(today.year - (today.month == 1), (today.month - 2) % 12 + 1)
    return day if day >= since else None


def entry(
    pid: str,
    birth: dt.date | None,
    since: dt.date,
    last_paid_on: dt.date | None,
    today: dt.date,
    source: str,
) -> dict[str, Any]:
    """An enrolled person's entry: this month's amount by the age they reach in it."""
    age = allowance.age_in_month(birth, today.year, today.month) if birth else None
    amount = allowance.monthly_satang(age) if age is not None else None
    band = allowance.age_band(age) if age is not None and amount is not None else None
    return {
        "pid": pid,
        "enrolled": True,
        "since": since.isoformat(),
        "age": age,  # reached this month: what the month's amount is by
        "monthly_satang": amount,
        "age_band": {"th": band[0], "en": band[1]} if band else None,
        "last_paid_on": last_paid_on.isoformat() if last_paid_on else None,
        "source": source,
    }
