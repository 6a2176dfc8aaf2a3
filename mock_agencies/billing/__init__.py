"""Bills an agency sends citizens (electricity, water, tax due) and the payments the portal
reports for them: the Bills API mock PEA, PWA and RD share (docs/agency-integration.md,
"Bills").

An agency gives a `Biller` (the bills on its books, drawn deterministically from a person's
ID) to a `BillBook` (what was paid through the API), and `add_bill_routes` serves the book.
`MonthlyBiller` is the utilities' biller: one account per customer, a bill a month.
"""

from mock_agencies.billing.api import add_bill_routes
from mock_agencies.billing.bills import (
    BANGKOK,
    AlreadyPaid,
    AmountMismatch,
    Bill,
    BillBook,
    Biller,
    BillNotFound,
    BillPayment,
    Draw,
    ReferenceMismatch,
    thai_date,
)
from mock_agencies.billing.monthly import Month, MonthlyBiller

__all__ = [
    "BANGKOK",
    "AlreadyPaid",
    "AmountMismatch",
    "Bill",
    "BillBook",
    "BillNotFound",
    "BillPayment",
    "Biller",
    "Draw",
    "Month",
    "MonthlyBiller",
    "ReferenceMismatch",
    "add_bill_routes",
    "thai_date",
]
