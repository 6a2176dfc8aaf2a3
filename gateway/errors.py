"""RFC 9457 problem+json for every error the gateway returns.

Domain errors (kernel.errors) carry their own status and code. Framework errors (unknown path,
wrong method, request validation) are mapped here to the same shape, so a client never sees
another error format, and never a stack trace.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kernel.errors import DomainError, FieldError

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:citizen-gateway:problem:"

log = logging.getLogger("gateway.errors")

_HTTP_CODES = {
    400: ("invalid_request", "The request is invalid"),
    401: ("unauthorized", "Authentication is required"),
    403: ("forbidden", "Not allowed"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    413: ("payload_too_large", "The request body is too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    500: ("internal_error", "Internal error"),
}


def problem_type(code: str) -> str:
    return _TYPE_PREFIX + code


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, value)  # never overrides the standard members
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = [
            {"pointer": e.pointer, "code": e.code, "message": e.message, **e.extra} for e in errors
        ]
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=json.dumps(body, ensure_ascii=False).encode(),
        status_code=int(body["status"]),
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    body = problem_body(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        errors=exc.errors,
        request_id=_request_id(request),
        extra=exc.extra,
    )
    return problem_response(body, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("http_error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    body = problem_body(
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=_request_id(request),
    )
    return problem_response(body, headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (the router names only the first route)."""
    path = request.scope.get("path", "")
    table: MethodTable = getattr(request.app.state, "method_table", [])
    methods = {m for pattern, allowed in table if pattern.match(path) for m in allowed}
    if "GET" in methods:
        methods.add("HEAD")  # served by the middleware for every GET route
    return sorted(methods)


MethodTable = list[tuple[re.Pattern[str], frozenset[str]]]


def method_table(routers: list[APIRouter]) -> MethodTable:
    """Path patterns and their methods, for the Allow header of a 405."""
    return [
        (route.path_regex, frozenset(route.methods or ()))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


_ENUM_CHOICE = re.compile(r"'([^']*)'")


def _pointer(loc: Sequence[str | int]) -> str:
    # FastAPI locations start with where the value came from: body, query, path, header.
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    return "/" + "/".join(parts)


def field_errors_from_validation(raw: Sequence[Any]) -> list[FieldError]:
    errors = []
    for item in raw:
        extra: dict[str, Any] = {}
        ctx = item.get("ctx") or {}
        if item.get("type") == "enum" and "expected" in ctx:
            # Tell the client every allowed value, not just that its value was wrong.
            extra["allowed"] = _ENUM_CHOICE.findall(str(ctx["expected"]))
        for key in ("le", "ge", "lt", "gt", "max_length", "min_length"):
            if key in ctx:
                extra[key] = ctx[key]
        errors.append(
            FieldError(
                pointer=_pointer(item.get("loc", ())),
                code=str(item.get("type", "invalid")),
                message=str(item.get("msg", "Invalid value")),
                extra=extra,
            )
        )
    return errors


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors_from_validation(exc.errors())
    body = problem_body(
        status=422,
        code="validation_failed",
        title="Some fields are invalid",
        detail="; ".join(f"{e.pointer}: {e.message}" for e in errors) or "Invalid request",
        instance=request.url.path,
        errors=errors,
        request_id=_request_id(request),
    )
    return problem_response(body)


def internal_error_response(path: str, request_id: str | None) -> Response:
    """The 500 answer: says an error happened and how to quote it, and nothing else."""
    body = problem_body(
        status=500,
        code="internal_error",
        title="Internal error",
        detail="The gateway failed to handle this request. Quote the request id when reporting it.",
        instance=path,
        request_id=request_id,
    )
    return problem_response(body)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
