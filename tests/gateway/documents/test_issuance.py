"""Receive: the document an agency grants becomes a signed PDF and credential in the citizen's
wallet, with a public verification page that shows exactly what the document prints and is
always current (R-13.1, R-14.1, R-15.1)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support import (
    Portal,
    Tool,
    agency_headers,
    agency_says,
    approved_and_issued,
    assert_problem,
    local,
    shown,
    wallet_document,
)

from documents.credential import CredentialInvalid, verify_credential
from documents.pades import check_signature
from gateway.forwarding.models import OutboxMessage
from gateway.forwarding.outbox import TOPIC_ISSUE_DOCUMENT
from gateway.ratelimit import RateLimiter
from identity.oidc.jws import b64url_decode, b64url_encode


async def test_an_approval_becomes_a_signed_document_in_the_wallet(
    portal: Portal, tmp_path: Path, pdfsig: Tool, pdftotext: Tool
) -> None:
    headers, application = await approved_and_issued(portal)

    after = await shown(portal, headers, application["id"], lang="en")
    assert after["status"] == "issued"
    assert [e["kind"] for e in after["timeline"]][-2:] == ["approve", "issue"]
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert inbox[0]["kind"] == "issued"

    document = await wallet_document(portal, headers, application["id"])
    assert document["kind"] == "benefit_award"
    assert document["standing"] == "valid"
    assert document["number"].startswith("SSO")
    assert document["media_type"] == "application/pdf"

    pdf = await portal.gateway.get(document["links"]["pdf"], headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == document["sha256"]
    assert len(pdf.content) == document["size"] <= 150 * 1024

    # Any PDF validator checks the signature: pdfsig says valid, and a changed byte breaks it.
    path = tmp_path / "award.pdf"
    path.write_bytes(pdf.content)
    report = pdfsig(path).stdout
    assert "Signature is Valid" in report, report
    assert "SSO document signing" in report
    assert "สมชาย" in pdftotext(path, "-").stdout
    tampered = bytearray(pdf.content)
    at = pdf.content.index(b"/Producer")  # inside the signed byte range
    tampered[at + 1] ^= 0x01
    path.write_bytes(bytes(tampered))
    report = pdfsig(path).stdout
    assert "Signature is Valid" not in report, report


async def test_the_credential_verifies_against_the_published_keys_and_fails_when_altered(
    portal: Portal,
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    credential = await portal.gateway.get(document["links"]["credential"], headers=headers)
    assert credential.headers["content-type"].startswith("application/vc+jwt")
    jwks = (await portal.gateway.get("/v1/trust/document-keys")).json()

    claims = verify_credential(credential.text, jwks)
    subject = claims["vc"]["credentialSubject"]
    assert subject["holder"]["th"] == "สมชาย ใจดี"
    assert subject["number"]["th"] == document["number"]
    assert claims["jti"] == document["links"]["verify"]

    head, payload, signature = credential.text.split(".")
    altered = json.loads(b64url_decode(payload))
    altered["vc"]["credentialSubject"]["holder"]["th"] = "คนอื่น"
    forged = f"{head}.{b64url_encode(json.dumps(altered).encode())}.{signature}"
    with pytest.raises(CredentialInvalid):
        verify_credential(forged, jwks)


async def test_the_verification_page_shows_the_printed_items_and_nothing_more(
    portal: Portal, tmp_path: Path, pdftotext: Tool
) -> None:
    """R-14.1: anyone can verify; what the page shows is what the document prints."""
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    verify = local(document["links"]["verify"])

    answer = await portal.gateway.get(verify, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["result"] == "valid"
    assert set(body) <= {
        "result", "checked_at", "title", "items", "status_reason", "status_changed_at", "sha256"
    }  # fmt: skip
    keys = [item["key"] for item in body["items"]]
    assert keys[:6] == ["kind", "number", "holder", "holder_id", "issuer", "issued_on"]
    values = {item["key"]: item["value"] for item in body["items"]}
    assert values["holder"] == "สมชาย ใจดี"
    assert values["holder_id"] == "1-1001-xxxxx-xx-4"  # never the whole ID

    # Every item on the page is printed on the PDF, and the page names nothing else.
    pdf = await portal.gateway.get(document["links"]["pdf"], headers=headers)
    (tmp_path / "d.pdf").write_bytes(pdf.content)
    text = "".join(pdftotext(tmp_path / "d.pdf", "-").stdout.split())
    for value in values.values():
        assert "".join(value.split()) in text, value
    html = (await portal.gateway.get(verify)).text
    assert "1100100001014" not in html
    assert application["number"] not in html or application["number"] in text
    assert "เอกสารถูกต้องและใช้ได้" in html
    english = await portal.gateway.get(f"{verify}?lang=en")
    assert "Genuine and valid" in english.text

    unknown = await portal.gateway.get(
        "/verify/0000-0000-0000-0000-0000", headers={"Accept": "application/json"}
    )
    assert unknown.json()["result"] == "unknown"
    assert unknown.json()["items"] == []


async def test_a_revocation_shows_on_the_very_next_request_and_the_holder_is_told(
    portal: Portal,
) -> None:
    """R-13.1: current at all times; R-11.1: the holder hears of it."""
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    verify = local(document["links"]["verify"])
    as_json = {"Accept": "application/json"}
    assert (await portal.gateway.get(verify, headers=as_json)).json()["result"] == "valid"

    r = await agency_says(portal, document["number"], "suspended")
    assert r.status_code == 200, r.text
    assert r.json() == {"number": document["number"], "status": "suspended", "changed": True}
    assert (await portal.gateway.get(verify, headers=as_json)).json()["result"] == "suspended"

    assert (await agency_says(portal, document["number"], "revoked")).status_code == 200
    now = (await portal.gateway.get(verify, headers=as_json)).json()
    assert now["result"] == "revoked"
    assert now["status_reason"] == "ออกผิดคน / issued in error"
    assert "เอกสารถูกเพิกถอน" in (await portal.gateway.get(verify)).text
    wallet = await wallet_document(portal, headers, application["id"])
    assert wallet["standing"] == "revoked"
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox[:2]] == ["document_revoked", "document_suspended"]

    # Revoked is final; the same word twice changes nothing; another agency's number is unknown.
    r = await agency_says(portal, document["number"], "valid")
    assert_problem(r, 409, "document_status_final")
    r = await agency_says(portal, document["number"], "revoked")
    assert r.json()["changed"] is False
    r = await agency_says(portal, "SSO2569-NOSUCH00", "revoked")
    assert_problem(r, 404, "document_not_found")


async def test_a_document_message_delivered_again_issues_nothing_new(portal: Portal) -> None:
    headers, application = await approved_and_issued(portal)
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == TOPIC_ISSUE_DOCUMENT)
            .values(status="pending", done_at=None)
        )
        await session.commit()
    outcomes = [d.outcome for d in await portal.forward()]
    assert outcomes == ["nothing to issue"]
    wallet = (await portal.gateway.get("/v1/documents", headers=headers)).json()["items"]
    assert [d.get("application_id") for d in wallet].count(application["id"]) == 1
    async with portal.app.state.runtime.sessions() as session:
        left = (
            await session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.topic == TOPIC_ISSUE_DOCUMENT)
            )
        ).all()
    assert left == ["done"]


async def test_a_shared_link_shows_the_document_until_it_is_revoked(portal: Portal) -> None:
    """R-14.1: the holder shows a document by a link, and can take it back."""
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    r = await portal.gateway.post(
        document["links"]["shares"], json={"expires_in_minutes": 60}, headers=headers
    )
    assert r.status_code == 201, r.text
    share = r.json()
    link = local(share["url"])
    assert share["state"] == "active"
    assert share["qr"].startswith("data:image/png;base64,")

    seen = await portal.gateway.get(link, headers={"Accept": "application/json"})
    assert seen.json()["result"] == "valid"
    assert {i["key"] for i in seen.json()["items"]} >= {"holder", "number"}
    pdf = await portal.gateway.get(f"{link}/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")

    listed = (await portal.gateway.get(document["links"]["shares"], headers=headers)).json()
    assert [(s["id"], s["views"], s["url"]) for s in listed["items"]] == [(share["id"], 1, None)]
    gone = await portal.gateway.delete(
        f"{document['links']['shares']}/{share['id']}", headers=headers
    )
    assert gone.status_code == 204
    after = await portal.gateway.get(link, headers={"Accept": "application/json"})
    assert after.json() == {**after.json(), "result": "unknown", "items": []}
    assert_problem(await portal.gateway.get(f"{link}/pdf"), 404, "share_not_found")


async def test_verification_is_rate_limited_per_client(portal: Portal) -> None:
    assert portal.app is not None
    portal.app.state.public_limiter = RateLimiter(2, burst=2)
    codes = [
        (await portal.gateway.get("/verify/0000-0000-0000-0000-0000")).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    r = await portal.gateway.get("/verify/0000-0000-0000-0000-0000")
    body = assert_problem(r, 429, "too_many_requests")
    assert int(r.headers["retry-after"]) >= 1
    assert body["status"] == 429


async def test_an_agency_changes_its_own_documents_standing_through_the_agency_api(
    portal: Portal,
) -> None:
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    verify = local(document["links"]["verify"])
    path = f"/v1/agency/documents/{document['number']}/status"
    body = {"status": "suspended", "reason": "ตรวจสอบคุณสมบัติใหม่ / eligibility under review"}

    # Another agency cannot touch it: to DLT, SSO's number does not exist.
    dlt = await agency_headers(portal, "DLT")
    assert_problem(
        await portal.gateway.post(path, json=body, headers=dlt), 404, "document_not_found"
    )

    sso = await agency_headers(portal, "SSO")
    r = await portal.gateway.post(path, json=body, headers=sso)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is True
    seen = (await portal.gateway.get(verify, headers={"Accept": "application/json"})).json()
    assert (seen["result"], seen["status_reason"]) == ("suspended", body["reason"])

    r = await portal.gateway.post(
        path, json={"status": "valid", "reason": "ผ่านการตรวจสอบ / cleared"}, headers=sso
    )
    assert r.json() == {"number": document["number"], "status": "valid", "changed": True}
    seen = (await portal.gateway.get(verify, headers={"Accept": "application/json"})).json()
    assert (seen["result"], seen["status_reason"]) == ("valid", None)
    inbox = (await portal.gateway.get("/v1/notifications", headers=headers)).json()["items"]
    assert [n["kind"] for n in inbox[:2]] == ["document_reinstated", "document_suspended"]


async def test_the_signature_checks_offline_with_only_the_published_roots(portal: Portal) -> None:
    """What `citizen-gateway documents check` does: the PDF carries its chain and CRL (B-LT);
    the reader needs only the document root and the TSA's CA."""
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    pdf = (await portal.gateway.get(document["links"]["pdf"], headers=headers)).content
    roots = (await portal.gateway.get("/v1/trust/documents/ca.pem")).text
    roots += (await portal.gateway.get("/v1/trust/ca.pem")).text

    found = await check_signature(pdf, roots)
    assert found.good
    assert found.covers_whole_file
    assert found.signer == "SSO document signing"
    assert found.timestamped_at is not None

    tampered = bytearray(pdf)
    at = pdf.index(b"/Producer")
    tampered[at + 1] ^= 0x01
    broken = await check_signature(bytes(tampered), roots)
    assert not broken.intact
    assert not broken.good

    # Trusting only another root, it is intact but not trusted.
    other = (await portal.gateway.get("/v1/trust/ca.pem")).text
    untrusted = await check_signature(pdf, other)
    assert (untrusted.intact, untrusted.trusted, untrusted.good) == (True, False, False)


async def test_the_request_log_never_holds_a_verification_code_or_a_share_token(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    code, token = "H0GV-TASJ-RFSZ-EPWA-R9BK", "s3cr3t-share-token-0123456789abcdef"
    with caplog.at_level("INFO", logger="gateway"):
        await portal.gateway.get(f"/verify/{code}")
        await portal.gateway.get(f"/shared/{token}")
    paths = [r.__dict__.get("path") for r in caplog.records if r.getMessage() == "request"]
    assert paths == ["/verify/{code}", "/shared/{token}"]
    assert all(code not in r.getMessage() and token not in str(r.__dict__) for r in caplog.records)
