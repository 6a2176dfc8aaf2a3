"""Personal income tax (Revenue Code s.40, 48), simplified for salaried taxpayers. Pure: no I/O.

Income less the expense deduction (50 %, at most 100,000 THB), the personal allowance
(60,000 THB) and social security contributions (at most 9,000 THB) is taxed progressively:
0 % to 150,000 THB, 5 % to 300,000, 10 % to 500,000, 15 % to 750,000, 20 % to 1 million,
25 % to 2 million, 30 % to 5 million, 35 % above. What was withheld beyond the tax comes back
as a refund; a shortfall is tax to pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXPENSE_PERCENT = 50
EXPENSE_CAP_SATANG = 10_000_000
PERSONAL_ALLOWANCE_SATANG = 6_000_000
SOCIAL_SECURITY_CAP_SATANG = 900_000
#: (upper bound of the band in satang, or None for the top band; percent)
BANDS = (
    (15_000_000, 0),
    (30_000_000, 5),
    (50_000_000, 10),
    (75_000_000, 15),
    (100_000_000, 20),
    (200_000_000, 25),
    (500_000_000, 30),
    (None, 35),
)


def income_tax_satang(net_income_satang: int) -> int:
    tax, lower = 0, 0
    for upper, percent in BANDS:
        top = net_income_satang if upper is None else min(net_income_satang, upper)
        if top > lower:
            tax += (top - lower) * percent // 100
        if upper is None or net_income_satang <= upper:
            break
        lower = upper
    return tax


@dataclass(frozen=True)
class Assessment:
    income_satang: int
    expenses_satang: int
    allowances_satang: int
    net_income_satang: int
    tax_satang: int
    withheld_satang: int

    @property
    def balance_satang(self) -> int:
        """Positive: overpaid (refundable); negative: tax still to pay."""
        return self.withheld_satang - self.tax_satang

    def as_json(self) -> dict[str, Any]:
        return {
            "income_satang": self.income_satang,
            "expenses_satang": self.expenses_satang,
            "allowances_satang": self.allowances_satang,
            "net_income_satang": self.net_income_satang,
            "tax_satang": self.tax_satang,
            "withheld_satang": self.withheld_satang,
            "refundable_satang": max(0, self.balance_satang),
            "payable_satang": max(0, -self.balance_satang),
        }


def assess(income_satang: int, withheld_satang: int, social_security_satang: int) -> Assessment:
    expenses = min(income_satang * EXPENSE_PERCENT // 100, EXPENSE_CAP_SATANG)
    allowances = PERSONAL_ALLOWANCE_SATANG + min(social_security_satang, SOCIAL_SECURITY_CAP_SATANG)
    net = max(0, income_satang - expenses - allowances)
    return Assessment(
        income_satang=income_satang,
        expenses_satang=expenses,
        allowances_satang=allowances,
        net_income_satang=net,
        tax_satang=income_tax_satang(net),
        withheld_satang=withheld_satang,
    )
