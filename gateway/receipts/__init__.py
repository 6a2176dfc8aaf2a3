"""The trust pieces of the legal receipt (R-10.4).

digest     what was submitted: a SHA-256 over canonical JSON a third party can recompute
signer     the gateway's signature: a compact JWS (ES256) under a key that stays published
tsa        when: the gateway's own RFC 3161 time-stamp authority (EC P-256)
endpoints  the TSA over HTTP (RFC 3161 §3.4) and the certificates and keys to verify with
"""

from gateway.receipts.digest import AttachmentDigest, canonical_json, submission_digest
from gateway.receipts.signer import ReceiptSigner, ReceiptSignerError
from gateway.receipts.tsa import TimestampAuthority, TimestampAuthorityError, TokenInfo, token_info

__all__ = [
    "AttachmentDigest",
    "ReceiptSigner",
    "ReceiptSignerError",
    "TimestampAuthority",
    "TimestampAuthorityError",
    "TokenInfo",
    "canonical_json",
    "submission_digest",
    "token_info",
]
