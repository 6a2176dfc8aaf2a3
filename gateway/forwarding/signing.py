"""Signed calls from agencies (callbacks, notification pushes): HMAC-SHA256 over the raw body
with a timestamp and a nonce (docs/agency-integration.md). Pure: no I/O.

    X-Agency: DLT
    X-Timestamp: 1763712000
    X-Nonce: 7hY2kQ...
    X-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<nonce>." + raw body)>
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

#: How far a signed call's timestamp may be from the gateway's (real) time.
FRESHNESS_SECONDS = 300
#: How long a nonce is remembered (longer than the freshness window, so a replay inside the
#: window is always caught).
NONCE_MEMORY_SECONDS = 600
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


class SignatureRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedHeaders:
    agency: str
    timestamp: int
    nonce: str
    signature: str  # the hex digest


def sign(secret: str, timestamp: int, nonce: str, body: bytes) -> str:
    """The `X-Signature` value for `body`."""
    message = f"{timestamp}.{nonce}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def parse_headers(
    agency: str | None, timestamp: str | None, nonce: str | None, signature: str | None
) -> SignedHeaders:
    """The signed-call headers, or a refusal naming what is missing or malformed."""
    if not agency or not timestamp or not nonce or not signature:
        raise SignatureRefused(
            "signature_missing", "X-Agency, X-Timestamp, X-Nonce and X-Signature are required."
        )
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureRefused("signature_malformed", "X-Timestamp is unix seconds.")
    if not _NONCE.match(nonce):
        raise SignatureRefused("signature_malformed", "X-Nonce is 16-128 URL-safe characters.")
    match = _SIGNATURE.match(signature)
    if match is None:
        raise SignatureRefused("signature_malformed", "X-Signature is v1=<64 hex digits>.")
    return SignedHeaders(agency, int(timestamp), nonce, match.group(1))


def check(headers: SignedHeaders, secret: str, body: bytes, now: float) -> None:
    """Refuse a wrong signature or a stale (or future) timestamp. The nonce's freshness is
    the caller's to check against what it remembers."""
    expected = sign(secret, headers.timestamp, headers.nonce, body)[3:]
    if not hmac.compare_digest(expected, headers.signature):
        raise SignatureRefused("signature_invalid", "The signature does not match the body.")
    if abs(now - headers.timestamp) > FRESHNESS_SECONDS:
        raise SignatureRefused(
            "signature_stale", f"The timestamp is more than {FRESHNESS_SECONDS} s from now."
        )
