"""Settings of the OpenID Connect provider.

A plain dataclass, so identity/ needs nothing from the gateway: the gateway builds one from its
own settings, e.g. ``OIDCSettings(issuer=settings.public_url, keys_dir=settings.var_dir /
"keys" / "oidc", production=settings.env is Environment.PRODUCTION)``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

#: Identity assurance levels the gateway may assert as `acr` (DGA's IAL scale). The verification
#: flow picks one per login; an `acr` outside this list is refused when a code is issued.
DEFAULT_ACR_VALUES = ("IAL1.1", "IAL1.2", "IAL1.3", "IAL2.1", "IAL2.2", "IAL2.3", "IAL3")

#: Where the app starts a login: the identity verification (ID + laser code + face, R-8.1).
AUTHORIZATION_PATH = "/v1/identity/verifications"
TOKEN_PATH = "/oauth/token"  # noqa: S105  (a path)
JWKS_PATH = "/oauth/jwks"
REVOCATION_PATH = "/oauth/revoke"
USERINFO_PATH = "/oauth/userinfo"
DISCOVERY_PATH = "/.well-known/openid-configuration"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OIDCSettings:
    """How the provider behaves.

    issuer           the gateway's public base URL; the `iss` of every token. https, or http on a
                     loopback host outside production (OIDC Discovery §3, RFC 8252 §7.3).
    keys_dir         where the ES256 signing keys and the claims key live (PEM files, mode 0600).
    production       refuses to generate keys: they must already exist in `keys_dir`.
    audience         the `aud` of access tokens (RFC 9068): the gateway's API; defaults to issuer.
    leeway           tolerated clock skew when checking `exp` and `iat`.
    key_grace_period how long a key stays in the JWKS after a newer key replaced it, so tokens it
                     signed keep verifying until they expire.
    """

    issuer: str
    keys_dir: Path = Path("var/keys/oidc")
    production: bool = False
    access_token_lifetime: dt.timedelta = dt.timedelta(minutes=10)
    refresh_token_lifetime: dt.timedelta = dt.timedelta(days=30)
    code_lifetime: dt.timedelta = dt.timedelta(seconds=60)
    key_grace_period: dt.timedelta = dt.timedelta(days=1)
    audience: str | None = None
    leeway: dt.timedelta = dt.timedelta(seconds=30)
    acr_values_supported: tuple[str, ...] = DEFAULT_ACR_VALUES
    #: How often a process looks for keys another process (or `rotate`) added to `keys_dir`.
    key_rescan_interval: dt.timedelta = dt.timedelta(seconds=60)
    #: How old a process's copy of the recent revocations may grow before it reads them again
    #: (revocations.py); 0 reads them on every check.
    revocation_refresh: dt.timedelta = dt.timedelta(seconds=1)

    def __post_init__(self) -> None:
        parts = urlsplit(self.issuer)
        if parts.query or parts.fragment or self.issuer.endswith("/") or not parts.hostname:
            raise ValueError(
                "the OIDC issuer is an absolute URL without query, fragment or trailing slash"
            )
        secure = parts.scheme == "https" or (
            parts.scheme == "http" and not self.production and _is_loopback(parts.hostname)
        )
        if not secure:
            raise ValueError(
                "the OIDC issuer must use https (http only on a loopback host in development)"
            )
        for name in ("access_token_lifetime", "refresh_token_lifetime", "code_lifetime"):
            if getattr(self, name) <= dt.timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.code_lifetime > dt.timedelta(minutes=10):
            raise ValueError("code_lifetime is at most 10 minutes (RFC 6749 §4.1.2)")
        if self.key_grace_period < self.access_token_lifetime:
            raise ValueError(
                "key_grace_period must outlast an access token, or rotation logs citizens out"
            )
        if self.leeway < dt.timedelta(0) or self.leeway > dt.timedelta(minutes=5):
            raise ValueError("leeway lies between 0 and 5 minutes")

    @property
    def token_audience(self) -> str:
        return self.audience or self.issuer

    def url(self, path: str) -> str:
        return self.issuer + path
