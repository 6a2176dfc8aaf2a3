"""Signing keys: ES256 PEM files, published as a JWKS, rotated with a grace period."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import jwt
import pytest

from identity.oidc import InvalidToken, KeyStore, KeyStoreError, OIDCSettings, jws, provision
from identity.oidc.keys import thumbprint

from .oidc_harness import ISSUER, FakeClock, Harness, independently_verified


def make_store(directory: Path, clock: FakeClock, *, production: bool = False) -> KeyStore:
    return KeyStore(
        directory, clock=clock, grace_period=dt.timedelta(days=1), production=production
    )


async def test_a_token_signed_before_rotation_verifies_during_the_grace_period_only(
    oidc: Harness,
) -> None:
    before = (await oidc.tokens())["access_token"]
    old_kid = jwt.get_unverified_header(before)["kid"]
    old_key = oidc.provider.keys.current()
    # A long-lived token by the old key, to tell "key retired" apart from "token expired".
    claims = jwt.decode(before, options={"verify_signature": False})
    long_lived = jws.sign(
        {**claims, "exp": claims["exp"] + 7 * 86400}, old_key.private_key, kid=old_kid, typ="at+jwt"
    )

    oidc.clock.advance(seconds=1)
    new_kid = oidc.provider.rotate_keys()
    assert new_kid != old_kid
    published = [k["kid"] for k in (await oidc.jwks())["keys"]]
    assert published == [new_kid, old_kid]  # newest first
    await oidc.verify(before)
    independently_verified(before, await oidc.jwks(), audience=ISSUER, typ="at+jwt")
    after = (await oidc.tokens())["access_token"]
    assert jwt.get_unverified_header(after)["kid"] == new_kid

    oidc.clock.advance(hours=23, minutes=59)
    await oidc.verify(long_lived)
    oidc.clock.advance(minutes=1)  # the grace period is over: the old key leaves the JWKS
    assert [k["kid"] for k in (await oidc.jwks())["keys"]] == [new_kid]
    with pytest.raises(InvalidToken, match="not published"):
        await oidc.verify(long_lived)


def test_keys_are_private_pem_files_named_by_their_thumbprint(tmp_path: Path) -> None:
    store = make_store(tmp_path / "keys", FakeClock())
    store.rotate()
    files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert not [name for name in files if name.startswith(".")]  # no temporary file left over
    pems = [tmp_path / "keys" / name for name in files if name.endswith(".pem")]
    assert len(pems) == 2
    for path in pems:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    key = store.current()
    assert key.kid == thumbprint(key.public_key)
    assert key.kid in pems[-1].name
    jwk = store.jwks()["keys"][0]
    assert jwk == {**jwk, "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig"}
    assert "d" not in jwk  # never the private part


def test_another_process_finds_the_same_keys(tmp_path: Path) -> None:
    clock = FakeClock()
    first = make_store(tmp_path, clock)
    second = make_store(tmp_path, clock)
    assert first.current().kid == second.current().kid
    assert first.claims_key == second.claims_key
    new = first.rotate()
    second.reload()
    assert second.current().kid == new.kid


def test_production_never_generates_keys(tmp_path: Path) -> None:
    clock = FakeClock()
    with pytest.raises(KeyStoreError, match="production"):
        make_store(tmp_path / "empty", clock, production=True)
    assert not (tmp_path / "empty").exists()
    provision(tmp_path / "provisioned", clock)  # the operator's set-up step
    store = make_store(tmp_path / "provisioned", clock, production=True)
    assert len(store.jwks()["keys"]) == 1


def test_a_key_file_that_lies_about_its_kid_is_refused(tmp_path: Path) -> None:
    make_store(tmp_path, FakeClock())
    (pem,) = tmp_path.glob("es256-*.pem")
    pem.rename(pem.with_name(pem.name[:-47] + "A" * 43 + ".pem"))
    with pytest.raises(KeyStoreError, match="thumbprint"):
        make_store(tmp_path, FakeClock())


@pytest.mark.parametrize(
    ("issuer", "production"),
    [
        ("http://gateway.example", False),
        ("http://127.0.0.1:8000", True),
        ("https://gateway.example/", False),
        ("https://gateway.example?x=1", False),
        ("gateway.example", False),
    ],
)
def test_an_issuer_that_is_not_https_or_not_clean_is_refused(issuer: str, production: bool) -> None:
    with pytest.raises(ValueError, match="issuer"):
        OIDCSettings(issuer=issuer, production=production)


def test_development_may_use_a_loopback_http_issuer() -> None:
    assert OIDCSettings(issuer="http://127.0.0.1:8000").issuer == "http://127.0.0.1:8000"


def test_the_grace_period_must_outlast_an_access_token() -> None:
    with pytest.raises(ValueError, match="grace"):
        OIDCSettings(issuer=ISSUER, key_grace_period=dt.timedelta(minutes=5))
