"""The trust endpoints over HTTP (R-10.4, RFC 3161 §3.4): a client with only these URLs and
OpenSSL can get and check a token; wrong input gets the gateway's problem+json."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from asn1crypto import tsp
from cryptography import x509
from fastapi import FastAPI
from receipts_support import Runner

from gateway.errors import install_error_handlers
from gateway.receipts.endpoints import MAX_QUERY_BYTES, router
from gateway.receipts.signer import ReceiptSigner
from gateway.receipts.tsa import TSA_CERT_FILE, TimestampAuthority, token_info

QUERY = "application/timestamp-query"
PROBLEM_FIELDS = ("type", "title", "status", "detail", "code", "instance")
DATA = b"an application form"


def _query(digest: bytes) -> bytes:
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": 123456789,
            "cert_req": True,
        }
    )
    der: bytes = request.dump()
    return der


def assert_problem(r: httpx.Response, status: int, code: str) -> None:
    """An RFC 9457 problem with this status and code (as tests/support.py checks it)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert all(body.get(field) for field in PROBLEM_FIELDS), body
    assert (body["status"], body["code"]) == (status, code)


@pytest.fixture
def signer(tmp_path: Path) -> ReceiptSigner:
    return ReceiptSigner.load_or_create(tmp_path / "receipt", production=False)


@pytest.fixture
async def client(
    authority: TimestampAuthority, signer: ReceiptSigner
) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.tsa = authority
    app.state.receipt_signer = signer
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


async def test_a_query_is_answered_with_a_token(client: httpx.AsyncClient) -> None:
    digest = hashlib.sha256(DATA).digest()
    r = await client.post("/v1/trust/tsa", content=_query(digest), headers={"content-type": QUERY})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/timestamp-reply"
    assert r.headers["cache-control"] == "no-store"
    info = token_info(r.content)
    assert info.message_digest_hex == digest.hex()
    assert info.nonce == 123456789


async def test_openssl_verifies_a_token_fetched_over_http(
    client: httpx.AsyncClient, openssl: Runner, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(DATA)
    made = openssl(
        "ts", "-query", "-data", tmp_path / "data", "-sha256", "-cert", "-out", tmp_path / "q.tsq"
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    r = await client.post(
        "/v1/trust/tsa", content=(tmp_path / "q.tsq").read_bytes(), headers={"content-type": QUERY}
    )
    assert r.status_code == 200
    (tmp_path / "r.tsr").write_bytes(r.content)
    ca = await client.get("/v1/trust/ca.pem")
    assert ca.status_code == 200
    (tmp_path / "ca.pem").write_bytes(ca.content)
    result = openssl(
        "ts", "-verify", "-queryfile", tmp_path / "q.tsq", "-in", tmp_path / "r.tsr",
        "-CAfile", tmp_path / "ca.pem",
    )  # fmt: skip
    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


async def test_a_refused_query_is_still_an_rfc_3161_reply(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/trust/tsa", content=b"not DER", headers={"content-type": QUERY})
    assert r.status_code == 200  # RFC 3161 §2.4.2: the refusal is in the reply's status
    assert r.headers["content-type"] == "application/timestamp-reply"
    with pytest.raises(ValueError, match="rejection"):
        token_info(r.content)


async def test_the_wrong_content_type_is_a_problem(client: httpx.AsyncClient) -> None:
    digest = hashlib.sha256(DATA).digest()
    r = await client.post(
        "/v1/trust/tsa", content=_query(digest), headers={"content-type": "application/json"}
    )
    assert_problem(r, 415, "unsupported_media_type")


async def test_a_body_larger_than_a_query_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/trust/tsa", content=b"\x30" * (MAX_QUERY_BYTES + 1), headers={"content-type": QUERY}
    )
    assert_problem(r, 413, "payload_too_large")


async def test_a_body_without_length_is_capped_too(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"\x30" * (MAX_QUERY_BYTES // 4)

    r = await client.post("/v1/trust/tsa", content=chunks(), headers={"content-type": QUERY})
    assert "content-length" not in r.request.headers
    assert_problem(r, 413, "payload_too_large")


async def test_the_certificate_chain_is_the_tsa_then_the_ca(
    client: httpx.AsyncClient, authority: TimestampAuthority, tsa_dir: Path
) -> None:
    r = await client.get("/v1/trust/tsa.pem")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/pem-certificate-chain")
    chain = x509.load_pem_x509_certificates(r.content)
    assert len(chain) == 2
    tsa = x509.load_pem_x509_certificate((tsa_dir / TSA_CERT_FILE).read_bytes())
    assert chain[0] == tsa
    tsa.verify_directly_issued_by(chain[1])
    ca = await client.get("/v1/trust/ca.pem")
    assert x509.load_pem_x509_certificates(ca.content) == [chain[1]]


async def test_the_receipt_keys_verify_a_receipt(
    client: httpx.AsyncClient, signer: ReceiptSigner
) -> None:
    r = await client.get("/v1/trust/receipt-keys")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/jwk-set+json")
    keys = {jwk["kid"]: jwk for jwk in r.json()["keys"]}
    receipt = signer.sign({"receipt_number": "R-1"})
    kid = jwt.get_unverified_header(receipt)["kid"]
    assert jwt.decode(receipt, jwt.PyJWK(keys[kid]), algorithms=["ES256"]) == {
        "receipt_number": "R-1"
    }
    assert all("d" not in jwk for jwk in keys.values())
