"""The mock RD's app, mounted by the host at /rd: the casework API (mock_agencies/casework) for
personal income tax e-filing, plus its once-only data (R-12.1):

    GET /api/v1/withholding/{pid}?year=YYYY   Consumer-Key, Token → the withholding
        certificates payers reported for tax year YYYY (CE, or BE when 2400 or more):
        {"pid", "tax_year", "tax_year_be", "certificates": [{"certificate_number", "payer":
         {"tax_id", "name_th", "name_en"}, "income_type", "income_satang", "withheld_satang",
         "social_security_satang"}], "totals": {...}}; 404 not_found when RD has no taxpayer
         record of the person
    GET /api/v1/refunds/{pid}                 Consumer-Key, Token → the latest income tax refund:
        {"pid", "tax_year", "tax_year_be", "status": "none" | "processing" | "paid",
         "refund_id", "amount_satang", "filed_on", "paid_on"} (null where the status has
         none); a refund paid on a portal e-filing, else that of the latest tax year whose
         returns are in (from June, the year just ended), drawn from the ID (demo citizen
         1's is paid, demo citizen 8's processing, the other demo citizens' none); 404
         not_found when RD has no taxpayer record of the person
    GET /api/v1/bills?pid=…                   Consumer-Key, Token → the income tax the person
        still owes for the last tax year (kind "tax"; rd/bills.py), and
    POST /api/v1/bills/{bill_id}/payments     its payment notice (mock_agencies/billing)

A filing (`form.tax_year` BE, `return_type`, `other_income_satang`, `refund_requested`) is
assessed on receipt: tax still to pay is the filing's fee; approval carries the assessment and,
when asked for, the refund paid to PromptPay on the taxpayer's ID (`data.refund`,
`data.refund_satang`).

The tax due is known at filing and paid at filing (no service in `fees_after_approval`): the
gateway's payment report is recorded on the case whatever its review has reached, without a
status change, and approval never waits for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.params import Depends

from mock_agencies import grants
from mock_agencies.billing import BillBook, add_bill_routes
from mock_agencies.casework import (
    DEMO_PIDS,
    Agency,
    Case,
    Casework,
    CaseworkApps,
    Fee,
    InvalidRequest,
    NotFound,
    Submission,
    checked_pid,
)
from mock_agencies.casework.model import iso
from mock_agencies.rd.bills import TaxDue
from mock_agencies.rd.data import (
    BE_OFFSET,
    CODE,
    FIRST_YEAR,
    HEAD_OFFICE,
    NAME_EN,
    NAME_TH,
    OFFICES,
    PAYERS,
    SERVICES,
    Certificate,
)
from mock_agencies.rd.rules import Assessment, assess

SOCIAL_SECURITY_WAGE_CAP_SATANG = 1_500_000
SOCIAL_SECURITY_PERCENT = 5


class Rd(Agency):
    code = CODE
    name_th = NAME_TH
    name_en = NAME_EN
    offices = OFFICES
    head_office = HEAD_OFFICE
    services = SERVICES

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.refunds: list[dict[str, Any]] = []
        self.bills = BillBook(TaxDue(self))

    def certificates(self, pid: str, year: int, today: dt.date) -> list[Certificate] | None:
        """What payers reported for `pid` in tax `year` (CE); None when RD knows no such
        taxpayer. Only years already ended have certificates."""
        if not self.knows(pid):
            return None
        if not FIRST_YEAR <= year < today.year:
            return []
        demo = pid in DEMO_PIDS
        found = []
        for index in range(1 if demo else 1 + (self.pick(5, "payers", pid, year) == 0)):
            tax_id, name_th, name_en = PAYERS[self.pick(len(PAYERS), "payer", pid, year, index)]
            months = 12 if index == 0 else 1 + self.pick(6, "months", pid, year)
            low = 40_000 if demo else 15_000  # THB a month; a demo citizen pays some tax
            salary = (low + 500 * self.pick(271, "salary", pid, year, index)) * 100
            income = salary * months
            contributions = (
                min(salary, SOCIAL_SECURITY_WAGE_CAP_SATANG) * SOCIAL_SECURITY_PERCENT // 100
            ) * months
            # Payers withhold on the year's estimate, usually a little more than the tax.
            estimate = assess(salary * 12, 0, contributions * 12 // months).tax_satang
            factor = (110 if demo else 95) + self.pick(20, "factor", pid, year, index)
            withheld = estimate * months // 12 * factor // 100
            serial = self.pick(10**6, "no", pid, year, index)
            found.append(
                Certificate(
                    number=f"{year + BE_OFFSET}-{tax_id[-4:]}-{serial:06d}",
                    payer_tax_id=tax_id,
                    payer_name_th=name_th,
                    payer_name_en=name_en,
                    income_type="40(1)",
                    income_satang=income,
                    withheld_satang=withheld,
                    social_security_satang=contributions,
                )
            )
        return found

    def latest_refund(self, pid: str, today: dt.date) -> dict[str, Any] | None:
        """The person's latest refund (module docstring); None when RD knows no such taxpayer."""
        if not self.knows(pid):
            return None
        paid = [refund for refund in self.refunds if refund["pid"] == pid]
        if paid:  # refunded on a portal e-filing
            refund = paid[-1]
            day = dt.datetime.fromisoformat(refund["paid_at"]).date()
            number, amount = refund["refund_id"], refund["amount_satang"]
            return _refund(pid, day.year - 1, number, amount, None, day)
        # The latest tax year whose returns are in (filed by the end of March; counted from
        # June, so that a return is never dated after today).
        year = today.year - (1 if today.month >= 6 else 2)
        demo = DEMO_REFUNDS.get(pid)
        if demo is None and (pid in DEMO_PIDS or self.pick(3, "refund", pid) != 0):
            return _refund(pid, year)
        filed_on = dt.date(year + 1, 2 + self.pick(2, "filed", pid), 1 + self.pick(28, "d", pid))
        paid_on: dt.date | None = filed_on + dt.timedelta(days=30 + self.pick(60, "paid", pid))
        if demo == "processing" or (demo is None and paid_on is not None and paid_on > today):
            paid_on = None
        elif paid_on is not None:
            paid_on = min(paid_on, today)
        amount = (1_000 + 50 * self.pick(480, "amount", pid, year)) * 100
        number = f"{self.code}-R-{year + BE_OFFSET}-{self.pick(10**6, 'no', pid):06d}"
        return _refund(pid, year, number, amount, filed_on, paid_on)

    def assessment(self, submission: Submission, today: dt.date) -> Assessment:
        form = submission.form
        year = _tax_year(form.get("tax_year"), today)
        other = form.get("other_income_satang", 0)
        if not isinstance(other, int) or isinstance(other, bool) or other < 0:
            raise InvalidRequest("form.other_income_satang must be a whole number of satang")
        reported = self.certificates(submission.applicant.pid, year, today) or []
        return assess(
            sum(c.income_satang for c in reported) + other,
            sum(c.withheld_satang for c in reported),
            sum(c.social_security_satang for c in reported),
        )

    def fees(self, submission: Submission, now: dt.datetime) -> list[Fee]:
        payable = -self.assessment(submission, now.date()).balance_satang
        if payable <= 0:
            return []
        return [Fee("ภาษีเงินได้บุคคลธรรมดาที่ต้องชำระเพิ่ม", "Personal income tax still to pay", payable)]

    def approve(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        submission = case.submission
        assessment = self.assessment(submission, now.date())
        refund = None
        if submission.form.get("refund_requested") is True and assessment.balance_satang > 0:
            refund = {
                "refund_id": f"{self.code}-F-{len(self.refunds) + 1:06d}",
                "agency_ref": case.ref,
                "pid": submission.applicant.pid,
                "amount_satang": assessment.balance_satang,
                "to": {"promptpay_id": submission.applicant.pid},
                "paid_at": iso(now),
                "status": "paid",
            }
            self.refunds.append(refund)
        return {
            "tax_year_be": _tax_year(submission.form.get("tax_year"), now.date()) + BE_OFFSET,
            "assessment": assessment.as_json(),
            "refund_satang": refund["amount_satang"] if refund else 0,
            "refund": refund,
        }

    def issued_document(
        self, case: Case, effect: dict[str, Any], now: dt.datetime, number: str
    ) -> dict[str, Any] | None:
        """A certificate of the assessment: the tax year, the tax, and the refund."""
        assessment, year_be = effect["assessment"], effect["tax_year_be"]
        return grants.document(
            "certificate",
            number,
            "หนังสือแจ้งผลการประเมินภาษีเงินได้บุคคลธรรมดา",
            "Personal income tax assessment certificate",
            [
                grants.item(
                    "tax_year", "ปีภาษี", "Tax year", f"พ.ศ. {year_be}", str(year_be - BE_OFFSET)
                ),
                grants.item(
                    "income",
                    "เงินได้พึงประเมิน",
                    "Assessable income",
                    *grants.baht(assessment["income_satang"]),
                ),
                grants.item(
                    "tax", "ภาษีที่คำนวณได้", "Tax assessed", *grants.baht(assessment["tax_satang"])
                ),
                grants.item(
                    "withheld",
                    "ภาษีที่ถูกหัก ณ ที่จ่าย",
                    "Tax withheld",
                    *grants.baht(assessment["withheld_satang"]),
                ),
                grants.item(
                    "refund", "ภาษีที่ได้รับคืน", "Tax refunded", *grants.baht(effect["refund_satang"])
                ),
            ],
        )

    def document_title(self, case: Case) -> str:
        return "RD: personal income tax return assessed"

    def document_lines(self, case: Case, effect: dict[str, Any]) -> list[str]:
        assessment = effect["assessment"]
        return [
            f"Tax year (BE): {effect['tax_year_be']}",
            f"Income: {assessment['income_satang'] / 100:,.2f} THB",
            f"Tax: {assessment['tax_satang'] / 100:,.2f} THB",
            f"Withheld: {assessment['withheld_satang'] / 100:,.2f} THB",
            f"Refund: {effect['refund_satang'] / 100:,.2f} THB",
        ]

    def add_routes(self, app: FastAPI, casework: Casework, token_required: list[Depends]) -> None:
        add_bill_routes(app, self.bills, token_required, casework.now)

        @app.get("/api/v1/refunds/{pid}", dependencies=token_required)
        async def refund(pid: str) -> dict[str, Any]:
            found = self.latest_refund(checked_pid(pid), casework.now().date())
            if found is None:
                raise NotFound("RD has no taxpayer record of this person")
            return found

        @app.get("/api/v1/withholding/{pid}", dependencies=token_required)
        async def withholding(
            pid: str, year: Annotated[int, Query(ge=1900, le=2700)]
        ) -> dict[str, Any]:
            tax_year = year - BE_OFFSET if year >= 2400 else year
            found = self.certificates(checked_pid(pid), tax_year, casework.now().date())
            if found is None:
                raise NotFound("RD has no taxpayer record of this person")
            return {
                "pid": pid,
                "tax_year": tax_year,
                "tax_year_be": tax_year + BE_OFFSET,
                "certificates": [certificate.as_json() for certificate in found],
                "totals": {
                    "income_satang": sum(c.income_satang for c in found),
                    "withheld_satang": sum(c.withheld_satang for c in found),
                    "social_security_satang": sum(c.social_security_satang for c in found),
                },
            }


#: Demo citizens with a refund (docs/demo-citizens.md): 1 paid, 8 still processing.
DEMO_REFUNDS = {"1100100001014": "paid", "1120100008086": "processing"}


def _refund(
    pid: str,
    year: int,
    refund_id: str | None = None,
    amount_satang: int | None = None,
    filed_on: dt.date | None = None,
    paid_on: dt.date | None = None,
) -> dict[str, Any]:
    """A refund answer; with no `refund_id`, none."""
    status = "none" if refund_id is None else "paid" if paid_on is not None else "processing"
    return {
        "pid": pid,
        "tax_year": year,
        "tax_year_be": year + BE_OFFSET,
        "status": status,
        "refund_id": refund_id,
        "amount_satang": amount_satang,
        "filed_on": filed_on.isoformat() if filed_on else None,
        "paid_on": paid_on.isoformat() if paid_on else None,
    }


def _tax_year(value: object, today: dt.date) -> int:
    """The form's tax year (BE) as CE; the year just ended when the form names none."""
    if value is None:
        return today.year - 1
    if not isinstance(value, int) or isinstance(value, bool) or not 2500 <= value <= 2700:
        raise InvalidRequest("form.tax_year must be a Buddhist Era year such as 2567")
    return value - BE_OFFSET


#: The mock RD: `create_app(seed=…, clock=…, consumers=…, …)` (mock_agencies/casework/app.py's
#: `CaseworkOptions`), `create_default_app()` as the host serves it.
APPS = CaseworkApps(Rd)
create_app = APPS.create_app
create_default_app = APPS.create_default_app
