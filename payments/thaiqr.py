"""Thai QR payment payloads (EMVCo merchant-presented mode as Thai banks profile it): build
and parse. Pure: no I/O, no clock.

A payload is a flat run of fields, each a 2-digit tag, a 2-digit decimal length and an ASCII
value; templates (tags 29, 30, 62) nest the same grammar. It starts with tag 00 and ends with
tag 63, a CRC-16/CCITT-FALSE over everything before the CRC's own value (FACTS.md "Thai QR").

    qr = bill_payment("099400016550100", "123456789012", "670429", amount_satang=364922)
    text = encode(qr)        # "000201010212306500...6304" + CRC
    parse(text) == qr        # True

Building is strict (this project's conventions: 15-digit biller IDs, refs of up to 20
upper-case letters and digits) and raises `ValueError`. Parsing is lenient where other
generators differ (a 13-digit biller ID, refs in any printable ASCII, top-level tags in any
order) but refuses anything unsafe or ambiguous with a `QRError` whose `code` is stable.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "AID_BILL_PAYMENT",
    "AID_PROMPTPAY",
    "COUNTRY_TH",
    "CURRENCY_THB",
    "MAX_AMOUNT_SATANG",
    "ProxyType",
    "QRError",
    "QRErrorCode",
    "QRKind",
    "ThaiQR",
    "assemble",
    "barcode_text",
    "bill_payment",
    "crc16",
    "encode",
    "parse",
    "promptpay",
]

AID_BILL_PAYMENT = "A000000677010112"  # tag 30/00: domestic bill payment
AID_PROMPTPAY = "A000000677010111"  # tag 29/00: PromptPay credit transfer
CURRENCY_THB = "764"  # ISO 4217 numeric, tag 53
COUNTRY_TH = "TH"  # tag 58
#: Tag 54 holds at most 13 characters: "9999999999.99".
MAX_AMOUNT_SATANG = 999_999_999_999
#: EMVCo's upper bound on a whole payload.
MAX_PAYLOAD_CHARS = 512

QRKind = Literal["bill_payment", "promptpay"]
ProxyType = Literal["mobile", "national_id", "ewallet", "bank_account"]
QRErrorCode = Literal["crc_mismatch", "malformed", "missing_tag", "unsupported"]

_STATIC, _DYNAMIC = "11", "12"  # tag 01: reusable, or for one payment
_CRC_TAG = "6304"  # tag 63 with its length: part of what the CRC covers
# Tag 29's sub-tag for each kind of PromptPay proxy, and the shape of its value.
_PROXY_TAGS: dict[ProxyType, str] = {
    "mobile": "01",
    "national_id": "02",
    "ewallet": "03",
    "bank_account": "04",
}
_PROXY_VALUES: dict[ProxyType, re.Pattern[str]] = {
    "mobile": re.compile(r"[0-9]{13}"),
    "national_id": re.compile(r"[0-9]{13}"),
    "ewallet": re.compile(r"[0-9]{15}"),
    "bank_account": re.compile(r"[0-9]{4,43}"),  # 3-digit bank code + the account number
}
_MERCHANT_LIMITS = {"59": 25, "60": 15, "61": 10}  # name, city, postal code (EMVCo)

# Building: this project's conventions (FACTS.md).
_BILLER_ID = re.compile(r"[0-9]{15}")  # 13-digit tax ID + 2-digit suffix
_REF = re.compile(r"[A-Z0-9]{1,20}")
_THAI_MOBILE = re.compile(r"0[0-9]{8,9}")
# Parsing: what other generators emit too (FACTS.md test vector 2 has a 13-digit biller ID).
_PARSED_BILLER_ID = re.compile(r"[0-9]{13}|[0-9]{15}")
_AMOUNT = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?")
_DIGITS2 = re.compile(r"[0-9]{2}")


class QRError(ValueError):
    """A payload that cannot be paid. `code` is stable (the gateway maps it to a problem code):

    - `crc_mismatch`: the CRC does not match (a typo, a damaged scan);
    - `malformed`: not the TLV grammar, a length or a value of the wrong shape;
    - `missing_tag`: a required field is absent;
    - `unsupported`: well-formed, but not something this system pays (another currency or
      country, another AID, a card-only QR).
    """

    def __init__(self, code: QRErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: QRErrorCode = code
        self.message = message


@dataclass(frozen=True)
class ThaiQR:
    """What a payload says. `amount_satang` is None when the payer enters the amount.

    A bill payment has `biller_id` and `ref1` (and maybe `ref2`); a PromptPay transfer has
    `proxy_type` and `proxy_id` (the value as the payload carries it: a mobile number is
    `0066` + the number without its leading 0, left-padded to 13). `ref3` is the terminal
    label of tag 62/07, which some billers use as a third reference.
    """

    kind: QRKind
    dynamic: bool
    amount_satang: int | None = None
    biller_id: str | None = None
    ref1: str | None = None
    ref2: str | None = None
    ref3: str | None = None
    proxy_type: ProxyType | None = None
    proxy_id: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    postal_code: str | None = None
    currency: str = CURRENCY_THB
    country: str = COUNTRY_TH

    def __post_init__(self) -> None:
        # Shape only: the builders hold the project's stricter conventions.
        if self.kind == "bill_payment":
            if not self.biller_id or not self.ref1:
                raise ValueError("a bill payment has a biller ID and a Ref1")
            if self.proxy_type is not None or self.proxy_id is not None:
                raise ValueError("a bill payment has no PromptPay proxy")
        elif self.kind == "promptpay":
            if self.proxy_type not in _PROXY_TAGS or not self.proxy_id:
                raise ValueError("a PromptPay transfer has a proxy type and ID")
            if self.biller_id is not None or self.ref1 is not None or self.ref2 is not None:
                raise ValueError("a PromptPay transfer has no biller ID, Ref1 or Ref2")
        else:
            raise ValueError(f"kind is one of {get_args(QRKind)}")
        _check_amount(self.amount_satang)

    @property
    def mobile_number(self) -> str | None:
        """The PromptPay mobile number as a Thai would write it (`0812223333`), or None."""
        if self.proxy_type != "mobile" or self.proxy_id is None:
            return None
        return "0" + self.proxy_id.lstrip("0").removeprefix("66")


# -- the CRC and the grammar -------------------------------------------------------------------


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) of ASCII
    text, as 4 upper-case hex digits (EMVCo tag 63)."""
    # binascii.crc_hqx is exactly this polynomial, unreflected; the init is what it is given.
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def _tlv(tag: str, value: str) -> str:
    if not _DIGITS2.fullmatch(tag):
        raise ValueError(f"a tag is two digits, not {tag!r}")
    if not 0 < len(value) <= 99:
        raise ValueError(f"tag {tag}: a value is 1..99 characters, got {len(value)}")
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"tag {tag}: a value is printable ASCII")
    return f"{tag}{len(value):02d}{value}"


def assemble(fields: Iterable[tuple[str, str]]) -> str:
    """A payload of these (tag, value) fields in this order, with tag 63 (the CRC) appended.
    `encode` uses the usual order; this is for payloads in another one."""
    body = "".join(_tlv(tag, value) for tag, value in fields) + _CRC_TAG
    return body + crc16(body)


def _split(text: str, where: str) -> list[tuple[str, str]]:
    """The (tag, value) fields of `text`, in order; refuses a broken grammar or a repeated tag."""
    fields: list[tuple[str, str]] = []
    seen: set[str] = set()
    at = 0
    while at < len(text):
        tag, length = text[at : at + 2], text[at + 2 : at + 4]
        if not (_DIGITS2.fullmatch(tag) and _DIGITS2.fullmatch(length)):
            raise QRError("malformed", f"{where}: no tag and length at position {at}")
        size = int(length)
        value = text[at + 4 : at + 4 + size]
        if size == 0 or len(value) != size:
            raise QRError("malformed", f"{where}: tag {tag} has a wrong length ({length})")
        if tag in seen:
            raise QRError("malformed", f"{where}: tag {tag} appears twice")
        seen.add(tag)
        fields.append((tag, value))
        at += 4 + size
    return fields


# -- building ---------------------------------------------------------------------------------


def _check_ref(name: str, value: str) -> None:
    if not isinstance(value, str) or not _REF.fullmatch(value):
        raise ValueError(f"{name} is 1-20 upper-case letters A-Z and digits, not {value!r}")


def _check_amount(amount_satang: int | None) -> None:
    if amount_satang is None:
        return
    if (
        isinstance(amount_satang, bool)
        or not isinstance(amount_satang, int)
        or not 0 < amount_satang <= MAX_AMOUNT_SATANG
    ):
        raise ValueError(
            f"amount_satang is an int of 1..{MAX_AMOUNT_SATANG} satang, not {amount_satang!r}"
        )


def _check_merchant(name: str | None, city: str | None, postal_code: str | None) -> None:
    for tag, label, value in (
        ("59", "merchant_name", name),
        ("60", "merchant_city", city),
        ("61", "postal_code", postal_code),
    ):
        limit = _MERCHANT_LIMITS[tag]
        if value is not None and not (
            0 < len(value) <= limit and value.isascii() and value.isprintable()
        ):
            raise ValueError(f"{label} is 1-{limit} printable ASCII characters, not {value!r}")


def bill_payment(
    biller_id: str,
    ref1: str,
    ref2: str | None = None,
    *,
    amount_satang: int | None = None,
    ref3: str | None = None,
    merchant_name: str | None = None,
    merchant_city: str | None = None,
    postal_code: str | None = None,
) -> ThaiQR:
    """A bill payment (tag 30) to `biller_id` (15 digits: a 13-digit tax ID + a 2-digit
    suffix). With an amount the QR is dynamic (for one payment, tag 01 = 12); without one it is
    static (11) and the payer enters the amount. Raises ValueError on a value that breaks the
    conventions."""
    if not isinstance(biller_id, str) or not _BILLER_ID.fullmatch(biller_id):
        raise ValueError(f"biller_id is 15 digits (tax ID + suffix), not {biller_id!r}")
    _check_ref("ref1", ref1)
    if ref2 is not None:
        _check_ref("ref2", ref2)
    if ref3 is not None:
        _check_ref("ref3", ref3)
    _check_amount(amount_satang)
    _check_merchant(merchant_name, merchant_city, postal_code)
    return ThaiQR(
        kind="bill_payment",
        dynamic=amount_satang is not None,
        amount_satang=amount_satang,
        biller_id=biller_id,
        ref1=ref1,
        ref2=ref2,
        ref3=ref3,
        merchant_name=merchant_name,
        merchant_city=merchant_city,
        postal_code=postal_code,
    )


def promptpay(
    *,
    mobile: str | None = None,
    national_id: str | None = None,
    ewallet_id: str | None = None,
    bank_account: str | None = None,
    amount_satang: int | None = None,
    ref3: str | None = None,
    merchant_name: str | None = None,
    merchant_city: str | None = None,
    postal_code: str | None = None,
) -> ThaiQR:
    """A PromptPay credit transfer (tag 29) to exactly one of: a Thai mobile number
    (`0812223333`), a national ID or tax ID (13 digits), an e-wallet ID (15 digits), or a bank
    account (3-digit bank code + account number, digits only)."""
    given = [
        (kind, value)
        for kind, value in (
            ("mobile", mobile),
            ("national_id", national_id),
            ("ewallet", ewallet_id),
            ("bank_account", bank_account),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError("give exactly one of mobile, national_id, ewallet_id, bank_account")
    proxy_type: ProxyType
    if mobile is not None:
        if not _THAI_MOBILE.fullmatch(mobile):
            raise ValueError(f"mobile is a Thai number with its leading 0, not {mobile!r}")
        # FACTS.md: 0066 + the number without its leading 0, left-padded with zeros to 13.
        proxy_type, proxy_id = "mobile", ("66" + mobile[1:]).rjust(13, "0")
    elif national_id is not None:
        proxy_type, proxy_id = "national_id", national_id
    elif ewallet_id is not None:
        proxy_type, proxy_id = "ewallet", ewallet_id
    else:
        assert bank_account is not None
        proxy_type, proxy_id = "bank_account", bank_account
    if not _PROXY_VALUES[proxy_type].fullmatch(proxy_id):
        raise ValueError(f"{proxy_type} has the wrong shape: {proxy_id!r}")
    if ref3 is not None:
        _check_ref("ref3", ref3)
    _check_amount(amount_satang)
    _check_merchant(merchant_name, merchant_city, postal_code)
    return ThaiQR(
        kind="promptpay",
        dynamic=amount_satang is not None,
        amount_satang=amount_satang,
        proxy_type=proxy_type,
        proxy_id=proxy_id,
        ref3=ref3,
        merchant_name=merchant_name,
        merchant_city=merchant_city,
        postal_code=postal_code,
    )


def _amount_text(amount_satang: int) -> str:
    baht, satang = divmod(amount_satang, 100)
    return f"{baht}.{satang:02d}"


def encode(qr: ThaiQR) -> str:
    """The payload text of `qr`, fields in the order Thai banks emit them (00, 01, 29|30, 53,
    58, 54, 59-62, 63: the order of FACTS.md's vectors)."""
    fields = [("00", "01"), ("01", _DYNAMIC if qr.dynamic else _STATIC)]
    if qr.kind == "bill_payment":
        assert qr.biller_id is not None
        assert qr.ref1 is not None
        account = [("00", AID_BILL_PAYMENT), ("01", qr.biller_id), ("02", qr.ref1)]
        if qr.ref2 is not None:
            account.append(("03", qr.ref2))
        fields.append(("30", "".join(_tlv(tag, value) for tag, value in account)))
    else:
        assert qr.proxy_type is not None
        assert qr.proxy_id is not None
        account = [("00", AID_PROMPTPAY), (_PROXY_TAGS[qr.proxy_type], qr.proxy_id)]
        fields.append(("29", "".join(_tlv(tag, value) for tag, value in account)))
    fields += [("53", qr.currency), ("58", qr.country)]
    if qr.amount_satang is not None:
        fields.append(("54", _amount_text(qr.amount_satang)))
    for tag, value in (("59", qr.merchant_name), ("60", qr.merchant_city), ("61", qr.postal_code)):
        if value is not None:
            fields.append((tag, value))
    if qr.ref3 is not None:
        fields.append(("62", _tlv("07", qr.ref3)))
    return assemble(fields)


def barcode_text(biller_id: str, ref1: str, ref2: str | None, amount_satang: int) -> str:
    """The text of the 1-D barcode printed on paper bills (FACTS.md): `|` + biller ID, then
    Ref1, Ref2 (empty when there is none) and the amount in satang without a decimal point,
    each after a carriage return."""
    if not isinstance(biller_id, str) or not _BILLER_ID.fullmatch(biller_id):
        raise ValueError(f"biller_id is 15 digits (tax ID + suffix), not {biller_id!r}")
    _check_ref("ref1", ref1)
    if ref2 is not None:
        _check_ref("ref2", ref2)
    _check_amount(amount_satang)
    return "\r".join(("|" + biller_id, ref1, ref2 or "", str(amount_satang)))


# -- parsing ----------------------------------------------------------------------------------


def _template(fields: dict[str, str], tag: str) -> dict[str, str]:
    return dict(_split(fields[tag], f"tag {tag}"))


def _required(fields: dict[str, str], tag: str, where: str) -> str:
    value = fields.get(tag)
    if value is None:
        raise QRError("missing_tag", f"{where}: tag {tag} is required")
    return value


def _parse_amount(text: str) -> int:
    match = _AMOUNT.fullmatch(text)
    if match is None or len(text) > 13:
        raise QRError("malformed", f"tag 54: {text!r} is not an amount like 3649.22")
    baht, fraction = match.group(1), match.group(2) or ""
    amount_satang = int(baht) * 100 + int(fraction.ljust(2, "0"))
    if amount_satang == 0:
        raise QRError("malformed", "tag 54: the amount is zero")
    return amount_satang


def _checked_fields(payload: str) -> dict[str, str]:
    """The top-level fields of a payload whose CRC and grammar are right."""
    if not isinstance(payload, str) or not (payload.isascii() and payload.isprintable()):
        raise QRError("malformed", "a payload is printable ASCII text")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise QRError("malformed", f"a payload is at most {MAX_PAYLOAD_CHARS} characters")
    if len(payload) < 12 or payload[-8:-4] != _CRC_TAG:
        raise QRError("malformed", "a payload ends with tag 63, the 4-digit CRC")
    # The CRC first: any single changed character is caught here, before it could make the
    # grammar read something else.
    if crc16(payload[:-4]) != payload[-4:]:
        raise QRError("crc_mismatch", "the CRC does not match the payload")
    ordered = _split(payload, "payload")
    if ordered[0] != ("00", "01"):
        raise QRError("malformed", "a payload starts with tag 00 = 01")
    if ordered[-1][0] != "63":  # it is at the end (checked above) only if the grammar says so
        raise QRError("malformed", "tag 63 (the CRC) is the last field")
    return dict(ordered)


def parse(payload: str) -> ThaiQR:
    """What a scanned payload says; raises QRError (see its codes) for anything else."""
    top = _checked_fields(payload)

    point_of_initiation = top.get("01", _STATIC)  # EMVCo: optional; absent reads as static
    if point_of_initiation not in (_STATIC, _DYNAMIC):
        raise QRError("malformed", f"tag 01 is 11 or 12, not {point_of_initiation!r}")
    currency = _required(top, "53", "payload")
    if currency != CURRENCY_THB:
        raise QRError("unsupported", f"the currency is {currency!r}; only THB (764) is paid")
    country = _required(top, "58", "payload")
    if country != COUNTRY_TH:
        raise QRError("unsupported", f"the country is {country!r}; only TH is paid")
    amount_satang = _parse_amount(top["54"]) if "54" in top else None
    for tag, limit in _MERCHANT_LIMITS.items():
        if len(top.get(tag, "")) > limit:
            raise QRError("malformed", f"tag {tag} is at most {limit} characters")
    ref3 = _template(top, "62").get("07") if "62" in top else None

    if "29" in top and "30" in top:
        raise QRError("unsupported", "both a PromptPay (29) and a bill payment (30) account")
    kind: QRKind
    biller_id = ref1 = ref2 = None
    proxy_type: ProxyType | None = None
    proxy_id = None
    if "30" in top:
        kind = "bill_payment"
        biller_id, ref1, ref2 = _bill_payment_account(_template(top, "30"))
    elif "29" in top:
        kind = "promptpay"
        proxy_type, proxy_id = _promptpay_account(_template(top, "29"))
    elif any(2 <= int(tag) <= 51 for tag in top):
        # Other merchant account tags (02-51) are card schemes and others not paid here.
        raise QRError("unsupported", "neither a PromptPay (29) nor a bill payment (30) account")
    else:
        raise QRError("missing_tag", "payload: a merchant account (tag 29 or 30) is required")
    return ThaiQR(
        kind=kind,
        dynamic=point_of_initiation == _DYNAMIC,
        amount_satang=amount_satang,
        biller_id=biller_id,
        ref1=ref1,
        ref2=ref2,
        ref3=ref3,
        proxy_type=proxy_type,
        proxy_id=proxy_id,
        merchant_name=top.get("59"),
        merchant_city=top.get("60"),
        postal_code=top.get("61"),
        currency=currency,
        country=country,
    )


def _bill_payment_account(account: dict[str, str]) -> tuple[str, str, str | None]:
    """(biller ID, Ref1, Ref2) of tag 30. Refs are taken as they are: the payload is already
    known to be printable ASCII, and matching them to a bill is the caller's business."""
    aid = _required(account, "00", "tag 30")
    if aid != AID_BILL_PAYMENT:
        raise QRError("unsupported", f"tag 30: AID {aid!r} is not domestic bill payment")
    biller_id = _required(account, "01", "tag 30")
    if not _PARSED_BILLER_ID.fullmatch(biller_id):
        raise QRError("malformed", "tag 30: the biller ID is 13 or 15 digits")
    return biller_id, _required(account, "02", "tag 30"), account.get("03")


def _promptpay_account(account: dict[str, str]) -> tuple[ProxyType, str]:
    aid = _required(account, "00", "tag 29")
    if aid != AID_PROMPTPAY:
        raise QRError("unsupported", f"tag 29: AID {aid!r} is not PromptPay")
    proxies = [(kind, account[sub]) for kind, sub in _PROXY_TAGS.items() if sub in account]
    if not proxies:
        raise QRError("missing_tag", "tag 29: one of sub-tags 01-04 (the proxy) is required")
    if len(proxies) > 1:
        raise QRError("malformed", "tag 29: more than one proxy")
    proxy_type, proxy_id = proxies[0]
    if not _PROXY_VALUES[proxy_type].fullmatch(proxy_id):
        raise QRError("malformed", f"tag 29: the {proxy_type} proxy has the wrong shape")
    return proxy_type, proxy_id
