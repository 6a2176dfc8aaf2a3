"""Citizen PII at rest: AES-256-GCM encryption, and a keyed blind index for look-ups.

The national ID, names and birth date are stored only encrypted. To find a citizen by national
ID without decrypting every row, the database also keeps HMAC-SHA256(index key, ID): equal IDs
give equal indexes, and without the key the index reveals nothing (13-digit IDs are few enough
to enumerate, so an unkeyed hash would not protect them).

Each ciphertext names the key that made it (`k1:`), so keys can be rotated: new writes use the
current key, old rows stay readable until re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """The ciphertext was altered, belongs to another record, or its key is unknown."""


@dataclass(frozen=True)
class PIIVault:
    encryption_keys: dict[str, bytes]  # key id -> 32-byte AES key
    current_key_id: str
    index_key: bytes

    def __post_init__(self) -> None:
        if self.current_key_id not in self.encryption_keys:
            raise ValueError("the current key id has no key")
        if any(len(k) != 32 for k in self.encryption_keys.values()) or len(self.index_key) < 32:
            raise ValueError("keys must be 32 bytes")

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt, bound to `context` (e.g. "citizen:<id>:first_name_th") so a ciphertext
        copied into another row or column fails to decrypt instead of leaking there."""
        nonce = os.urandom(_NONCE_BYTES)
        key = self.encryption_keys[self.current_key_id]
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.current_key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        key_id, _, payload = token.partition(":")
        key = self.encryption_keys.get(key_id)
        if key is None:
            raise DecryptionFailed(f"unknown key {key_id!r}")
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
            plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError) as exc:
            raise DecryptionFailed("ciphertext does not verify") from exc
        return plain.decode()

    def blind_index(self, national_id: str) -> str:
        return hmac.new(self.index_key, national_id.encode(), hashlib.sha256).hexdigest()

    def redact(self, national_id: str) -> str:
        """How a national ID may appear in logs: its blind index, shortened."""
        return "pid#" + self.blind_index(national_id)[:12]
