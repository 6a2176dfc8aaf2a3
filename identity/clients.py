"""The OAuth clients every installation has: the citizen's mobile app (public, code + PKCE)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from identity.oidc import ClientInfo, ClientKind, OIDCProvider
from identity.oidc.scopes import CITIZEN_SCOPES

MOBILE_APP_CLIENT_ID = "tangrat-app"
MOBILE_APP_REDIRECT_URIS = (
    "th.go.tangrat.app:/oauth/callback",  # the app's own scheme (RFC 8252 s.7.1)
    "http://127.0.0.1:8765/callback",  # loopback, for development tools (RFC 8252 s.7.3)
)


async def ensure_standard_clients(session: AsyncSession, provider: OIDCProvider) -> ClientInfo:
    """Register (or bring up to date) the mobile app client. The caller commits."""
    return await provider.ensure_client(
        session,
        client_id=MOBILE_APP_CLIENT_ID,
        name="ทางรัฐ (Tang Rat) mobile app",
        kind=ClientKind.PUBLIC,
        scopes=CITIZEN_SCOPES,
        redirect_uris=MOBILE_APP_REDIRECT_URIS,
    )
