"""The outermost layer of every request: request id, access log, metrics, body limit, and the
last-resort 500 that never leaks a stack trace.

Written as plain ASGI middleware (not BaseHTTPMiddleware) so it wraps even the responses that
FastAPI's own server-error handling would produce, and streams bodies without buffering them.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import (
    RefusedWhileReading,
    internal_error_response,
    plain_problem_response,
)
from gateway.logs import request_id_var
from kernel.errors import FieldError

log = logging.getLogger("gateway.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class Metrics:
    """Prometheus metrics of one app instance (its own registry, so apps never collide)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "gateway_http_requests_total",
            "HTTP requests handled, by route template, method and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )


class _BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` when a streamed body passes the limit.

    An HTTPException, because FastAPI turns any other error raised while it reads a body into
    a 400; this way the problem handler answers 413 whichever layer sees it first.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body exceeds {limit} bytes.", {"connection": "close"})


class _NulCharacter(RefusedWhileReading):
    """Raised from `receive` when a JSON body holds the NUL character, which no text in this
    API can contain and PostgreSQL cannot store: refused before it reaches a service."""

    def __init__(self) -> None:
        super().__init__(422, NUL_REFUSED, [_nul_error("/body")])


NUL_REFUSED = "Text in a request may not contain the NUL character (U+0000)."


def _nul_error(where: str) -> FieldError:
    # Like any other invalid text: a 422 naming where it was (the field is not known yet).
    return FieldError(where, "nul_character", NUL_REFUSED)


_JSON_NUL = b"\\u0000"  # the only way JSON spells U+0000 (a raw NUL byte is not JSON at all)


def _nul_in(scope: Scope) -> str | None:
    """Where the path or the query string holds a NUL (percent-encoded or not): `/path` or
    `/query`, or None."""
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    if b"\x00" in raw or b"%00" in raw or "\x00" in scope.get("path", ""):
        return "/path"
    query = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return "/query"
    return None


def _is_json(scope: Scope) -> bool:
    for key, value in scope.get("headers", ()):
        if key == b"content-type":
            media: bytes = bytes(value).split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


class GatewayMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_body_bytes: int,
        larger_bodies: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # Routes that stream big bodies (attachment uploads) and enforce their own finer caps.
        self.larger_bodies = tuple(larger_bodies)

    def _limit_for(self, scope: Scope) -> int:
        path = scope.get("path", "")
        for pattern, limit in self.larger_bodies:
            if pattern.match(path):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        head = scope.get("method") == "HEAD"
        if head:
            # HEAD is GET without the body (RFC 9110 s.9.3.2), for every GET route.
            scope = {**scope, "method": "GET"}
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        header_value = request_id.encode()

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", header_value))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        limit = self._limit_for(scope)
        try:
            await self._checked(scope, receive, send_with_id, request_id, limit)
        except _BodyTooLarge:
            if not response_started:
                await self._too_large(scope, send_with_id, request_id, limit)
        except _NulCharacter:
            if not response_started:
                await self._nul(scope, send_with_id, request_id, "/body")
        except Exception:
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if not response_started:
                response = internal_error_response(scope, request_id)
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = "HEAD" if head else scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": route if _SECRET_IN_PATH.search(route) else scope.get("path"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)

    async def _checked(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, limit: int
    ) -> None:
        """The request, unless its declared size or its path or query already refuse it; the
        body is checked as it streams in (size; the NUL character in JSON)."""
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._too_large(scope, send, request_id, limit)
        elif (where := _nul_in(scope)) is not None:
            await self._nul(scope, send, request_id, where)
        else:
            await self.app(scope, self._limited(receive, limit, json=_is_json(scope)), send)

    def _limited(self, receive: Receive, limit: int, *, json: bool) -> Receive:
        seen = 0
        tail = b""  # the end of the last chunk: a NUL escape may straddle two chunks

        async def limited() -> Message:
            nonlocal seen, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > limit:
                    # Stop reading at once: an oversized body is never buffered whole.
                    raise _BodyTooLarge(limit)
                if json:
                    if _JSON_NUL in tail + chunk:
                        raise _NulCharacter()
                    tail = (tail + chunk)[-(len(_JSON_NUL) - 1) :]
            return message

        return limited

    async def _nul(self, scope: Scope, send: Send, request_id: str, where: str) -> None:
        response = plain_problem_response(
            scope, "validation_failed", request_id, NUL_REFUSED, errors=[_nul_error(where)]
        )

        async def no_receive() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_receive, send)

    async def _too_large(self, scope: Scope, send: Send, request_id: str, limit: int) -> None:
        response = plain_problem_response(
            scope,
            "payload_too_large",
            request_id,
            f"The body exceeds {limit} bytes.",
            {"connection": "close"},
        )

        async def no_receive() -> Message:
            return {"type": "http.disconnect"}

        await response(scope, no_receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


def _incoming_request_id(scope: Scope) -> str | None:
    raw = _header(scope, b"x-request-id")
    if raw is None:
        return None
    value = raw.decode("latin-1")
    # Echo a client's id only when it is safe to put in logs and headers.
    return value if _CLIENT_REQUEST_ID.match(value) else None


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


#: Routes whose path holds a secret (a share link's token, a document's verification code):
#: their log line shows the template, never the value.
_SECRET_IN_PATH = re.compile(r"\{(token|code)\}")


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths are one label: a scanner must not blow up the metric's cardinality.
    return path if isinstance(path, str) else "unmatched"
