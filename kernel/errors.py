"""The one error base. Each error is a small subclass with an HTTP status and a stable code.

    DomainError
    ├── BadRequest (400)             invalid_request, invalid_cursor
    ├── Unauthorized (401)           unauthorized
    ├── Forbidden (403)              forbidden, simulation_only
    ├── NotFound (404)               not_found
    ├── Conflict (409)               conflict
    ├── Gone (410)                   gone
    ├── PayloadTooLarge (413)        payload_too_large
    ├── UnsupportedMediaType (415)   unsupported_media_type
    ├── ValidationFailed (422)       validation_failed, with field errors
    ├── TooManyRequests (429)        too_many_requests, with Retry-After
    ├── HeaderFieldsTooLarge (431)   header_fields_too_large
    ├── BadGateway (502)             bad_gateway
    └── ServiceUnavailable (503)     service_unavailable, with Retry-After

Services raise these without knowing about HTTP; the gateway renders them as RFC 9457
problem+json. Clients switch on `code`, never on `detail`. Every code (a class's own, or a finer
one given at the raise site with `code=`) is declared once in `kernel.problems`, with its
status and its title and explanation in Thai and English; an undeclared code is refused.

`detail` is the raise site's English sentence; `detail_th` its Thai one. A Thai reader of an
error raised without `detail_th` gets the registry's Thai explanation of the code instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from kernel.problems import PROBLEMS, lookup


@dataclass(frozen=True)
class FieldError:
    """One failing field. `pointer` is an RFC 6901 pointer into the request, e.g. /query/limit."""

    pointer: str
    code: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "invalid_request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A class's own code must be declared: checked on import, so it cannot ship.
        problem = PROBLEMS.get(cls.code)
        if problem is None or cls.status not in problem.statuses:
            raise TypeError(
                f"{cls.__name__}: code {cls.code!r} / {cls.status} not in kernel.problems"
            )

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        detail_th: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code  # type: ignore[misc]  # a finer code for the same status
        # Refuses an undeclared code (or one declared for another status) outside production.
        problem = lookup(self.code, self.status)
        self.code = problem.code  # type: ignore[misc]
        super().__init__(detail or problem.title_en)
        self.detail = detail or problem.title_en
        self.detail_th = detail_th
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}  # further problem members, e.g. {"registry_code": 4}

    @property
    def title(self) -> str:
        return lookup(self.code, self.status).title_en


class BadRequest(DomainError):
    status, code = 400, "invalid_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PreconditionFailed(DomainError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class Gone(DomainError):
    status, code = 410, "gone"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_requests"


class HeaderFieldsTooLarge(DomainError):
    status, code = 431, "header_fields_too_large"


class BadGateway(DomainError):
    status, code = 502, "bad_gateway"


class ServiceUnavailable(DomainError):
    status, code = 503, "service_unavailable"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"
