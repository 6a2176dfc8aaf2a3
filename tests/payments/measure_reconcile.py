"""How long a busy day's reconciliation takes: not a test (no timing assertions in tests).

    PYTHONPATH=$PWD .venv/bin/python tests/payments/measure_reconcile.py [lines] [seed]

Generates a day of `lines` statement lines (default 100,000: mostly matched, a few hundred of
every other class) and as many intents, then times parsing the CSV body and reconciling it.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from payments.reconcile import Category, parse_statement, reconcile
from payments.synthetic import synthetic_day


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    others: dict[Category, int] = {c: 200 for c in Category if c is not Category.MATCHED}
    # Matched lines fill the statement to `lines`: a repeated line brings a matched one along;
    # the gateway's records the bank lacks and the unreadable lines are not lines read.
    unlisted = {
        Category.MISSING,
        Category.REFUND_MISSING,
        Category.TRANSFER_MISSING,
        Category.MALFORMED,
    }
    listed = sum(n for c, n in others.items() if c not in unlisted) + others[Category.REPEATED]
    counts: dict[Category, int] = {Category.MATCHED: lines - listed, **others}
    started = time.perf_counter()
    day = synthetic_day(date(2026, 12, 6), counts, seed=seed)
    body = day.csv_bytes()
    generated = time.perf_counter()
    statement = parse_statement(body)
    parsed = time.perf_counter()
    report = reconcile(day.day, statement, day.intents, day.refunds, day.transfers)
    reconciled = time.perf_counter()
    report.to_json()
    report.to_markdown()
    rendered = time.perf_counter()
    found = {category: tally.count for category, tally in report.totals.items()}
    assert found == dict(day.expected), "the report disagrees with the generator"
    print(
        f"{len(statement.lines):,} lines ({len(body) / 1e6:.1f} MB), {len(day.intents):,} intents,"
        f" {len(report.exceptions):,} exceptions\n"
        f"generate {generated - started:.2f} s, parse {parsed - generated:.2f} s, "
        f"reconcile {reconciled - parsed:.2f} s (parse + reconcile "
        f"{reconciled - generated:.2f} s), json + markdown {rendered - reconciled:.2f} s"
    )


if __name__ == "__main__":
    main()
