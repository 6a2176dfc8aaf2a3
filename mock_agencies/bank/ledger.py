"""The bank's books, in memory like every mock's state: deposit accounts by national ID,
payments (scanned in the app, or cash at a counter), refunds, PromptPay transfers from the
state, and every movement as a line of its Bangkok day's settlement statement.

Single-loop, like the casework engine: every change happens between two awaits, so nothing
locks. Times are whole seconds on the bank's clock (the contract's `paid_at` has no fraction).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from mock_agencies.bank.errors import (
    AmountRequired,
    DayFull,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidPid,
    NotFound,
    RefundExceedsPayment,
    RefundNotPossible,
)
from mock_agencies.bank.qr import read_bill_payment
from mock_agencies.dopa.population import is_valid_national_id

if TYPE_CHECKING:
    from mock_agencies.bank.schemas import GeneratedPayment

#: Thailand keeps UTC+7 all year (no daylight saving since 1920): a fixed offset is exact.
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")
OPENING_BALANCE_SATANG = 5_000_000  # 50,000.00 THB in every new account
#: This process's mark in transaction ids: the mock keeps its ledger in memory, so after a
#: restart its daily sequence starts again; the mark keeps a new transaction's id from being
#: one the gateway already holds.
RUN = secrets.token_hex(2).upper()
MAX_DAY_SEQUENCE = 999_999  # transaction ids carry a 6-digit sequence per Bangkok day
#: Share of the synthetic population with no PromptPay link, in percent (FACTS.md: most are
#: linked, some are not; the share is this project's convention).
UNLINKED_PERCENT = 10

Channel = Literal["mobile", "post_office", "7-eleven", "branch"]
CounterChannel = Literal["post_office", "7-eleven", "branch"]
COUNTER_CHANNELS: tuple[CounterChannel, ...] = ("post_office", "7-eleven", "branch")
TRANSFER_CHANNEL = "promptpay"  # the statement's channel for credits and returns
NOISE_BILLER_ID = "099999999999901"  # the generated day's noise when no payment names a biller


def iso(at: dt.datetime) -> str:
    """An aware UTC time of whole seconds as 2026-12-06T03:04:05Z (isoformat is the fastest
    way there: a statement renders 100,000 of them)."""
    return at.isoformat()[:19] + "Z"


def bangkok_day(at: dt.datetime) -> dt.date:
    return at.astimezone(BANGKOK).date()


def _digest_number(label: str, pid: str) -> int:
    return int.from_bytes(hashlib.sha256(f"mockbank|{label}|{pid}".encode()).digest()[:8], "big")


def account_number(pid: str) -> str:
    """The 10-digit account number of `pid`'s deposit account: the same on every run."""
    return f"{_digest_number('account', pid) % 10**10:010d}"


def linked_by_default(pid: str) -> bool:
    """Whether `pid` starts with a PromptPay link: all but a hashed ~10 % of the population."""
    return _digest_number("promptpay", pid) % 100 >= UNLINKED_PERCENT


def masked(account_no: str) -> str:
    """The account as a payer may see it: xxx-x-x4567-x (Thai 3-1-5-1 grouping)."""
    return f"xxx-x-x{account_no[5:9]}-x"


@dataclass(slots=True)
class Account:
    pid: str
    account_no: str
    balance_satang: int
    promptpay_linked: bool

    def view(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "account_no": self.account_no,
            "balance_satang": self.balance_satang,
            "promptpay_linked": self.promptpay_linked,
        }


@dataclass(slots=True)
class Line:
    """One movement on a day's settlement statement."""

    line_id: str
    txn_id: str
    kind: str  # payment | refund | credit | return
    at: dt.datetime  # aware UTC, whole seconds: the statement's paid_at
    channel: str
    biller_id: str
    ref1: str
    ref2: str | None
    amount_satang: int
    csv_row: str | None = None  # rendered once, on the first statement that shows it


@dataclass(slots=True)
class Transaction(Line):
    """A payment to a biller; it is its own statement line."""

    ref3: str | None = None
    payer_account: str | None = None  # None: cash at a counter (or a generated line)
    refunded_satang: int = 0
    status: str = "succeeded"

    def view(self) -> dict[str, Any]:
        return {
            "txn_id": self.txn_id,
            "kind": self.kind,
            "status": self.status,
            "biller_id": self.biller_id,
            "ref1": self.ref1,
            "ref2": self.ref2,
            "ref3": self.ref3,
            "amount_satang": self.amount_satang,
            "paid_at": iso(self.at),
            "channel": self.channel,
            "payer_account": self.payer_account,
            "refunded_satang": self.refunded_satang,
        }


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    txn_id: str
    amount_satang: int
    refunded_at: dt.datetime

    def answer(self) -> dict[str, Any]:
        return {
            "refund_id": self.refund_id,
            "txn_id": self.txn_id,
            "amount_satang": self.amount_satang,
            "status": "succeeded",
            "refunded_at": iso(self.refunded_at),
        }


@dataclass(frozen=True, slots=True)
class Transfer:
    transfer_id: str
    pid: str
    amount_satang: int
    payer: str
    memo: str
    credited: bool
    at: dt.datetime
    account_masked: str

    def answer(self) -> dict[str, Any]:
        if self.credited:
            return {
                "transfer_id": self.transfer_id,
                "status": "credited",
                "amount_satang": self.amount_satang,
                "credited_at": iso(self.at),
                "account_masked": self.account_masked,
            }
        return {
            "transfer_id": self.transfer_id,
            "status": "returned",
            "reason": "no_promptpay_link",
            "amount_satang": self.amount_satang,
            "returned_at": iso(self.at),
        }


@dataclass(slots=True)
class Day:
    """One Bangkok day: its statement lines and the sequences its ids are drawn from."""

    stamp: str  # YYYYMMDD
    lines: list[Line] = field(default_factory=list)
    in_order: bool = True  # False once a line was added earlier than the last one
    txn_seq: int = 0
    line_seq: int = 0

    def reserve(self, count: int) -> None:
        if self.txn_seq + count > MAX_DAY_SEQUENCE:
            raise DayFull(
                f"day {self.stamp} has {self.txn_seq} transactions; at most {MAX_DAY_SEQUENCE}"
            )

    def append(self, line: Line) -> None:
        if self.lines and line.at < self.lines[-1].at:
            self.in_order = False
        self.lines.append(line)


class Ledger:
    def __init__(
        self, clock: Callable[[], float], always_linked: Iterable[str] = (), seed: int = 0
    ) -> None:
        self.clock = clock
        self.always_linked = frozenset(always_linked)
        self.seed = seed
        self.accounts: dict[str, Account] = {}
        self._by_account_no: dict[str, Account] = {}
        self.transactions: dict[str, Transaction] = {}
        self._by_refs: dict[tuple[str, str], list[Transaction]] = {}
        self.refunds: dict[str, Refund] = {}
        self.transfers: dict[str, Transfer] = {}
        self.days: dict[dt.date, Day] = {}

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.clock()), dt.UTC)

    def _day(self, date: dt.date) -> Day:
        day = self.days.get(date)
        if day is None:
            day = self.days[date] = Day(date.strftime("%Y%m%d"))
        return day

    # -- accounts ----------------------------------------------------------------------------

    def account(self, pid: str) -> Account:
        """`pid`'s account, opened on first use."""
        account = self.accounts.get(pid)
        if account is None:
            if not is_valid_national_id(pid):
                raise InvalidPid("pid must be a 13-digit national ID with its check digit")
            linked = pid in self.always_linked or linked_by_default(pid)
            account = Account(pid, account_number(pid), OPENING_BALANCE_SATANG, linked)
            self.accounts[pid] = account
            self._by_account_no.setdefault(account.account_no, account)
        return account

    def set_promptpay(self, pid: str, linked: bool) -> Account:
        account = self.account(pid)
        account.promptpay_linked = linked
        return account

    # -- payments ----------------------------------------------------------------------------

    def _payment(
        self,
        biller_id: str,
        ref1: str,
        ref2: str | None,
        amount_satang: int,
        channel: str,
        *,
        ref3: str | None = None,
        payer_account: str | None = None,
    ) -> Transaction:
        at = self.now()
        day = self._day(bangkok_day(at))
        day.reserve(1)
        day.txn_seq += 1
        day.line_seq += 1
        txn = Transaction(
            f"L{day.stamp}{day.line_seq:07d}",
            f"MB{day.stamp}{RUN}{day.txn_seq:06d}",
            "payment",
            at,
            channel,
            biller_id,
            ref1,
            ref2,
            amount_satang,
            ref3=ref3,
            payer_account=payer_account,
        )
        self.transactions[txn.txn_id] = txn
        self._by_refs.setdefault((biller_id, ref1), []).append(txn)
        day.append(txn)
        return txn

    def pay_by_qr(self, pid: str, payload: str, amount_satang: int | None) -> Transaction:
        """The citizen scans `payload` and pays: the QR's amount unless they type another
        (paying the wrong amount is allowed: the gateway classifies it). No dedupe: the same QR
        paid twice is two payments."""
        account = self.account(pid)
        bill = read_bill_payment(payload)
        amount = amount_satang if amount_satang is not None else bill.amount_satang
        if amount is None:
            raise AmountRequired("this QR has no amount (tag 54): give amount_satang")
        if amount > account.balance_satang:
            raise InsufficientFunds(
                f"the account holds {account.balance_satang} satang; the payment is {amount}"
            )
        txn = self._payment(
            bill.biller_id,
            bill.ref1,
            bill.ref2,
            amount,
            "mobile",
            ref3=bill.ref3,
            payer_account=account.account_no,
        )
        account.balance_satang -= amount  # once the payment exists (a full day refuses it)
        return txn

    def pay_at_counter(
        self,
        biller_id: str,
        ref1: str,
        ref2: str | None,
        amount_satang: int,
        channel: CounterChannel,
    ) -> Transaction:
        """Cash over a counter: no account, and the biller hears of it only from the
        statement (FACTS.md: counter payments reach the biller through the settlement file)."""
        return self._payment(biller_id, ref1, ref2, amount_satang, channel)

    def transaction(self, txn_id: str) -> Transaction:
        txn = self.transactions.get(txn_id)
        if txn is None:
            raise NotFound(f"no transaction {txn_id}")
        return txn

    def lookup(self, biller_id: str, ref1: str, ref2: str | None = None) -> list[Transaction]:
        """Every payment to `biller_id` with these refs (any ref2 when none is given), oldest
        first."""
        found = [
            txn
            for txn in self._by_refs.get((biller_id, ref1), ())
            if ref2 is None or txn.ref2 == ref2
        ]
        return sorted(found, key=attrgetter("at", "txn_id"))

    # -- money back and money from the state -------------------------------------------------

    def refund(self, refund_id: str, txn_id: str, amount_satang: int) -> tuple[bool, Refund]:
        """(True, the refund) when made now; (False, the first answer) for its id again."""
        earlier = self.refunds.get(refund_id)
        if earlier is not None:
            if (earlier.txn_id, earlier.amount_satang) != (txn_id, amount_satang):
                raise IdempotencyConflict(
                    f"refund {refund_id} was made for {earlier.amount_satang} satang of "
                    f"{earlier.txn_id}"
                )
            return False, earlier
        txn = self.transaction(txn_id)
        payer = self._by_account_no.get(txn.payer_account or "")
        if txn.channel != "mobile" or payer is None:
            raise RefundNotPossible(
                f"{txn_id} was paid by {txn.channel} without an account to pay back"
            )
        unrefunded = txn.amount_satang - txn.refunded_satang
        if amount_satang > unrefunded:
            raise RefundExceedsPayment(
                f"{txn_id} has {unrefunded} satang left to refund", unrefunded_satang=unrefunded
            )
        at = self.now()
        day = self._day(bangkok_day(at))
        day.line_seq += 1
        line = Line(
            f"L{day.stamp}{day.line_seq:07d}",
            txn.txn_id,
            "refund",
            at,
            txn.channel,
            txn.biller_id,
            txn.ref1,
            refund_id,  # ref2: the gateway's refund id, for its reconciliation
            amount_satang,
        )
        txn.refunded_satang += amount_satang
        payer.balance_satang += amount_satang
        day.append(line)
        refund = self.refunds[refund_id] = Refund(refund_id, txn.txn_id, amount_satang, at)
        return True, refund

    def transfer(
        self, transfer_id: str, pid: str, amount_satang: int, payer: str, memo: str
    ) -> tuple[bool, Transfer]:
        """Money from the state to `pid` by PromptPay: credited to the linked account, or
        returned when the ID has no link. (True, …) when made now; (False, the first answer)
        for its id again."""
        earlier = self.transfers.get(transfer_id)
        if earlier is not None:
            if (earlier.pid, earlier.amount_satang, earlier.payer, earlier.memo) != (
                pid,
                amount_satang,
                payer,
                memo,
            ):
                raise IdempotencyConflict(f"transfer {transfer_id} was made with another body")
            return False, earlier
        account = self.account(pid)
        at = self.now()
        day = self._day(bangkok_day(at))
        day.reserve(1)
        day.txn_seq += 1
        day.line_seq += 1
        credited = account.promptpay_linked
        if credited:
            account.balance_satang += amount_satang
        day.append(
            Line(
                f"L{day.stamp}{day.line_seq:07d}",
                f"MB{day.stamp}{RUN}{day.txn_seq:06d}",
                "credit" if credited else "return",
                at,
                TRANSFER_CHANNEL,
                "",
                payer,  # ref1: who paid (never the citizen's national ID)
                transfer_id,  # ref2: the gateway's transfer id, for its reconciliation
                amount_satang,
            )
        )
        transfer = Transfer(
            transfer_id, pid, amount_satang, payer, memo, credited, at, masked(account.account_no)
        )
        self.transfers[transfer_id] = transfer
        return True, transfer

    def transfer_for(self, transfer_id: str) -> Transfer:
        transfer = self.transfers.get(transfer_id)
        if transfer is None:
            raise NotFound(f"no transfer {transfer_id}")
        return transfer

    # -- statements --------------------------------------------------------------------------

    def lines_of(self, date: dt.date) -> list[Line]:
        """A snapshot of `date`'s statement lines, ordered by time."""
        day = self.days.get(date)
        if day is None:
            return []
        if not day.in_order:
            day.lines.sort(key=attrgetter("at", "line_id"))
            day.in_order = True
        return list(day.lines)

    def generate_day(
        self,
        date: dt.date,
        payments: Sequence[GeneratedPayment],
        unknown: int = 0,
        counter: int = 0,
    ) -> dict[str, Any]:
        """Add a day's worth of payments at once, spread evenly over the Bangkok day, without
        webhooks (a benchmark's statement). Noise: `unknown` mobile payments and `counter`
        cash payments to refs nobody issued, shuffled in among them."""
        day = self._day(date)
        total = len(payments) + unknown + counter
        day.reserve(total)
        rng = random.Random(f"mockbank-generate|{self.seed}|{date}|{day.txn_seq}")  # noqa: S311
        biller = payments[0]["biller_id"] if payments else NOISE_BILLER_ID
        entries: list[tuple[str, str, str, str | None, int]] = [
            (
                payment.get("channel", "mobile"),
                payment["biller_id"],
                payment["ref1"],
                payment.get("ref2"),
                payment["amount_satang"],
            )
            for payment in payments
        ]
        if unknown or counter:
            first = day.txn_seq
            entries += [
                ("mobile", biller, f"UNKNOWN{first + n:09d}", None, rng.randrange(100, 10**6))
                for n in range(unknown)
            ]
            entries += [
                (rng.choice(COUNTER_CHANNELS), biller, f"COUNTER{first + n:09d}", None,
                 rng.randrange(100, 10**6))
                for n in range(counter)
            ]  # fmt: skip
            rng.shuffle(entries)
        start = int(dt.datetime.combine(date, dt.time(), BANGKOK).timestamp())
        step = 86_400 / total if total else 0.0
        stamp, txn_seq, line_seq = day.stamp, day.txn_seq, day.line_seq
        transactions, by_refs, lines = self.transactions, self._by_refs, day.lines
        if total and lines and lines[-1].at.timestamp() > start:
            day.in_order = False
        for index, (channel, biller_id, ref1, ref2, amount) in enumerate(entries):
            txn_seq += 1
            line_seq += 1
            txn = Transaction(
                f"L{stamp}{line_seq:07d}",
                f"MB{stamp}{RUN}{txn_seq:06d}",
                "payment",
                dt.datetime.fromtimestamp(start + int(index * step), dt.UTC),
                channel,
                biller_id,
                ref1,
                ref2,
                amount,
            )
            transactions[txn.txn_id] = txn
            by_refs.setdefault((biller_id, ref1), []).append(txn)
            lines.append(txn)
        first_txn = f"MB{stamp}{RUN}{day.txn_seq + 1:06d}" if total else None
        day.txn_seq, day.line_seq = txn_seq, line_seq
        return {
            "date": date.isoformat(),
            "added": total,
            "payments": len(payments),
            "unknown": unknown,
            "counter": counter,
            "first_txn_id": first_txn,
            "last_txn_id": f"MB{stamp}{RUN}{txn_seq:06d}" if total else None,
            "lines_in_day": len(lines),
        }
