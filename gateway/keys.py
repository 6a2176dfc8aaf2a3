"""Secrets the gateway needs, from settings or, in development only, generated into var/keys/."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from gateway.config import Environment, Settings


@dataclass(frozen=True)
class Secrets:
    secret_key: bytes
    admin_token: str


def _generated(path: Path) -> str:
    """Read a development secret, creating it (mode 0600) the first time."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
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
