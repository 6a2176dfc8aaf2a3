"""SOAP 1.2 for `CheckCardByLaser`: reading the request envelope safely, writing replies and faults.

Request (Content-Type `application/soap+xml; charset=utf-8`):

    <env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">
      <env:Header>
        <wsse:Security xmlns:wsse="…oasis-200401-wss-wssecurity-secext-1.0.xsd">
          <wsse:UsernameToken>
            <wsse:Username>consumer key</wsse:Username>
            <wsse:Password Type="…#PasswordText">consumer secret</wsse:Password>
          </wsse:UsernameToken>
        </wsse:Security>
      </env:Header>
      <env:Body>
        <CheckCardByLaser xmlns="http://tempuri.org/">
          <PID/><FirstName/><LastName/><BirthDay/><Laser/>
        </CheckCardByLaser>
      </env:Body>
    </env:Envelope>

Safety: the body is capped at 64 KB, must be UTF-8, and any document carrying a DTD or an
entity declaration is refused before it reaches the parser, so the stdlib parser never expands
entities (no "billion laughs", no external entities).

Faults, and the HTTP status each gets (SOAP 1.2 part 2, 7.5.2.2, except authentication):

| cause | fault code (subcode) | HTTP |
|---|---|---|
| wrong media type | env:Sender | 415 |
| body over 64 KB | env:Sender | 413 |
| not UTF-8, not well-formed, DTD/entity, not an envelope, no operation | env:Sender | 400 |
| no UsernameToken | env:Sender (wsse:InvalidSecurity) | 401 |
| a PasswordDigest password | env:Sender (wsse:UnsupportedSecurityToken) | 401 |
| wrong consumer key or secret | env:Sender (wsse:FailedAuthentication) | 401 |
| a SOAP 1.1 envelope | env:VersionMismatch (with env:Upgrade) | 500 |
| a mustUnderstand header other than wsse:Security | env:MustUnderstand | 500 |

Authentication faults use 401 (with `WWW-Authenticate: WSSE realm="mock-dopa",
profile="UsernameToken"`) rather than the binding's 400 or a stack's habitual 500, so that a
client can tell "fix your credentials" from "fix your request" without reading the body.
A business result, including code 5 for incomplete input, is never a fault: it is a normal
reply with `IsError` false and the code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from mock_agencies.dopa.rules import CardCheck

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
UT_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PLAIN_TEXT_TYPE = f"{UT_PROFILE}#PasswordText"  # the one password Type accepted
SERVICE_NS = "http://tempuri.org/"
MEDIA_TYPE = "application/soap+xml; charset=utf-8"
MAX_BODY_BYTES = 64 * 1024
AUTHENTICATE = 'WSSE realm="mock-dopa", profile="UsernameToken"'

#: Request element → the rule's argument.
REQUEST_FIELDS = {
    "PID": "pid",
    "FirstName": "first_name_th",
    "LastName": "last_name_th",
    "BirthDay": "birth_date_be",
    "Laser": "laser",
}


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


class SoapFault(Exception):
    """A SOAP 1.2 fault, answered with `status`."""

    def __init__(
        self,
        status: int,
        reason_en: str,
        reason_th: str,
        code: str = "Sender",
        wsse_subcode: str | None = None,
    ) -> None:
        super().__init__(reason_en)
        self.status = status
        self.reason_en = reason_en
        self.reason_th = reason_th
        self.code = code
        self.wsse_subcode = wsse_subcode

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": AUTHENTICATE} if self.status == 401 else {}

    def render(self) -> bytes:
        upgrade = (
            "<env:Header><env:Upgrade>"
            f'<env:SupportedEnvelope qname="ns1:Envelope" xmlns:ns1="{SOAP12_NS}"/>'
            "</env:Upgrade></env:Header>"
            if self.code == "VersionMismatch"
            else ""
        )
        subcode = (
            f'<env:Subcode><env:Value xmlns:wsse="{WSSE_NS}">wsse:{self.wsse_subcode}'
            "</env:Value></env:Subcode>"
            if self.wsse_subcode
            else ""
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<env:Envelope xmlns:env="{SOAP12_NS}">{upgrade}<env:Body><env:Fault>'
            f"<env:Code><env:Value>env:{self.code}</env:Value>{subcode}</env:Code>"
            "<env:Reason>"
            f'<env:Text xml:lang="en">{escape(self.reason_en)}</env:Text>'
            f'<env:Text xml:lang="th">{escape(self.reason_th)}</env:Text>'
            "</env:Reason></env:Fault></env:Body></env:Envelope>"
        ).encode()


def malformed(reason_en: str, reason_th: str = "คำขอไม่ถูกต้อง") -> SoapFault:
    return SoapFault(400, reason_en, reason_th)


def check_media_type(content_type: str | None) -> None:
    """SOAP 1.2 travels as application/soap+xml; this service reads UTF-8 only."""
    media, *params = (part.strip() for part in (content_type or "").split(";"))
    charsets = [
        value.strip('"').lower()
        for name, _, value in (param.partition("=") for param in params)
        if name.strip().lower() == "charset"
    ]
    if media.lower() != "application/soap+xml" or any(c not in {"utf-8", "utf8"} for c in charsets):
        raise SoapFault(
            415,
            f"expected Content-Type {MEDIA_TYPE}, got {content_type or 'none'}",
            "ชนิดข้อมูลไม่ถูกต้อง ต้องเป็น application/soap+xml (UTF-8)",
        )


@dataclass(frozen=True, slots=True)
class Envelope:
    header: ET.Element | None
    body: ET.Element


def parse_envelope(document: bytes) -> Envelope:
    """The SOAP 1.2 envelope of `document`, refusing anything unsafe or not SOAP 1.2."""
    if len(document) > MAX_BODY_BYTES:
        raise SoapFault(413, f"request over {MAX_BODY_BYTES} bytes", "คำขอมีขนาดใหญ่เกินกำหนด")
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed("request is not UTF-8") from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise malformed("DTDs and entity declarations are not accepted", "ไม่รับเอกสารที่มี DTD")
    try:
        root = ET.fromstring(document)  # noqa: S314 - no DTD can reach here (checked above)
    except ET.ParseError as error:
        raise malformed(f"malformed XML: {error}", "รูปแบบ XML ไม่ถูกต้อง") from None
    if root.tag == _q(SOAP11_NS, "Envelope"):
        raise SoapFault(
            500, "SOAP 1.1 is not supported; send a SOAP 1.2 envelope", "รองรับเฉพาะ SOAP 1.2",
            code="VersionMismatch",
        )  # fmt: skip
    if root.tag != _q(SOAP12_NS, "Envelope"):
        raise malformed("the document is not a SOAP 1.2 Envelope", "ไม่ใช่ SOAP 1.2 Envelope")
    body = root.find(_q(SOAP12_NS, "Body"))
    if body is None:
        raise malformed("the envelope has no Body", "ไม่พบ Body ใน Envelope")
    header = root.find(_q(SOAP12_NS, "Header"))
    for block in header if header is not None else ():
        must = block.get(_q(SOAP12_NS, "mustUnderstand"), "false").strip()
        if must in {"true", "1"} and block.tag != _q(WSSE_NS, "Security"):
            raise SoapFault(
                500, f"header block {block.tag} is not understood", "ไม่รู้จักส่วนหัวที่บังคับ",
                code="MustUnderstand",
            )  # fmt: skip
    return Envelope(header, body)


def username_token(envelope: Envelope) -> tuple[str, str]:
    """The WS-Security UsernameToken's (Username, Password); only PasswordText is accepted."""
    token = (
        envelope.header.find(f"{_q(WSSE_NS, 'Security')}/{_q(WSSE_NS, 'UsernameToken')}")
        if envelope.header is not None
        else None
    )
    username = token.find(_q(WSSE_NS, "Username")) if token is not None else None
    password = token.find(_q(WSSE_NS, "Password")) if token is not None else None
    if username is None or password is None or not username.text or not password.text:
        raise SoapFault(
            401, "a WS-Security UsernameToken (consumer key and secret) is required",
            "ต้องระบุ UsernameToken (Consumer Key และ Secret)", wsse_subcode="InvalidSecurity",
        )  # fmt: skip
    if password.get("Type", PLAIN_TEXT_TYPE) != PLAIN_TEXT_TYPE:
        raise SoapFault(
            401, "only the PasswordText password type is supported",
            "รองรับเฉพาะรหัสผ่านแบบ PasswordText", wsse_subcode="UnsupportedSecurityToken",
        )  # fmt: skip
    return username.text.strip(), password.text.strip()


def authentication_failed() -> SoapFault:
    return SoapFault(
        401, "consumer key or secret not recognised", "Consumer Key หรือ Secret ไม่ถูกต้อง",
        wsse_subcode="FailedAuthentication",
    )  # fmt: skip


def check_card_arguments(envelope: Envelope) -> dict[str, str | None]:
    """The rule's arguments from the Body's CheckCardByLaser element (None: element absent)."""
    operation = envelope.body.find(_q(SERVICE_NS, "CheckCardByLaser"))
    if operation is None:
        raise malformed(
            f"the Body must hold a CheckCardByLaser element in namespace {SERVICE_NS}",
            "ไม่พบคำสั่ง CheckCardByLaser",
        )
    arguments: dict[str, str | None] = {}
    for element, argument in REQUEST_FIELDS.items():
        found = operation.find(_q(SERVICE_NS, element))
        arguments[argument] = None if found is None else (found.text or "")
    return arguments


def render_check_result(check: CardCheck) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP12_NS}"><soap:Body>'
        f"<CheckCardByLaserResponse xmlns={quoteattr(SERVICE_NS)}><CheckCardByLaserResult>"
        "<IsError>false</IsError><ErrorMessage/>"
        f"<Code>{check.code}</Code><Desc>{escape(check.desc_th)}</Desc>"
        "</CheckCardByLaserResult></CheckCardByLaserResponse>"
        "</soap:Body></soap:Envelope>"
    ).encode()
