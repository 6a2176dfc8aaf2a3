"""Synthetic settlement days: the gateway's books and the bank's statement of one day, with a
chosen number of outcomes in each reconciliation class.

For the reconciliation's tests and its measurement, and for a bank that needs a busy day
(`SyntheticDay.csv_lines()` is the statement it would serve). Pure and deterministic: the same
day, counts and seed give the same books and the same statement, byte for byte.

Each count asked for yields exactly that many outcomes of its class. A few classes need a
partner to exist: a `repeated` line repeats a line that is `matched`, so `expected` counts one
`matched` more for each; every other partner (the payment a `duplicate` repeats, the payment a
refund refunds) was paid the day before, so it is not on this day's statement.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from payments.reconcile import (
    HEADER,
    Category,
    Credit,
    Intent,
    IntentStatus,
    Refund,
    StatementKind,
    StatementLine,
    Transfer,
    TransferStatus,
    format_statement_line,
)

_DAY = timedelta(days=1)
_COUNTERS = ("post_office", "7-eleven", "branch")
_FEES_SATANG = (1_000, 2_000, 5_000, 10_000, 20_000, 50_500, 100_000, 364_922)
_PAYERS = ("DOP", "DCY", "SSO")  # agencies that pay citizens (FACTS.md, money from the state)


@dataclass(frozen=True)
class SyntheticDay:
    day: date
    intents: tuple[Intent, ...]
    refunds: tuple[Refund, ...]
    transfers: tuple[Transfer, ...]
    lines: tuple[StatementLine, ...]  # the readable lines, ordered by time as the bank's are
    unreadable: tuple[tuple[int, str], ...]  # (line number in the file, text): `malformed`
    expected: Mapping[Category, int]  # how many outcomes of each class reconcile must find

    def csv_lines(self) -> list[str]:
        """The statement as the bank serves it: the header, then one line per item."""
        rows = [HEADER, *(format_statement_line(line) for line in self.lines)]
        for line_no, text in self.unreadable:  # in ascending order: each lands where it says
            rows.insert(line_no - 1, text)
        return rows

    def csv_bytes(self) -> bytes:
        return ("\n".join(self.csv_lines()) + "\n").encode()


@dataclass
class _Draft:
    """What the generator accumulates; a line's id and number come once all are in order."""

    rng: random.Random
    day: date
    start_at: datetime  # the first instant of the Bangkok day, in UTC
    billers: tuple[str, ...]
    serial: int = 0
    intents: list[Intent] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    # (paid_at, txn_id, kind, channel, biller_id, ref1, ref2, amount_satang)
    rows: list[tuple[datetime, str, StatementKind, str, str, str, str | None, int]] = field(
        default_factory=list
    )
    repeats: list[str] = field(default_factory=list)  # txn ids listed a second time
    unreadable: int = 0

    def next(self) -> int:
        self.serial += 1
        return self.serial

    def today(self) -> datetime:
        return self.start_at + timedelta(seconds=self.rng.randrange(86_400))

    def yesterday(self) -> datetime:
        return self.start_at - timedelta(seconds=self.rng.randrange(1, 86_400))

    def txn(self, n: int, paid_at: datetime) -> str:
        return f"MB{(paid_at + timedelta(hours=7)):%Y%m%d}{n:06d}"

    def intent(
        self,
        n: int,
        paid_at: datetime,
        status: IntentStatus,
        credited: tuple[str, datetime] | None = None,
        expires_at: datetime | None = None,
    ) -> Intent:
        """An intent made a little before `paid_at`; `credited` = (txn_id, paid_at) of the
        transaction the gateway credited to it, for the intent's own amount."""
        created_at = paid_at - timedelta(seconds=self.rng.randrange(60, 3_600))
        amount = self.rng.choice(_FEES_SATANG)
        credits = () if credited is None else (Credit(credited[0], amount, credited[1]),)
        made = Intent(
            payment_id=f"PI{n:010d}",
            reference=f"A{self.day:%y%m%d}{n:07d}",
            biller_id=self.rng.choice(self.billers),
            amount_satang=amount,
            status=status,
            created_at=created_at,
            expires_at=expires_at or created_at + _DAY,
            credits=credits,
        )
        self.intents.append(made)
        return made

    def pay(
        self,
        intent: Intent,
        txn_id: str,
        paid_at: datetime,
        amount_satang: int,
        channel: str = "mobile",
        with_ref2: bool = True,
    ) -> None:
        ref2 = intent.payment_id if with_ref2 else None
        self.rows.append(
            (
                paid_at,
                txn_id,
                StatementKind.PAYMENT,
                channel,
                intent.biller_id,
                intent.reference,
                ref2,
                amount_satang,
            )
        )

    def add(self, category: Category) -> None:  # noqa: PLR0912 - one class a branch
        n, paid_at, rng = self.next(), self.today(), self.rng
        txn = self.txn(n, paid_at)
        if category in (Category.MATCHED, Category.REPEATED, Category.MISSING, Category.MISMATCH):
            intent = self.intent(n, paid_at, IntentStatus.SUCCEEDED, credited=(txn, paid_at))
            if category is Category.MISMATCH:
                self.pay(intent, txn, paid_at, intent.amount_satang + rng.randrange(1, 1_000))
            elif category is not Category.MISSING:
                self.pay(intent, txn, paid_at, intent.amount_satang)
            if category is Category.REPEATED:
                self.repeats.append(txn)
        elif category is Category.UNCONFIRMED:
            # A counter payment (no webhook) or a dropped one; the gateway may have given up.
            status = rng.choice((IntentStatus.CREATED, IntentStatus.PENDING, IntentStatus.EXPIRED))
            intent = self.intent(n, paid_at, status)
            counter = rng.random() < 0.5
            self.pay(
                intent,
                txn,
                paid_at,
                intent.amount_satang,
                channel=rng.choice(_COUNTERS) if counter else "mobile",
                with_ref2=not counter or rng.random() < 0.5,
            )
        elif category in (Category.UNDERPAID, Category.OVERPAID):
            intent = self.intent(n, paid_at, IntentStatus.PENDING)
            due = intent.amount_satang
            off = rng.randrange(1, due)
            paid = due - off if category is Category.UNDERPAID else due + off
            self.pay(intent, txn, paid_at, paid)
        elif category is Category.DUPLICATE:
            # Paid and credited yesterday; paid again today.
            first_at = self.yesterday()
            credited = (self.txn(n, first_at), first_at)
            intent = self.intent(n, first_at, IntentStatus.SUCCEEDED, credited=credited)
            self.pay(intent, txn, paid_at, intent.amount_satang)
        elif category is Category.LATE:
            if rng.random() < 0.5:
                expired_at = paid_at - timedelta(seconds=rng.randrange(1, 3_600))
                intent = self.intent(n, expired_at, IntentStatus.EXPIRED, expires_at=expired_at)
            else:
                intent = self.intent(n, paid_at, IntentStatus.CANCELLED)
            self.pay(intent, txn, paid_at, intent.amount_satang)
        elif category is Category.UNKNOWN:
            biller = rng.choice(self.billers)
            amount = rng.choice(_FEES_SATANG)
            self.rows.append(
                (paid_at, txn, StatementKind.PAYMENT, "mobile", biller, f"X{n:011d}", None, amount)
            )
        elif category.value.startswith("refund_"):
            self._refund(n, category, paid_at)
        elif category.value.startswith("transfer_"):
            self._transfer(n, category, paid_at)
        elif category is Category.MALFORMED:
            self.unreadable += 1
        else:  # pragma: no cover - every class is handled above
            raise ValueError(f"no generator for {category}")

    def _refund(self, n: int, category: Category, refunded_at: datetime) -> None:
        paid_txn = self.txn(n, self.yesterday())
        amount = self.rng.choice(_FEES_SATANG)
        refund = Refund(f"RF{n:010d}", paid_txn, amount, refunded_at)
        if category is not Category.REFUND_UNKNOWN:
            self.refunds.append(refund)
        if category is Category.REFUND_MISSING:
            return
        listed = amount - 1 if category is Category.REFUND_MISMATCH else amount
        self.rows.append(
            (
                refunded_at,
                paid_txn,
                StatementKind.REFUND,
                "mobile",
                self.rng.choice(self.billers),
                f"A{self.day:%y%m%d}{n:07d}",
                refund.refund_id,
                listed,
            )
        )

    def _transfer(self, n: int, category: Category, settled_at: datetime) -> None:
        credited = self.rng.random() < 0.9  # about one citizen in ten has no PromptPay link
        transfer = Transfer(
            transfer_id=f"TR{n:010d}",
            reference=f"{self.rng.choice(_PAYERS)}{n:010d}",
            amount_satang=self.rng.choice((60_000, 70_000, 80_000, 100_000)),
            status=TransferStatus.CREDITED if credited else TransferStatus.RETURNED,
            settled_at=settled_at,
        )
        if category is not Category.TRANSFER_UNKNOWN:
            self.transfers.append(transfer)
        if category is Category.TRANSFER_MISSING:
            return
        listed = transfer.amount_satang
        if category is Category.TRANSFER_MISMATCH:
            listed += 100
        self.rows.append(
            (
                settled_at,
                f"MT{self.day:%Y%m%d}{n:06d}",
                StatementKind.CREDIT if credited else StatementKind.RETURN,
                "promptpay",
                "",
                transfer.reference,
                transfer.transfer_id,
                listed,
            )
        )


def synthetic_day(
    day: date, counts: Mapping[Category, int], *, seed: int = 0, billers: int = 8
) -> SyntheticDay:
    """A day with `counts[c]` outcomes of class c, shuffled together; see the module's note."""
    # A simulation, not a secret: a seeded generator is what makes the day reproducible.
    rng = random.Random(seed)  # noqa: S311
    start_at = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(hours=7)
    biller_ids = tuple(f"0994000{index:06d}00" for index in range(1, billers + 1))
    draft = _Draft(rng, day, start_at, biller_ids)
    order = [category for category, count in counts.items() for _ in range(count)]
    rng.shuffle(order)  # interleave the classes, as a real day would
    for category in order:
        draft.add(category)
    rows = sorted(draft.rows, key=lambda row: (row[0], row[1]))
    repeats = set(draft.repeats)
    # A repeated transaction is listed again right after itself, under a line id of its own.
    rows = [again for row in rows for again in ([row, row] if row[1] in repeats else [row])]
    lines = tuple(
        StatementLine(
            f"{day:%Y%m%d}-{index:07d}",
            txn,
            kind,
            at,
            channel,
            biller,
            ref1,
            ref2,
            amount,
            index + 2,
        )
        for index, (at, txn, kind, channel, biller, ref1, ref2, amount) in enumerate(rows)
    )
    # Unreadable lines go at random places in the file, after the header; the readable lines'
    # numbers shift past them.
    total = len(lines) + draft.unreadable
    spots = sorted(rng.sample(range(2, total + 2), draft.unreadable))
    lines = _renumber(lines, spots)
    unreadable = tuple((spot, f"{day:%Y%m%d}-X{spot:06d},garbled") for spot in spots)
    expected = dict.fromkeys(Category, 0)
    for category, count in counts.items():
        expected[category] += count
    expected[Category.MATCHED] += counts.get(Category.REPEATED, 0)
    return SyntheticDay(
        day=day,
        intents=tuple(draft.intents),
        refunds=tuple(draft.refunds),
        transfers=tuple(draft.transfers),
        lines=lines,
        unreadable=unreadable,
        expected=expected,
    )


def _renumber(lines: tuple[StatementLine, ...], spots: list[int]) -> tuple[StatementLine, ...]:
    if not spots:
        return lines
    taken = set(spots)
    numbers = (number for number in range(2, len(lines) + len(spots) + 2) if number not in taken)
    return tuple(
        StatementLine(
            line.line_id,
            line.txn_id,
            line.kind,
            line.paid_at,
            line.channel,
            line.biller_id,
            line.ref1,
            line.ref2,
            line.amount_satang,
            number,
        )
        for line, number in zip(lines, numbers, strict=False)
    )
