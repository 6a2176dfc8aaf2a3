"""The bank's webhook signatures (the mock bank's contract): what is accepted, and each way a
webhook is refused, with its code."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.signatures import (
    HEADER_KEY_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SignatureRefused,
    sign,
    signed_headers,
    verify,
)

SECRET = "s3cr3t-webhook-key-0123456789abcdefghijklmno"
NEW_SECRET = "another-webhook-key-0123456789abcdefghijklm"
KEYS = {"k1": SECRET}
NOW = 1_796_526_245
BODY = (
    b'{"event_id": "EV0001", "type": "payment.succeeded", "txn_id": "MB20261206000123", '
    b'"amount_satang": 50500}'
)


def refused(
    headers: dict[str, str],
    body: bytes = BODY,
    now: int = NOW,
    keys: dict[str, str] = KEYS,
    tolerance: int = 300,
) -> str:
    with pytest.raises(SignatureRefused) as caught:
        verify(headers, body, keys, now, tolerance)
    return caught.value.code


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # Computed here from the contract's words, not with the module's own helper.
    digest = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"v1={digest}"
    assert signed_headers("k1", SECRET, NOW, BODY) == {
        "X-Bank-Key-Id": "k1",
        "X-Bank-Timestamp": str(NOW),
        "X-Bank-Signature": f"v1={digest}",
    }


def test_a_signed_webhook_is_accepted_with_its_key_id() -> None:
    assert verify(signed_headers("k1", SECRET, NOW, BODY), BODY, KEYS, NOW) == "k1"


def test_header_names_are_case_insensitive() -> None:
    headers = {
        name.lower(): value for name, value in signed_headers("k1", SECRET, NOW, BODY).items()
    }
    assert verify(headers, BODY, KEYS, NOW) == "k1"


def test_an_empty_body_can_be_signed() -> None:
    assert verify(signed_headers("k1", SECRET, NOW, b""), b"", KEYS, NOW) == "k1"


def test_key_rotation_accepts_either_key_by_its_id() -> None:
    keys = {"k1": SECRET, "k2": NEW_SECRET}
    assert verify(signed_headers("k1", SECRET, NOW, BODY), BODY, keys, NOW) == "k1"
    assert verify(signed_headers("k2", NEW_SECRET, NOW, BODY), BODY, keys, NOW) == "k2"
    # The key ID picks the secret: signed with k2's secret but naming k1 is not the bank.
    assert refused(signed_headers("k1", NEW_SECRET, NOW, BODY), keys=keys) == "signature_invalid"


def test_a_retired_key_is_unknown() -> None:
    headers = signed_headers("k0", "retired-secret", NOW, BODY)
    assert refused(headers) == "unknown_key"


@pytest.mark.parametrize("missing", [HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE])
def test_each_header_is_required(missing: str) -> None:
    headers = signed_headers("k1", SECRET, NOW, BODY)
    del headers[missing]
    assert refused(headers) == "signature_missing"
    assert refused({**headers, missing: ""}) == "signature_missing"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (HEADER_TIMESTAMP, "1796526245.5"),
        (HEADER_TIMESTAMP, "-1796526245"),
        (HEADER_TIMESTAMP, "2026-12-06T03:04:05Z"),
        (HEADER_TIMESTAMP, "1" * 13),
        (HEADER_TIMESTAMP, "๑๗๙๖๕๒๖๒๔๕"),  # Thai digits are digits to str.isdigit, not here
        (HEADER_SIGNATURE, "v2=" + "0" * 64),
        (HEADER_SIGNATURE, "v1=" + "0" * 63),
        (HEADER_SIGNATURE, "v1=" + "g" * 64),
        (HEADER_SIGNATURE, "0" * 64),
        (HEADER_KEY_ID, "k 1"),
        (HEADER_KEY_ID, "k" * 65),
    ],
)
def test_malformed_headers_are_refused(header: str, value: str) -> None:
    headers = {**signed_headers("k1", SECRET, NOW, BODY), header: value}
    assert refused(headers) == "signature_malformed"


def test_a_header_sent_twice_with_different_values_is_refused() -> None:
    class Repeated(dict[str, str]):
        """Like Starlette's Headers: items() lists every line, names in lower case."""

        def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
            return [*super().items(), ("x-bank-key-id", "k2")]

    headers = Repeated(
        {name.lower(): value for name, value in signed_headers("k1", SECRET, NOW, BODY).items()}
    )
    assert refused(headers) == "signature_malformed"


def test_upper_case_hex_is_the_same_signature() -> None:
    headers = signed_headers("k1", SECRET, NOW, BODY)
    headers[HEADER_SIGNATURE] = "v1=" + headers[HEADER_SIGNATURE][3:].upper()
    assert verify(headers, BODY, KEYS, NOW) == "k1"


def test_freshness_is_plus_or_minus_the_tolerance_inclusive() -> None:
    for sent_at in (NOW - 300, NOW + 300):
        assert verify(signed_headers("k1", SECRET, sent_at, BODY), BODY, KEYS, NOW) == "k1"
    for sent_at in (NOW - 301, NOW + 301):
        assert refused(signed_headers("k1", SECRET, sent_at, BODY)) == "signature_stale"
    late = signed_headers("k1", SECRET, NOW - 100, BODY)
    assert refused(late, tolerance=60) == "signature_stale"


def test_a_stale_and_forged_webhook_is_called_invalid_not_stale() -> None:
    # Only a genuine message learns that it came late.
    headers = signed_headers("k1", "not-the-secret", NOW - 3600, BODY)
    assert refused(headers) == "signature_invalid"


@given(st.binary(max_size=300), st.data())
def test_any_single_byte_changed_in_the_body_is_invalid(body: bytes, data: st.DataObject) -> None:
    headers = signed_headers("k1", SECRET, NOW, body)
    assert verify(headers, body, KEYS, NOW) == "k1"
    if body:
        at = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
        byte = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != body[at]))
        changed = body[:at] + bytes([byte]) + body[at + 1 :]
    else:
        changed = data.draw(st.binary(min_size=1, max_size=1))
    assert refused(headers, body=changed) == "signature_invalid"


@given(st.data())
def test_any_single_digit_changed_in_the_timestamp_is_invalid(data: st.DataObject) -> None:
    headers = signed_headers("k1", SECRET, NOW, BODY)
    stamp = headers[HEADER_TIMESTAMP]
    at = data.draw(st.integers(min_value=0, max_value=len(stamp) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != stamp[at]))
    headers[HEADER_TIMESTAMP] = stamp[:at] + digit + stamp[at + 1 :]
    # Even a change that keeps the time fresh (the last digits) breaks the signature.
    assert refused(headers, now=int(headers[HEADER_TIMESTAMP])) == "signature_invalid"


def test_a_leading_zero_added_to_the_timestamp_is_invalid() -> None:
    headers = signed_headers("k1", SECRET, NOW, BODY)
    headers[HEADER_TIMESTAMP] = "0" + headers[HEADER_TIMESTAMP]
    assert refused(headers) == "signature_invalid"
