"""Secrets the gateway needs, from settings or, in development only, generated into var/keys/."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from gateway.config import MIN_SECRET_CHARS, Environment, Settings


@dataclass(frozen=True)
class Secrets:
    secret_key: bytes
    admin_token: str


def _generated(path: Path) -> str:
    """Read a development secret, creating it (mode 0600) the first time.

    Several workers may start at once on a fresh var/: the secret is written whole to a
    private temporary file and then linked into place, which fails if another process got
    there first; everyone then reads the one secret that won. Nobody ever reads half a file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink()
    value = path.read_text(encoding="ascii").strip()
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

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    admin = settings.admin_token.get_secret_value() if settings.admin_token else None
    return Secrets(
        secret_key=pick(secret, "secret-key").encode(),
        admin_token=pick(admin, "admin-token"),
    )
