"""The bank's webhook signatures (the mock bank's contract, "Webhooks"): the verifier the
gateway uses, and the signer its tests use. Pure: no I/O, the time is passed in.

    X-Bank-Key-Id: k1
    X-Bank-Timestamp: 1796526245                  (unix seconds)
    X-Bank-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

The key ID picks the secret, so the bank can rotate keys: the gateway holds the old and the
new secret for a while, and a webhook signed with either is accepted. A retried webhook is
signed again with a fresh timestamp, so a stale timestamp is refused outright. Replays inside
the freshness window are caught by the gateway's storage (the event ID), not here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

__all__ = [
    "HEADER_KEY_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "TOLERANCE_SECONDS",
    "SignatureRefused",
    "sign",
    "signed_headers",
    "verify",
]

HEADER_KEY_ID = "X-Bank-Key-Id"
HEADER_TIMESTAMP = "X-Bank-Timestamp"
HEADER_SIGNATURE = "X-Bank-Signature"
#: How far the signed timestamp may be from the gateway's (real) time, either way.
TOLERANCE_SECONDS = 300

_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v1=([0-9a-fA-F]{64})")


class SignatureRefused(Exception):
    """A webhook that is not the bank's. `code` is one of `signature_missing`,
    `signature_malformed`, `unknown_key`, `signature_stale`, `signature_invalid` (declared
    in kernel/problems.py, 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _mac(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Bank-Signature` value for `body` signed at `timestamp`."""
    return "v1=" + _mac(secret, str(timestamp), body)


def signed_headers(key_id: str, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers the bank sends with `body`."""
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(secret, timestamp, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """One header's value, whatever the case of its name: a plain dict and Starlette's
    `Headers` (whose items() has lower-case names, and each repeat) both work. A header sent
    twice with different values is refused: which one was signed would be a guess."""
    wanted = name.lower()
    values = {value for key, value in headers.items() if key.lower() == wanted}
    if len(values) > 1:
        raise SignatureRefused("signature_malformed", f"{name} is sent more than once.")
    return values.pop() if values else None


def verify(
    headers: Mapping[str, str],
    raw_body: bytes,
    keys: Mapping[str, str],
    now_unix: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """The key ID that signed this webhook; raises SignatureRefused otherwise.

    `keys` maps key IDs to secrets (more than one while a key is rotated); `raw_body` is the
    body exactly as received (the signature covers bytes, not parsed JSON); `now_unix` is the
    gateway's real time, not the simulated clock.
    """
    key_id = _header(headers, HEADER_KEY_ID)
    timestamp = _header(headers, HEADER_TIMESTAMP)
    signature = _header(headers, HEADER_SIGNATURE)
    if not key_id or not timestamp or not signature:
        raise SignatureRefused(
            "signature_missing",
            f"{HEADER_KEY_ID}, {HEADER_TIMESTAMP} and {HEADER_SIGNATURE} are required.",
        )
    if not _KEY_ID.fullmatch(key_id):
        raise SignatureRefused("signature_malformed", f"{HEADER_KEY_ID} is malformed.")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureRefused("signature_malformed", f"{HEADER_TIMESTAMP} is unix seconds.")
    match = _SIGNATURE.fullmatch(signature)
    if match is None:
        raise SignatureRefused("signature_malformed", f"{HEADER_SIGNATURE} is v1=<64 hex digits>.")
    secret = keys.get(key_id)
    if secret is None:
        raise SignatureRefused("unknown_key", f"No webhook key {key_id!r} is configured.")
    # The timestamp is MACed as it was sent (not re-formatted from an int), so that even a
    # leading zero added to it breaks the signature.
    expected = _mac(secret, timestamp, raw_body)
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise SignatureRefused("signature_invalid", "The signature does not match the body.")
    # Checked after the signature, so that only a genuine (but late) message is called stale.
    if abs(now_unix - int(timestamp)) > tolerance:
        raise SignatureRefused(
            "signature_stale", f"The timestamp is more than {tolerance} s from now."
        )
    return key_id
