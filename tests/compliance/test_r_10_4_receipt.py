"""R-10.4: every submission gets a receipt at once: number, actual arrival, deemed receipt time,
agency, a SHA-256 digest of the content and attachments, signed by the gateway and carrying a
trusted timestamp, verifiable offline with independent tools (PyJWT, openssl)."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from sqlalchemy import select
from support import (
    DLT_FORM,
    DLT_RENEWAL,
    Stack,
    assert_problem,
    attach,
    bearer,
    draft,
    filed,
    login,
    started,
)

from gateway import audit as audit_module
from gateway.config import Settings
from gateway.forwarding.models import OutboxMessage
from gateway.receipts.digest import AttachmentDigest, submission_digest

pytestmark = pytest.mark.rule("R-10.4")

OPENSSL = shutil.which("openssl")


async def test_the_receipt_verifies_against_the_published_jwks(stack: Stack) -> None:
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application, receipt = submitted["application"], submitted["receipt"]
    discovery = (await stack.gateway.get("/.well-known/openid-configuration")).json()
    jwks = (await stack.gateway.get(urlsplit(discovery["jwks_uri"]).path)).json()
    kid = jwt.get_unverified_header(receipt["jws"])["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(receipt["jws"], jwt.PyJWK(key).key, algorithms=["ES256"])
    for field in ("number", "arrived_at", "deemed_received_at", "receipt_anchor", "due_at"):
        assert field in claims
    assert claims["number"] == application["number"]
    assert claims["agency"]["code"] == "DLT"
    assert claims["agency"]["name_th"] == "กรมการขนส่งทางบก"
    assert claims["content_digest"]["alg"] == "sha-256"
    # Anyone holding the form and the attachments recomputes the same digest.
    digests = [AttachmentDigest(a["document"], a["sha256"]) for a in application["attachments"]]
    assert claims["content_digest"]["value"] == submission_digest(
        service_id=DLT_RENEWAL, form=application["form"], attachments=digests
    )
    # A changed receipt does not verify.
    head, payload, signature = receipt["jws"].split(".")
    forged = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{forged}.{signature}", jwt.PyJWK(key).key, algorithms=["ES256"])


@pytest.mark.skipif(
    OPENSSL is None and not os.environ.get("CI"),
    reason="OPENSSL IS NOT INSTALLED: the RFC 3161 token is NOT checked by an outside verifier",
)
async def test_the_timestamp_token_verifies_with_openssl(stack: Stack, tmp_path: Path) -> None:
    assert OPENSSL is not None, "CI must have openssl"
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    jws = submitted["receipt"]["jws"]
    tsr = await stack.gateway.get(
        f"/v1/applications/{application_id}/receipt/timestamp.tsr", headers=headers
    )
    assert tsr.status_code == 200
    assert tsr.headers["content-type"] == "application/timestamp-reply"
    assert tsr.content == base64.b64decode(submitted["receipt"]["timestamp_token"])
    (tmp_path / "receipt.tsr").write_bytes(tsr.content)
    (tmp_path / "ca.pem").write_bytes((await stack.gateway.get("/v1/trust/ca.pem")).content)
    (tmp_path / "tsa.pem").write_bytes((await stack.gateway.get("/v1/trust/tsa.pem")).content)

    def verify(digest: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed arguments, files we wrote
            [
                OPENSSL,
                "ts",
                "-verify",
                "-digest",
                digest,
                "-in",
                str(tmp_path / "receipt.tsr"),
                "-CAfile",
                str(tmp_path / "ca.pem"),
                "-untrusted",
                str(tmp_path / "tsa.pem"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    # The token covers the signed receipt: SHA-256 of the JWS text.
    good = verify(hashlib.sha256(jws.encode()).hexdigest())
    assert "Verification: OK" in good.stdout, good.stdout + good.stderr
    bad = verify(hashlib.sha256(jws.encode() + b" ").hexdigest())
    assert "Verification: OK" not in bad.stdout


async def test_same_key_same_body_gives_the_same_receipt(stack: Stack) -> None:
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    r = await attach(stack, headers, application["id"], "medical-certificate")
    assert r.status_code == 201
    url = f"/v1/applications/{application['id']}/submit"
    keyed = {**headers, "Idempotency-Key": "submit-7f3c2a"}
    first = await stack.gateway.post(url, json={"delivery": "electronic"}, headers=keyed)
    assert first.status_code == 201, first.text
    again = await stack.gateway.post(url, json={"delivery": "electronic"}, headers=keyed)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["receipt"] == first.json()["receipt"]
    # A different body under the same key is refused, and nothing changes.
    other = await stack.gateway.post(url, json={"delivery": "paper"}, headers=keyed)
    assert_problem(other, 409, "idempotency_key_reused")
    # Without the key, a second submission is refused: an application is filed once.
    plain = await stack.gateway.post(url, headers=headers)
    assert_problem(plain, 409, "invalid_transition")
    receipt = await stack.gateway.get(
        f"/v1/applications/{application['id']}/receipt", headers=headers
    )
    assert receipt.json()["jws"] == first.json()["receipt"]["jws"]


@pytest.mark.parametrize("key", ["", "a" * 256, "with space", "tab\there"])
async def test_a_malformed_idempotency_key_is_refused(stack: Stack, key: str) -> None:
    headers = bearer(await login(stack))
    r = await stack.gateway.post(
        "/v1/applications",
        json={"service_id": DLT_RENEWAL, "form": DLT_FORM},
        headers={**headers, "Idempotency-Key": key},
    )
    problem = assert_problem(r, 422, "invalid_idempotency_key")
    assert problem["errors"][0]["pointer"] == "/header/Idempotency-Key"


async def test_a_draft_created_twice_with_one_key_is_one_draft(stack: Stack) -> None:
    headers = {**bearer(await login(stack)), "Idempotency-Key": "draft-1"}
    body = {"service_id": DLT_RENEWAL, "form": DLT_FORM}
    first = await stack.gateway.post("/v1/applications", json=body, headers=headers)
    second = await stack.gateway.post("/v1/applications", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = await stack.gateway.get("/v1/applications", headers=headers)
    assert [a["id"] for a in listed.json()["items"]].count(first.json()["id"]) == 1


async def test_no_receipt_when_the_submission_was_not_stored(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If anything in the submission's transaction fails, the citizen gets an error, not a
    receipt, and nothing of the submission is kept (no number, no outbox message)."""
    headers = bearer(await login(stack))
    application = await draft(stack, headers)
    await attach(stack, headers, application["id"], "medical-certificate")

    async def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the audit log's disk is full")

    monkeypatch.setattr(audit_module, "append", broken_audit)
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/submit", headers=headers)
    assert_problem(r, 500, "internal_error")
    monkeypatch.undo()

    shown = await stack.gateway.get(f"/v1/applications/{application['id']}", headers=headers)
    assert shown.json()["status"] == "draft"
    assert shown.json()["number"] is None
    receipt = await stack.gateway.get(
        f"/v1/applications/{application['id']}/receipt", headers=headers
    )
    assert_problem(receipt, 404, "receipt_not_found")
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.application_id == application["id"])
            )
        ).all()
    assert rows == []
    # Once the fault is gone the same submission succeeds.
    again = await stack.gateway.post(
        f"/v1/applications/{application['id']}/submit", headers=headers
    )
    assert again.status_code == 201, again.text


async def test_a_crash_after_commit_loses_nothing(stack: Stack, seeded: Settings) -> None:
    """The application, its receipt and its outbox message are committed together; a gateway
    that stops right after (before any worker picked the message up) finds it all on restart."""
    headers = bearer(await login(stack))
    submitted = await filed(stack, headers)
    application_id = submitted["application"]["id"]
    # A new gateway process on the same database (the old one is gone for all it knows).
    async with started(seeded) as restarted:
        r = await restarted.get("/readyz")
        assert r.status_code == 200
    assert stack.app is not None
    async with stack.app.state.runtime.sessions() as session:
        message = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.application_id == application_id)
            )
        ).one()
    assert message.status == "pending"
    assert message.topic == "application.submitted"
    assert message.key == f"{application_id}:submit"  # the agency's idempotency key
    assert message.payload["number"] == submitted["application"]["number"]
