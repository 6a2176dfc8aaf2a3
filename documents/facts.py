"""What an issued e-document says: the facts printed on its PDF, carried in its credential and
shown on its public verification page. Pure: no I/O.

One `DocumentFacts` feeds all three, so they can never say different things. `printed()` is
the list of what the document shows, in order; the verification page shows exactly these
items and nothing more (R-13.1, R-14.1, FACTS.md "Documents that stand as evidence").

An agency describes the document it grants in its approval (`DocumentSpec`, the `document`
member of the approval event's data); the gateway adds what it knows itself (the holder as
verified, the agency's names, the verification URL) and numbers nothing: the document number
is the agency's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kernel.buddhist_era import english_date, thai_date


class Kind(StrEnum):
    """The kinds of e-document the portal issues."""

    DRIVING_LICENCE = "driving_licence"
    CERTIFICATE = "certificate"
    PERMIT = "permit"  # a licence to do something: listed on the agency's public register
    BENEFIT_AWARD = "benefit_award"  # a letter awarding an allowance or a benefit
    E_RECEIPT = "e_receipt"  # the official receipt of a payment on the portal


KIND_NAMES: dict[Kind, tuple[str, str]] = {
    Kind.DRIVING_LICENCE: ("ใบอนุญาตขับรถ", "Driving licence"),
    Kind.CERTIFICATE: ("หนังสือรับรอง", "Certificate"),
    Kind.PERMIT: ("ใบอนุญาต", "Permit"),
    Kind.BENEFIT_AWARD: ("หนังสือแจ้งผลการอนุมัติสิทธิ", "Benefit award letter"),
    Kind.E_RECEIPT: ("ใบเสร็จรับเงินอิเล็กทรอนิกส์", "Official e-receipt"),
}

#: Kinds a public register lists (R-13.1: every granted permit is published).
REGISTERED_KINDS = frozenset({Kind.PERMIT, Kind.DRIVING_LICENCE})

_Line = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
_Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
_Number = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,59}$")]


@dataclass(frozen=True)
class Item:
    """One line printed on the document: a label and a value, in Thai and in English."""

    key: str
    label_th: str
    label_en: str
    value_th: str
    value_en: str


class ItemSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: _Key
    label_th: _Line
    label_en: _Line
    value_th: _Line
    value_en: _Line | None = None  # the same as value_th when it needs no translation

    def item(self) -> Item:
        return Item(
            self.key, self.label_th, self.label_en, self.value_th, self.value_en or self.value_th
        )


class DocumentSpec(BaseModel):
    """The document an agency grants, as its approval describes it (`data.document`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    number: _Number  # the agency's own document number, unique within the agency
    title_th: _Line
    title_en: _Line
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    items: list[ItemSpec] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _valid_period(self) -> DocumentSpec:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        keys = [item.key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError("item keys must be unique")
        return self


@dataclass(frozen=True)
class DocumentFacts:
    """Everything one issued document says (see the module docstring)."""

    kind: Kind
    number: str
    title_th: str
    title_en: str
    agency_code: str
    agency_name_th: str
    agency_name_en: str
    holder_name_th: str
    holder_name_en: str | None
    holder_id_masked: str  # e.g. "1-1037-xxxxx-xx-1": never the whole national ID
    issued_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    verify_url: str  # the public verification page this document's QR code opens
    items: tuple[Item, ...] = field(default=())

    def printed(self) -> list[Item]:
        """Every item the document shows, in the order it shows them."""
        lines = [
            Item("kind", "ประเภทเอกสาร", "Document", *KIND_NAMES[self.kind]),
            Item("number", "เลขที่เอกสาร", "Document number", self.number, self.number),
            Item(
                "holder",
                "ผู้ถือ",
                "Holder",
                self.holder_name_th,
                self.holder_name_en or self.holder_name_th,
            ),
            Item(
                "holder_id",
                "เลขประจำตัวประชาชน",
                "National ID",
                self.holder_id_masked,
                self.holder_id_masked,
            ),
            Item(
                "issuer",
                "หน่วยงานผู้ออก",
                "Issued by",
                self.agency_name_th,
                self.agency_name_en,
            ),
            Item(
                "issued_on",
                "วันที่ออก",
                "Date of issue",
                thai_date(self.issued_on),
                english_date(self.issued_on),
            ),
        ]
        if self.valid_from:
            lines.append(
                Item(
                    "valid_from",
                    "มีผลตั้งแต่",
                    "Valid from",
                    thai_date(self.valid_from),
                    english_date(self.valid_from),
                )
            )
        if self.valid_until:
            lines.append(
                Item(
                    "valid_until",
                    "ใช้ได้ถึง",
                    "Valid until",
                    thai_date(self.valid_until),
                    english_date(self.valid_until),
                )
            )
        return lines + list(self.items)

    def as_json(self) -> dict[str, Any]:
        """The facts as plain JSON (kept with the document; read back by `from_json`)."""
        return {
            "kind": self.kind.value,
            "number": self.number,
            "title_th": self.title_th,
            "title_en": self.title_en,
            "agency_code": self.agency_code,
            "agency_name_th": self.agency_name_th,
            "agency_name_en": self.agency_name_en,
            "holder_name_th": self.holder_name_th,
            "holder_name_en": self.holder_name_en,
            "holder_id_masked": self.holder_id_masked,
            "issued_on": self.issued_on.isoformat(),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "verify_url": self.verify_url,
            "items": [item.__dict__ for item in self.items],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DocumentFacts:
        def day(name: str) -> dt.date | None:
            value = raw.get(name)
            return dt.date.fromisoformat(value) if value else None

        issued_on = day("issued_on")
        assert issued_on is not None
        return cls(
            kind=Kind(raw["kind"]),
            number=raw["number"],
            title_th=raw["title_th"],
            title_en=raw["title_en"],
            agency_code=raw["agency_code"],
            agency_name_th=raw["agency_name_th"],
            agency_name_en=raw["agency_name_en"],
            holder_name_th=raw["holder_name_th"],
            holder_name_en=raw.get("holder_name_en"),
            holder_id_masked=raw["holder_id_masked"],
            issued_on=issued_on,
            valid_from=day("valid_from"),
            valid_until=day("valid_until"),
            verify_url=raw["verify_url"],
            items=tuple(Item(**item) for item in raw.get("items", [])),
        )


def mask_national_id(national_id: str) -> str:
    """`1-1037-xxxxx-xx-1`: the ID's grouping with the middle digits hidden (the first digit,
    the province and district of registration, and the check digit stay)."""
    digits = re.sub(r"\D", "", national_id)
    if len(digits) != 13:
        raise ValueError("a national ID has 13 digits")
    return f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}"


def mask_name(name: str) -> str:
    """A name as a public register shows it: each word's first two letters, then `***`
    (Thai combining vowels and tone marks stay with their consonant)."""
    masked = []
    for word in name.split():
        shown = ""
        letters = 0
        for char in word:
            combining = "\u0e31" <= char <= "\u0e3a" or "\u0e47" <= char <= "\u0e4e"
            if not combining:
                letters += 1
                if letters > 2:
                    break
            shown += char
        masked.append(shown + ("***" if len(shown) < len(word) else ""))
    return " ".join(masked)
