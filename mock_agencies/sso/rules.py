"""SSO's unemployment benefit (Social Security Act B.E. 2533, s.78-79) and child allowance
(s.74-75), as the portal's manuals state them. Pure: no I/O.

- Entitled: a Section 33 insured person with at least 6 months of contributions within the
  15 months before becoming unemployed.
- Laid off: 50 % of the wage for up to 180 days a year; resigned or end of a fixed-term
  contract: 30 % for up to 90 days. Wages count up to 15,000 THB a month.
- Child allowance: a Section 33 or 39 insured person with at least 12 months of contributions
  gets 800 THB a month per child under 6. Someone SSO does not insure under those sections is
  not SSO's case at all: the child support grant is the Department of Children and Youth's.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_agencies.sso.data import InsuredPerson

WAGE_CAP_SATANG = 1_500_000
MIN_CONTRIBUTIONS = 6
#: cause → (percent of the wage, days a year)
RATES = {"laid_off": (50, 180), "resigned": (30, 90), "contract_ended": (30, 90)}


@dataclass(frozen=True)
class Benefit:
    cause: str
    rate_percent: int
    days: int
    wage_base_satang: int
    monthly_satang: int


def why_not_entitled(person: InsuredPerson | None) -> str | None:
    """The reason the person cannot have unemployment benefit, or None when they can."""
    if person is None:
        return "ไม่พบข้อมูลผู้ประกันตน / The applicant is not insured with SSO"
    if person.section != 33:
        return (
            f"ผู้ประกันตนมาตรา {person.section} ไม่มีสิทธิกรณีว่างงาน / "
            f"Section {person.section} insured persons have no unemployment benefit"
        )
    if person.contributions_last_15_months < MIN_CONTRIBUTIONS:
        return (
            "จ่ายเงินสมทบไม่ครบ 6 เดือนภายใน 15 เดือน / "
            "Fewer than 6 months of contributions within the last 15 months"
        )
    return None


def unemployment_benefit(person: InsuredPerson, cause: str) -> Benefit:
    rate, days = RATES.get(cause, RATES["resigned"])
    base = min(person.last_wage_satang or 0, WAGE_CAP_SATANG)
    return Benefit(cause, rate, days, base, base * rate // 100)


CHILD_ALLOWANCE_SATANG = 80_000
CHILD_ALLOWANCE_SECTIONS = frozenset({33, 39})
MIN_CHILD_CONTRIBUTIONS = 12
CHILD_GRANT_AGENCY = "DCY"


def not_insured_for_child_allowance(person: InsuredPerson | None) -> str | None:
    """Why a child allowance claim is not SSO's case (the person is not its insured person
    under s.33/39, so the grant for everyone else applies), or None when it is."""
    if person is None or person.status != "active":
        return "the applicant is not an active SSO insured person"
    if person.section not in CHILD_ALLOWANCE_SECTIONS:
        return f"Section {person.section} insured persons have no child allowance"
    return None


def why_no_child_allowance(person: InsuredPerson) -> str | None:
    if person.months_contributed < MIN_CHILD_CONTRIBUTIONS:
        return "จ่ายเงินสมทบไม่ครบ 12 เดือน / Fewer than 12 months of contributions"
    return None
