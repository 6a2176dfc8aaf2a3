"""The mock bank / PSP (psp code `mockbank`), mounted by the agencies host at /bank: citizens'
deposit accounts and their bank app (scan a Thai QR and pay), counter payments, the PSP API the
gateway calls (transactions, refunds, PromptPay transfers, settlement statements) and signed
webhooks to the gateway with retries and fault knobs. docs/mock-bank.md shows it in use.
"""

from mock_agencies.bank.app import DEFAULT_WEBHOOK_URL, PSP_CODE, create_app, create_default_app
from mock_agencies.bank.credentials import (
    BankCredentials,
    bank_credentials_path,
    load_bank_credentials,
)
from mock_agencies.bank.engine import Bank
from mock_agencies.bank.webhooks import RetryPolicy, sign

__all__ = [
    "DEFAULT_WEBHOOK_URL",
    "PSP_CODE",
    "Bank",
    "BankCredentials",
    "RetryPolicy",
    "bank_credentials_path",
    "create_app",
    "create_default_app",
    "load_bank_credentials",
    "sign",
]
