"""R-15.1 for the documents the portal issues: an issued e-document is evidence (EGA s.15).

Its issue and its revocation are entries of the hash-chained audit log, naming the exact PDF
(its SHA-256) and the certificate it was signed with, and the chain check (`gateway.audit.verify`
and `citizen-gateway audit verify`) proves the log unbroken, or names the entry someone changed;
the signed PDF carries an RFC 3161 time-stamp token from the gateway's TSA, which an outside
validator (pyHanko) checks against the TSA certificate the gateway publishes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner, Result
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from sqlalchemy import delete, insert, update
from support import (
    Portal,
    agency_says,
    approved_and_issued,
    triggers_bypassed,
    wallet_document,
)

from gateway import audit
from gateway.audit import GENESIS_HASH, AuditChainHead, AuditEntry
from gateway.cli import main

pytestmark = pytest.mark.rule("R-15.1")


@pytest.fixture
async def portal_with_empty_log(portal: Portal) -> Portal:
    """The portal with the audit log started afresh, so what other tests (which share the
    database) did to the chain cannot decide these tests."""
    assert portal.app is not None
    async with triggers_bypassed(portal.app.state.runtime.engine) as conn:
        await conn.execute(delete(AuditEntry))
        await conn.execute(delete(AuditChainHead))
        await conn.execute(insert(AuditChainHead).values(id=1, seq=0, hash=GENESIS_HASH))
    return portal


async def _entries(portal: Portal, subject: str) -> list[AuditEntry]:
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        return list(await audit.entries_about(session, subject))


async def _verify(portal: Portal) -> audit.ChainReport:
    assert portal.app is not None
    async with portal.app.state.runtime.sessions() as session:
        return await audit.verify(session)


async def _cli_verify(database_url: str) -> Result:
    # The command runs its own event loop, so it runs in a thread beside this test's loop.
    def invoke() -> Result:
        return CliRunner().invoke(
            main, ["audit", "verify"], env={"CITIZEN_GATEWAY_DATABASE_URL": database_url}
        )

    return await asyncio.to_thread(invoke)


async def test_an_issued_and_revoked_document_is_in_the_chain_and_the_chain_verifies(
    portal_with_empty_log: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = portal_with_empty_log
    assert portal.app is not None
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    pdf = (await portal.gateway.get(document["links"]["pdf"], headers=headers)).content
    r = await agency_says(portal, document["number"], "revoked", "ออกผิดคน / issued in error")
    assert r.status_code == 200, r.text

    entries = await _entries(portal, f"document:{document['id']}")
    assert [e.action for e in entries] == ["document.issued", "document.revoked"]
    issued, revoked = entries
    assert issued.actor == "system:gateway"
    assert issued.data["number"] == document["number"]
    assert issued.data["agency"] == "SSO"
    assert issued.data["application"] == application["id"]
    # The entry names the exact bytes the citizen holds, and the certificate that signed them.
    assert issued.data["sha256"] == hashlib.sha256(pdf).hexdigest() == document["sha256"]
    signer_serial = issued.data["signer_serial"]
    status = await portal.gateway.get(f"/v1/trust/documents/certificates/{signer_serial}")
    assert status.json()["status"] == "good"
    assert revoked.actor.startswith("agency:SSO")
    assert revoked.data["number"] == document["number"]
    assert revoked.seq > issued.seq
    # The application's own trail ends with the approval and the issue, in that order.
    trail = await _entries(portal, f"application:{application['id']}")
    assert [e.action for e in trail][-2:] == ["application.approve", "application.issue"]
    assert trail[-1].seq < issued.seq

    report = await _verify(portal)
    assert report.ok, report
    assert report.head_seq is not None
    assert report.head_seq >= revoked.seq
    monkeypatch.chdir(tmp_path)  # no stray .env of the project directory is read
    database_url = portal.app.state.runtime.settings.database_url
    result = await _cli_verify(database_url)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"audit log intact: {report.entries_checked} entries")

    # Someone who rewrites the issue entry (to match another PDF) is caught and named.
    original = dict(issued.data)
    engine = portal.app.state.runtime.engine
    try:
        async with triggers_bypassed(engine) as conn:
            await conn.execute(
                update(AuditEntry)
                .where(AuditEntry.seq == issued.seq)
                .values(data={**original, "sha256": "0" * 64})
            )
        broken = await _verify(portal)
        assert not broken.ok
        assert broken.first_broken_seq == issued.seq
        result = await _cli_verify(database_url)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"audit log BROKEN at seq {issued.seq}:")
    finally:
        async with triggers_bypassed(engine) as conn:
            await conn.execute(
                update(AuditEntry).where(AuditEntry.seq == issued.seq).values(data=original)
            )
    assert (await _verify(portal)).ok


def _certificates(text: str) -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(text.encode(), multiple=True)
    ]


async def test_the_signed_pdf_carries_a_timestamp_from_the_gateways_tsa(portal: Portal) -> None:
    """EGA s.15: when the document was signed is proved by a trusted third party's token,
    not by the signer's own word."""
    assert portal.app is not None
    headers, application = await approved_and_issued(portal)
    document = await wallet_document(portal, headers, application["id"])
    pdf = (await portal.gateway.get(document["links"]["pdf"], headers=headers)).content

    # Only what the gateway publishes: the document root, and the TSA certificate and its CA.
    [root] = _certificates((await portal.gateway.get("/v1/trust/documents/ca.pem")).text)
    tsa_certificate, tsa_ca = _certificates((await portal.gateway.get("/v1/trust/tsa.pem")).text)

    reader = PdfFileReader(io.BytesIO(pdf))
    [signature] = reader.embedded_signatures
    context = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [root, tsa_ca], "allow_fetching": False}
    )
    status = await async_validate_pdf_signature(signature, context)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.signing_cert.subject.native["common_name"] == "SSO document signing"

    stamp = status.timestamp_validity
    assert stamp is not None, "the signature has no RFC 3161 time-stamp token"
    assert stamp.intact
    assert stamp.valid
    assert stamp.trusted
    assert stamp.signing_cert.dump() == tsa_certificate.dump()  # the gateway's own TSA
    # It stamps the issue: not before the document was issued, not after now (gateway time).
    issued_at = dt.datetime.fromisoformat(document["issued_at"])
    now = portal.app.state.runtime.clock.now()
    assert issued_at - dt.timedelta(seconds=1) <= stamp.timestamp <= now
