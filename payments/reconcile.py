"""The daily reconciliation: the bank's settlement statement against the gateway's books.

Pure: the caller fetches the statement (`GET /bank/api/v1/statements/{day}`) and reads its own
intents, refunds and transfers; this module only parses and classifies, so the rules are
tested without a bank or a database and a day of 100,000 lines takes a second or two.

What each column of the statement carries, per kind (the contract's header is
`line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2,amount_satang`; the bank writes it so):

- `payment`: txn_id the bank's transaction; channel mobile, post_office, 7-eleven or branch;
  biller_id the biller paid; ref1 the intent's reference (Ref1); ref2 the intent's payment_id
  (Ref2), empty when the payer gave none (at a counter); amount_satang what was paid.
- `refund`: txn_id the refunded payment's transaction; channel, biller_id and ref1 the
  payment's; ref2 the gateway's refund_id; amount_satang what was paid back (positive).
- `credit` and `return` (a transfer credited or returned): txn_id the bank's own id of the
  movement; channel `promptpay`; biller_id empty; ref1 the transfer's pid-free reference
  (never a national ID: statements travel); ref2 the gateway's transfer_id; amount_satang
  what was credited or returned (positive).

`paid_at` is when the money moved (for a credit or return: when the transfer settled), UTC
with `Z`; the statement of a day holds the lines whose `paid_at` falls on that Bangkok day.

Classes (`Category`), each a stable code:

- payment lines, matched to an intent by (biller_id, ref1, ref2), then amount:
  `matched` (a succeeded intent the gateway credited with this transaction, same amount),
  `unconfirmed` (an intent the gateway has not credited, paid in time with the right amount:
  a counter payment, which sends no webhook, or a dropped webhook; the caller credits it now;
  "in time" is paid_at <= expires_at, even if the gateway has since marked the intent expired),
  `underpaid`, `overpaid` (the amount differs from the intent's), `duplicate` (the intent was
  already paid by another transaction), `late` (paid after the intent expired, or to a
  cancelled or failed intent), `unknown` (no intent with these refs), `mismatch` (the
  gateway credited this transaction with other refs or another amount than the bank's, or
  to an intent it has not marked succeeded);
  `missing`: the gateway credited an intent with a transaction paid that day that the
  statement does not list.
- refund lines, matched by refund_id (ref2): `refund_matched`, `refund_unknown`,
  `refund_mismatch` (other transaction or amount, or refunded twice), `refund_missing`.
- credit and return lines, matched by transfer_id (ref2): `transfer_matched`,
  `transfer_unknown`, `transfer_mismatch` (other outcome, amount or reference, or settled
  twice), `transfer_missing`.
- `repeated`: the statement lists a line id, or a payment's transaction, a second time;
  `malformed`: a line the parser could not read (see `ParseFinding`).

A payment line without Ref2 (a counter) goes to the intent of its biller and Ref1 whose amount
it paid, preferring one still open; else to the newest one still open; else the newest.
When two lines compete for one intent, the earliest by (paid_at, txn_id) counts and the other
is the `duplicate`: the order of lines in the file never changes a classification.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

HEADER = "line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2,amount_satang"
_FIELD_COUNT = 9

# Thailand keeps UTC+7 all year (no daylight saving since 1920): a fixed offset names the
# Bangkok day of an instant without a time-zone database.
_BANGKOK_OFFSET = timedelta(hours=7)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bangkok_day(instant: datetime) -> date:
    """The Bangkok calendar day of an aware instant: which day's statement lists it."""
    return (instant.astimezone(UTC) + _BANGKOK_OFFSET).date()


class StatementKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    CREDIT = "credit"
    RETURN = "return"


# The contract's channels; `promptpay` is the channel of credit and return lines.
CHANNELS = frozenset({"mobile", "post_office", "7-eleven", "branch", "promptpay"})


@dataclass(frozen=True, slots=True)
class StatementLine:
    line_id: str
    txn_id: str
    kind: StatementKind
    paid_at: datetime
    channel: str
    biller_id: str
    ref1: str
    ref2: str | None
    amount_satang: int
    line_no: int = 0  # the line of the file it was read from (the header is 1); 0 if not read


@dataclass(frozen=True, slots=True)
class ParseFinding:
    """A line the parser could not read: the report shows it as `malformed`."""

    line_no: int
    code: str  # missing_header, bad_header, bad_encoding, blank_line, bad_quoting, ...
    message: str
    text: str  # the line as read, cut to 200 characters


@dataclass(frozen=True, slots=True)
class Statement:
    lines: tuple[StatementLine, ...]
    findings: tuple[ParseFinding, ...] = ()


# ---------------------------------------------------------------------------------------------
# Reading the statement

# Strict shapes: the bank is a program, so anything else is a defect worth reporting.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z\Z", re.ASCII)
_AMOUNT = re.compile(r"[1-9]\d{0,15}\Z", re.ASCII)  # positive, no sign, no leading zero
_BILLER_ID = re.compile(r"\d{13}(?:\d{2})?\Z", re.ASCII)  # 15 digits; 13 also seen (FACTS.md)
_KINDS = {kind.value: kind for kind in StatementKind}
_TRANSFER_KINDS = (StatementKind.CREDIT, StatementKind.RETURN)
_SHOWN_TEXT = 200


class _Malformed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_statement(source: str | bytes | Iterable[str]) -> Statement:
    """Read a statement: the whole body (bytes or text) or its lines, with or without their
    line ends. A line that does not read is a finding with its line number, never a crash;
    a wrong header makes the whole file unreadable (its columns are unknown)."""
    findings: list[ParseFinding] = []
    texts: Iterator[str | None]
    if isinstance(source, bytes | bytearray):
        texts = iter(_decode(bytes(source), findings))
    elif isinstance(source, str):
        texts = iter(_split(source))
    else:
        texts = iter(source)
    header = next(texts, None)
    if header is None:
        findings.append(ParseFinding(1, "missing_header", "the statement is empty", ""))
        return Statement((), tuple(findings))
    header = header.rstrip("\r\n").removeprefix("\ufeff")
    if header != HEADER:
        findings.append(
            ParseFinding(1, "bad_header", f"the header is not {HEADER!r}", header[:_SHOWN_TEXT])
        )
        return Statement((), tuple(findings))
    lines: list[StatementLine] = []
    for line_no, raw in enumerate(texts, start=2):
        if raw is None:  # undecodable: _decode reported it
            continue
        text = raw.rstrip("\r\n")
        try:
            lines.append(_parse_line(text, line_no))
        except _Malformed as problem:
            findings.append(
                ParseFinding(line_no, problem.code, problem.message, text[:_SHOWN_TEXT])
            )
    return Statement(tuple(lines), tuple(findings))


def _split(text: str) -> list[str]:
    # Only \n ends a line (\r\n too, as its \r is stripped later): str.splitlines would also
    # split on characters such as \x1c or \u2028 inside a field.
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    return parts


def _decode(body: bytes, findings: list[ParseFinding]) -> list[str | None]:
    decoded: list[str | None]
    try:
        decoded = list(_split(body.decode("utf-8")))
    except UnicodeDecodeError:
        pass
    else:
        return decoded
    decoded = []
    chunks = body.split(b"\n")
    if chunks[-1] == b"":
        chunks.pop()
    for line_no, chunk in enumerate(chunks, start=1):
        try:
            decoded.append(chunk.decode("utf-8"))
        except UnicodeDecodeError:
            findings.append(
                ParseFinding(line_no, "bad_encoding", "the line is not UTF-8", repr(chunk)[:200])
            )
            decoded.append(None)
    return decoded


def _parse_line(text: str, line_no: int) -> StatementLine:  # noqa: PLR0912 - one check a line
    if not text:
        raise _Malformed("blank_line", "the line is empty")
    if '"' in text:  # quoted fields are rare: only they pay for the csv module
        try:
            fields = next(csv.reader((text,), strict=True))
        except csv.Error as exc:
            raise _Malformed("bad_quoting", f"the line's quoting is broken: {exc}") from None
    else:
        fields = text.split(",")
    if len(fields) != _FIELD_COUNT:
        raise _Malformed(
            "wrong_field_count", f"{len(fields)} fields where the header has {_FIELD_COUNT}"
        )
    line_id, txn_id, kind_text, paid_text, channel, biller_id, ref1, ref2, amount_text = fields
    kind = _KINDS.get(kind_text)
    if kind is None:
        raise _Malformed("bad_kind", f"kind {kind_text!r} is not payment, refund, credit or return")
    if not line_id or not txn_id or not ref1:
        raise _Malformed("missing_field", "line_id, txn_id and ref1 are required")
    if not _TIME.match(paid_text):
        raise _Malformed("bad_time", f"paid_at {paid_text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    try:
        paid_at = datetime.fromisoformat(paid_text)
    except ValueError:
        raise _Malformed("bad_time", f"paid_at {paid_text!r} is not a real time") from None
    if channel not in CHANNELS:
        raise _Malformed("bad_channel", f"channel {channel!r} is not one of the contract's")
    if kind in _TRANSFER_KINDS:
        if biller_id and not _BILLER_ID.match(biller_id):
            raise _Malformed("bad_biller_id", f"biller_id {biller_id!r} is not 13 or 15 digits")
    elif not _BILLER_ID.match(biller_id):
        raise _Malformed("bad_biller_id", f"biller_id {biller_id!r} is not 13 or 15 digits")
    if not _AMOUNT.match(amount_text):
        raise _Malformed("bad_amount", f"amount_satang {amount_text!r} is not a positive integer")
    return StatementLine(
        line_id,
        txn_id,
        kind,
        paid_at,
        channel,
        biller_id,
        ref1,
        ref2 or None,
        int(amount_text),
        line_no,
    )


def format_statement_line(line: StatementLine) -> str:
    """One line of the statement as the bank writes it (no line end): the parser's inverse."""
    paid_at = line.paid_at.astimezone(UTC)
    fraction = f".{paid_at.microsecond:06d}" if paid_at.microsecond else ""
    fields = [
        line.line_id,
        line.txn_id,
        line.kind.value,
        f"{paid_at:%Y-%m-%dT%H:%M:%S}{fraction}Z",
        line.channel,
        line.biller_id,
        line.ref1,
        line.ref2 or "",
        str(line.amount_satang),
    ]
    if any("\n" in field or "\r" in field for field in fields):
        raise ValueError("a statement field cannot hold a line break")
    if not any("," in field or '"' in field for field in fields):
        return ",".join(fields)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The gateway's books


class IntentStatus(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# An intent in one of these takes no money whatever the time: a payment to it is `late`.
_CLOSED = frozenset({IntentStatus.CANCELLED, IntentStatus.FAILED})


@dataclass(frozen=True, slots=True)
class Credit:
    """A bank transaction the gateway credited to an intent (heard by webhook, status call or
    an earlier reconciliation)."""

    txn_id: str
    amount_satang: int
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class Intent:
    payment_id: str  # Ref2 on the QR and on the statement
    reference: str  # Ref1
    biller_id: str
    amount_satang: int
    status: IntentStatus
    created_at: datetime
    expires_at: datetime
    credits: tuple[Credit, ...] = ()


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str  # ref2 on the statement's refund line
    txn_id: str  # the payment refunded
    amount_satang: int
    refunded_at: datetime


class TransferStatus(StrEnum):
    CREDITED = "credited"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class Transfer:
    transfer_id: str  # ref2 on the statement's credit or return line
    reference: str  # ref1: pid-free (the statement must not carry national IDs)
    amount_satang: int
    status: TransferStatus
    settled_at: datetime  # when the bank answered credited or returned


_SETTLES_AS = {
    StatementKind.CREDIT: TransferStatus.CREDITED,
    StatementKind.RETURN: TransferStatus.RETURNED,
}
_SETTLED_AS_KIND = {status: kind for kind, status in _SETTLES_AS.items()}


# ---------------------------------------------------------------------------------------------
# Classes and the report


class Category(StrEnum):
    MATCHED = "matched"
    UNCONFIRMED = "unconfirmed"
    UNDERPAID = "underpaid"
    OVERPAID = "overpaid"
    DUPLICATE = "duplicate"
    LATE = "late"
    UNKNOWN = "unknown"
    MISMATCH = "mismatch"
    MISSING = "missing"
    REFUND_MATCHED = "refund_matched"
    REFUND_UNKNOWN = "refund_unknown"
    REFUND_MISMATCH = "refund_mismatch"
    REFUND_MISSING = "refund_missing"
    TRANSFER_MATCHED = "transfer_matched"
    TRANSFER_UNKNOWN = "transfer_unknown"
    TRANSFER_MISMATCH = "transfer_mismatch"
    TRANSFER_MISSING = "transfer_missing"
    REPEATED = "repeated"
    MALFORMED = "malformed"


MATCHED = frozenset({Category.MATCHED, Category.REFUND_MATCHED, Category.TRANSFER_MATCHED})
# The classes of the lines read from the statement: the others are the gateway's records the
# statement lacks (the `*missing` ones) and the lines it could not read (`malformed`).
STATEMENT_CATEGORIES = frozenset(Category) - {
    Category.MISSING,
    Category.REFUND_MISSING,
    Category.TRANSFER_MISSING,
    Category.MALFORMED,
}
_CATEGORY_ORDER = {category: index for index, category in enumerate(Category)}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One statement line, gateway record or unreadable line, and its class.

    `amount_satang` is the bank's amount (None when the bank has no line), `expected_satang`
    the gateway's (what the intent is due, or what was credited or refunded or transferred);
    `record_id` the intent's payment_id, the refund_id or the transfer_id it concerns."""

    category: Category
    kind: StatementKind | None = None
    line_no: int | None = None
    line_id: str | None = None
    txn_id: str | None = None
    paid_at: datetime | None = None
    channel: str | None = None
    biller_id: str | None = None
    ref1: str | None = None
    ref2: str | None = None
    amount_satang: int | None = None
    expected_satang: int | None = None
    record_id: str | None = None
    note: str = ""

    @property
    def amount_counted(self) -> int:
        """The amount a total counts: the bank's, else the gateway's, else nothing."""
        if self.amount_satang is not None:
            return self.amount_satang
        return self.expected_satang or 0

    def as_json(self) -> dict[str, Any]:
        return {
            "class": self.category.value,
            "kind": self.kind.value if self.kind else None,
            "line_no": self.line_no,
            "line_id": self.line_id,
            "txn_id": self.txn_id,
            "paid_at": _iso(self.paid_at) if self.paid_at else None,
            "channel": self.channel,
            "biller_id": self.biller_id,
            "ref1": self.ref1,
            "ref2": self.ref2,
            "amount_satang": self.amount_satang,
            "expected_satang": self.expected_satang,
            "record_id": self.record_id,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Tally:
    count: int = 0
    amount_satang: int = 0


@dataclass(frozen=True)
class Report:
    day: date
    # One per statement line (in (paid_at, txn_id) order), then the gateway's records the
    # statement lacks, then the unreadable lines.
    outcomes: tuple[Outcome, ...]
    totals: Mapping[Category, Tally]  # every class, zeros included
    statement: Mapping[StatementKind, Tally]  # the lines read, per kind

    @property
    def exceptions(self) -> tuple[Outcome, ...]:
        """Everything not matched, grouped by class, in statement order within a class."""
        unmatched = [outcome for outcome in self.outcomes if outcome.category not in MATCHED]
        unmatched.sort(key=lambda outcome: _CATEGORY_ORDER[outcome.category])
        return tuple(unmatched)

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "statement": {
                kind.value: {"count": tally.count, "amount_satang": tally.amount_satang}
                for kind, tally in self.statement.items()
            },
            "totals": {
                category.value: {"count": tally.count, "amount_satang": tally.amount_satang}
                for category, tally in self.totals.items()
            },
            "exceptions": [outcome.as_json() for outcome in self.exceptions],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False)

    def to_markdown(self) -> str:
        read = sum(tally.count for tally in self.statement.values())
        exceptions = self.exceptions
        out = [
            f"# Reconciliation of {self.day.isoformat()} (Bangkok day)",
            "",
            f"The bank's statement: {read:,} lines read, "
            f"{self.totals[Category.MALFORMED].count:,} unreadable.",
            "",
            "| kind | lines | amount |",
            "|---|---:|---:|",
        ]
        out += [
            f"| {kind.value} | {tally.count:,} | {_baht(tally.amount_satang)} |"
            for kind, tally in self.statement.items()
        ]
        out += ["", "| class | count | amount |", "|---|---:|---:|"]
        out += [
            f"| {category.value} | {tally.count:,} | {_baht(tally.amount_satang)} |"
            for category, tally in self.totals.items()
        ]
        out += ["", f"## Exceptions ({len(exceptions):,})", ""]
        if not exceptions:
            out.append("None: every line and every record matched.")
            return "\n".join(out) + "\n"
        out += [
            "| class | kind | line | txn | paid at | biller | ref1 | ref2 | bank | gateway "
            "| record | note |",
            "|---|---|---:|---|---|---|---|---|---:|---:|---|---|",
        ]
        for outcome in exceptions:
            cells = [
                outcome.category.value,
                outcome.kind.value if outcome.kind else "",
                str(outcome.line_no) if outcome.line_no is not None else "",
                outcome.txn_id or "",
                _iso(outcome.paid_at) if outcome.paid_at else "",
                outcome.biller_id or "",
                outcome.ref1 or "",
                outcome.ref2 or "",
                _baht(outcome.amount_satang) if outcome.amount_satang is not None else "",
                _baht(outcome.expected_satang) if outcome.expected_satang is not None else "",
                outcome.record_id or "",
                outcome.note,
            ]
            out.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        return "\n".join(out) + "\n"


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _baht(satang: int) -> str:
    # Private on purpose: payments/money.py (another branch) will hold the shared formatter;
    # this one keeps the report free of a merge dependency.
    sign = "-" if satang < 0 else ""
    whole, fraction = divmod(abs(satang), 100)
    return f"{sign}{whole:,}.{fraction:02d} THB"


def _cell(text: str) -> str:
    # A ref read from a counter can hold anything: keep the table a table.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


# ---------------------------------------------------------------------------------------------
# Reconciling


def reconcile(
    day: date,
    statement: Statement | Iterable[StatementLine],
    intents: Iterable[Intent],
    refunds: Iterable[Refund] = (),
    transfers: Iterable[Transfer] = (),
) -> Report:
    """Classify every line of `day`'s statement against the gateway's records, and every
    record of `day` (a credit paid, a refund or a transfer settled that Bangkok day) the
    statement lacks. Pass the intents the statement's refs name and those credited that day;
    any more are harmless."""
    if isinstance(statement, Statement):
        lines: Sequence[StatementLine] = statement.lines
        findings = statement.findings
    else:
        lines = tuple(statement)
        findings = ()
    # The statement is ordered by time already, so this sort costs a single pass; it makes
    # every decision that depends on order (which of two payments counts, which line is the
    # repeat) independent of the order lines were given in.
    ordered = sorted(lines, key=lambda line: (line.paid_at, line.txn_id, line.line_id))
    payments = _Payments(intents)
    refund_books = _Refunds(refunds)
    transfer_books = _Transfers(transfers)
    outcomes: list[Outcome] = []
    line_ids: set[str] = set()
    for line in ordered:
        if line.line_id in line_ids:
            outcomes.append(_of(line, Category.REPEATED, None, None, "the line id is listed twice"))
            continue
        line_ids.add(line.line_id)
        if line.kind is StatementKind.PAYMENT:
            outcomes.append(payments.classify(line))
        elif line.kind is StatementKind.REFUND:
            outcomes.append(refund_books.classify(line))
        else:
            outcomes.append(transfer_books.classify(line))
    # The gateway's records come in whatever order the caller read them: sort what the bank
    # lacks so that the same books give the same report.
    absent = payments.missing(day) + refund_books.missing(day) + transfer_books.missing(day)
    absent.sort(key=_absent_order)
    outcomes += absent
    outcomes += [_unreadable(finding) for finding in findings]
    return _report(day, outcomes, lines)


def _absent_order(outcome: Outcome) -> tuple[datetime, str, str]:
    # Every record the statement lacks has its time; the record and transaction break ties.
    return (outcome.paid_at or _EPOCH, outcome.record_id or "", outcome.txn_id or "")


def _report(day: date, outcomes: list[Outcome], lines: Sequence[StatementLine]) -> Report:
    counts = dict.fromkeys(Category, 0)
    amounts = dict.fromkeys(Category, 0)
    for outcome in outcomes:
        counts[outcome.category] += 1
        amounts[outcome.category] += outcome.amount_counted
    kind_counts = dict.fromkeys(StatementKind, 0)
    kind_amounts = dict.fromkeys(StatementKind, 0)
    for line in lines:
        kind_counts[line.kind] += 1
        kind_amounts[line.kind] += line.amount_satang
    return Report(
        day=day,
        outcomes=tuple(outcomes),
        totals={category: Tally(counts[category], amounts[category]) for category in Category},
        statement={kind: Tally(kind_counts[kind], kind_amounts[kind]) for kind in StatementKind},
    )


def _of(
    line: StatementLine,
    category: Category,
    record_id: str | None,
    expected_satang: int | None,
    note: str,
) -> Outcome:
    return Outcome(
        category,
        line.kind,
        line.line_no,
        line.line_id,
        line.txn_id,
        line.paid_at,
        line.channel,
        line.biller_id,
        line.ref1,
        line.ref2,
        line.amount_satang,
        expected_satang,
        record_id,
        note,
    )


def _unreadable(finding: ParseFinding) -> Outcome:
    note = f"{finding.code}: {finding.message}"
    return Outcome(Category.MALFORMED, line_no=finding.line_no, note=note)


def _first_credit(intent: Intent) -> Credit:
    if len(intent.credits) == 1:  # nearly always: spare a day of lines the key function
        return intent.credits[0]
    return min(intent.credits, key=lambda credit: (credit.paid_at, credit.txn_id))


class _Payments:
    """The intents, indexed once: every line then costs a few dictionary look-ups."""

    def __init__(self, intents: Iterable[Intent]) -> None:
        self.intents = tuple(intents)
        # payment_id is unique, so the intent a line's (biller_id, ref1, ref2) names is the one
        # with payment_id ref2, if its biller_id and reference agree.
        self.by_id = {intent.payment_id: intent for intent in self.intents}
        self.credited: dict[str, tuple[Intent, Credit]] = {
            credit.txn_id: (intent, credit) for intent in self.intents for credit in intent.credits
        }
        self._by_reference: dict[tuple[str, str], list[Intent]] | None = None
        # payment_id -> the transaction that paid it among the lines not credited yet
        self.taken: dict[str, str] = {}
        self.listed: set[str] = set()  # payment transactions the statement lists

    def classify(self, line: StatementLine) -> Outcome:  # noqa: PLR0911 - one class a line
        if line.txn_id in self.listed:
            return _of(line, Category.REPEATED, None, None, "the transaction is listed twice")
        self.listed.add(line.txn_id)
        found = self.credited.get(line.txn_id)
        if found is not None:
            return self._credited(line, *found)
        intent = self._intent_for(line)
        if intent is None:
            return _of(line, Category.UNKNOWN, None, None, self._why_unknown(line))
        due = intent.amount_satang
        if intent.credits or intent.status is IntentStatus.SUCCEEDED:
            first = f" by {_first_credit(intent).txn_id}" if intent.credits else ""
            note = f"the intent was already paid{first}"
            return _of(line, Category.DUPLICATE, intent.payment_id, due, note)
        if intent.status in _CLOSED:
            note = f"the intent is {intent.status.value}"
            return _of(line, Category.LATE, intent.payment_id, due, note)
        if line.paid_at > intent.expires_at:
            note = f"the intent expired at {_iso(intent.expires_at)}"
            return _of(line, Category.LATE, intent.payment_id, due, note)
        if line.amount_satang < due:
            return _of(line, Category.UNDERPAID, intent.payment_id, due, "not credited")
        if line.amount_satang > due:
            return _of(line, Category.OVERPAID, intent.payment_id, due, "not credited")
        earlier = self.taken.get(intent.payment_id)
        if earlier is not None:
            note = f"{earlier} paid the intent earlier on this statement"
            return _of(line, Category.DUPLICATE, intent.payment_id, due, note)
        self.taken[intent.payment_id] = line.txn_id
        note = f"paid in time but not credited (intent {intent.status.value}): credit it"
        return _of(line, Category.UNCONFIRMED, intent.payment_id, due, note)

    def _credited(  # noqa: PLR0911 - one class a line
        self, line: StatementLine, intent: Intent, credit: Credit
    ) -> Outcome:
        pid = intent.payment_id
        if (
            line.biller_id != intent.biller_id
            or line.ref1 != intent.reference
            or (line.ref2 is not None and line.ref2 != pid)
        ):
            note = "credited to an intent with other refs"
            return _of(line, Category.MISMATCH, pid, credit.amount_satang, note)
        if line.amount_satang != credit.amount_satang:
            note = "credited with another amount"
            return _of(line, Category.MISMATCH, pid, credit.amount_satang, note)
        first = _first_credit(intent)
        if first.txn_id != line.txn_id:
            note = f"credited as well as {first.txn_id}, which paid first"
            return _of(line, Category.DUPLICATE, pid, intent.amount_satang, note)
        if line.amount_satang < intent.amount_satang:
            return _of(line, Category.UNDERPAID, pid, intent.amount_satang, "credited")
        if line.amount_satang > intent.amount_satang:
            return _of(line, Category.OVERPAID, pid, intent.amount_satang, "credited")
        if intent.status is not IntentStatus.SUCCEEDED:
            note = f"credited but the intent is {intent.status.value}"
            return _of(line, Category.MISMATCH, pid, intent.amount_satang, note)
        return _of(line, Category.MATCHED, pid, intent.amount_satang, "")

    def _intent_for(self, line: StatementLine) -> Intent | None:
        if line.ref2 is not None:
            named = self.by_id.get(line.ref2)
            if named is None or named.biller_id != line.biller_id or named.reference != line.ref1:
                return None
            return named
        # A counter payment may carry Ref1 only, and several intents can share it (a new one
        # after one expired): take one still open of the amount paid, else any of that amount
        # (an old bill paid late), else one still open, else the newest.
        candidates = self._reference_index().get((line.biller_id, line.ref1))
        if not candidates:
            return None

        def preference(intent: Intent) -> tuple[bool, bool, datetime, str]:
            still_open = (
                not intent.credits
                and intent.status not in _CLOSED
                and intent.status is not IntentStatus.SUCCEEDED
                and line.paid_at <= intent.expires_at
                and intent.payment_id not in self.taken
            )
            same_amount = intent.amount_satang == line.amount_satang
            return (same_amount, still_open, intent.created_at, intent.payment_id)

        return max(candidates, key=preference)

    def _reference_index(self) -> dict[tuple[str, str], list[Intent]]:
        if self._by_reference is None:  # built only when a line lacks Ref2
            index: dict[tuple[str, str], list[Intent]] = {}
            for intent in self.intents:
                index.setdefault((intent.biller_id, intent.reference), []).append(intent)
            self._by_reference = index
        return self._by_reference

    def _why_unknown(self, line: StatementLine) -> str:
        named = self.by_id.get(line.ref2) if line.ref2 else None
        if named is not None:
            return f"ref2 names intent {named.payment_id}, whose biller or ref1 differ"
        return "no intent has these refs"

    def missing(self, day: date) -> list[Outcome]:
        found: list[Outcome] = []
        for intent in self.intents:
            for credit in intent.credits:
                if credit.txn_id in self.listed or bangkok_day(credit.paid_at) != day:
                    continue
                found.append(
                    Outcome(
                        Category.MISSING,
                        kind=StatementKind.PAYMENT,
                        txn_id=credit.txn_id,
                        paid_at=credit.paid_at,
                        biller_id=intent.biller_id,
                        ref1=intent.reference,
                        ref2=intent.payment_id,
                        expected_satang=credit.amount_satang,
                        record_id=intent.payment_id,
                        note="credited by the gateway, absent from the statement",
                    )
                )
        return found


class _Refunds:
    def __init__(self, refunds: Iterable[Refund]) -> None:
        self.by_id = {refund.refund_id: refund for refund in refunds}
        self.seen: dict[str, str] = {}  # refund_id -> the line that listed it first

    def classify(self, line: StatementLine) -> Outcome:
        refund = self.by_id.get(line.ref2) if line.ref2 else None
        if refund is None:
            return _of(line, Category.REFUND_UNKNOWN, None, None, "no refund has this id")
        rid, expected = refund.refund_id, refund.amount_satang
        earlier = self.seen.get(rid)
        if earlier is not None:
            note = f"refunded twice: line {earlier} listed it first"
            return _of(line, Category.REFUND_MISMATCH, rid, expected, note)
        self.seen[rid] = line.line_id
        if line.txn_id != refund.txn_id:
            note = f"the gateway refunded {refund.txn_id}"
            return _of(line, Category.REFUND_MISMATCH, rid, expected, note)
        if line.amount_satang != expected:
            return _of(line, Category.REFUND_MISMATCH, rid, expected, "another amount")
        return _of(line, Category.REFUND_MATCHED, rid, expected, "")

    def missing(self, day: date) -> list[Outcome]:
        return [
            Outcome(
                Category.REFUND_MISSING,
                kind=StatementKind.REFUND,
                txn_id=refund.txn_id,
                paid_at=refund.refunded_at,
                ref2=refund.refund_id,
                expected_satang=refund.amount_satang,
                record_id=refund.refund_id,
                note="refunded by the gateway, absent from the statement",
            )
            for refund in self.by_id.values()
            if refund.refund_id not in self.seen and bangkok_day(refund.refunded_at) == day
        ]


class _Transfers:
    def __init__(self, transfers: Iterable[Transfer]) -> None:
        self.by_id = {transfer.transfer_id: transfer for transfer in transfers}
        self.seen: dict[str, str] = {}  # transfer_id -> the line that listed it first

    def classify(self, line: StatementLine) -> Outcome:
        transfer = self.by_id.get(line.ref2) if line.ref2 else None
        if transfer is None:
            return _of(line, Category.TRANSFER_UNKNOWN, None, None, "no transfer has this id")
        tid, expected = transfer.transfer_id, transfer.amount_satang
        earlier = self.seen.get(tid)
        if earlier is not None:
            note = f"settled twice: line {earlier} listed it first"
            return _of(line, Category.TRANSFER_MISMATCH, tid, expected, note)
        self.seen[tid] = line.line_id
        if _SETTLES_AS[line.kind] is not transfer.status:
            note = f"the gateway recorded it {transfer.status.value}"
            return _of(line, Category.TRANSFER_MISMATCH, tid, expected, note)
        if line.amount_satang != expected:
            return _of(line, Category.TRANSFER_MISMATCH, tid, expected, "another amount")
        if line.ref1 != transfer.reference:
            note = f"the gateway's reference is {transfer.reference}"
            return _of(line, Category.TRANSFER_MISMATCH, tid, expected, note)
        return _of(line, Category.TRANSFER_MATCHED, tid, expected, "")

    def missing(self, day: date) -> list[Outcome]:
        return [
            Outcome(
                Category.TRANSFER_MISSING,
                kind=_SETTLED_AS_KIND[transfer.status],
                paid_at=transfer.settled_at,
                ref1=transfer.reference,
                ref2=transfer.transfer_id,
                expected_satang=transfer.amount_satang,
                record_id=transfer.transfer_id,
                note=f"{transfer.status.value} by the bank's answer, absent from the statement",
            )
            for transfer in self.by_id.values()
            if transfer.transfer_id not in self.seen and bangkok_day(transfer.settled_at) == day
        ]
