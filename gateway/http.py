"""HTTP helpers shared by endpoints: conditional (ETag) responses, capped bodies, streamed
downloads, and the response headers the gateway owes on every answer (personal data not stored,
the language said). Language negotiation is in kernel.language (identity needs it too).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import MutableHeaders
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import plain_problem_response
from kernel.bounded import BoundedMap
from kernel.errors import FieldError, PayloadTooLarge, ValidationFailed
from kernel.language import negotiate_language

log = logging.getLogger("gateway.http")

M = TypeVar("M", bound=BaseModel)

CATALOG_CACHE_CONTROL = "public, max-age=60"
# The OpenAPI extension that marks an operation whose answers carry a citizen's personal data.
# Set per router with `route_class=PersonalDataRoute`; packages below the gateway (identity)
# set it per operation with `openapi_extra={"x-personal-data": True}`.
PERSONAL_DATA = "x-personal-data"
NO_STORE = "no-store"
# Where `get_language` records the language it negotiated (in the request's scope state).
LANGUAGE_STATE_KEY = "content_language"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    candidates = {c.strip().removeprefix("W/") for c in if_none_match.split(",")}
    return etag in candidates


@dataclass(frozen=True)
class Rendered:
    """A JSON body ready to send, with its ETag (and the route it answers, for the metrics)."""

    body: bytes
    etag: str
    route: str | None = None


def model_json(model: BaseModel, status_code: int = 200) -> Response:
    """A model as its JSON answer, serialised once. (An endpoint that returns the model, or a
    dict, has FastAPI validate it again against the response model before serialising it: on
    the hottest reads that second pass cost more than the answer's own work.) The route still
    declares `response_model`, which documents the schema."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def render_json(payload: BaseModel | dict[str, Any], route: str | None = None) -> Rendered:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Rendered(body=body, etag=_etag(body), route=route)


def edge_key(path: str, lang: str) -> tuple[str, ...]:
    """The key of a public answer that `CachedReads` may serve before routing: a GET of this
    exact path, without a query, in this language."""
    return ("GET", path, lang)


@dataclass(frozen=True)
class _Route:
    path: str  # what the metrics label a request with (the route's template)


class CachedReads:
    """Public answers an endpoint put in the render cache under `edge_key`, served before
    routing while they are fresh: the same body, ETag, 304 and headers the endpoint sends,
    without the router, the dependencies or the endpoint. Anything else (a query string, a
    stale or missing entry, another method) goes on to the app, which refreshes the entry.

    Placed inside ResponseHeadersMiddleware (the header-count cap and Content-Language still
    apply) and the request-id middleware (ids, logs and metrics as for any request)."""

    def __init__(self, app: ASGIApp, *, cache: RenderCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        accept_language = None
        for name, value in scope.get("headers", ()):
            if name == b"accept-language":
                accept_language = value.decode("latin-1")
                break
        lang = negotiate_language(accept_language)
        rendered = self.cache.get(edge_key(scope["path"], lang))
        if rendered is None or rendered.route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = _Route(rendered.route)
        scope.setdefault("state", {})[LANGUAGE_STATE_KEY] = lang
        response = conditional_json(Request(scope, receive), rendered, lang)
        await response(scope, receive, send)


class RenderCache:
    """Rendered public catalog bodies, kept per process.

    Catalog reads are public and sent with `max-age=60`, so a client may see a change up to a
    minute late anyway. An entry is fresh for `ttl` seconds; after that, for `stale_seconds`
    more, it is still served while one background refresh per entry renders it again (the
    stale-while-revalidate of RFC 5861, inside the server): no request waits for a re-render,
    and entries expiring together do not become a burst of database reads on the request path.
    A TTL of 0 turns the cache off.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 4096,
        now: Callable[[], float] = time.monotonic,
        stale_seconds: float = 60.0,
    ) -> None:
        self.ttl = ttl_seconds
        self.stale = stale_seconds
        self._now = now
        # Each entry with when it was rendered.
        self._entries: BoundedMap[tuple[str, ...], tuple[float, Rendered]] = BoundedMap(max_entries)
        self._refreshing: dict[tuple[str, ...], asyncio.Task[None]] = {}

    def get(self, key: tuple[str, ...]) -> Rendered | None:
        """A fresh entry, or None."""
        found = self.find(key)
        return found[0] if found is not None and not found[1] else None

    def find(self, key: tuple[str, ...]) -> tuple[Rendered, bool] | None:
        """An entry still servable, and whether it is stale (due for a refresh)."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        age = self._now() - entry[0]
        if age >= self.ttl + self.stale:
            return None
        return entry[1], age >= self.ttl

    def put(self, key: tuple[str, ...], rendered: Rendered) -> None:
        if self.ttl <= 0:
            return
        self._entries.put(key, (self._now(), rendered))

    def discard(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key)

    def refresh(
        self, key: tuple[str, ...], render: Callable[[], Awaitable[Rendered | None]]
    ) -> None:
        """Render `key` again in the background, unless that is already under way; `render`
        answering None (the thing is gone) drops the entry, so the next request finds out."""
        if key in self._refreshing:
            return

        async def run() -> None:
            try:
                rendered = await render()
            except Exception:
                log.exception("refreshing a cached answer failed", extra={"key": key})
                self.discard(key)
            else:
                if rendered is None:
                    self.discard(key)
                else:
                    self.put(key, rendered)
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.get_running_loop().create_task(run())

    async def settled(self) -> None:
        """Wait for the refreshes under way."""
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop the refreshes under way (the server is shutting down)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def conditional_json(
    request: Request, payload: BaseModel | dict[str, Any] | Rendered, lang: str
) -> Response:
    """A JSON response with a strong ETag; 304 when the client already holds this version."""
    rendered = payload if isinstance(payload, Rendered) else render_json(payload)
    body, etag = rendered.body, rendered.etag
    headers = {
        "ETag": etag,
        "Cache-Control": CATALOG_CACHE_CONTROL,
        "Vary": "Accept-Language",
        "Content-Language": lang,
    }
    inm = request.headers.get("if-none-match")
    if inm is not None and _matches(inm, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


async def read_capped(request: Request, limit: int) -> bytes:
    """A request body read up to `limit` bytes (413 beyond), for routes whose bodies the
    middleware lets through larger, or that must read the raw bytes (signatures)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The body exceeds {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_body(model: type[M], raw: bytes) -> M:
    """`raw` JSON as `model`, or 422 with a pointer per failing field (`/body/...`)."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise ValidationFailed(
            "The body is invalid.",
            errors=[
                FieldError(
                    "/body/" + "/".join(str(p) for p in error["loc"]),
                    str(error["type"]),
                    str(error["msg"]),
                )
                for error in exc.errors()
            ],
        ) from exc


class Blob(Protocol):
    """Stored bytes to send, with what the client needs to check and save them."""

    @property
    def blob_key(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...  # hex


class Opens(Protocol):
    def open(self, key: str) -> AsyncIterator[bytes]: ...


def stream_blob(store: Opens, blob: Blob) -> StreamingResponse:
    """A stored file as a download, streamed, never sniffed by the browser."""
    headers = {
        "Content-Length": str(blob.size),
        # RFC 9530: the digest of the stored bytes, for the client to check.
        "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(blob.sha256)).decode()}:",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "attachment; filename*=UTF-8''" + quote(blob.filename, safe=""),
    }
    return StreamingResponse(store.open(blob.blob_key), media_type=blob.media_type, headers=headers)


class PersonalDataRoute(APIRoute):
    """A route whose every answer (errors and downloads too) is sent `Cache-Control: no-store`:
    personal data must not stay in a shared cache or the browser's disk cache."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {}), PERSONAL_DATA: True}
        super().__init__(path, endpoint, **kwargs)


def carries_personal_data(scope: Scope) -> bool:
    route = scope.get("route")
    extra = getattr(route, "openapi_extra", None)
    return isinstance(extra, dict) and extra.get(PERSONAL_DATA) is True


def record_language(request: Request, lang: str) -> str:
    """Note that this answer's content follows `lang`, so it is said in the response headers."""
    request.scope.setdefault("state", {})[LANGUAGE_STATE_KEY] = lang
    return lang


class ResponseHeadersMiddleware:
    """The headers every answer owes, set in one place instead of in each endpoint.

    - More header fields than `max_header_count` are refused with 431 before any work (the
      server caps their total size; this caps their number).
    - An operation marked personal-data answers `Cache-Control: no-store`, whatever it sent,
      errors included.
    - An answer whose content was chosen by `Accept-Language` (the endpoint depended on
      `LangDep`) says `Content-Language` and `Vary: Accept-Language` (RFC 9110 s.8.5, s.12.5.5).
      Problem answers keep whatever the error renderer said: their text is not localised here.

    Placed inside the request-id middleware, so it sees the scope the router fills in.
    """

    def __init__(self, app: ASGIApp, *, max_header_count: int) -> None:
        self.app = app
        self.max_header_count = max_header_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("headers", ())) > self.max_header_count:
            await self._too_many_headers(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if carries_personal_data(scope):
                    headers["cache-control"] = NO_STORE
                lang = state.get(LANGUAGE_STATE_KEY)
                if isinstance(lang, str) and message["status"] < 400:
                    if "content-language" not in headers:
                        headers["content-language"] = lang
                    vary = {v.strip().lower() for v in headers.get("vary", "").split(",")}
                    if "accept-language" not in vary:
                        headers.add_vary_header("Accept-Language")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _too_many_headers(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = plain_problem_response(
            scope,
            "header_fields_too_large",
            scope.get("state", {}).get("request_id"),
            f"At most {self.max_header_count} header fields are read.",
            {"connection": "close"},
        )
        await response(scope, receive, send)
