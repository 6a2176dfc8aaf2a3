"""An ASGI app built when first needed instead of at import time."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send


class Deferred:
    """Builds the wrapped app once, on `build()` or on the first request, and then delegates.

    The host lists its agencies at import time; building one (a population, credentials in the
    var dir) must wait until a host actually starts.
    """

    def __init__(self, factory: Callable[[], ASGIApp]) -> None:
        self.factory = factory
        self._app: ASGIApp | None = None

    def build(self) -> ASGIApp:
        if self._app is None:
            self._app = self.factory()
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.build()(scope, receive, send)
