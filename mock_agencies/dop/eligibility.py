"""The DOP's automatic rule for the older persons' allowance registration. Pure: no I/O.

An application the portal reports complete (nothing `missing`) whose applicant is 60 or over on
the day of the decision (Asia/Bangkok) is approved; under 60 is rejected with the age as the
reason. An incomplete one is asked for the missing items once (R-LFA.2), and rejected if they are
still missing after that. A birth date the form does not carry cannot establish age: rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
SERVICE_ID = "dop-older-persons-allowance-registration"
MINIMUM_AGE = 60


def bangkok_date(at: float) -> dt.date:
    return dt.datetime.fromtimestamp(at, BANGKOK).date()


def age_on(birth: dt.date, today: dt.date) -> int:
    """Completed years (a 29 February birthday falls on 1 March in other years)."""
    years = today.year - birth.year
    return years - 1 if (today.month, today.day) < (birth.month, birth.day) else years


@dataclass(frozen=True)
class Assessment:
    action: Literal["approve", "reject", "request_info"]
    reason: str | None = None
    items: list[dict[str, str]] = field(default_factory=list)


def assess(
    form: Mapping[str, Any],
    missing: Sequence[Mapping[str, Any]],
    info_requests: int,
    today: dt.date,
) -> Assessment:
    if missing:
        names = [str(m.get("name") or m.get("pointer") or "?") for m in missing]
        if info_requests == 0:
            return Assessment(
                "request_info",
                reason="ขอเอกสาร/ข้อมูลที่ยังขาด / Please provide the missing items",
                items=[{"name_th": name, "name_en": name} for name in names[:20]],
            )
        return Assessment(
            "reject",
            reason=(
                f"ยังขาด {', '.join(names)} หลังการขอเพิ่มเติม / "
                f"Still missing after the request for information: {', '.join(names)}"
            ),
        )
    try:
        birth = dt.date.fromisoformat(str(form.get("birth_date")))
    except ValueError:
        return Assessment(
            "reject",
            reason="ไม่มีวันเกิดที่ใช้คำนวณอายุได้ / No birth date to establish the applicant's age",
        )
    age = age_on(birth, today)
    if age < MINIMUM_AGE:
        return Assessment(
            "reject",
            reason=(
                f"ผู้ขอมีอายุ {age} ปี ยังไม่ครบ {MINIMUM_AGE} ปีบริบูรณ์ / "
                f"The applicant is {age}, under {MINIMUM_AGE}"
            ),
        )
    return Assessment("approve")
