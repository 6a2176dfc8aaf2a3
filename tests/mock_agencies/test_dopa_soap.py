"""The mock registry's SOAP 1.2 CheckCardByLaser, as a SOAP client sees it: replies in a SOAP 1.2
envelope, faults for bad XML, unsafe XML, wrong credentials and the wrong SOAP version."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import httpx
import pytest
from dopa_support import (
    CASES,
    KEY,
    OTHER_SECRET,
    SECRET,
    SOAP_TYPE,
    SOMCHAI,
    Fields,
    Host,
    security_header,
    serving,
    soap_envelope,
)

URL = "/dopa/soap/CheckCardByLaser"
ENV = "http://www.w3.org/2003/05/soap-envelope"
SERVICE = "http://tempuri.org/"
PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)


@pytest.fixture
async def host() -> AsyncIterator[Host]:
    async with serving() as serving_host:
        yield serving_host


async def post(host: Host, document: bytes, content_type: str = SOAP_TYPE) -> httpx.Response:
    return await host.client.post(URL, content=document, headers={"Content-Type": content_type})


def result_of(response: httpx.Response) -> dict[str, str]:
    """The CheckCardByLaserResult's children, by local name."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == SOAP_TYPE
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's reply
    assert root.tag == f"{{{ENV}}}Envelope"
    found = root.find(
        f"{{{ENV}}}Body/{{{SERVICE}}}CheckCardByLaserResponse/{{{SERVICE}}}CheckCardByLaserResult"
    )
    assert found is not None, response.text
    return {child.tag.removeprefix(f"{{{SERVICE}}}"): child.text or "" for child in found}


def fault_of(response: httpx.Response, status: int) -> tuple[str, str | None, str]:
    """(fault code, subcode or None, English reason) of a SOAP 1.2 fault with this HTTP status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == SOAP_TYPE
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's reply
    fault = root.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert fault is not None, response.text
    code = fault.findtext(f"{{{ENV}}}Code/{{{ENV}}}Value")
    subcode = fault.findtext(f"{{{ENV}}}Code/{{{ENV}}}Subcode/{{{ENV}}}Value")
    texts = {
        text.get("{http://www.w3.org/XML/1998/namespace}lang"): text.text
        for text in fault.iterfind(f"{{{ENV}}}Reason/{{{ENV}}}Text")
    }
    assert texts.get("th"), "a Thai reason too"
    assert code is not None
    assert texts.get("en")
    return code, subcode, texts["en"] or ""


@pytest.mark.parametrize(("fields", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_check_card_by_laser_answers_every_code(
    host: Host, fields: Fields, code: int
) -> None:
    result = result_of(await post(host, soap_envelope(fields)))
    assert result["IsError"] == "false"
    assert result["ErrorMessage"] == ""
    assert int(result["Code"]) == code
    assert result["Desc"]


async def test_reply_is_dopa_shaped_with_thai_description(host: Host) -> None:
    result = result_of(await post(host, soap_envelope(SOMCHAI)))
    assert list(result) == ["IsError", "ErrorMessage", "Code", "Desc"]
    assert result["Desc"] == "สถานะปกติ"


async def test_empty_elements_are_incomplete_input(host: Host) -> None:
    document = soap_envelope(SOMCHAI).replace(b"<Laser>JT0123456701</Laser>", b"<Laser/>")
    result = result_of(await post(host, document))
    assert result["Code"] == "5"


async def test_elements_outside_the_service_namespace_are_not_read(host: Host) -> None:
    """.NET-style services read only qualified elements: unqualified children count as absent."""
    document = (
        soap_envelope(SOMCHAI)
        .replace(
            b'<CheckCardByLaser xmlns="http://tempuri.org/">',
            b'<t:CheckCardByLaser xmlns:t="http://tempuri.org/">',
        )
        .replace(b"</CheckCardByLaser>", b"</t:CheckCardByLaser>")
    )
    assert result_of(await post(host, document))["Code"] == "5"


@pytest.mark.parametrize(
    "document",
    [
        b"<env:Envelope xmlns:env='http://www.w3.org/2003/05/soap-envelope'><env:Body>",
        b"not xml at all",
        b"",
        "<?xml version='1.0'?><a>สมชาย</a>".encode("utf-16"),
        b"<Envelope><Body/></Envelope>",
        b"<env:Envelope xmlns:env='http://www.w3.org/2003/05/soap-envelope'/>",
    ],
    ids=["unclosed", "not-xml", "empty", "utf-16", "no-soap-namespace", "no-body"],
)
async def test_malformed_documents_get_a_sender_fault(host: Host, document: bytes) -> None:
    code, _, _ = fault_of(await post(host, document), 400)
    assert code == "env:Sender"


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE env:Envelope [<!ENTITY lol "lol">]>',
        '<!DOCTYPE env:Envelope SYSTEM "file:///etc/passwd">',
        '<!doctype env:Envelope [<!entity x SYSTEM "http://attacker.test/x">]>',
    ],
    ids=["internal-entity", "external-dtd", "lowercase"],
)
async def test_dtds_and_entities_are_refused_before_parsing(host: Host, prologue: str) -> None:
    document = soap_envelope(SOMCHAI).replace(
        b'<?xml version="1.0" encoding="utf-8"?>',
        f'<?xml version="1.0" encoding="utf-8"?>{prologue}'.encode(),
    )
    code, _, reason = fault_of(await post(host, document), 400)
    assert code == "env:Sender"
    assert "DTD" in reason


async def test_billion_laughs_is_refused(host: Host) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    document = (
        f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY l0 "lol">{entities}]>'
        f'<env:Envelope xmlns:env="{ENV}"><env:Body><x>&l9;</x></env:Body></env:Envelope>'
    ).encode()
    assert fault_of(await post(host, document), 400)[0] == "env:Sender"


async def test_oversized_body_is_refused(host: Host) -> None:
    padding = b"<!-- " + b"x" * (70 * 1024) + b" -->"
    document = soap_envelope(SOMCHAI).replace(b"<env:Body>", padding + b"<env:Body>")
    assert fault_of(await post(host, document), 413)[0] == "env:Sender"


@pytest.mark.parametrize(
    "content_type",
    ["text/xml; charset=utf-8", "application/json", "application/soap+xml; charset=iso-8859-11"],
)
async def test_other_media_types_are_refused(host: Host, content_type: str) -> None:
    assert fault_of(await post(host, soap_envelope(SOMCHAI), content_type), 415)[0] == "env:Sender"


async def test_media_type_parameters_are_tolerated(host: Host) -> None:
    content_type = (
        'application/soap+xml;charset="UTF-8";action="http://tempuri.org/CheckCardByLaser"'
    )
    assert result_of(await post(host, soap_envelope(SOMCHAI), content_type))["Code"] == "0"
    assert (
        result_of(await post(host, soap_envelope(SOMCHAI), "application/soap+xml"))["Code"] == "0"
    )


NO_PASSWORD = security_header(KEY, "").replace("<wsse:Password></wsse:Password>", "")
DIGEST = security_header().replace("<wsse:Password>", f'<wsse:Password Type="{PASSWORD_DIGEST}">')


@pytest.mark.parametrize(
    ("header", "subcode"),
    [
        pytest.param(security_header(KEY, "wrong"), "wsse:FailedAuthentication", id="wrong-secret"),
        pytest.param(security_header("nobody", SECRET), "wsse:FailedAuthentication", id="no-key"),
        pytest.param(security_header(KEY, OTHER_SECRET), "wsse:FailedAuthentication", id="other"),
        pytest.param("", "wsse:InvalidSecurity", id="no-header"),
        pytest.param("<env:Header/>", "wsse:InvalidSecurity", id="empty-header"),
        pytest.param(NO_PASSWORD, "wsse:InvalidSecurity", id="no-password"),
        pytest.param(DIGEST, "wsse:UnsupportedSecurityToken", id="password-digest"),
    ],
)
async def test_bad_credentials_get_a_401_fault(host: Host, header: str, subcode: str) -> None:
    response = await post(host, soap_envelope(SOMCHAI, header=header))
    code, found_subcode, _ = fault_of(response, 401)
    assert (code, found_subcode) == ("env:Sender", subcode)
    assert response.headers["WWW-Authenticate"].startswith("WSSE ")
    assert "Code>0<" not in response.text


async def test_explicit_password_text_type_is_accepted(host: Host) -> None:
    text_type = PASSWORD_DIGEST.replace("#PasswordDigest", "#PasswordText")
    header = security_header().replace("<wsse:Password>", f'<wsse:Password Type="{text_type}">')
    assert result_of(await post(host, soap_envelope(SOMCHAI, header=header)))["Code"] == "0"


async def test_soap_1_1_envelope_is_a_version_mismatch(host: Host) -> None:
    document = soap_envelope(SOMCHAI).replace(
        ENV.encode(), b"http://schemas.xmlsoap.org/soap/envelope/"
    )
    response = await post(host, document)
    assert fault_of(response, 500)[0] == "env:VersionMismatch"
    assert b"SupportedEnvelope" in response.content


async def test_unknown_mandatory_header_is_not_understood(host: Host) -> None:
    header = security_header().replace(
        "</env:Header>", '<x:Trace xmlns:x="urn:example" env:mustUnderstand="true"/></env:Header>'
    )
    assert fault_of(await post(host, soap_envelope(SOMCHAI, header=header)), 500)[0] == (
        "env:MustUnderstand"
    )
    optional = header.replace('env:mustUnderstand="true"', 'env:mustUnderstand="false"')
    assert result_of(await post(host, soap_envelope(SOMCHAI, header=optional)))["Code"] == "0"


async def test_body_without_the_operation_is_a_sender_fault(host: Host) -> None:
    document = soap_envelope(SOMCHAI).replace(b"CheckCardByLaser", b"GetWeather")
    assert fault_of(await post(host, document), 400)[0] == "env:Sender"
