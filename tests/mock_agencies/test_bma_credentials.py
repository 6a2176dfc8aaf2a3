"""The shared development credentials file (`agency-credentials.json`) and the signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mock_agencies.bma.portal import load_credentials, signature, signed_headers


def test_the_first_start_writes_every_agency_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path / "agencies"))
    monkeypatch.delenv("MOCK_BMA_CREDENTIALS", raising=False)
    monkeypatch.delenv("MOCK_DOP_CREDENTIALS", raising=False)
    bma = load_credentials("BMA")
    path = tmp_path / "agencies" / "agency-credentials.json"
    stored = json.loads(path.read_text())
    assert sorted(stored) == ["BMA", "CGD", "DLT", "DOP", "NHSO", "PEA", "PWA", "RD", "SSO"]
    for entry in stored.values():
        assert sorted(entry) == ["callback_secret", "consumer_key", "consumer_secret"]
        assert len(entry["consumer_secret"]) >= 32  # the gateway's minimum for a client secret
        assert 3 <= len(entry["consumer_key"]) <= 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored["BMA"]["consumer_key"] == bma.consumer_key
    assert stored["BMA"]["callback_secret"] == bma.callback_secret
    # a later start (and the other agency) reads the same file
    assert load_credentials("BMA") == bma
    assert load_credentials("DOP").consumer_key == stored["DOP"]["consumer_key"]
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind


def test_racing_starts_agree_on_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MOCK_DOP_CREDENTIALS", raising=False)
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda _: load_credentials("DOP"), range(16)))
    assert len(set(seen)) == 1


def test_an_environment_override_wins_and_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path))
    given = {"consumer_key": "k-123", "consumer_secret": "s" * 40, "callback_secret": "c" * 40}
    monkeypatch.setenv("MOCK_BMA_CREDENTIALS", json.dumps(given))
    assert load_credentials("BMA").consumer_key == "k-123"
    assert not (tmp_path / "agency-credentials.json").exists()
    monkeypatch.setenv("MOCK_BMA_CREDENTIALS", json.dumps({"consumer_key": "k"}))
    with pytest.raises(ValueError, match="callback_secret"):
        load_credentials("BMA")
    monkeypatch.setenv("MOCK_BMA_CREDENTIALS", "{nope")
    with pytest.raises(ValueError, match="not JSON"):
        load_credentials("BMA")


def test_a_broken_entry_of_the_agency_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCK_AGENCIES_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("MOCK_BMA_CREDENTIALS", raising=False)
    (tmp_path / "agency-credentials.json").write_text('{"DLT": {}, "BMA": {"consumer_key": "k"}}')
    with pytest.raises(ValueError, match="an entry for BMA without each of"):
        load_credentials("BMA")


def test_signed_headers_verify_with_an_independent_hmac() -> None:
    body = b'{"seq":1,"status":"received"}'
    headers = signed_headers("BMA", "the-secret", body, 1_776_300_000.9)
    assert headers["X-Agency"] == "BMA"
    assert headers["X-Timestamp"] == "1776300000"
    assert len(headers["X-Nonce"]) >= 16
    message = f"1776300000.{headers['X-Nonce']}.".encode() + body
    expected = hmac.new(b"the-secret", message, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == f"v1={expected}"
    assert signature("another", "1776300000", headers["X-Nonce"], body) != headers["X-Signature"]
    assert signed_headers("BMA", "the-secret", body, 0)["X-Nonce"] != headers["X-Nonce"]
