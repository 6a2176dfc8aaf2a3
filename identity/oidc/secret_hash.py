"""Client secrets are kept only as scrypt hashes (RFC 7914), compared in constant time.

Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``, so the cost can be raised later
while old hashes keep verifying.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

_LOG2_N, _R, _P = 14, 8, 1  # 16 MiB of memory per hash: slow to brute force, fine per request
_SALT_BYTES, _HASH_BYTES = 16, 32
MIN_SECRET_CHARS = 32


def hash_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"a client secret has at least {MIN_SECRET_CHARS} characters")
    salt = os.urandom(_SALT_BYTES)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**_LOG2_N, r=_R, p=_P, dklen=_HASH_BYTES)
    encoded = [base64.b64encode(v).decode() for v in (salt, digest)]
    return "$".join(["scrypt", str(_LOG2_N), str(_R), str(_P), *encoded])


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, log2_n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            secret.encode(),
            salt=salt,
            n=2 ** int(log2_n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)
