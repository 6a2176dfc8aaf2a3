"""Secrets the gateway needs, from settings or, in development only, generated into var/keys/."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from gateway.config import MIN_SECRET_CHARS, Environment, Settings


@dataclass(frozen=True)
class Secrets:
    secret_key: bytes
    admin_token: str
    pii_encryption_key: bytes  # 32 bytes, AES-256-GCM
    pii_index_key: bytes  # 32 bytes, HMAC-SHA256 blind index


def write_once(path: Path, content: str) -> str:
    """Create `path` with `content` (mode 0600) unless it exists; return what the file holds.

    Several processes may start at once on a fresh var/: the content is written whole to a
    private temporary file and then linked into place, which fails if another process got
    there first; everyone then reads the one file that won. Nobody ever reads half a file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    return path.read_text(encoding="utf-8")


def _generated(path: Path) -> str:
    """A development secret, created the first time."""
    value = write_once(path, secrets.token_urlsafe(32) + "\n").strip()
    if len(value) < MIN_SECRET_CHARS:
        raise RuntimeError(f"{path} holds no usable secret; delete it to have a new one made")
    return value


def load_secrets(settings: Settings) -> Secrets:
    keys_dir = settings.var_dir / "keys"

    def pick(configured: str | None, name: str) -> str:
        if configured:
            return configured
        if settings.env is Environment.PRODUCTION:  # settings validation already refuses this
            raise RuntimeError(f"{name} must be configured in production")
        return _generated(keys_dir / name)

    def value(name: str) -> str | None:
        configured: SecretStr | None = getattr(settings, name)
        return configured.get_secret_value() if configured else None

    def key_bytes(name: str) -> bytes:
        # A 32-byte key derived from the configured or generated secret text.
        text = pick(value(name), name.replace("_", "-"))
        return hashlib.sha256(f"citizen-gateway:{name}:".encode() + text.encode()).digest()

    return Secrets(
        secret_key=pick(value("secret_key"), "secret-key").encode(),
        admin_token=pick(value("admin_token"), "admin-token"),
        pii_encryption_key=key_bytes("pii_encryption_key"),
        pii_index_key=key_bytes("pii_index_key"),
    )
