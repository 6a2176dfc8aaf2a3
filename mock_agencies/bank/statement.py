"""A day's settlement statement as CSV, rendered in chunks so a 100,000-line day streams.

    line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2,amount_satang

One line per movement, ordered by time: `payment` (any channel; counter payments only ever
reach the biller this way), `refund` (the money back, a positive amount), `credit` (a PromptPay
transfer credited) and `return` (one returned for want of a link; both with an empty biller_id,
the paying agency as ref1 and the gateway's transfer_id as ref2, channel `promptpay`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mock_agencies.bank.ledger import Line, iso

HEADER = "line_id,txn_id,kind,paid_at,channel,biller_id,ref1,ref2,amount_satang\n"
CHUNK_LINES = 2_000
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def _field(text: str | None) -> str:
    """A CSV field (RFC 4180): quoted only when it must be (a QR's refs may hold commas)."""
    if not text:
        return ""
    if _NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def render(lines: Sequence[Line], biller_id: str | None = None) -> Iterator[str]:
    """The header, then `lines` (already in time order) in chunks of CSV text."""
    yield HEADER
    chunk: list[str] = []
    for line in lines:
        if biller_id is not None and line.biller_id != biller_id:
            continue
        row = line.csv_row
        if row is None:  # nothing on a line changes once it is made: render it once
            row = line.csv_row = (
                f"{line.line_id},{line.txn_id},{line.kind},{iso(line.at)},{line.channel},"
                f"{line.biller_id},{_field(line.ref1)},{_field(line.ref2)},{line.amount_satang}\n"
            )
        chunk.append(row)
        if len(chunk) >= CHUNK_LINES:
            yield "".join(chunk)
            chunk.clear()
    if chunk:
        yield "".join(chunk)
