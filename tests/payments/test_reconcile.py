"""The daily reconciliation: the bank's statement read strictly, every line and every record of
the day in exactly one class, and a report a person can read."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.reconcile import (
    HEADER,
    MATCHED,
    STATEMENT_CATEGORIES,
    Category,
    Credit,
    Intent,
    IntentStatus,
    Refund,
    Report,
    Statement,
    StatementKind,
    StatementLine,
    Tally,
    Transfer,
    TransferStatus,
    bangkok_day,
    format_statement_line,
    parse_statement,
    reconcile,
)
from payments.synthetic import SyntheticDay, synthetic_day

DAY = date(2026, 12, 6)
BILLER = "099400016550100"
OTHER_BILLER = "099400016550200"


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A UTC instant on DAY in Bangkok (Bangkok's DAY runs from 17:00 UTC the day before)."""
    return datetime(2026, 12, 6, hour, minute, second, tzinfo=UTC)


YESTERDAY = at(1) - timedelta(days=1)


def intent(
    pid: str = "PI1",
    *,
    ref1: str = "APP1",
    amount: int = 50_500,
    status: IntentStatus = IntentStatus.PENDING,
    credits: tuple[Credit, ...] = (),
    expires_at: datetime | None = None,
    biller: str = BILLER,
    created_at: datetime | None = None,
) -> Intent:
    return Intent(
        payment_id=pid,
        reference=ref1,
        biller_id=biller,
        amount_satang=amount,
        status=status,
        created_at=created_at or at(0),
        expires_at=expires_at or at(23),
        credits=credits,
    )


def paid(txn: str, amount: int = 50_500, when: datetime | None = None) -> Credit:
    return Credit(txn, amount, when or at(2))


def line(
    txn: str,
    ref2: str | None = "PI1",
    amount: int = 50_500,
    when: datetime | None = None,
    *,
    ref1: str = "APP1",
    kind: StatementKind = StatementKind.PAYMENT,
    biller: str = BILLER,
    channel: str = "mobile",
    line_id: str | None = None,
) -> StatementLine:
    return StatementLine(
        line_id=line_id or f"L-{txn}",
        txn_id=txn,
        kind=kind,
        paid_at=when or at(2),
        channel=channel,
        biller_id=biller,
        ref1=ref1,
        ref2=ref2,
        amount_satang=amount,
    )


def classes(report: Report) -> dict[str, Category]:
    """txn (or record) -> class, for the lines and records of a small example."""
    return {(o.txn_id or o.record_id or str(o.line_no)): o.category for o in report.outcomes}


def only(report: Report) -> Category:
    (outcome,) = report.outcomes
    return outcome.category


# ---------------------------------------------------------------------------------------------
# Payments, one class at a time


def test_a_credited_payment_of_a_succeeded_intent_is_matched() -> None:
    books = [intent(status=IntentStatus.SUCCEEDED, credits=(paid("T1"),))]
    report = reconcile(DAY, [line("T1")], books)
    assert only(report) is Category.MATCHED
    assert report.exceptions == ()
    assert report.totals[Category.MATCHED].amount_satang == 50_500
    # A counter payment the gateway credited (an earlier reconciliation) carries no Ref2.
    counter = line("T1", ref2=None, channel="post_office")
    assert only(reconcile(DAY, [counter], books)) is Category.MATCHED


def test_a_counter_payment_the_gateway_never_heard_of_is_unconfirmed_and_names_its_intent() -> None:
    # A counter sends no webhook; the payer gave Ref1 only.
    report = reconcile(DAY, [line("T1", ref2=None, channel="7-eleven")], [intent()])
    (outcome,) = report.exceptions
    assert outcome.category is Category.UNCONFIRMED
    assert (outcome.record_id, outcome.txn_id, outcome.amount_satang) == ("PI1", "T1", 50_500)
    assert outcome.expected_satang == 50_500


def test_an_intent_the_gateway_expired_but_paid_in_time_is_unconfirmed() -> None:
    # The webhook was dropped and the gateway expired the intent: the money came in time.
    expired = intent(status=IntentStatus.EXPIRED, expires_at=at(3))
    assert only(reconcile(DAY, [line("T1", when=at(2, 59))], [expired])) is Category.UNCONFIRMED


@pytest.mark.parametrize(
    ("amount", "category"), [(50_499, Category.UNDERPAID), (50_501, Category.OVERPAID)]
)
def test_a_wrong_amount_is_underpaid_or_overpaid(amount: int, category: Category) -> None:
    assert only(reconcile(DAY, [line("T1", amount=amount)], [intent()])) is category
    credited = intent(status=IntentStatus.SUCCEEDED, credits=(paid("T1", amount),))
    report = reconcile(DAY, [line("T1", amount=amount)], [credited])
    assert only(report) is category
    assert report.exceptions[0].expected_satang == 50_500


def test_a_second_payment_of_a_paid_intent_is_a_duplicate() -> None:
    books = [intent(status=IntentStatus.SUCCEEDED, credits=(paid("T0", when=YESTERDAY),))]
    report = reconcile(DAY, [line("T1")], books)
    (outcome,) = report.exceptions
    assert outcome.category is Category.DUPLICATE
    assert outcome.record_id == "PI1"
    assert "T0" in outcome.note


def test_of_two_payments_nobody_credited_the_earliest_counts() -> None:
    lines = [line("T2", when=at(3)), line("T9", when=at(1))]
    assert classes(reconcile(DAY, lines, [intent()])) == {
        "T9": Category.UNCONFIRMED,
        "T2": Category.DUPLICATE,
    }
    # At the same second, the smaller transaction id counts.
    lines = [line("T2", when=at(3)), line("T1", when=at(3))]
    assert classes(reconcile(DAY, lines, [intent()])) == {
        "T1": Category.UNCONFIRMED,
        "T2": Category.DUPLICATE,
    }


def test_the_credited_payment_counts_even_if_another_came_first() -> None:
    books = [intent(status=IntentStatus.SUCCEEDED, credits=(paid("T2", when=at(3)),))]
    lines = [line("T1", when=at(1)), line("T2", when=at(3))]
    assert classes(reconcile(DAY, lines, books)) == {
        "T1": Category.DUPLICATE,
        "T2": Category.MATCHED,
    }


def test_two_credits_to_one_intent_leave_the_later_a_duplicate() -> None:
    credits = (paid("T1", when=at(1)), paid("T2", when=at(3)))
    books = [intent(status=IntentStatus.SUCCEEDED, credits=credits)]
    lines = [line("T2", when=at(3)), line("T1", when=at(1))]
    assert classes(reconcile(DAY, lines, books)) == {
        "T1": Category.MATCHED,
        "T2": Category.DUPLICATE,
    }


def test_a_payment_after_expiry_or_to_a_cancelled_intent_is_late() -> None:
    expiring = intent(expires_at=at(3))
    assert only(reconcile(DAY, [line("T1", when=at(3, 0, 1))], [expiring])) is Category.LATE
    assert only(reconcile(DAY, [line("T1", when=at(3))], [expiring])) is Category.UNCONFIRMED
    cancelled = intent(status=IntentStatus.CANCELLED)
    report = reconcile(DAY, [line("T1")], [cancelled])
    assert only(report) is Category.LATE
    assert report.exceptions[0].record_id == "PI1"


def test_a_payment_whose_refs_name_no_intent_is_unknown() -> None:
    assert only(reconcile(DAY, [line("T1", ref2="PI404")], [intent()])) is Category.UNKNOWN
    # Ref2 alone is not enough: the biller and Ref1 must agree too.
    report = reconcile(DAY, [line("T1", ref1="APP2")], [intent()])
    (outcome,) = report.exceptions
    assert outcome.category is Category.UNKNOWN
    assert outcome.record_id is None
    assert "PI1" in outcome.note
    other = [line("T1", biller=OTHER_BILLER, ref2=None)]
    assert only(reconcile(DAY, other, [intent()])) is Category.UNKNOWN


def test_a_counter_payment_with_ref1_only_finds_its_intent_by_amount() -> None:
    # One application, three intents: the first expired, two are open with other amounts.
    books = [
        intent("PI1", amount=10_000, status=IntentStatus.EXPIRED, expires_at=at(1)),
        intent("PI2", amount=10_000, created_at=at(1, 30)),
        intent("PI3", amount=20_000, created_at=at(1, 45)),
    ]

    def found(amount: int, books: list[Intent]) -> tuple[Category, str | None]:
        report = reconcile(DAY, [line("T1", None, amount, at(2), channel="branch")], books)
        (outcome,) = report.outcomes
        return outcome.category, outcome.record_id

    assert found(10_000, books) == (Category.UNCONFIRMED, "PI2")  # open, of the amount paid
    assert found(20_000, books) == (Category.UNCONFIRMED, "PI3")
    assert found(15_000, books) == (Category.UNDERPAID, "PI3")  # no amount agrees: the newest open
    assert found(10_000, [books[0], books[2]]) == (Category.LATE, "PI1")  # an old bill paid late


def test_a_credit_of_the_day_the_statement_lacks_is_missing() -> None:
    books = [
        intent("PI1", status=IntentStatus.SUCCEEDED, credits=(paid("T1"),)),
        # Paid yesterday: yesterday's statement lists it, not this one.
        intent(
            "PI2", ref1="APP2", status=IntentStatus.SUCCEEDED, credits=(paid("T2", when=YESTERDAY),)
        ),
    ]
    report = reconcile(DAY, [], books)
    (outcome,) = report.exceptions
    assert (outcome.category, outcome.txn_id, outcome.record_id) == (Category.MISSING, "T1", "PI1")
    assert (outcome.amount_satang, outcome.expected_satang) == (None, 50_500)
    assert report.totals[Category.MISSING] == Tally(1, 50_500)


def test_a_credit_the_bank_lists_otherwise_is_a_mismatch() -> None:
    credited = intent(status=IntentStatus.SUCCEEDED, credits=(paid("T1", 50_500),))
    assert only(reconcile(DAY, [line("T1", amount=50_000)], [credited])) is Category.MISMATCH
    assert only(reconcile(DAY, [line("T1", ref1="APP9")], [credited])) is Category.MISMATCH
    # Credited, yet the intent is not succeeded: the gateway's own books disagree.
    stuck = intent(status=IntentStatus.PENDING, credits=(paid("T1"),))
    assert only(reconcile(DAY, [line("T1")], [stuck])) is Category.MISMATCH


def test_a_line_listed_twice_is_repeated() -> None:
    books = [intent(status=IntentStatus.SUCCEEDED, credits=(paid("T1"),))]
    same_txn = [line("T1", line_id="L1"), line("T1", line_id="L2")]
    report = reconcile(DAY, same_txn, books)
    assert [(o.line_id, o.category) for o in report.outcomes] == [
        ("L1", Category.MATCHED),
        ("L2", Category.REPEATED),
    ]
    same_id = [line("T1", line_id="L1"), line("T2", ref2="PI404", line_id="L1")]
    report = reconcile(DAY, same_id, books)
    assert Counter(o.category for o in report.outcomes) == {
        Category.MATCHED: 1,
        Category.REPEATED: 1,
    }


# ---------------------------------------------------------------------------------------------
# Refunds and transfers


def refund_line(
    txn: str, refund_id: str, amount: int, when: datetime | None = None
) -> StatementLine:
    return line(txn, ref2=refund_id, amount=amount, when=when, kind=StatementKind.REFUND)


def test_refunds_are_matched_by_refund_id() -> None:
    refunds = [
        Refund("RF1", "T1", 10_000, at(4)),
        Refund("RF2", "T2", 20_000, at(4)),
        Refund("RF3", "T3", 30_000, at(4)),
        Refund("RF4", "T4", 40_000, YESTERDAY),  # yesterday's: not expected today
    ]
    lines = [
        refund_line("T1", "RF1", 10_000),
        refund_line("T2", "RF2", 19_999),
        refund_line("T9", "RF9", 5_000),
    ]
    report = reconcile(DAY, lines, [], refunds)
    assert {(o.record_id, o.category) for o in report.outcomes} == {
        ("RF1", Category.REFUND_MATCHED),
        ("RF2", Category.REFUND_MISMATCH),
        (None, Category.REFUND_UNKNOWN),
        ("RF3", Category.REFUND_MISSING),
    }


def test_a_refund_listed_for_another_payment_or_twice_is_a_mismatch() -> None:
    refunds = [Refund("RF1", "T1", 10_000, at(4))]
    report = reconcile(DAY, [refund_line("T2", "RF1", 10_000)], [], refunds)
    assert only(report) is Category.REFUND_MISMATCH
    twice = [refund_line("T1", "RF1", 10_000, at(4)), refund_line("T1", "RF1", 10_000, at(5))]
    report = reconcile(
        DAY, [replace(twice[0], line_id="A"), replace(twice[1], line_id="B")], [], refunds
    )
    assert [o.category for o in report.outcomes] == [
        Category.REFUND_MATCHED,
        Category.REFUND_MISMATCH,
    ]


def transfer_line(
    transfer_id: str, amount: int, kind: StatementKind, reference: str = "DOP0001"
) -> StatementLine:
    return line(
        f"MT-{transfer_id}",
        ref2=transfer_id,
        amount=amount,
        kind=kind,
        ref1=reference,
        biller="",
        channel="promptpay",
    )


def test_transfers_are_matched_by_transfer_id_and_outcome() -> None:
    transfers = [
        Transfer("TR1", "DOP0001", 60_000, TransferStatus.CREDITED, at(5)),
        Transfer("TR2", "DOP0001", 60_000, TransferStatus.RETURNED, at(5)),
        Transfer("TR3", "DOP0001", 60_000, TransferStatus.CREDITED, at(5)),  # bank says returned
        Transfer("TR4", "DOP0001", 60_000, TransferStatus.CREDITED, at(5)),  # other amount
        Transfer("TR5", "DOP0001", 60_000, TransferStatus.CREDITED, at(5)),  # other reference
        Transfer("TR6", "DOP0001", 60_000, TransferStatus.CREDITED, at(5)),  # not listed
    ]
    lines = [
        transfer_line("TR1", 60_000, StatementKind.CREDIT),
        transfer_line("TR2", 60_000, StatementKind.RETURN),
        transfer_line("TR3", 60_000, StatementKind.RETURN),
        transfer_line("TR4", 70_000, StatementKind.CREDIT),
        transfer_line("TR5", 60_000, StatementKind.CREDIT, reference="DOP0002"),
        transfer_line("TR9", 60_000, StatementKind.CREDIT),
    ]
    report = reconcile(DAY, lines, [], [], transfers)
    assert {o.ref2: o.category for o in report.outcomes} == {
        "TR1": Category.TRANSFER_MATCHED,
        "TR2": Category.TRANSFER_MATCHED,
        "TR3": Category.TRANSFER_MISMATCH,
        "TR4": Category.TRANSFER_MISMATCH,
        "TR5": Category.TRANSFER_MISMATCH,
        "TR6": Category.TRANSFER_MISSING,
        "TR9": Category.TRANSFER_UNKNOWN,
    }


# ---------------------------------------------------------------------------------------------
# Reading the statement

GOOD = "L1,T1,payment,2026-12-06T02:00:00Z,mobile,099400016550100,APP1,PI1,50500"


def test_a_statement_reads_into_typed_lines() -> None:
    counter = "L2,T2,payment,2026-12-06T03:04:05.250Z,7-eleven,099400016550100,APP2,,100"
    body = f"\ufeff{HEADER}\r\n{GOOD}\r\n{counter}\r\n"
    statement = parse_statement(body.encode())
    assert statement.findings == ()
    first, second = statement.lines
    assert first == StatementLine(
        "L1", "T1", StatementKind.PAYMENT, at(2), "mobile", BILLER, "APP1", "PI1", 50_500, 2
    )
    assert second.ref2 is None
    assert second.paid_at == at(3, 4, 5) + timedelta(milliseconds=250)
    assert second.line_no == 3


def test_a_quoted_field_may_hold_a_comma() -> None:
    text = 'L1,T1,payment,2026-12-06T02:00:00Z,branch,099400016550100,"AP,P1",,100'
    (parsed,) = parse_statement([HEADER, text]).lines
    assert parsed.ref1 == "AP,P1"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "blank_line"),
        ("L1,T1,payment,2026-12-06T02:00:00Z,mobile,099400016550100,APP1,PI1", "wrong_field_count"),
        (GOOD + ",1", "wrong_field_count"),
        (GOOD.replace("payment", "payout"), "bad_kind"),
        (GOOD.replace("L1,", ",", 1), "missing_field"),
        (GOOD.replace("APP1", ""), "missing_field"),
        (GOOD.replace("02:00:00Z", "02:00:00"), "bad_time"),
        (GOOD.replace("02:00:00Z", "02:00:00+07:00"), "bad_time"),
        (GOOD.replace("2026-12-06", "2026-13-06"), "bad_time"),
        (GOOD.replace("mobile", "card"), "bad_channel"),
        (GOOD.replace("099400016550100", "09940001655010"), "bad_biller_id"),
        (GOOD.replace("50500", "505.00"), "bad_amount"),
        (GOOD.replace("50500", "0"), "bad_amount"),
        (GOOD.replace("50500", "-50500"), "bad_amount"),
        (GOOD.replace("50500", "050500"), "bad_amount"),
        (GOOD.replace("50500", "５０５００"), "bad_amount"),  # full-width digits
        (GOOD.replace("APP1", '"APP1'), "bad_quoting"),
    ],
)
def test_a_malformed_line_is_a_finding_with_its_line_number(text: str, code: str) -> None:
    statement = parse_statement([HEADER, GOOD, text, GOOD.replace("L1,T1", "L3,T3")])
    assert [finding.line_no for finding in statement.findings] == [3]
    assert statement.findings[0].code == code
    assert [parsed.line_no for parsed in statement.lines] == [2, 4]
    report = reconcile(DAY, statement, [])
    (malformed,) = [o for o in report.exceptions if o.category is Category.MALFORMED]
    assert malformed.line_no == 3
    assert code in malformed.note


def test_a_line_that_is_not_utf8_is_a_finding() -> None:
    body = f"{HEADER}\n{GOOD}\n".encode() + b"L2,T2,payment,\xff\n"
    statement = parse_statement(body)
    assert [(f.line_no, f.code) for f in statement.findings] == [(3, "bad_encoding")]
    assert len(statement.lines) == 1


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (b"", "missing_header"),
        ([], "missing_header"),
        ("line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2\n" + GOOD, "bad_header"),
        (GOOD + "\n" + GOOD, "bad_header"),
    ],
)
def test_a_statement_without_its_header_reads_nothing(
    source: bytes | str | list[str], code: str
) -> None:
    statement = parse_statement(source)
    assert statement.lines == ()
    assert [(f.line_no, f.code) for f in statement.findings] == [(1, code)]


statement_lines = st.builds(
    StatementLine,
    line_id=st.from_regex(r"[A-Z0-9-]{1,20}", fullmatch=True),
    txn_id=st.from_regex(r"MB[0-9]{14}", fullmatch=True),
    kind=st.sampled_from(StatementKind),
    paid_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    channel=st.sampled_from(["mobile", "post_office", "7-eleven", "branch", "promptpay"]),
    biller_id=st.from_regex(r"[0-9]{15}", fullmatch=True),
    # Anything a counter clerk might type, commas and quotes included, but no line break.
    ref1=st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), min_size=1
    ),
    ref2=st.none()
    | st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), min_size=1),
    amount_satang=st.integers(1, 10**15),
)


@given(st.lists(statement_lines, max_size=20))
def test_what_the_bank_writes_reads_back_the_same(lines: list[StatementLine]) -> None:
    text = "\n".join([HEADER, *(format_statement_line(x) for x in lines)]) + "\n"
    statement = parse_statement(text.encode())
    assert statement.findings == ()
    assert statement.lines == tuple(replace(x, line_no=n) for n, x in enumerate(lines, start=2))


# ---------------------------------------------------------------------------------------------
# The report


def test_the_markdown_report_shows_totals_then_the_exceptions() -> None:
    books = [
        intent(
            "PI1", amount=123_456, status=IntentStatus.SUCCEEDED, credits=(paid("T1", 123_456),)
        ),
        intent("PI2", ref1="APP2", amount=5),
    ]
    lines = [
        line("T1", amount=123_456),
        line("T2", "PI2", 4, ref1="APP2"),
        line("T3", "A|B", when=at(1)),  # earlier, yet its class comes later in the table
    ]
    markdown = reconcile(DAY, lines, books).to_markdown()
    assert markdown.startswith("# Reconciliation of 2026-12-06")
    assert "| payment | 3 | 1,739.60 THB |" in markdown
    assert "| matched | 1 | 1,234.56 THB |" in markdown
    assert "## Exceptions (2)" in markdown
    exceptions = markdown.split("## Exceptions (2)")[1]
    assert "| underpaid | payment | " in exceptions
    assert "| 0.04 THB | 0.05 THB | PI2 |" in exceptions
    assert "A\\|B" in exceptions  # a ref with a pipe does not break the table
    assert exceptions.index("underpaid") < exceptions.index("unknown")
    assert "None: every line" in reconcile(DAY, [], []).to_markdown()


def test_the_json_report_carries_every_class_and_the_evidence() -> None:
    report = reconcile(DAY, [line("T1", ref2=None, channel="post_office")], [intent()])
    body = json.loads(report.to_json())
    assert body["day"] == "2026-12-06"
    assert set(body["totals"]) == {category.value for category in Category}
    assert body["totals"]["unconfirmed"] == {"count": 1, "amount_satang": 50_500}
    assert body["statement"]["payment"] == {"count": 1, "amount_satang": 50_500}
    assert body["exceptions"] == [
        {
            "class": "unconfirmed",
            "kind": "payment",
            "line_no": 0,
            "line_id": "L-T1",
            "txn_id": "T1",
            "paid_at": "2026-12-06T02:00:00Z",
            "channel": "post_office",
            "biller_id": BILLER,
            "ref1": "APP1",
            "ref2": None,
            "amount_satang": 50_500,
            "expected_satang": 50_500,
            "record_id": "PI1",
            "note": body["exceptions"][0]["note"],
        }
    ]


# ---------------------------------------------------------------------------------------------
# Properties over small random worlds: refs, amounts and times from small pools, so that lines
# and intents collide in every way the classes tell apart.

PIDS = ["PI1", "PI2", "PI3", "PI4"]
REF1S = ["APP1", "APP2"]
MINUTES = st.integers(-24 * 60, 16 * 60)  # around the day's start (at(0) = 07:00 Bangkok)
AMOUNTS = st.sampled_from([100, 200, 300])


def _at_minute(minute: int) -> datetime:
    return at(0) + timedelta(minutes=minute)


@st.composite
def worlds(
    draw: st.DrawFn,
) -> tuple[list[StatementLine], list[Intent], list[Refund], list[Transfer]]:
    txns = [f"T{n}" for n in range(8)]
    credit_txns = iter(draw(st.permutations(txns)))  # a transaction credits one intent at most
    intents = []
    for pid in draw(st.lists(st.sampled_from(PIDS), unique=True)):
        amount = draw(AMOUNTS)
        credits = tuple(
            Credit(next(credit_txns), draw(AMOUNTS | st.just(amount)), _at_minute(draw(MINUTES)))
            for _ in range(draw(st.integers(0, 2)))
        )
        intents.append(
            intent(
                pid,
                ref1=draw(st.sampled_from(REF1S)),
                amount=amount,
                status=draw(st.sampled_from(IntentStatus)),
                credits=credits,
                expires_at=_at_minute(draw(MINUTES)),
                created_at=_at_minute(draw(MINUTES)),
                biller=draw(st.sampled_from([BILLER, OTHER_BILLER])),
            )
        )
    refunds = [
        Refund(rid, draw(st.sampled_from(txns)), draw(AMOUNTS), _at_minute(draw(MINUTES)))
        for rid in draw(st.lists(st.sampled_from(["RF1", "RF2", "RF3"]), unique=True))
    ]
    transfers = [
        Transfer(
            tid,
            draw(st.sampled_from(["DOP1", "DOP2"])),
            draw(AMOUNTS),
            draw(st.sampled_from(TransferStatus)),
            _at_minute(draw(MINUTES)),
        )
        for tid in draw(st.lists(st.sampled_from(["TR1", "TR2"]), unique=True))
    ]
    lines = []
    for n in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(StatementKind))
        ref2_pool = {
            StatementKind.PAYMENT: [*PIDS, "PI9"],
            StatementKind.REFUND: ["RF1", "RF2", "RF3", "RF9"],
        }.get(kind, ["TR1", "TR2", "TR9"])
        lines.append(
            StatementLine(
                line_id=f"L{n}",
                txn_id=draw(st.sampled_from(txns)),
                kind=kind,
                paid_at=_at_minute(draw(st.integers(-7 * 60, 16 * 60))),
                channel="mobile",
                biller_id=draw(st.sampled_from([BILLER, OTHER_BILLER])),
                ref1=draw(st.sampled_from([*REF1S, "DOP1", "DOP2"])),
                ref2=draw(st.none() | st.sampled_from(ref2_pool)),
                amount_satang=draw(AMOUNTS),
                line_no=n + 2,
            )
        )
    return lines, intents, refunds, transfers


World = tuple[list[StatementLine], list[Intent], list[Refund], list[Transfer]]


@given(worlds())
def test_every_line_lands_in_exactly_one_class_and_the_totals_balance(world: World) -> None:
    lines, intents, refunds, transfers = world
    report = reconcile(DAY, lines, intents, refunds, transfers)
    from_lines = [o for o in report.outcomes if o.category in STATEMENT_CATEGORIES]
    assert sorted(o.line_no or 0 for o in from_lines) == sorted(x.line_no for x in lines)
    assert all(o.line_no is None for o in report.outcomes if o.category not in STATEMENT_CATEGORIES)
    statement_total = sum(x.amount_satang for x in lines)
    assert sum(report.totals[c].amount_satang for c in STATEMENT_CATEGORIES) == statement_total
    assert sum(t.amount_satang for t in report.statement.values()) == statement_total
    assert sum(t.count for t in report.totals.values()) == len(report.outcomes)
    assert set(report.exceptions) == {o for o in report.outcomes if o.category not in MATCHED}


@given(worlds())
def test_each_class_holds_what_it_says(world: World) -> None:
    lines, intents, refunds, transfers = world
    report = reconcile(DAY, lines, intents, refunds, transfers)
    by_pid = {i.payment_id: i for i in intents}
    credited = {c.txn_id: i for i in intents for c in i.credits}
    unconfirmed = Counter[str]()
    for o in report.outcomes:
        named = by_pid.get(o.record_id or "") if o.kind is StatementKind.PAYMENT else None
        if o.category is Category.MATCHED:
            assert named is not None
            assert credited.get(o.txn_id or "") is named
            assert named.status is IntentStatus.SUCCEEDED
            assert o.amount_satang == named.amount_satang
        elif o.category is Category.UNCONFIRMED:
            assert named is not None
            assert not named.credits
            assert named.status not in (IntentStatus.CANCELLED, IntentStatus.FAILED)
            assert o.txn_id not in credited
            assert o.amount_satang == named.amount_satang
            assert o.paid_at is not None
            assert o.paid_at <= named.expires_at
            unconfirmed[named.payment_id] += 1
        elif o.category in (Category.UNDERPAID, Category.OVERPAID):
            assert named is not None
            assert o.amount_satang is not None
            assert (o.amount_satang < named.amount_satang) == (o.category is Category.UNDERPAID)
            assert o.amount_satang != named.amount_satang
        elif o.category is Category.LATE:
            assert named is not None
            assert not named.credits
            assert o.paid_at is not None
            assert named.status in (IntentStatus.CANCELLED, IntentStatus.FAILED) or (
                o.paid_at > named.expires_at
            )
        elif o.category is Category.DUPLICATE:
            assert named is not None
            counted = [
                (u.paid_at, u.txn_id)
                for u in report.outcomes
                if u.category is Category.UNCONFIRMED and u.record_id == named.payment_id
            ]
            paid_before = bool(counted) and min(counted) < (o.paid_at, o.txn_id)
            assert named.credits or named.status is IntentStatus.SUCCEEDED or paid_before
        elif o.category is Category.UNKNOWN:
            assert o.record_id is None
            assert o.txn_id not in credited
            assert not any(
                i.biller_id == o.biller_id
                and i.reference == o.ref1
                and o.ref2 in (None, i.payment_id)
                for i in intents
            )
        elif o.category is Category.MISSING:
            assert o.txn_id in credited
            assert o.paid_at is not None
            assert bangkok_day(o.paid_at) == DAY
            assert not any(x.txn_id == o.txn_id and x.kind is StatementKind.PAYMENT for x in lines)
    assert all(count == 1 for count in unconfirmed.values())  # an intent is credited once


@given(worlds(), st.randoms(use_true_random=False))
def test_the_order_of_lines_and_records_changes_nothing(world: World, rnd: Random) -> None:
    lines, intents, refunds, transfers = world
    report = reconcile(DAY, lines, intents, refunds, transfers)
    assert reconcile(DAY, lines, intents, refunds, transfers) == report  # idempotent
    again = reconcile(
        DAY,
        rnd.sample(lines, len(lines)),
        rnd.sample(intents, len(intents)),
        rnd.sample(refunds, len(refunds)),
        rnd.sample(transfers, len(transfers)),
    )
    assert again == report
    assert again.to_json() == report.to_json()


# ---------------------------------------------------------------------------------------------
# Properties over generated days


def read_back(day: SyntheticDay) -> Report:
    """What the gateway would do: read the CSV the bank serves, then reconcile."""
    return reconcile(
        day.day, parse_statement(day.csv_bytes()), day.intents, day.refunds, day.transfers
    )


@given(
    st.integers(0, 2**32),
    st.integers(0, 40),
    st.integers(0, 5),
    st.integers(0, 5),
)
def test_a_clean_day_has_no_exceptions(
    seed: int, payments: int, refunds: int, transfers: int
) -> None:
    counts = {
        Category.MATCHED: payments,
        Category.REFUND_MATCHED: refunds,
        Category.TRANSFER_MATCHED: transfers,
    }
    day = synthetic_day(DAY, counts, seed=seed)
    report = read_back(day)
    assert report.exceptions == ()
    assert report.totals[Category.MATCHED].count == payments
    assert sum(t.count for t in report.statement.values()) == payments + refunds + transfers


@given(st.integers(0, 2**32), st.dictionaries(st.sampled_from(Category), st.integers(0, 4)))
def test_a_generated_day_has_the_classes_it_was_made_with(
    seed: int, counts: dict[Category, int]
) -> None:
    day = synthetic_day(DAY, counts, seed=seed)
    report = read_back(day)
    assert {c: t.count for c, t in report.totals.items()} == dict(day.expected)
    assert all(bangkok_day(x.paid_at) == DAY for x in day.lines)


def test_the_generator_is_deterministic_by_seed() -> None:
    counts = dict.fromkeys(Category, 2)
    assert synthetic_day(DAY, counts, seed=7) == synthetic_day(DAY, counts, seed=7)
    assert (
        synthetic_day(DAY, counts, seed=7).csv_bytes()
        != synthetic_day(DAY, counts, seed=8).csv_bytes()
    )


# A perturbation of a clean day, and the one exception it must cause.
Books = tuple[list[Intent], list[Refund], list[Transfer], list[str]]


def _payment_line(day: SyntheticDay, pick: int) -> StatementLine:
    payments = [x for x in day.lines if x.kind is StatementKind.PAYMENT]
    return payments[pick % len(payments)]


def _without(items: list[str], text: str) -> list[str]:
    return [item for item in items if item != text]


def _perturbations() -> list[tuple[Category, Callable[[SyntheticDay, int], Books]]]:
    def books(day: SyntheticDay) -> Books:
        return list(day.intents), list(day.refunds), list(day.transfers), day.csv_lines()

    def on_intent(
        day: SyntheticDay,
        pick: int,
        change: Callable[[Intent, StatementLine], Intent | None],
        csv_change: Callable[[StatementLine], str | None] | None = None,
    ) -> Books:
        intents, refunds, transfers, rows = books(day)
        target = _payment_line(day, pick)
        (index,) = [n for n, i in enumerate(intents) if i.payment_id == target.ref2]
        changed = change(intents[index], target)
        if changed is None:
            del intents[index]
        else:
            intents[index] = changed
        if csv_change is not None:
            text = format_statement_line(target)
            new = csv_change(target)
            rows = _without(rows, text) if new is None else [new if r == text else r for r in rows]
        return intents, refunds, transfers, rows

    def forget_credit(i: Intent, _: StatementLine) -> Intent:
        return replace(i, credits=(), status=IntentStatus.PENDING)

    def drop_line(day: SyntheticDay, pick: int) -> Books:
        return on_intent(day, pick, lambda i, _: i, lambda _: None)

    def unconfirmed(day: SyntheticDay, pick: int) -> Books:
        return on_intent(day, pick, forget_credit)

    def amount_by(delta: int) -> Callable[[SyntheticDay, int], Books]:
        def perturb(day: SyntheticDay, pick: int) -> Books:
            return on_intent(
                day,
                pick,
                forget_credit,
                lambda x: format_statement_line(replace(x, amount_satang=x.amount_satang + delta)),
            )

        return perturb

    def paid_again(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        target = _payment_line(day, pick)
        again = replace(
            target,
            line_id="AGAIN",
            txn_id="MB-AGAIN",
            paid_at=target.paid_at + timedelta(seconds=1),
        )
        return intents, refunds, transfers, [*rows, format_statement_line(again)]

    def late(day: SyntheticDay, pick: int) -> Books:
        return on_intent(
            day,
            pick,
            lambda i, x: replace(forget_credit(i, x), expires_at=x.paid_at - timedelta(seconds=1)),
        )

    def forget_intent(day: SyntheticDay, pick: int) -> Books:
        return on_intent(day, pick, lambda i, x: None)

    def bank_amount(day: SyntheticDay, pick: int) -> Books:
        return on_intent(
            day,
            pick,
            lambda i, _: i,
            lambda x: format_statement_line(replace(x, amount_satang=x.amount_satang + 1)),
        )

    def listed_twice(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        target = _payment_line(day, pick)
        return (
            intents,
            refunds,
            transfers,
            [*rows, format_statement_line(replace(target, line_id="TWICE"))],
        )

    def garbled(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        return intents, refunds, transfers, [*rows, "garbled"]

    def refund_dropped(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        target = [x for x in day.lines if x.kind is StatementKind.REFUND][pick % len(day.refunds)]
        return intents, refunds, transfers, _without(rows, format_statement_line(target))

    def refund_forgotten(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        del refunds[pick % len(refunds)]
        return intents, refunds, transfers, rows

    def refund_amount(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        index = pick % len(refunds)
        refunds[index] = replace(refunds[index], amount_satang=refunds[index].amount_satang + 1)
        return intents, refunds, transfers, rows

    def transfer_dropped(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        kinds = (StatementKind.CREDIT, StatementKind.RETURN)
        target = [x for x in day.lines if x.kind in kinds][pick % len(day.transfers)]
        return intents, refunds, transfers, _without(rows, format_statement_line(target))

    def transfer_forgotten(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        del transfers[pick % len(transfers)]
        return intents, refunds, transfers, rows

    def transfer_flipped(day: SyntheticDay, pick: int) -> Books:
        intents, refunds, transfers, rows = books(day)
        index = pick % len(transfers)
        flipped = {
            TransferStatus.CREDITED: TransferStatus.RETURNED,
            TransferStatus.RETURNED: TransferStatus.CREDITED,
        }
        transfers[index] = replace(transfers[index], status=flipped[transfers[index].status])
        return intents, refunds, transfers, rows

    return [
        (Category.MISSING, drop_line),
        (Category.UNCONFIRMED, unconfirmed),
        (Category.UNDERPAID, amount_by(-1)),
        (Category.OVERPAID, amount_by(+1)),
        (Category.DUPLICATE, paid_again),
        (Category.LATE, late),
        (Category.UNKNOWN, forget_intent),
        (Category.MISMATCH, bank_amount),
        (Category.REPEATED, listed_twice),
        (Category.MALFORMED, garbled),
        (Category.REFUND_MISSING, refund_dropped),
        (Category.REFUND_UNKNOWN, refund_forgotten),
        (Category.REFUND_MISMATCH, refund_amount),
        (Category.TRANSFER_MISSING, transfer_dropped),
        (Category.TRANSFER_UNKNOWN, transfer_forgotten),
        (Category.TRANSFER_MISMATCH, transfer_flipped),
    ]


PERTURBATIONS = _perturbations()


def test_every_exception_class_has_a_perturbation() -> None:
    perturbed = {category for category, _ in PERTURBATIONS}
    assert perturbed == set(Category) - MATCHED


@given(
    st.integers(0, 2**32),
    st.integers(1, 30),
    st.sampled_from(PERTURBATIONS),
    st.integers(0, 1_000),
)
def test_one_perturbation_of_a_clean_day_makes_exactly_its_exception(
    seed: int,
    payments: int,
    perturbation: tuple[Category, Callable[[SyntheticDay, int], Books]],
    pick: int,
) -> None:
    category, perturb = perturbation
    counts = {Category.MATCHED: payments, Category.REFUND_MATCHED: 2, Category.TRANSFER_MATCHED: 2}
    day = synthetic_day(DAY, counts, seed=seed)
    intents, refunds, transfers, rows = perturb(day, pick)
    report = reconcile(DAY, parse_statement(rows), intents, refunds, transfers)
    assert [o.category for o in report.exceptions] == [category]


def test_a_statement_of_lines_alone_reconciles_like_a_parsed_one() -> None:
    day = synthetic_day(DAY, dict.fromkeys(Category, 2), seed=3)
    parsed = read_back(day)
    given_lines = reconcile(DAY, Statement(day.lines), day.intents, day.refunds, day.transfers)
    assert given_lines.outcomes == tuple(
        o for o in parsed.outcomes if o.category is not Category.MALFORMED
    )
