"""A small fake of an API-kind agency, serving the Agency Case API v1 of
docs/agency-integration.md in-process (no mock_agencies import: connectors speak HTTP only).

It records every request, hands out tokens, files cases once per Idempotency-Key, and can be
told to forget its tokens, refuse every token, or answer the next calls with canned failures.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from connectors import ConnectorConfig

KEY, SECRET, AGENT = "gateway-key", "gateway-secret", "1100000000001"
T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
PDF = b"%PDF-1.7\n% a fake licence\n%%EOF\n"


def config(code: str = "DLT", **changes: Any) -> ConnectorConfig:
    fields: dict[str, Any] = {
        "agency_code": code,
        "base_url": f"http://agencies.test/{code.lower()}",
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "agent_id": AGENT,
        **changes,
    }
    return ConnectorConfig(**fields)


def error(status: int, code: str, message: str = "", **extra: Any) -> Response:
    return JSONResponse({"error": code, "message": message or code, **extra}, status)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: Any


@dataclass
class FakeAgency:
    code: str = "DLT"
    # service ids another agency handles, and offices that moved their work elsewhere
    not_ours: dict[str, str] = field(default_factory=lambda: {"sso-unemployment": "SSO"})
    moved_offices: dict[str, str] = field(default_factory=lambda: {"1001": "1002"})
    once_only: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> record
    seen: list[Seen] = field(default_factory=list)
    validations: int = 0
    tokens: set[str] = field(default_factory=set)
    refuse_tokens: bool = False
    canned: deque[Response] = field(default_factory=deque)  # answers to the next API calls
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def app(self) -> Starlette:
        routes = [
            Route("/gdx/auth/validate", self._validate),
            Route("/api/v1/applications", self._submit, methods=["POST"]),
            Route("/api/v1/applications/{ref}", self._status),
            Route("/api/v1/applications/{ref}/cancel", self._cancel, methods=["POST"]),
            Route("/api/v1/documents/{document_id}", self._document),
            Route("/api/v1/health", self._health),
            Route("/api/v1/{kind}/{pid}", self._once_only),
        ]
        return Starlette(routes=[Mount(f"/{self.code.lower()}", routes=routes)])

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def forget_tokens(self) -> None:
        """As after 60 idle minutes: every token answers token_expired."""
        self.tokens.clear()

    def decide(self, ref: str, status: str, **data: Any) -> None:
        case = self.cases[ref]
        case["events"].append(
            {
                "seq": len(case["events"]) + 1,
                "at": (T0 + dt.timedelta(hours=len(case["events"]))).isoformat(),
                "status": status,
                "data": data,
            }
        )

    def api_calls(self) -> list[Seen]:
        return [s for s in self.seen if "/gdx/" not in s.path]

    # -- endpoints --------------------------------------------------------------------------

    async def _record(self, request: Request) -> Seen:
        raw = await request.body()
        body: Any = None
        if raw:
            try:
                body = await request.json()
            except ValueError:
                body = raw
        seen = Seen(
            request.method,
            request.url.path,
            dict(request.headers),
            dict(request.query_params),
            body,
        )
        self.seen.append(seen)
        return seen

    async def _validate(self, request: Request) -> Response:
        await self._record(request)
        q = request.query_params
        if (
            request.headers.get("Consumer-Key") != KEY
            or (request.headers.get("Consumer-Secret") or q.get("ConsumerSecret")) != SECRET
            or q.get("AgentID") != AGENT
        ):
            return error(401, "invalid_consumer")
        self.validations += 1
        token = f"token-{self.validations}"
        self.tokens.add(token)
        return JSONResponse({"Result": token})

    async def _authorised(self, request: Request) -> tuple[Seen, Response | None]:
        seen = await self._record(request)
        if request.headers.get("Consumer-Key") != KEY:
            return seen, error(401, "unauthorised")
        if self.refuse_tokens or request.headers.get("Token") not in self.tokens:
            return seen, error(401, "token_expired", "validate again")
        if self.canned:
            return seen, self.canned.popleft()
        return seen, None

    async def _submit(self, request: Request) -> Response:
        seen, refusal = await self._authorised(request)
        if refusal:
            return refusal
        key = request.headers.get("Idempotency-Key")
        if not key:
            return error(400, "idempotency_key_required")
        if key in self.by_key:
            return JSONResponse(self.by_key[key], 200)
        body = seen.body
        if body["service_id"] in self.not_ours:
            return error(422, "not_our_case", responsible_agency=self.not_ours[body["service_id"]])
        ref = f"{self.code}-{next(self._numbers):05d}"
        answer: dict[str, Any] = {
            "agency_ref": ref,
            "status": "received",
            "received_at": T0.isoformat(),
            "seq": 1,
            "fees": [{"label": "licence fee", "amount_satang": 50500}],
        }
        if body.get("unit_code") in self.moved_offices:
            answer |= {
                "status": "forwarded_within_agency",
                "unit_code": self.moved_offices[body["unit_code"]],
            }
        self.by_key[key] = answer
        self.cases[ref] = {"submission": body, "events": []}
        self.decide(ref, answer["status"])
        return JSONResponse(answer, 201)

    async def _status(self, request: Request) -> Response:
        _, refusal = await self._authorised(request)
        if refusal:
            return refusal
        ref = request.path_params["ref"]
        if ref not in self.cases:
            return error(404, "unknown_case")
        events = self.cases[ref]["events"]
        last = events[-1]
        return JSONResponse(
            {
                "agency_ref": ref,
                "status": last["status"],
                "seq": last["seq"],
                "updated_at": last["at"],
                "events": list(reversed(events)),  # any order: the connector sorts by seq
            }
        )

    async def _cancel(self, request: Request) -> Response:
        _, refusal = await self._authorised(request)
        if refusal:
            return refusal
        ref = request.path_params["ref"]
        if ref not in self.cases:
            return error(404, "unknown_case")
        if self.cases[ref]["events"][-1]["status"] in {"approved", "rejected"}:
            return error(409, "already_decided", "the case is decided")
        self.decide(ref, "cancelled")
        return JSONResponse({"status": "cancelled", "seq": len(self.cases[ref]["events"])})

    async def _document(self, request: Request) -> Response:
        _, refusal = await self._authorised(request)
        if refusal:
            return refusal
        if request.path_params["document_id"] != "DOC-1":
            return error(404, "unknown_document")
        return Response(PDF, media_type="application/pdf")

    async def _health(self, request: Request) -> Response:
        _, refusal = await self._authorised(request)
        return refusal or JSONResponse({"status": "ok"})

    async def _once_only(self, request: Request) -> Response:
        _, refusal = await self._authorised(request)
        if refusal:
            return refusal
        path = f"{request.path_params['kind']}/{request.path_params['pid']}"
        if path not in self.once_only:
            return error(404, "no_record")
        return JSONResponse(self.once_only[path])
