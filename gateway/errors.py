"""RFC 9457 problem+json for every error the gateway returns.

Domain errors (kernel.errors) carry their own status and code. Framework errors (unknown path,
wrong method, request validation) are mapped here to the same shape, so a client never sees
another error format, and never a stack trace.

Titles and details follow Accept-Language (Thai by default): the title is the registry's
(kernel.problems) in that language; the detail is the raise site's English sentence in English,
and in Thai its Thai sentence when it gave one, else the registry's Thai explanation of the
code. Every problem says `Content-Language` and `Vary: Accept-Language`.
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
from starlette.types import Scope

from kernel import problems
from kernel.errors import DomainError, FieldError
from kernel.language import negotiate_language
from kernel.problems import GENERIC_BY_STATUS, PROBLEM_JSON, TYPE_PREFIX, Problem, lookup

log = logging.getLogger("gateway.errors")


def problem_type(code: str) -> str:
    return TYPE_PREFIX + code


def request_language(request: Request) -> str:
    return negotiate_language(request.headers.get("accept-language"))


def scope_language(scope: Scope) -> str:
    """The language of a raw ASGI request (for answers made below the framework)."""
    for key, value in scope.get("headers", []):
        if key == b"accept-language":
            return negotiate_language(bytes(value).decode("latin-1"))
    return negotiate_language(None)


def language_headers(lang: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    merged = dict(headers or {})
    merged["Content-Language"] = lang
    vary = merged.get("Vary")
    merged["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    return merged


def localized(
    problem: Problem, lang: str, detail_en: str | None, detail_th: str | None = None
) -> tuple[str, str]:
    """The title and detail a reader of `lang` gets."""
    if lang == "en":
        return problem.title_en, detail_en or problem.about_en
    return problem.title_th, detail_th or problem.about_th


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
    lang = request_language(request)
    title, detail = localized(lookup(exc.code, exc.status), lang, exc.detail, exc.detail_th)
    body = problem_body(
        status=exc.status,
        code=exc.code,
        title=title,
        detail=detail,
        instance=request.url.path,
        errors=exc.errors,
        request_id=_request_id(request),
        extra=exc.extra,
    )
    return problem_response(body, language_headers(lang, exc.headers))


class RefusedWhileReading(StarletteHTTPException):
    """Refused by a check on the body as it streams in (below the framework), with the field
    errors to show: an HTTPException so that whichever layer sees it first answers it the same
    (FastAPI turns any other error raised while it reads a body into a bare 400)."""

    def __init__(self, status: int, detail: str, errors: Sequence[FieldError]) -> None:
        super().__init__(status, detail)
        self.errors = list(errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    fallback = "invalid_request" if status < 500 else "internal_error"
    problem = lookup(GENERIC_BY_STATUS.get(status, fallback))
    detail: str | None = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if status == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}"
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    lang = request_language(request)
    title, shown = localized(problem, lang, detail)
    body = problem_body(
        status=status,
        code=problem.code,
        title=title,
        detail=shown,
        instance=request.url.path,
        request_id=_request_id(request),
        errors=exc.errors if isinstance(exc, RefusedWhileReading) else (),
    )
    return problem_response(body, language_headers(lang, headers))


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
    lang = request_language(request)
    title, detail = localized(
        lookup("validation_failed"),
        lang,
        "; ".join(f"{e.pointer}: {e.message}" for e in errors) or "Invalid request",
    )
    body = problem_body(
        status=422,
        code="validation_failed",
        title=title,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        request_id=_request_id(request),
    )
    return problem_response(body, language_headers(lang))


def plain_problem_response(
    scope: Scope,
    code: str,
    request_id: str | None,
    detail_en: str | None = None,
    headers: dict[str, str] | None = None,
    errors: Sequence[FieldError] = (),
    *,
    detail_th: str | None = None,
) -> Response:
    """A problem answered below the framework (by a middleware, or by the server itself), in
    the request's language."""
    problem = lookup(code)
    lang = scope_language(scope)
    title, detail = localized(problem, lang, detail_en, detail_th)
    body = problem_body(
        status=problem.status,
        code=code,
        title=title,
        detail=detail,
        instance=scope.get("path", ""),
        request_id=request_id,
        errors=errors,
    )
    return problem_response(body, language_headers(lang, headers))


def internal_error_response(scope: Scope, request_id: str | None) -> Response:
    """The 500 answer: says an error happened and how to quote it, and nothing else."""
    return plain_problem_response(
        scope,
        "internal_error",
        request_id,
        "The gateway failed to handle this request. Quote the request id when reporting it.",
    )


def install_error_handlers(app: FastAPI, *, refuse_unknown_codes: bool = True) -> None:
    problems.refuse_unknown_codes(refuse_unknown_codes)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
