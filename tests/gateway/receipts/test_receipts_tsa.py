"""R-10.4, RFC 3161: the gateway's time-stamp tokens are accepted by OpenSSL, an outside
verifier, and refused by it when anything is changed; bad queries get RFC 3161 rejections."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings
from hypothesis import strategies as st
from receipts_support import FIXED_INSTANT, FixedClock, Runner

from gateway.receipts.tsa import (
    CA_FILE,
    POLICY_OID,
    TSA_CERT_FILE,
    TSA_KEY_FILE,
    TimestampAuthority,
    TimestampAuthorityError,
    token_from_response,
    token_info,
)

DATA = "ใบรับคำขอ R-2569-000042".encode()
DIGEST = hashlib.sha256(DATA).digest()


class _AnyResp(core.Sequence):  # type: ignore[misc]
    """TimeStampResp as RFC 3161 §2.4.2 has it (asn1crypto's wrongly requires the token)."""

    _fields = [  # noqa: RUF012
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", core.Any, {"optional": True}),
    ]


def _status(resp: bytes) -> tuple[str, set[str] | None]:
    status = _AnyResp.load(resp, strict=True)["status"]
    return status["status"].native, status["fail_info"].native


def _query(**fields: object) -> bytes:
    request = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": DIGEST},
        **fields,
    }
    der: bytes = tsp.TimeStampReq(request).dump()
    return der


def _verify_digest(
    openssl: Runner, tsa_dir: Path, resp: bytes, tmp_path: Path, digest: bytes = DIGEST
) -> tuple[int, str]:
    (tmp_path / "resp.tsr").write_bytes(resp)
    result = openssl(
        "ts", "-verify", "-digest", digest.hex(), "-in", tmp_path / "resp.tsr",
        "-CAfile", tsa_dir / CA_FILE, "-untrusted", tsa_dir / TSA_CERT_FILE,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_openssl_verifies_a_token(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path, tmp_path: Path
) -> None:
    code, output = _verify_digest(openssl, tsa_dir, authority.timestamp(DIGEST), tmp_path)
    assert code == 0, output
    assert "Verification: OK" in output


def test_openssl_refuses_a_token_for_another_digest(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path, tmp_path: Path
) -> None:
    other = hashlib.sha256(DATA + b" (amended)").digest()
    code, output = _verify_digest(openssl, tsa_dir, authority.timestamp(DIGEST), tmp_path, other)
    assert code != 0
    assert "Verification: FAILED" in output
    assert "message imprint mismatch" in output


def test_openssl_refuses_a_token_whose_time_was_changed(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path, tmp_path: Path
) -> None:
    resp = authority.timestamp(DIGEST)
    stamped = f"{FIXED_INSTANT:%Y%m%d%H%M%S}".encode()
    assert resp.count(stamped) == 1
    backdated = resp.replace(stamped, f"{FIXED_INSTANT.year - 1}".encode() + stamped[4:])
    code, output = _verify_digest(openssl, tsa_dir, backdated, tmp_path)
    assert code != 0
    assert "Verification: FAILED" in output


def test_openssl_refuses_a_token_under_another_ca(
    openssl: Runner, authority: TimestampAuthority, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger"
    TimestampAuthority.load_or_create(stranger, production=False, clock=FixedClock())
    (tmp_path / "resp.tsr").write_bytes(authority.timestamp(DIGEST))
    result = openssl(
        "ts", "-verify", "-digest", DIGEST.hex(), "-in", tmp_path / "resp.tsr",
        "-CAfile", stranger / CA_FILE,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Verification: FAILED" in result.stdout + result.stderr


def test_openssl_shows_the_policy_the_time_and_the_nonce(
    openssl: Runner, authority: TimestampAuthority, tmp_path: Path
) -> None:
    (tmp_path / "resp.tsr").write_bytes(authority.timestamp(DIGEST, nonce=0xC0FFEE))
    result = openssl("ts", "-reply", "-in", tmp_path / "resp.tsr", "-text")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Status: Granted." in text
    assert f"Policy OID: {POLICY_OID}" in text
    assert "Time stamp: Mar 14 09:26:53.589793 2026 GMT" in text
    assert "Nonce: 0xC0FFEE" in text
    assert "Hash Algorithm: sha256" in text
    assert "CN=Citizen Gateway Development TSA" in text


def test_openssl_query_is_answered_and_verifies_against_the_query(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(DATA)
    made = openssl(
        "ts", "-query", "-data", tmp_path / "data", "-sha256", "-cert", "-out", tmp_path / "q.tsq"
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    resp = authority.handle_request((tmp_path / "q.tsq").read_bytes())
    (tmp_path / "resp.tsr").write_bytes(resp)
    # No -untrusted: the query asked for the certificate, so the token must carry it. The
    # query's nonce and imprint are checked too.
    result = openssl(
        "ts", "-verify", "-queryfile", tmp_path / "q.tsq", "-in", tmp_path / "resp.tsr",
        "-CAfile", tsa_dir / CA_FILE,
    )  # fmt: skip
    assert "Verification: OK" in result.stdout, result.stdout + result.stderr
    data = openssl(
        "ts", "-verify", "-data", tmp_path / "data", "-in", tmp_path / "resp.tsr",
        "-CAfile", tsa_dir / CA_FILE,
    )  # fmt: skip
    assert "Verification: OK" in data.stdout, data.stdout + data.stderr


def test_the_token_alone_verifies(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path, tmp_path: Path
) -> None:
    """What a receipt keeps is the token (ContentInfo), not the whole response."""
    (tmp_path / "token.der").write_bytes(token_from_response(authority.timestamp(DIGEST)))
    result = openssl(
        "ts", "-verify", "-digest", DIGEST.hex(), "-token_in", "-in", tmp_path / "token.der",
        "-CAfile", tsa_dir / CA_FILE,
    )  # fmt: skip
    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


def test_a_sha1_query_made_by_openssl_is_rejected(
    openssl: Runner, authority: TimestampAuthority, tmp_path: Path
) -> None:
    (tmp_path / "data").write_bytes(DATA)
    made = openssl("ts", "-query", "-data", tmp_path / "data", "-sha1", "-out", tmp_path / "q.tsq")
    assert made.returncode == 0, made.stderr
    resp = authority.handle_request((tmp_path / "q.tsq").read_bytes())
    assert _status(resp) == ("rejection", {"bad_alg"})
    (tmp_path / "resp.tsr").write_bytes(resp)
    shown = openssl("ts", "-reply", "-in", tmp_path / "resp.tsr", "-text").stdout
    assert "Status: Rejected." in shown
    assert "unrecognized or unsupported algorithm identifier" in shown
    with pytest.raises(ValueError, match="refused"):
        token_info(resp)


def test_the_certificates_are_what_rfc_3161_asks_for(
    openssl: Runner, authority: TimestampAuthority, tsa_dir: Path
) -> None:
    chain = openssl(
        "verify", "-purpose", "timestampsign", "-CAfile", tsa_dir / CA_FILE,
        tsa_dir / TSA_CERT_FILE,
    )  # fmt: skip
    assert chain.returncode == 0, chain.stdout + chain.stderr
    tsa = x509.load_pem_x509_certificate((tsa_dir / TSA_CERT_FILE).read_bytes())
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    usage = tsa.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    ca = x509.load_pem_x509_certificate((tsa_dir / CA_FILE).read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.not_valid_before_utc <= dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert ca.not_valid_after_utc >= dt.datetime(2099, 12, 31, tzinfo=dt.UTC)
    assert tsa.not_valid_after_utc >= dt.datetime(2099, 12, 31, tzinfo=dt.UTC)
    assert authority.certificate_chain_pem == (
        (tsa_dir / TSA_CERT_FILE).read_text() + (tsa_dir / CA_FILE).read_text()
    )


def test_an_rsa_tsa_verifies_too(openssl: Runner, tmp_path: Path) -> None:
    directory = tmp_path / "rsa"
    authority = TimestampAuthority.load_or_create(
        directory, production=False, clock=FixedClock(), key_type="rsa-2048"
    )
    code, output = _verify_digest(openssl, directory, authority.timestamp(DIGEST), tmp_path)
    assert "Verification: OK" in output, output
    assert code == 0


def test_token_info_reads_back_what_was_stamped(
    authority: TimestampAuthority, clock: FixedClock
) -> None:
    clock.instant = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)  # simulated time is stamped
    info = token_info(authority.timestamp(DIGEST, nonce=7))
    assert info.gen_time == clock.instant
    assert info.message_digest_hex == DIGEST.hex()
    assert info.policy == POLICY_OID
    assert info.nonce == 7
    assert 0 < info.serial < 2**160  # RFC 3161 §2.4.2


def test_serial_numbers_are_unique(authority: TimestampAuthority) -> None:
    serials = {token_info(authority.timestamp(DIGEST)).serial for _ in range(500)}
    assert len(serials) == 500


def test_tokens_are_der_and_carry_the_ess_certificate_only_on_request(
    authority: TimestampAuthority, tsa_dir: Path
) -> None:
    tsa_certificate = x509.load_pem_x509_certificate((tsa_dir / TSA_CERT_FILE).read_bytes())
    tsa_der = tsa_certificate.public_bytes(Encoding.DER)
    for cert_req in (True, False):
        resp = authority.timestamp(DIGEST, nonce=-5, cert_req=cert_req)
        parsed = tsp.TimeStampResp.load(resp, strict=True)
        assert parsed.dump(force=True) == resp  # re-encoding changes nothing: it is DER
        signed_data = parsed["time_stamp_token"]["content"]
        assert signed_data["version"].native == "v3"
        certificates = signed_data["certificates"]
        if cert_req:
            assert [c.chosen.dump() for c in certificates] == [tsa_der]
        else:
            assert not certificates
        signer = signed_data["signer_infos"][0]
        assert signer["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
        attributes = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
        assert attributes["content_type"].native == "tst_info"
        tst_info = signed_data["encap_content_info"]["content"].contents
        assert attributes["message_digest"].native == hashlib.sha256(tst_info).digest()
        ess = attributes["signing_certificate_v2"]["certs"][0]
        assert ess["cert_hash"].native == hashlib.sha256(tsa_der).digest()
        assert token_info(resp).nonce == -5


def test_a_query_asking_for_another_policy_is_rejected(authority: TimestampAuthority) -> None:
    resp = authority.handle_request(_query(req_policy="1.2.3.4"))
    assert _status(resp) == ("rejection", {"unaccepted_policy"})


def test_a_query_naming_our_policy_is_granted(authority: TimestampAuthority) -> None:
    resp = authority.handle_request(_query(req_policy=POLICY_OID, nonce=99))
    assert _status(resp) == ("granted", None)
    assert token_info(resp).nonce == 99


def test_a_query_with_extensions_is_rejected(authority: TimestampAuthority) -> None:
    extension = {"extn_id": "1.2.3.4", "critical": False, "extn_value": b"\x05\x00"}
    resp = authority.handle_request(_query(extensions=[extension]))
    assert _status(resp) == ("rejection", {"unaccepted_extensions"})


def test_a_query_with_a_short_digest_is_rejected(authority: TimestampAuthority) -> None:
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": DIGEST[:20],
            },
        }
    )
    assert _status(authority.handle_request(request.dump())) == (
        "rejection",
        {"bad_data_format"},
    )


def test_a_version_2_query_is_rejected(authority: TimestampAuthority) -> None:
    assert _status(authority.handle_request(_query(version="v2"))) == (
        "rejection",
        {"bad_request"},
    )


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x30", b"\x30\x03\x02\x01\x01", _query() + b"\x00", b"\xff" * 40, _query()[:-3]],
    ids=["empty", "bare-tag", "version-only", "trailing-byte", "noise", "truncated"],
)
def test_malformed_queries_get_a_bad_data_format_rejection(
    authority: TimestampAuthority, garbage: bytes
) -> None:
    assert _status(authority.handle_request(garbage)) == ("rejection", {"bad_data_format"})


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=200))
def test_any_bytes_get_an_rfc_3161_answer(tsa_dir: Path, garbage: bytes) -> None:
    authority = TimestampAuthority.load_or_create(tsa_dir, production=True, clock=FixedClock())
    status, _ = _status(authority.handle_request(garbage))
    assert status == "rejection"


def test_no_token_outside_the_certificate_validity(
    authority: TimestampAuthority, clock: FixedClock
) -> None:
    clock.instant = dt.datetime(2150, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(TimestampAuthorityError, match="validity"):
        authority.timestamp(DIGEST)
    assert _status(authority.handle_request(_query())) == ("rejection", {"time_not_available"})


def test_a_digest_that_is_not_sha256_is_refused(authority: TimestampAuthority) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        authority.timestamp(hashlib.sha1(DATA).digest())  # noqa: S324


def test_files_are_private_and_kept(tsa_dir: Path, clock: FixedClock) -> None:
    assert stat.S_IMODE(tsa_dir.stat().st_mode) == 0o700
    for name in (CA_FILE, TSA_CERT_FILE, TSA_KEY_FILE):
        assert stat.S_IMODE((tsa_dir / name).stat().st_mode) == 0o600
    before = (tsa_dir / TSA_CERT_FILE).read_bytes()
    again = TimestampAuthority.load_or_create(tsa_dir, production=False, clock=clock)
    assert again.certificate_pem.encode() == before


def test_production_never_generates(tmp_path: Path, clock: FixedClock) -> None:
    with pytest.raises(TimestampAuthorityError, match="production never generates"):
        TimestampAuthority.load_or_create(tmp_path / "tsa", production=True, clock=clock)
    assert not (tmp_path / "tsa").exists()


def test_a_half_provisioned_directory_is_an_error_not_a_new_ca(
    tsa_dir: Path, tmp_path: Path, clock: FixedClock
) -> None:
    directory = tmp_path / "tsa"
    directory.mkdir()
    (directory / CA_FILE).write_bytes((tsa_dir / CA_FILE).read_bytes())
    with pytest.raises(TimestampAuthorityError, match=TSA_KEY_FILE):
        TimestampAuthority.load_or_create(directory, production=False, clock=clock)


def test_a_key_that_does_not_match_the_certificate_is_refused(
    tsa_dir: Path, tmp_path: Path, clock: FixedClock
) -> None:
    other = tmp_path / "other"
    TimestampAuthority.load_or_create(other, production=False, clock=clock)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in (CA_FILE, TSA_CERT_FILE):
        (mixed / name).write_bytes((tsa_dir / name).read_bytes())
    (mixed / TSA_KEY_FILE).write_bytes((other / TSA_KEY_FILE).read_bytes())
    with pytest.raises(TimestampAuthorityError, match="does not belong"):
        TimestampAuthority.load_or_create(mixed, production=True, clock=clock)


def test_processes_starting_together_agree_on_one_tsa(tmp_path: Path, clock: FixedClock) -> None:
    directory = tmp_path / "tsa"
    directory.mkdir()  # an empty directory, as a deployment might pre-create
    results: list[str] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        authority = TimestampAuthority.load_or_create(directory, production=False, clock=clock)
        results.append(authority.certificate_pem)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len(set(results)) == 1
    assert sorted(os.listdir(tmp_path)) == ["tsa"]  # no staging directory left behind
