"""The mock PEA's app, mounted by the host at /pea: the casework API (mock_agencies/casework) for
its bill e-service, and the Bills API (mock_agencies/billing) for the bills it sends:

    GET  /api/v1/bills?pid=…               Consumer-Key, Token → the person's open electricity
                                           bills (kind "electricity"; 0 to 2, the demo citizens
                                           at least 1)
    POST /api/v1/bills/{bill_id}/payments  Consumer-Key, Token, Idempotency-Key, the payment
                                           notice → 201 the payment (200 for the key again)
    GET  /staff/bill-payments              the payments recorded (no credentials)

Bill numbers are "PEA" + the 12-digit account number (CA) + the month (YYMM), e.g.
`PEA0123456789122509`. A bill comes out on the 1st of the next month and is due on the 15th.

Filing: `pea-electricity-bill-payment` (no fee: the e-service shows the account; the bills are
paid through the Bills API) is approved with the applicant's account and what it still owes
(`data.account`, `data.bills`, `data.outstanding_satang`; no `data.document`: it grants
nothing); an applicant who is no PEA customer (or names another account in `form.ca`) is not
eligible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI
from fastapi.params import Depends

from mock_agencies.billing import BillBook, add_bill_routes, thai_date
from mock_agencies.casework import Agency, Case, Casework, CaseworkApps, NotEligible
from mock_agencies.pea.data import (
    CODE,
    HEAD_OFFICE,
    NAME_EN,
    NAME_TH,
    OFFICES,
    SERVICES,
    Electricity,
)


class Pea(Agency):
    code = CODE
    name_th = NAME_TH
    name_en = NAME_EN
    offices = OFFICES
    head_office = HEAD_OFFICE
    services = SERVICES

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.electricity = Electricity(seed)
        self.bills = BillBook(self.electricity)

    def approve(self, case: Case, now: dt.datetime) -> dict[str, Any]:
        pid = case.submission.applicant.pid
        account = self.electricity.account(pid)
        if account is None:
            raise NotEligible("PEA has no electricity account of the applicant")
        named = case.submission.form.get("ca")
        if named is not None and named != account:
            raise NotEligible(f"account {named!r} is not the applicant's")
        owed = self.bills.open_bills(pid, thai_date(now))
        return {
            "account": {"ca": account, "tariff": "1.2", "tariff_th": "บ้านอยู่อาศัย"},
            "bills": [bill.as_json() for bill in owed],
            "outstanding_satang": sum(bill.amount_satang for bill in owed),
        }

    def issued_document(
        self, case: Case, effect: dict[str, Any], now: dt.datetime, number: str
    ) -> dict[str, Any] | None:
        """None: the e-service shows the account and what it owes, it grants nothing. A
        statement of open bills is stale at the next payment; the official document of a
        payment is the portal's e-receipt."""
        return None

    def document_title(self, case: Case) -> str:
        return "PEA: electricity account statement"

    def document_lines(self, case: Case, effect: dict[str, Any]) -> list[str]:
        return [
            f"Account (CA): {effect['account']['ca']}",
            f"Bills open: {len(effect['bills'])}",
            f"Outstanding: {effect['outstanding_satang'] / 100:,.2f} THB",
        ]

    def add_routes(self, app: FastAPI, casework: Casework, token_required: list[Depends]) -> None:
        add_bill_routes(app, self.bills, token_required, casework.now)


#: The mock PEA: `create_app(seed=…, clock=…, consumers=…, …)` (mock_agencies/casework/app.py's
#: `CaseworkOptions`), `create_default_app()` as the host serves it.
APPS = CaseworkApps(Pea)
create_app = APPS.create_app
create_default_app = APPS.create_default_app
