"""R-10.4: the receipt JWS verifies with an independent JOSE library (PyJWT) against the
published key, a tampered receipt does not, and the key survives restarts."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.receipts.signer import SIGNING_KEY_FILE, ReceiptSigner, ReceiptSignerError

CLAIMS = {
    "receipt_number": "R-2569-000042",
    "agency": "กรมการปกครอง",
    "received_at": "2026-03-14T09:26:53Z",
    "digest": hashlib.sha256(b"submission").hexdigest(),
}


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@pytest.fixture
def signer(tmp_path: Path) -> ReceiptSigner:
    return ReceiptSigner.load_or_create(tmp_path / "receipt", production=False)


def test_pyjwt_verifies_a_receipt_against_the_published_key(signer: ReceiptSigner) -> None:
    token = signer.sign(CLAIMS)
    key = jwt.PyJWK(signer.public_jwk)
    assert jwt.decode(token, key, algorithms=["ES256"]) == CLAIMS
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": signer.kid, "typ": "receipt+jws"}


def test_the_payload_is_the_canonical_json_of_the_claims(signer: ReceiptSigner) -> None:
    payload = _b64(signer.sign(CLAIMS).split(".")[1])
    assert payload == json.dumps(
        CLAIMS, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def test_a_tampered_receipt_fails(signer: ReceiptSigner) -> None:
    header, _, signature = signer.sign(CLAIMS).split(".")
    forged_claims = {**CLAIMS, "received_at": "2026-03-13T09:26:53Z"}  # a day earlier
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
    forged = f"{header}.{forged_payload.decode()}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, jwt.PyJWK(signer.public_jwk), algorithms=["ES256"])


def test_another_key_does_not_verify(signer: ReceiptSigner, tmp_path: Path) -> None:
    other = ReceiptSigner.load_or_create(tmp_path / "other", production=False)
    assert other.kid != signer.kid
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(signer.sign(CLAIMS), jwt.PyJWK(other.public_jwk), algorithms=["ES256"])


def test_the_published_jwk_is_an_es256_signing_key_named_by_its_rfc7638_thumbprint(
    signer: ReceiptSigner,
) -> None:
    jwk = signer.public_jwk
    assert {k: jwk[k] for k in ("kty", "crv", "use", "alg")} == {
        "kty": "EC",
        "crv": "P-256",
        "use": "sig",
        "alg": "ES256",
    }
    assert "d" not in jwk
    required = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    expected = base64.urlsafe_b64encode(hashlib.sha256(required.encode()).digest()).rstrip(b"=")
    assert jwk["kid"] == signer.kid == expected.decode()


def test_the_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    directory = tmp_path / "receipt"
    first = ReceiptSigner.load_or_create(directory, production=False)
    path = directory / SIGNING_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    again = ReceiptSigner.load_or_create(directory, production=True)
    assert again.kid == first.kid
    token = first.sign(CLAIMS)
    assert jwt.decode(token, jwt.PyJWK(again.public_jwk), algorithms=["ES256"]) == CLAIMS


def test_production_never_generates_a_key(tmp_path: Path) -> None:
    with pytest.raises(ReceiptSignerError, match="production never generates"):
        ReceiptSigner.load_or_create(tmp_path / "receipt", production=True)
    assert not (tmp_path / "receipt" / SIGNING_KEY_FILE).exists()


def test_a_key_on_another_curve_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "receipt"
    directory.mkdir()
    key = ec.generate_private_key(ec.SECP384R1())
    (directory / SIGNING_KEY_FILE).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ReceiptSignerError, match="P-256"):
        ReceiptSigner.load_or_create(directory, production=True)


def test_a_replaced_key_stays_published_so_old_receipts_still_verify(tmp_path: Path) -> None:
    directory = tmp_path / "receipt"
    old = ReceiptSigner.load_or_create(directory, production=False)
    old_receipt = old.sign(CLAIMS)
    # The operator's procedure (module docstring): keep the public half, then replace the key.
    public = serialization.load_pem_private_key(
        (directory / SIGNING_KEY_FILE).read_bytes(), password=None
    ).public_key()
    (directory / f"retired-es256-{old.kid}.pub.pem").write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    (directory / SIGNING_KEY_FILE).unlink()
    new = ReceiptSigner.load_or_create(directory, production=False)
    assert new.kid != old.kid
    published = {jwk["kid"]: jwk for jwk in new.jwks()["keys"]}
    assert list(published) == [new.kid, old.kid]
    header = jwt.get_unverified_header(old_receipt)
    key = jwt.PyJWK(published[header["kid"]])
    assert jwt.decode(old_receipt, key, algorithms=["ES256"]) == CLAIMS


def test_a_retired_key_file_named_for_another_key_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "receipt"
    ReceiptSigner.load_or_create(directory, production=False)
    stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
    (directory / f"retired-es256-{'A' * 43}.pub.pem").write_bytes(
        stranger.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(ReceiptSignerError, match="thumbprint"):
        ReceiptSigner.load_or_create(directory, production=True)
