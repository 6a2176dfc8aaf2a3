"""What the payments domain needs from the running gateway (wired once in create_app)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gateway.config import Environment, Settings
from gateway.keys import write_once
from gateway.receipts.signer import ReceiptSigner
from payments.psp import BankClient

#: The PSP code of the simulated bank (the path segment of its webhook).
MOCK_BANK = "mockbank"
#: A biller ID is the agency's 13-digit tax ID and this suffix (FACTS.md, tag 30).
BILLER_SUFFIX = "01"


@dataclass
class PaymentsRuntime:
    bank: BankClient
    psp: str
    webhook_keys: Mapping[str, str]  # key id -> secret (several while a key is rotated)
    signer: ReceiptSigner  # e-receipts are signed like the filing receipts (one JWKS)
    issuer: str
    intent_ttl: dt.timedelta = dt.timedelta(hours=24)
    fee_due: dt.timedelta = dt.timedelta(days=14)
    # How often an unconfirmed bank transaction is asked about, at most.
    confirm_backoff_cap: dt.timedelta = dt.timedelta(minutes=10)
    tax_ids: dict[str, str] = field(default_factory=dict)  # agency code -> 13-digit tax ID

    def biller_id(self, agency_code: str) -> str:
        return self.tax_id(agency_code) + BILLER_SUFFIX

    def tax_id(self, agency_code: str) -> str:
        """The agency's tax ID: configured, or (a simulator convention) derived from its code
        in the government's 0994000 range so that every agency bills under its own ID."""
        known = self.tax_ids.get(agency_code)
        if known:
            return known
        digest = int.from_bytes(hashlib.sha256(agency_code.encode()).digest()[:8], "big")
        return f"0994000{digest % 1_000_000:06d}"


@dataclass(frozen=True)
class BankCredentials:
    api_key: str
    webhook_key_id: str
    webhook_secret: str


def _generated() -> str:
    return json.dumps(
        {
            "api_key": secrets.token_urlsafe(32),
            "webhook_key_id": "k1",
            "webhook_secret": secrets.token_urlsafe(32),
        },
        indent=2,
    )


def bank_credentials_path(settings: Settings) -> Path:
    """The development file the mock bank reads too: under the var directory, as the mock
    agencies' (`MOCK_AGENCIES_VAR_DIR`, var/mock-agencies by default)."""
    return settings.bank_credentials_file or settings.var_dir / "mock-agencies" / (
        "bank-credentials.json"
    )


def bank_credentials(settings: Settings) -> BankCredentials:
    """The gateway's key at its bank and the bank's webhook signing key: configured in
    production; in development the file the mock bank reads too (made by whoever is first)."""
    if settings.bank_api_key and settings.bank_webhook_secret:
        return BankCredentials(
            settings.bank_api_key.get_secret_value(),
            settings.bank_webhook_key_id,
            settings.bank_webhook_secret.get_secret_value(),
        )
    if settings.env is Environment.PRODUCTION:
        raise RuntimeError(
            "configure CITIZEN_GATEWAY_BANK_API_KEY and CITIZEN_GATEWAY_BANK_WEBHOOK_SECRET"
        )
    path = bank_credentials_path(settings)
    raw = write_once(path, _generated() + "\n")
    try:
        data = json.loads(raw)
        return BankCredentials(
            str(data["api_key"]), str(data["webhook_key_id"]), str(data["webhook_secret"])
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(
            f"{path} must be JSON {{api_key, webhook_key_id, "
            "webhook_secret}: delete it to have a new one made (the mock bank makes the same)"
        ) from exc


def payments_runtime(
    settings: Settings,
    signer: ReceiptSigner,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PaymentsRuntime:
    credentials = bank_credentials(settings)
    bank_url = settings.bank_url or settings.agencies_url.rstrip("/") + "/bank"
    return PaymentsRuntime(
        bank=BankClient(MOCK_BANK, bank_url, credentials.api_key, transport=transport),
        psp=MOCK_BANK,
        webhook_keys={credentials.webhook_key_id: credentials.webhook_secret},
        signer=signer,
        issuer=settings.public_url.rstrip("/"),
        intent_ttl=dt.timedelta(seconds=settings.payment_expiry_seconds),
        fee_due=dt.timedelta(days=settings.fee_due_days),
    )
