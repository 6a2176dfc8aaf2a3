"""The mock SSO's app, mounted by the host at /sso: the casework API (mock_agencies/casework)
for unemployment benefit claims, plus:

    GET /api/v1/insured/{pid}      Consumer-Key, Token → the insurance record (R-12.1)
                                   {"pid", "section", "status", "employer": {"name_th",
                                    "name_en", "account_number"}, "insured_since",
                                    "months_contributed", "contributions_last_15_months",
                                    "last_wage_satang"}; 404 not_found when not insured
    GET /api/v1/payouts?pid=…      Consumer-Key, Token → {"pid", "payouts": [payout, ...]}

Approving a claim pays the first month of benefit out: a payout record
`{"payout_id", "agency_ref", "pid", "purpose", "amount_satang", "to", "paid_at", "status"}`,
where `to` is `{"promptpay_id": <pid>}` or `{"bank_account": {"bank", "account_number"}}` as
the form's `paid_by` chose. The approved event's data carries `payout` and `benefit`. A claim
the insurance record does not support cannot be approved (409 not_eligible; the automatic rule
rejects it with the reason).

Money from the state (รับเงิน): an unemployment benefit paid by PromptPay on the claimant's ID
is paid by the portal. The approved event's data then also carries
`disbursements: [{"payout_id", "amount_satang", "kind": "unemployment_benefit", "title_th",
"title_en", "period", "pay_on"}]` (the first month: the benefit's `monthly_satang`, on the
approval day in Bangkok; `payout_id` is `<application number>-UB-1`), and SSO's own payout
record says `"via": "portal", "status": "ordered"`. A benefit paid into a bank account SSO pays
itself (`"status": "paid"`, no disbursement): the portal pays only PromptPay on the ID.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.params import Depends

from mock_agencies import grants
from mock_agencies.casework import (
    DEMO_PIDS,
    Agency,
    Case,
    Casework,
    CaseworkApps,
    Fee,
    InvalidRequest,
    NotEligible,
    NotFound,
    NotOurCase,
    Submission,
    checked_pid,
)
from mock_agencies.casework.model import iso
from mock_agencies.cgd.register import DEMO_PENSIONERS
from mock_agencies.sso.data import (
    CHILD_ALLOWANCE,
    CODE,
    EMPLOYERS,
    HEAD_OFFICE,
    NAME_EN,
    NAME_TH,
    OFFICES,
    SERVICES,
    InsuredPerson,
)
from mock_agencies.sso.rules import (
    CHILD_ALLOWANCE_SATANG,
    CHILD_GRANT_AGENCY,
    not_insured_for_child_allowance,
    unemployment_benefit,
    why_no_child_allowance,
    why_not_entitled,
)

_CAUSES = {
    "laid_off": ("ถูกเลิกจ้าง", "Laid off"),
    "resigned": ("ลาออก", "Resigned"),
    "contract_ended": ("สิ้นสุดสัญญาจ้าง", "Fixed-term contract ended"),
}
BANK_CODES = frozenset({"002", "004", "006", "011", "014", "025", "030", "034"})
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")  # Asia/Bangkok: UTC+7, no DST
#: What the portal takes as a payout id (and room for the suffix).
_PAYOUT_ID_BASE = re.compile(r"[A-Za-z0-9._:-]{1,58}")


class Sso(Agency):
    code = CODE
    name_th = NAME_TH
    name_en = NAME_EN
    offices = OFFICES
    head_office = HEAD_OFFICE
    services = SERVICES

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.payouts: list[dict[str, Any]] = []

    def insured(self, pid: str) -> InsuredPerson | None:
        # The demo pensioner (demo citizen 7) retired from the civil service: never insured
        # here, so that NHSO's coverage (CSMBS) and this register agree.
        if not self.knows(pid) or pid in DEMO_PENSIONERS:
            return None
        demo = pid in DEMO_PIDS
        roll = self.pick(20, "section", pid)
        section = 33 if demo or roll < 15 else (39 if roll < 18 else 40)
        months = 3 + self.pick(238, "months", pid)
        if demo:  # the demo citizens can claim: insured long enough, recently
            months = max(months, 24)
        # One in six (never a demo citizen) has too few recent contributions to claim.
        recent = min(15, months)
        if not demo and self.pick(6, "gap", pid) == 0:
            recent = min(months, self.pick(6, "few", pid))
        since = dt.date(2025, 1, 1) - dt.timedelta(days=months * 30)
        wage = None
        if section == 33:
            wage = (9_000 + 500 * self.pick(103, "wage", pid)) * 100  # 9,000-60,000 THB
        elif section == 39:
            wage = 480_000  # contributions counted on 4,800 THB
        employer = None
        if section == 33:
            name_th, name_en = EMPLOYERS[self.pick(len(EMPLOYERS), "employer", pid)]
            account = f"{10**9 + self.pick(9 * 10**9, 'account', pid):010d}"
            employer = (name_th, name_en, account)
        return InsuredPerson(
            pid=pid,
            section=section,
            status="active" if self.pick(3, "status", pid) else "ended",
            employer=employer,
            insured_since=since,
            months_contributed=months,
            contributions_last_15_months=recent,
            last_wage_satang=wage,
        )

    def check_filing(self, submission: Submission) -> None:
        super().check_filing(submission)
        if submission.service_id != CHILD_ALLOWANCE:
            return
        why = not_insured_for_child_allowance(self.insured(submission.applicant.pid))
        if why is not None:  # the child support grant is DCY's
            raise NotOurCase(
                f"not SSO's case: {why}; the child support grant is {CHILD_GRANT_AGENCY}'s",
                responsible_agency=CHILD_GRANT_AGENCY,
            )

    def fees(self, submission: Submission, now: dt.datetime) -> list[Fee]:
        _payee(submission)  # refuse a claim that says to pay into nowhere
        return []  # claiming a benefit costs nothing

    def approve(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        if case.submission.service_id == CHILD_ALLOWANCE:
            return self._approve_child_allowance(case, now)
        pid = case.submission.applicant.pid
        person = self.insured(pid)
        if (reason := why_not_entitled(person)) is not None:
            raise NotEligible(reason)
        assert person is not None
        benefit = unemployment_benefit(person, str(case.submission.form.get("cause", "")))
        effect: dict[str, Any] = {
            "benefit": {
                "cause": benefit.cause,
                "rate_percent": benefit.rate_percent,
                "days": benefit.days,
                "wage_base_satang": benefit.wage_base_satang,
                "monthly_satang": benefit.monthly_satang,
            },
        }
        payee = _payee(case.submission)
        if "promptpay_id" not in payee:
            effect["payout"] = self._pay(case, now, "unemployment_benefit", benefit.monthly_satang)
            return effect
        # Paid by the portal to PromptPay on the claimant's ID: SSO orders it in the event.
        order = _first_month(case, now, benefit.monthly_satang)
        effect["payout"] = self._pay(
            case,
            now,
            "unemployment_benefit",
            benefit.monthly_satang,
            payout_id=order["payout_id"],
            via_portal=True,
        )
        effect["disbursements"] = [order]
        return effect

    def _approve_child_allowance(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        pid = case.submission.applicant.pid
        person = self.insured(pid)
        why = not_insured_for_child_allowance(person)
        if why is None:
            assert person is not None
            why = why_no_child_allowance(person)
        if why is not None:
            raise NotEligible(why)
        payout = self._pay(case, now, "child_allowance", CHILD_ALLOWANCE_SATANG)
        child = case.submission.form.get("child") or {}
        return {
            "payout": payout,
            "allowance": {
                "child_national_id": child.get("national_id"),
                "monthly_satang": CHILD_ALLOWANCE_SATANG,
            },
        }

    def _pay(
        self,
        case: Case,
        now: dt.datetime,
        purpose: str,
        amount: int,
        *,
        payout_id: str | None = None,
        via_portal: bool = False,
    ) -> dict[str, Any]:
        """SSO's record of a payout: paid by SSO itself, or ordered from the portal."""
        payout = {
            "payout_id": payout_id or f"{self.code}-P-{len(self.payouts) + 1:06d}",
            "agency_ref": case.ref,
            "pid": case.submission.applicant.pid,
            "purpose": purpose,
            "amount_satang": amount,
            "to": _payee(case.submission),
            "paid_at": iso(now),
            "status": "ordered" if via_portal else "paid",
        }
        if via_portal:
            payout["via"] = "portal"
        self.payouts.append(payout)
        return payout

    def issued_document(
        self, case: Case, effect: dict[str, Any], now: dt.datetime, number: str
    ) -> dict[str, Any] | None:
        """A benefit award letter: the monthly amount and from when it is paid."""
        today = grants.bangkok_day(now)
        if allowance := effect.get("allowance"):
            items = [
                grants.item(
                    "benefit",
                    "ประโยชน์ทดแทน",
                    "Benefit",
                    "เงินสงเคราะห์บุตร",
                    "Child allowance",
                ),
                grants.item(
                    "monthly_amount",
                    "จำนวนเงินต่อเดือน",
                    "Monthly amount",
                    *grants.baht(allowance["monthly_satang"]),
                ),
            ]
            if isinstance(child := allowance.get("child_national_id"), str):
                items.append(
                    grants.item(
                        "child_id",
                        "เลขประจำตัวประชาชนของบุตร",
                        "Child's national ID",
                        grants.masked_id(child),
                    )
                )
            return grants.document(
                "benefit_award",
                number,
                "หนังสือแจ้งผลการอนุมัติเงินสงเคราะห์บุตร",
                "Child allowance award letter",
                items,
                valid_from=today,
            )
        benefit = effect["benefit"]
        items = [
            grants.item(
                "benefit",
                "ประโยชน์ทดแทน",
                "Benefit",
                "ประโยชน์ทดแทนกรณีว่างงาน",
                "Unemployment benefit",
            ),
            grants.item(
                "monthly_amount",
                "จำนวนเงินต่อเดือน",
                "Monthly amount",
                *grants.baht(benefit["monthly_satang"]),
            ),
            grants.item(
                "rate",
                "อัตราประโยชน์ทดแทน",
                "Rate",
                f"ร้อยละ {benefit['rate_percent']} ของค่าจ้าง",
                f"{benefit['rate_percent']}% of wages",
            ),
            grants.item(
                "duration",
                "ระยะเวลาจ่ายสูงสุด",
                "Paid for at most",
                f"{benefit['days']} วัน",
                f"{benefit['days']} days",
            ),
        ]
        if cause := _CAUSES.get(benefit["cause"]):
            items.append(grants.item("cause", "เหตุแห่งการว่างงาน", "Cause", *cause))
        return grants.document(
            "benefit_award",
            number,
            "หนังสือแจ้งผลการอนุมัติประโยชน์ทดแทนกรณีว่างงาน",
            "Unemployment benefit award letter",
            items,
            valid_from=today,
            valid_until=today + dt.timedelta(days=benefit["days"] - 1),
        )

    def document_title(self, case: Case) -> str:
        if case.submission.service_id == CHILD_ALLOWANCE:
            return "SSO: child allowance granted"
        return "SSO: unemployment benefit granted"

    def document_lines(self, case: Case, effect: dict[str, Any]) -> list[str]:
        if "allowance" in effect:
            payout = effect["payout"]
            return [
                f"Child allowance: {effect['allowance']['monthly_satang'] / 100:,.2f} THB a month",
                f"First payment: {payout['payout_id']}, {payout['amount_satang'] / 100:,.2f} THB",
            ]
        benefit, payout = effect["benefit"], effect["payout"]
        lines = [
            f"Benefit: {benefit['rate_percent']}% of wage for up to {benefit['days']} days",
            f"Monthly amount: {benefit['monthly_satang'] / 100:,.2f} THB",
            f"First payment: {payout['payout_id']}, {payout['amount_satang'] / 100:,.2f} THB",
        ]
        for order in effect.get("disbursements", []):
            lines.append(
                f"Paid by the portal to PromptPay on the applicant's ID on {order['pay_on']}"
            )
        return lines

    def add_routes(self, app: FastAPI, casework: Casework, token_required: list[Depends]) -> None:
        @app.get("/api/v1/insured/{pid}", dependencies=token_required)
        async def insurance_record(pid: str) -> dict[str, Any]:
            person = self.insured(checked_pid(pid))
            if person is None:
                raise NotFound("this person is not insured with SSO")
            return person.as_json()

        @app.get("/api/v1/payouts", dependencies=token_required)
        async def payouts(pid: Annotated[str, Query(max_length=13)]) -> dict[str, Any]:
            checked_pid(pid)
            return {"pid": pid, "payouts": [p for p in self.payouts if p["pid"] == pid]}


def _first_month(case: Case, now: dt.datetime, amount_satang: int) -> dict[str, Any]:
    """The portal's order for the benefit's first month (docs/agency-integration.md, "Money
    from the state"). The payout id is built from the portal's application number, which the
    portal never reuses, not from this mock's case serial, which a restarted mock starts again
    (the portal would refuse a reused payout id with other content)."""
    number = case.submission.application_number
    base = number if _PAYOUT_ID_BASE.fullmatch(number) else case.ref
    today = now.astimezone(BANGKOK).date()
    return {
        "payout_id": f"{base}-UB-1",
        "amount_satang": amount_satang,
        "kind": "unemployment_benefit",
        "title_th": "เงินทดแทนกรณีว่างงาน เดือนที่ 1",
        "title_en": "Unemployment benefit, month 1",
        "period": f"{today:%Y-%m}",
        "pay_on": today.isoformat(),
    }


def _payee(submission: Submission) -> dict[str, Any]:
    """Where the benefit goes: PromptPay on the applicant's ID, or the bank account given."""
    form = submission.form
    if form.get("paid_by", "promptpay_id") != "bank_account":
        return {"promptpay_id": submission.applicant.pid}
    account = form.get("bank_account")
    if (
        not isinstance(account, dict)
        or account.get("bank") not in BANK_CODES
        or not str(account.get("account_number", "")).isdigit()
        or not 10 <= len(str(account["account_number"])) <= 12
    ):
        raise InvalidRequest(
            "form.bank_account must name a bank (code) and a 10-12 digit account_number "
            "when paid_by is bank_account"
        )
    return {"bank_account": {"bank": account["bank"], "account_number": account["account_number"]}}


#: The mock SSO: `create_app(seed=…, clock=…, consumers=…, …)` (mock_agencies/casework/app.py's
#: `CaseworkOptions`), `create_default_app()` as the host serves it.
APPS = CaseworkApps(Sso)
create_app = APPS.create_app
create_default_app = APPS.create_default_app
