"""The data-exchange door of an agency that files no cases but answers the gateway's reads
(CGD's pension register, NHSO's coverage register, DOP's allowance register): the same
convention the casework agencies speak, so the same connector code calls them all.

    GET /gdx/auth/validate?AgentID=…     Consumer-Key, Consumer-Secret → {"Result": token}
                                         (or the legacy ?ConsumerSecret=… in the query)
    GET /api/v1/health                                  → {"status": "ok", "agency": CODE}
    every other call                                    Consumer-Key, Token (the dependency
                                                        `add_exchange` returns)

Errors are `{"error", "message"}` as the casework agencies answer them (401 unauthorised /
token_expired, 400 invalid_pid / invalid_request, 404 not_found).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import Depends, FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mock_agencies.casework.credentials import Gatekeeper
from mock_agencies.casework.errors import CaseworkError


def add_exchange(
    app: FastAPI,
    code: str,
    consumers: Mapping[str, str],
    clock: Callable[[], float],
    *,
    whole_app: bool = True,
) -> list[params.Depends]:
    """Give `app` the validate call and the casework error bodies; the dependencies a call
    needing a live token declares (`dependencies=...`). `whole_app`: the app is only this
    exchange, so it also answers health and renders every 404 and invalid request the
    casework way (False for an app with pages of its own, DOP's back office)."""
    gatekeeper = Gatekeeper(consumers, clock)
    realm = f'Token realm="mock-{code.lower()}"'

    def consumer(request: Request) -> str:
        return gatekeeper.authorise(
            request.headers.get("Consumer-Key"), request.headers.get("Token")
        )

    @app.get("/gdx/auth/validate")
    async def validate(request: Request) -> dict[str, str]:
        token = gatekeeper.validate(
            request.headers.get("Consumer-Key"),
            request.headers.get("Consumer-Secret") or request.query_params.get("ConsumerSecret"),
            request.query_params.get("AgentID"),
        )
        return {"Result": token}

    async def refused(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CaseworkError)
        headers = {"WWW-Authenticate": realm} if error.status == 401 else None
        return JSONResponse(error.body(), error.status, headers=headers)

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        name = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = {"error": name, "message": str(error.detail)}
        return JSONResponse(body, error.status_code, headers=error.headers)

    async def invalid(_: Request, error: RequestValidationError | Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = [
            {"field": "/".join(map(str, item["loc"])), "message": str(item["msg"])}
            for item in error.errors()
        ]
        body = {"error": "invalid_request", "message": "invalid parameters", "errors": errors}
        return JSONResponse(body, 400)

    app.add_exception_handler(CaseworkError, refused)
    if whole_app:

        @app.get("/api/v1/health")
        async def health() -> dict[str, str]:
            return {"status": "ok", "agency": code}

        app.add_exception_handler(StarletteHTTPException, http_error)
        app.add_exception_handler(RequestValidationError, invalid)
    return [Depends(consumer)]
