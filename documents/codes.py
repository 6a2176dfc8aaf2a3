"""Verification codes and share tokens: unguessable, short enough to type. Pure: no I/O.

A verification code is 20 characters of Crockford base32 (100 random bits) grouped by dashes:
`7KQ2-M9XD-3HPA-VW6T-R8NB`. Nobody can find a document by guessing: at a million guesses a
second, finding one of a billion issued documents takes about 40,000 years on average. The
verification page is rate-limited per client as well.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_GROUP = 4
_LENGTH = 20
CODE_PATTERN = r"^[0-9A-Za-z-]{20,32}$"
_CONFUSED = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def new_code() -> str:
    """A fresh verification code (100 random bits)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + _GROUP] for i in range(0, _LENGTH, _GROUP))


def normalize_code(text: str) -> str | None:
    """A code as typed (any case, dashes or none, I/L/O mistyped) in its canonical form, or None
    when it cannot be one."""
    raw = re.sub(r"[\s-]", "", text).upper().translate(_CONFUSED)
    if len(raw) != _LENGTH or any(char not in _ALPHABET for char in raw):
        return None
    return "-".join(raw[i : i + _GROUP] for i in range(0, _LENGTH, _GROUP))


def new_share_token() -> str:
    """The secret in a share link (256 bits, URL-safe); only its hash is stored."""
    return secrets.token_urlsafe(32)
