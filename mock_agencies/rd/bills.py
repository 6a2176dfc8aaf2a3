"""RD's bills: personal income tax still to pay for the last tax year. Pure: no I/O.

About 15 % of people (a fifth of the taxpayers RD knows; it knows four in five) owe income tax
for the tax year just ended (the calendar year before today's): a stable draw from the ID, the
same people every year. The tax is due on 8 April, the e-filing deadline, and stays owed until
paid: after that day the bill is overdue, not gone. Demo citizen 7
(นางทองใบ บุญมา) always owes, so a demo has a tax bill to pay; demo citizen 1, whose e-filing
brings a refund, never does.

The bill number is "RD" + the tax year (BE) + a 10-digit notice number with keyed check
digits, e.g. `RD25680012345678`: 16 characters. A notice of an earlier year (up to five back)
was settled; an older or later one is unknown.
"""

from __future__ import annotations

import datetime as dt

from mock_agencies.billing import Bill, Draw
from mock_agencies.casework import Agency
from mock_agencies.rd.data import BE_OFFSET

OWING_PERCENT = 19  # of the taxpayers RD knows: about 15 % of people
ALWAYS_OWING = frozenset({"3340100007076"})  # demo citizen 7
NEVER_OWING = frozenset({"1100100001014"})  # demo citizen 1: a refund, not a bill
NOTICE_DIGITS = 7  # then 3 check digits
YEARS_ON_RECORD = 5
LEAST_SATANG, MOST_SATANG = 100_000, 4_000_000  # 1,000 to 40,000 THB


class TaxDue:
    """The tax bills of `agency` (RD: its seed, and whom it knows as a taxpayer)."""

    def __init__(self, agency: Agency) -> None:
        self.agency = agency
        self.draw = Draw(agency.seed, f"{agency.code}-tax-due")

    def owes(self, pid: str) -> bool:
        if pid in ALWAYS_OWING:
            return True
        if pid in NEVER_OWING or not self.agency.knows(pid):
            return False
        return self.draw.pick(100, "owes", pid) < OWING_PERCENT

    def bill(self, notice: str, year: int) -> Bill:
        """The bill of `notice` for tax `year` (CE)."""
        be = year + BE_OFFSET
        return Bill(
            bill_id=f"RD{be}{notice}",
            kind="tax",
            title_th=f"ภาษีเงินได้บุคคลธรรมดาที่ต้องชำระเพิ่ม ปีภาษี {be}",
            title_en=f"Personal income tax still to pay, tax year {year}",
            account_ref=str(be),
            period=str(year),
            amount_satang=LEAST_SATANG
            + self.draw.pick(MOST_SATANG - LEAST_SATANG + 1, "amount", notice, year),
            issued_on=dt.date(year + 1, 1, 1),
            due_on=dt.date(year + 1, 4, 8),
            details={"notice_number": notice, "form": "ภ.ง.ด.90/91"},
        )

    def _notice(self, pid: str, year: int) -> str:
        body = self.draw.pick(10**NOTICE_DIGITS, "notice", pid, year)
        return self.draw.checked(body, NOTICE_DIGITS, year)

    def bills_of(self, pid: str, today: dt.date) -> list[Bill]:
        if not self.owes(pid):
            return []
        year = today.year - 1
        return [self.bill(self._notice(pid, year), year)]

    def issued(self, bill_id: str, today: dt.date) -> tuple[Bill, bool] | None:
        rest = bill_id.removeprefix("RD")
        if rest == bill_id or len(rest) != 4 + NOTICE_DIGITS + 3:
            return None
        if not (rest.isascii() and rest.isdigit()):
            return None
        year, notice = int(rest[:4]) - BE_OFFSET, rest[4:]
        age = today.year - 1 - year  # 0: the last tax year
        if not 0 <= age <= YEARS_ON_RECORD:
            return None
        if not self.draw.is_checked(notice, NOTICE_DIGITS, year):
            return None
        return self.bill(notice, year), age == 0
