"""A utility's monthly bills (mock PEA's electricity, mock PWA's water). Pure: no I/O.

Most people are customers, with one account whose number is drawn from their ID; the demo
citizens always are. A month's bill is issued on the 1st of the next month and due 14 days
later. Each account has a habit, drawn from its number: most leave the latest bill or the
latest two unpaid for now, a few pay every bill the day it comes (a direct debit) and owe
nothing. Older bills were settled at a counter. So on any day a person owes 0 to 2 bills,
and a bill leaves the list only when paid: here, or (once the next month's bill is out, for
the late payers) at a counter.

The bill number, Ref1 on the Thai QR, is the biller's prefix, the account number and the
month (`YYMM`): "PEA" + 12 digits + 4 is 19 characters, within Ref1's 20. Everything about a
bill follows from its number, so the biller can tell a bill from a made-up number (the account
number's keyed check digits) without having listed it first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

from mock_agencies.billing.bills import Bill, Draw
from mock_agencies.casework.agency import DEMO_PIDS
from mock_agencies.dopa.population import is_valid_national_id

THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
BE_OFFSET = 543


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int  # 1..12

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def minus(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 - months
        return Month(index // 12, index % 12 + 1)

    def since(self, other: Month) -> int:
        """Whole months from `other` to this month."""
        return (self.year - other.year) * 12 + self.month - other.month

    @property
    def issued_on(self) -> dt.date:
        """The bill for this month comes out on the 1st of the next one."""
        following = self.minus(-1)
        return dt.date(following.year, following.month, 1)

    @property
    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def yymm(self) -> str:
        return f"{self.year % 100:02d}{self.month:02d}"

    @property
    def name_th(self) -> str:
        return f"{THAI_MONTHS[self.month - 1]} {self.year + BE_OFFSET}"

    @property
    def name_en(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%B %Y")


class MonthlyBiller:
    """The bills of one utility; a subclass says what a month's use is and what it costs."""

    prefix: ClassVar[str]  # upper case: starts every bill number
    kind: ClassVar[str]
    noun_th: ClassVar[str]  # the bill's title: "ค่าไฟฟ้า"
    noun_en: ClassVar[str]  # "Electricity"
    unit: ClassVar[str]  # what `usage` counts: "kWh"
    account_digits: ClassVar[int]  # drawn digits of an account number (3 check digits follow)
    no_account_percent: ClassVar[int] = 10  # people who are not customers
    due_days: ClassVar[int] = 14
    history_months: ClassVar[int] = 24  # older bills are not on record
    #: An account's habit by a draw from 10: how many of the latest bills it owes.
    HABITS: ClassVar[tuple[int, ...]] = (0, 1, 1, 1, 1, 1, 2, 2, 2, 2)

    def __init__(self, seed: int = 0) -> None:
        self.draw = Draw(seed, self.prefix)

    # -- the utility's part ------------------------------------------------------------------

    def usage(self, account: str, month: Month) -> int:
        """What the account used in `month`, in `unit`."""
        raise NotImplementedError

    def charge_satang(self, usage: int) -> int:
        """The bill for `usage`, VAT included."""
        raise NotImplementedError

    # -- accounts ----------------------------------------------------------------------------

    def account(self, pid: str) -> str | None:
        """The person's account number; None when they are not a customer."""
        if not is_valid_national_id(pid):
            return None
        demo = pid in DEMO_PIDS
        if not demo and self.draw.pick(100, "customer", pid) < self.no_account_percent:
            return None
        for attempt in itertools.count():
            number = self.draw.checked(
                self.draw.pick(10**self.account_digits, "account", pid, attempt),
                self.account_digits,
            )
            # A demo citizen always has a bill to pay: draw again until the habit owes one.
            if not demo or self.owed_months(number) > 0:
                return number
        raise AssertionError("unreachable")  # pragma: no cover

    def owed_months(self, account: str) -> int:
        """How many of the latest bills the account owes (its habit)."""
        return self.HABITS[self.draw.pick(len(self.HABITS), "habit", account)]

    # -- bills -------------------------------------------------------------------------------

    def bill(self, account: str, month: Month) -> Bill:
        used = self.usage(account, month)
        issued = month.issued_on
        return Bill(
            bill_id=f"{self.prefix}{account}{month.yymm}",
            kind=self.kind,
            title_th=f"{self.noun_th}เดือน{month.name_th}",
            title_en=f"{self.noun_en}, {month.name_en}",
            account_ref=account,
            period=month.iso,
            amount_satang=self.charge_satang(used),
            issued_on=issued,
            due_on=issued + dt.timedelta(days=self.due_days),
            details=self.details(used),
        )

    def details(self, usage: int) -> dict[str, Any]:
        return {"usage": usage, "unit": self.unit}

    def bills_of(self, pid: str, today: dt.date) -> list[Bill]:
        account = self.account(pid)
        if account is None:
            return []
        latest = Month.of(today).minus(1)  # the last month whose bill is out
        owed = self.owed_months(account)
        return [self.bill(account, latest.minus(age)) for age in reversed(range(owed))]

    def issued(self, bill_id: str, today: dt.date) -> tuple[Bill, bool] | None:
        parsed = self._parse(bill_id)
        if parsed is None:
            return None
        account, month = parsed
        age = Month.of(today).minus(1).since(month)  # 0: the latest bill
        if not 0 <= age < self.history_months:
            return None
        return self.bill(account, month), age < self.owed_months(account)

    def _parse(self, bill_id: str) -> tuple[str, Month] | None:
        account_length = self.account_digits + 3
        rest = bill_id.removeprefix(self.prefix)
        if (
            rest == bill_id
            or len(rest) != account_length + 4
            or not (rest.isascii() and rest.isdigit())
        ):
            return None
        account, yymm = rest[:account_length], rest[account_length:]
        month = int(yymm[2:])
        if not (1 <= month <= 12 and self.draw.is_checked(account, self.account_digits)):
            return None
        return account, Month(2000 + int(yymm[:2]), month)
