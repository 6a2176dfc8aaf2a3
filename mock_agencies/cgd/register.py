"""CGD's pension register, drawn deterministically from the civil registry's population. Pure:
no I/O, so the other mocks (NHSO's coverage, DOP's allowance) decide with the same functions.

Who is a pensioner: a person of 60 or more (on the registry's `AS_OF` day) with a stable draw
of one in `PENSIONER_ONE_IN` (about 8 %), never a demo citizen but demo citizen 7 (ทองใบ
บุญมา, born 1947, a retired teacher). A pensioner retired at the end of the fiscal year in
which they turned 60 (30 September), so the pension runs from the next 1 October. Pensions are
paid on the month's last day (a simplification: CGD pays on its last working day).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from mock_agencies.dopa.population import AS_OF, BE_OFFSET, DEMO_CITIZENS, Person

CODE = "CGD"
NAME_TH = "กรมบัญชีกลาง"
NAME_EN = "Comptroller General's Department"
RETIREMENT_AGE = 60
PENSIONER_ONE_IN = 12
#: Demo citizen 7 (docs/demo-citizens.md): the demo pensioner.
DEMO_PENSIONERS = frozenset({DEMO_CITIZENS[6].pid})
_DEMO_PIDS = frozenset(person.pid for person in DEMO_CITIZENS)

PENSION = ("บำนาญ", "pension")
ANNUITY = ("เบี้ยหวัด", "annuity")  # reserve officers' annuity: rare
DEPARTMENTS = (
    ("สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", "Office of the Basic Education Commission"),
    ("กรมการปกครอง", "Department of Provincial Administration"),
    ("กรมทางหลวง", "Department of Highways"),
    ("กรมสรรพากร", "Revenue Department"),
    ("สำนักงานปลัดกระทรวงสาธารณสุข", "Office of the Permanent Secretary, Ministry of Public Health"),
    ("กรมชลประทาน", "Royal Irrigation Department"),
)


@dataclass(frozen=True)
class Pensioner:
    pid: str
    kind: tuple[str, str]  # (Thai, English)
    monthly_satang: int
    since: dt.date
    department: tuple[str, str]

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "status": "pensioner",
            "kind": self.kind[0],
            "kind_en": self.kind[1],
            "monthly_satang": self.monthly_satang,
            "since": self.since.isoformat(),
            "last_paid_on": last_pay_day(today).isoformat(),
            "csmbs": True,  # a pensioner and their family keep the civil servants' medical scheme
            "department": {"th": self.department[0], "en": self.department[1]},
        }


def birth_year(person: Person) -> int:
    return int(person.birth_date_be[:4]) - BE_OFFSET


def age_on_as_of(person: Person) -> int:
    """Completed years on `AS_OF`; a birthday the registry does not know counts as 1 January
    (the registry's convention for the year alone)."""
    year = birth_year(person)
    month = int(person.birth_date_be[4:6]) or 1
    day = int(person.birth_date_be[6:8]) or 1
    return AS_OF.year - year - ((AS_OF.month, AS_OF.day) < (month, day))


def _pick(seed: int, scale: int, *parts: object) -> int:
    text = ":".join(str(part) for part in (seed, CODE, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % scale


def pensioner(person: Person, seed: int = 0) -> Pensioner | None:
    """`person`'s entry in the pension register, or None when they draw no state pension."""
    pid = person.pid
    if pid in _DEMO_PIDS and pid not in DEMO_PENSIONERS:
        return None
    if pid not in DEMO_PENSIONERS and (
        age_on_as_of(person) < RETIREMENT_AGE or _pick(seed, PENSIONER_ONE_IN, "pensioner", pid)
    ):
        return None
    demo = pid in DEMO_PENSIONERS
    kind = ANNUITY if not demo and _pick(seed, 20, "kind", pid) == 0 else PENSION
    retired_year = birth_year(person) + RETIREMENT_AGE
    # Turning 60 from October on: the fiscal year ends the next September.
    if int(person.birth_date_be[4:6]) >= 10:
        retired_year += 1
    monthly = 1_850_000 if demo else (12_000 + 250 * _pick(seed, 133, "pension", pid)) * 100
    return Pensioner(
        pid=pid,
        kind=kind,
        monthly_satang=monthly,
        since=dt.date(retired_year, 10, 1),
        department=DEPARTMENTS[0 if demo else _pick(seed, len(DEPARTMENTS), "dept", pid)],
    )


def last_pay_day(today: dt.date) -> dt.date:
    """The latest pension pay day on or before `today` (the last day of a month)."""
    end = dt.date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if today >= end:
        return end
    return today.replace(day=1) - dt.timedelta(days=1)
