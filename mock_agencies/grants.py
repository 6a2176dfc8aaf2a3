"""The e-document an agency grants, as its approval describes it (`data.document`, the shape of
the portal's DocumentSpec: docs/agency-integration.md, "The document you grant"). Pure: no I/O.

Every mock that approves writes these plain dicts itself (mock_agencies never imports the
gateway's code); tests check each one against the gateway's own model.

Document numbers are the agency's: `<CODE><Buddhist Era year>-<8 random Crockford base32>`,
e.g. `DLT2569-7KQ2M9XD`. The mocks keep their cases in memory, so a serial would start again
at 1 after a restart and reuse numbers the portal already holds; 40 random bits do not (two
of 10,000 documents of one agency in one year share a number with odds of about 1 in 20,000,
and a number this process issued already is never drawn again).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Container
from typing import Any

#: Crockford's base32: no I, L, O or U, so a number read aloud or typed is not mistaken.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BE_OFFSET = 543
BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")  # Asia/Bangkok: UTC+7, no DST
NUMBER = re.compile(r"^[A-Z]{2,5}[0-9]{4}-[0-9A-HJKMNP-TV-Z]{8}$")


def document_number(code: str, on: dt.date, taken: Container[str] = ()) -> str:
    """A new document number of agency `code` issued on `on`, none of `taken`."""
    while True:
        serial = "".join(secrets.choice(CROCKFORD) for _ in range(8))
        number = f"{code}{on.year + BE_OFFSET}-{serial}"
        if number not in taken:
            return number


def bangkok_day(moment: dt.datetime) -> dt.date:
    """The day it is in Bangkok at `moment` (an agency dates its documents in local time)."""
    return moment.astimezone(BANGKOK).date()


def item(
    key: str, label_th: str, label_en: str, value_th: str, value_en: str | None = None
) -> dict[str, str]:
    """One printed line: a label and a value in Thai and English (a value that reads the same
    in both, a number say, is given once)."""
    line = {"key": key, "label_th": label_th, "label_en": label_en, "value_th": value_th}
    if value_en is not None and value_en != value_th:
        line["value_en"] = value_en
    return line


def baht(satang: int) -> tuple[str, str]:
    """(Thai, English) of an amount: "1,650.00 บาท", "THB 1,650.00"."""
    amount = f"{satang / 100:,.2f}"
    return f"{amount} บาท", f"THB {amount}"


def masked_id(national_id: str) -> str:
    """`1-1037-xxxxx-xx-1`: a national ID with its middle digits hidden, as a document that
    anyone may verify can show a third person's ID (a child's, say)."""
    digits = re.sub(r"\D", "", national_id)
    if len(digits) != 13:
        return "-"
    return f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}"


def document(
    kind: str,
    number: str,
    title_th: str,
    title_en: str,
    items: list[dict[str, str]],
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> dict[str, Any]:
    """A DocumentSpec as JSON (dates ISO 8601; absent validity left out)."""
    spec: dict[str, Any] = {
        "kind": kind,
        "number": number,
        "title_th": title_th,
        "title_en": title_en,
    }
    if valid_from is not None:
        spec["valid_from"] = valid_from.isoformat()
    if valid_until is not None:
        spec["valid_until"] = valid_until.isoformat()
    spec["items"] = items
    return spec
