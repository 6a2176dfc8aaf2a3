"""The bank: its books (ledger.py) and its webhooks (webhooks.py), put together so that every
mobile payment and every refund is announced to the gateway, and nothing else is."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx

from mock_agencies.bank.credentials import BankCredentials
from mock_agencies.bank.ledger import Ledger, Refund, Transaction, Transfer, iso
from mock_agencies.bank.schemas import CounterPayment, RefundRequest, ScanPay, TransferRequest
from mock_agencies.bank.webhooks import RetryPolicy, WebhookSender
from mock_agencies.casework.agency import DEMO_PIDS


class Bank:
    def __init__(
        self,
        *,
        credentials: BankCredentials,
        webhook_url: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        tick_seconds: float = 0.25,
    ) -> None:
        self.credentials = credentials
        # The registry's demo citizens always start linked: demos of a payout must work.
        self.ledger = Ledger(clock, always_linked=DEMO_PIDS, seed=seed)
        self.webhooks = WebhookSender(
            url=webhook_url,
            secret=credentials.webhook_secret,
            key_id=credentials.webhook_key_id,
            clock=clock,
            wall_clock=wall_clock,
            transport=webhook_transport,
            retry=retry,
            seed=seed,
            tick_seconds=tick_seconds,
        )
        # Event ids differ from one run of the mock to the next (its books do not survive a
        # restart, but the gateway remembers the event ids it has seen).
        self._run = secrets.token_hex(4).upper()
        self._events = 0

    def _announce(self, kind: str, txn: Transaction, refund: Refund | None = None) -> None:
        self._events += 1
        self.webhooks.send(
            {
                "event_id": f"EV{self._run}{self._events:08d}",
                "type": kind,
                "txn_id": txn.txn_id,
                "biller_id": txn.biller_id,
                "ref1": txn.ref1,
                "ref2": txn.ref2,
                # a refund's: the money back, and when it moved (as on the statement)
                "amount_satang": txn.amount_satang if refund is None else refund.amount_satang,
                "paid_at": iso(txn.at if refund is None else refund.refunded_at),
                "channel": txn.channel,
                "refund_id": None if refund is None else refund.refund_id,
                "sent_at": iso(self.ledger.now()),
            }
        )

    def scan_pay(self, request: ScanPay) -> Transaction:
        txn = self.ledger.pay_by_qr(request.pid, request.payload, request.amount_satang)
        self._announce("payment.succeeded", txn)
        return txn

    def pay_at_counter(self, request: CounterPayment) -> Transaction:
        # no webhook: a counter payment reaches the gateway through the statement only
        return self.ledger.pay_at_counter(
            request.biller_id, request.ref1, request.ref2, request.amount_satang, request.channel
        )

    def refund(self, request: RefundRequest) -> tuple[bool, Refund]:
        created, refund = self.ledger.refund(
            request.refund_id, request.txn_id, request.amount_satang
        )
        if created:
            self._announce("refund.succeeded", self.ledger.transaction(refund.txn_id), refund)
        return created, refund

    def transfer(self, request: TransferRequest) -> tuple[bool, Transfer]:
        return self.ledger.transfer(
            request.transfer_id, request.pid, request.amount_satang, request.payer, request.memo
        )

    def status(self) -> dict[str, Any]:
        return {
            "accounts": len(self.ledger.accounts),
            "transactions": len(self.ledger.transactions),
            "webhooks_queued": len(self.webhooks.pending),
            "webhooks_failed": len(self.webhooks.parked),
        }
