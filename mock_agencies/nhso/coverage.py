"""Which main health-coverage scheme each person has (FACTS.md: exactly one per Thai citizen),
decided with the other mocks' own data functions so that the agencies agree:

- a CGD pensioner (cgd/register.py) → CSMBS (the civil servants' medical benefit);
- else an SSO insured person under s.33 or s.39 whose insurance is active (SSO's register,
  sso/app.py `Sso.insured`) → SSS (social security);
- else → UC (universal coverage, the "gold card"), with a registered main primary-care unit:
  the community hospital of the person's registered district.

Pure: no I/O. A person the civil registry does not list, or who is not Thai, has no record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from mock_agencies.cgd.register import age_on_as_of, pensioner
from mock_agencies.dopa.population import BE_OFFSET, Person, nationality
from mock_agencies.sso.app import Sso

CODE = "NHSO"
NAME_TH = "สำนักงานหลักประกันสุขภาพแห่งชาติ"
NAME_EN = "National Health Security Office"
#: Changes of the registered unit a UC member may make in a fiscal year (a simplification).
UC_CHANGES_A_YEAR = 4
UC_STARTED = dt.date(2002, 10, 1)

SCHEMES = {
    "UC": ("สิทธิหลักประกันสุขภาพแห่งชาติ (บัตรทอง)", "Universal Coverage Scheme (gold card)"),
    "SSS": ("สิทธิประกันสังคม", "Social Security Scheme"),
    "CSMBS": ("สิทธิสวัสดิการรักษาพยาบาลข้าราชการ", "Civil Servant Medical Benefit Scheme"),
}


@dataclass(frozen=True)
class Coverage:
    pid: str
    scheme: str  # UC, SSS or CSMBS
    since: dt.date
    hospital: tuple[str, str, str] | None  # (unit code, Thai, English): UC only
    changes_left_this_year: int | None  # UC only

    def as_json(self) -> dict[str, Any]:
        name_th, name_en = SCHEMES[self.scheme]
        hospital = None
        if self.hospital is not None:
            code, hospital_th, hospital_en = self.hospital
            hospital = {"code": code, "name_th": hospital_th, "name_en": hospital_en}
        return {
            "pid": self.pid,
            "scheme": self.scheme,
            "scheme_name_th": name_th,
            "scheme_name_en": name_en,
            "main_hospital": hospital,
            "since": self.since.isoformat(),
            "changes_left_this_year": self.changes_left_this_year,
        }


def _pick(seed: int, scale: int, *parts: object) -> int:
    text = ":".join(str(part) for part in (seed, CODE, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % scale


def coverage(person: Person, sso: Sso) -> Coverage | None:
    """`person`'s main scheme (None: not Thai, so none of the three); `sso` is SSO's register
    for the same seed (its `seed` is this draw's too)."""
    if nationality(person) != "TH":
        return None
    seed, pid = sso.seed, person.pid
    pension = pensioner(person, seed)
    if pension is not None:
        return Coverage(pid, "CSMBS", pension.since, None, None)
    insured = sso.insured(pid)
    if insured is not None and insured.section in (33, 39) and insured.status == "active":
        return Coverage(pid, "SSS", insured.insured_since, None, None)
    district = person.address.district
    unit = f"{10_000 + _pick(seed, 90_000, 'unit', person.address.province.iso, district.en):05d}"
    hospital = (unit, f"โรงพยาบาล{district.th}", f"{district.en} Hospital")
    born = int(person.birth_date_be[:4]) - BE_OFFSET
    first = max(UC_STARTED, dt.date(born, 1, 1))
    since = first + dt.timedelta(days=_pick(seed, 365 * 5, "since", pid))
    used = 0 if age_on_as_of(person) >= 60 else _pick(seed, 3, "changes", pid)
    return Coverage(pid, "UC", since, hospital, UC_CHANGES_A_YEAR - used)
