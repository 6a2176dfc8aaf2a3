"""The OpenAPI document, made to match what the server sends.

FastAPI describes the successful answers and a JSON 422 that the gateway never sends. Here,
once for every operation: errors are `application/problem+json` with the Problem schema and the
codes each status can carry; 422 `validation_failed` wherever FastAPI validates parameters or a
body or text comes in (the NUL character is refused before any endpoint); 413
`payload_too_large` wherever there is a body; 401/403 and `security` wherever an
authentication dependency marked with `kernel.openapi.secured_by` is used; 500 everywhere.
What an operation answers beyond that it declares itself, one line per operation:

    @router.get("/things/{id}", responses=problem_responses("thing_not_found"))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from kernel.openapi import OAUTH2, OPERATOR_BEARER, Requirement, security_of
from kernel.problems import PROBLEM_JSON, SCHEMAS, codes_of_entry, problem_response_entry

SECURITY_SCHEMES: dict[str, Any] = {
    OAUTH2: {
        "type": "oauth2",
        "description": (
            "Bearer access tokens (JWT, ES256) from `/oauth/token`. Citizens: the app's "
            "authorization code flow with PKCE (S256), the authorization request being sent "
            "inside `POST /v1/identity/verifications`; scope `citizen`. Operators (`admin`) and "
            "agencies (`agency:CODE`): client credentials."
        ),
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/v1/identity/verifications",
                "tokenUrl": "/oauth/token",
                "refreshUrl": "/oauth/token",
                "scopes": {
                    "openid": "an ID token",
                    "profile": "the citizen's names",
                    "birthdate": "the citizen's birth date",
                    "citizen": "act as the citizen: applications, inbox, wallet",
                },
            },
            "clientCredentials": {
                "tokenUrl": "/oauth/token",
                "scopes": {
                    "admin": "operator endpoints under /v1/admin",
                    "agency:CODE": "an agency's endpoints, for agency CODE (e.g. agency:DLT)",
                },
            },
        },
    },
    OPERATOR_BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "The installation's operator token (ADMIN_TOKEN), for set-up and CI.",
    },
}

_METHODS = ("get", "put", "post", "delete", "patch")


def install_openapi(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Replace `app.openapi` with the generator of the document described above. `routers` are
    those included in `app` (without a further prefix): their routes carry the dependencies."""
    routes = [route for router in routers for route in router.routes]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(schema, routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)  # FastAPI's 422 body: never sent
    schemas.pop("ValidationError", None)
    schemas.update(SCHEMAS)
    components["securitySchemes"] = SECURITY_SCHEMES
    by_operation = {
        (route.path_format, method.lower()): route
        for route in routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is not None:
                _complete_operation(operation, by_operation.get((path, method)))
    return schema


def _complete_operation(operation: dict[str, Any], route: APIRoute | None) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    shared: dict[str, set[str]] = {"500": {"internal_error"}}
    if responses.pop("422", None) is not None:  # FastAPI validates parameters or a body here
        shared.setdefault("422", set()).add("validation_failed")
    if "requestBody" in operation:
        shared.setdefault("413", set()).add("payload_too_large")
    if "requestBody" in operation or operation.get("parameters"):
        # Text with the NUL character, in the path, the query or a JSON body, is refused before
        # any endpoint (observability.py), as invalid input.
        shared.setdefault("422", set()).add("validation_failed")
    security = _security(route.dependant) if route is not None else []
    if security:
        operation["security"] = [dict(requirement) for requirement in security]
        shared.setdefault("401", set()).update({"unauthorized", "invalid_token"})
        if any(OAUTH2 in requirement for requirement in security):
            shared.setdefault("403", set()).add("insufficient_scope")
    for status, codes in shared.items():
        declared = responses.get(status)
        if declared is None:
            responses[status] = problem_response_entry(codes)
            continue
        existing = codes_of_entry(declared)
        if existing is not None:  # a problem declared by the operation: add the shared codes
            media = next(iter(declared.get("content") or {PROBLEM_JSON: None}))
            responses[status] = problem_response_entry({*existing, *codes}, media)
    operation["responses"] = dict(sorted(responses.items()))


def _security(dependant: Dependant) -> list[Requirement]:
    found: list[Requirement] = []
    for call in _calls(dependant):
        for requirement in security_of(call) or ():
            if requirement not in found:
                found.append(requirement)
    return found


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)
