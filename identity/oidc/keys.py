"""The provider's keys: ES256 (P-256) signing keys published as a JWKS, and the claims key.

Each signing key is one PEM file (PKCS#8, mode 0600) named after the moment it was made and its
`kid`, the RFC 7638 thumbprint of its public key:

    keys_dir/es256-20261121T060000000000Z-<kid>.pem

The newest key signs. An older key stays in the JWKS for `grace_period` after the key that
replaced it was made, so tokens it signed keep verifying until they expire; after that it is no
longer published and tokens it signed fail verification. `rotate()` makes a new current key.

Files are written whole to a private temporary file and then linked into place, so a process
never reads half a key and two processes racing on a fresh directory cannot overwrite each
other. Every process rescans the directory now and then, so a key another process (or an
operator) added is picked up without a restart.

In production nothing is generated on start-up: the keys must already exist (`provision`).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import itertools
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from identity.oidc.jws import ALGORITHM, b64url_encode
from kernel.clock import Clock

log = logging.getLogger("identity.oidc.keys")

_KEY_FILE = re.compile(r"^es256-(\d{8}T\d{12})Z-([A-Za-z0-9_-]{43})\.pem$")
_STAMP = "%Y%m%dT%H%M%S%f"
CLAIMS_KEY_FILE = "claims-key"
_CLAIMS_KEY_BYTES = 32
#: An unknown `kid` makes a process look for new key files at most this often.
_UNKNOWN_KID_RESCAN_SECONDS = 5.0


class KeyStoreError(RuntimeError):
    """The keys directory cannot give the provider usable keys."""


def _coordinate(value: int) -> str:
    return b64url_encode(value.to_bytes(32, "big"))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created_at: dt.datetime
    private_key: ec.EllipticCurvePrivateKey

    @functools.cached_property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """Derived once: every access token checked asks for it."""
        return self.private_key.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        return {
            **public_jwk_members(self.public_key),
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }


def public_jwk_members(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _coordinate(numbers.x), "y": _coordinate(numbers.y)}


def thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638: SHA-256 over the required members, in lexicographic order, without spaces."""
    members = public_jwk_members(public_key)
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


def write_private_file(path: Path, data: bytes) -> bool:
    """Write `data` to `path` (mode 0600) unless it exists; True if this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink()


def _new_key(directory: Path, now: dt.datetime) -> SigningKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    key = SigningKey(thumbprint(private_key.public_key()), now.astimezone(dt.UTC), private_key)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    name = f"es256-{key.created_at.strftime(_STAMP)}Z-{key.kid}.pem"
    write_private_file(directory / name, pem)
    log.info("new OIDC signing key", extra={"kid": key.kid})
    return key


def _load_key(path: Path) -> SigningKey | None:
    match = _KEY_FILE.match(path.name)
    if match is None:
        return None
    stamp, kid = match.groups()
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise KeyStoreError(f"{path} is not a P-256 private key")
    if thumbprint(private_key.public_key()) != kid:
        raise KeyStoreError(f"{path}: the file name does not match the key's thumbprint")
    created_at = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=dt.UTC)
    return SigningKey(kid, created_at, private_key)


def provision(directory: Path, clock: Clock) -> None:
    """Create a first signing key and the claims key where missing (an operator's set-up step;
    the only way keys come to exist in production)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not any(_KEY_FILE.match(p.name) for p in directory.iterdir()):
        _new_key(directory, clock.now())
    claims_key = directory / CLAIMS_KEY_FILE
    if not claims_key.exists():
        write_private_file(claims_key, base64.b64encode(os.urandom(_CLAIMS_KEY_BYTES)) + b"\n")


class KeyStore:
    def __init__(
        self,
        directory: Path,
        *,
        clock: Clock,
        grace_period: dt.timedelta,
        production: bool,
        rescan_interval: dt.timedelta = dt.timedelta(seconds=60),
    ) -> None:
        self.directory = directory
        self.clock = clock
        self.grace_period = grace_period
        self.rescan_interval = rescan_interval.total_seconds()
        if not production:
            provision(directory, clock)
        self._keys: list[SigningKey] = []
        self._scanned_at = 0.0
        self.reload()
        if not self._keys:
            raise KeyStoreError(
                f"no OIDC signing key in {directory}: production never generates keys; "
                "provision them first (identity.oidc.keys.provision)"
            )
        self.claims_key = self._load_claims_key()

    def _load_claims_key(self) -> bytes:
        path = self.directory / CLAIMS_KEY_FILE
        try:
            key = base64.b64decode(path.read_bytes().strip(), validate=True)
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"no usable OIDC claims key at {path}") from exc
        if len(key) != _CLAIMS_KEY_BYTES:
            raise KeyStoreError(f"{path} must hold {_CLAIMS_KEY_BYTES} base64-encoded bytes")
        return key

    def reload(self) -> None:
        """Read every key file again (another process or an operator may have added one)."""
        keys = []
        for path in sorted(self.directory.glob("es256-*.pem")):
            key = _load_key(path)
            if key is not None:
                keys.append(key)
        keys.sort(key=lambda k: (k.created_at, k.kid))
        self._keys = keys
        self._scanned_at = time.monotonic()

    def _rescan_if_stale(self, interval: float | None = None) -> None:
        if time.monotonic() - self._scanned_at >= (interval or self.rescan_interval):
            self.reload()

    def current(self) -> SigningKey:
        """The key that signs now: the newest."""
        self._rescan_if_stale()
        return self._keys[-1]

    def published(self) -> list[SigningKey]:
        """The current key and the older keys still within their grace period, newest first."""
        self._rescan_if_stale()
        return self._published(self.clock.now())

    def _published(self, now: dt.datetime) -> list[SigningKey]:
        keys = self._keys
        live = [keys[-1]]
        for older, newer in itertools.pairwise(keys):
            # A key retires when the next one is made; it stays published for the grace period.
            if now < newer.created_at + self.grace_period:
                live.append(older)
        return sorted(live, key=lambda k: (k.created_at, k.kid), reverse=True)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk for key in self.published()]}

    def verification_key(self, kid: str | None) -> ec.EllipticCurvePublicKey | None:
        """The published public key with this `kid`; None for an unknown or retired key."""
        if kid is None:
            return None
        found = self._find(kid)
        if found is None and not any(k.kid == kid for k in self._keys):
            # Perhaps another process rotated; look again, but not on every bad token.
            self._rescan_if_stale(_UNKNOWN_KID_RESCAN_SECONDS)
            found = self._find(kid)
        return found

    def _find(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        for key in self._published(self.clock.now()):
            if key.kid == kid:
                return key.public_key
        return None

    def rotate(self) -> SigningKey:
        """Make a new current key; the previous one stays published for the grace period."""
        now = self.clock.now()
        if self._keys and now <= self._keys[-1].created_at:
            # Keep the order of keys strict even if a simulated clock was moved back.
            now = self._keys[-1].created_at + dt.timedelta(microseconds=1)
        key = _new_key(self.directory, now)
        self.reload()
        return key
