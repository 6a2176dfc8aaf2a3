"""Shared pieces of the mock DOP tests (importable as `dop_support`): a fake portal implementing
the subset of the gateway's agency API the back office uses, and the back office served against
it.

The fake portal answers like the gateway's contract (gateway/applications/agency_endpoints.py,
gateway/payments/agency_endpoints.py): `/oauth/token` (client credentials, scope
`agency:DOP`), `/v1/agency/applications[/{id}[/actions|/attachments/{aid}]]`, and
`/v1/agency/disbursements[/{payout_id}]`: 201 for a new payout, 200 for the same `payout_id`
with the same content (the national ID, amount, kind, period and day), 409 `payout_id_reused`
with other content. An application carries `applicant.national_id`, the field the mock reads
the applicant's national ID from (docs/agency-integration.md, "Platform").
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from mock_agencies.bma.portal import AgencyCredentials
from mock_agencies.dop.app import create_app
from mock_agencies.dopa.population import national_id_check_digit

KEY, SECRET = "dop-test-client", "dop-consumer-secret-for-tests-0123456789"
ALLOWANCE = "dop-older-persons-allowance-registration"
T0 = 1_776_300_000.0  # 2026-04-16 in Bangkok
MOVES = {
    "accept": ({"submitted", "forwarded"}, "in_review"),
    "request_info": ({"in_review"}, "needs_info"),
    "approve": ({"in_review", "paid"}, "approved"),
    "reject": ({"submitted", "forwarded", "in_review", "needs_info"}, "rejected"),
}
_PAYOUT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_FINGERPRINTED = ("national_id", "amount_satang", "kind", "period", "pay_on")
_ORDER_FIELDS = {"payout_id", "national_id", "amount_satang", "kind", "title_th", "title_en"}


CREDENTIALS = AgencyCredentials(KEY, SECRET, "dop-callback-secret-unused-here-000000")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def national_id(serial: int) -> str:
    first12 = f"35001{serial:07d}"
    return first12 + national_id_check_digit(first12)


def problem(status: int, code: str, detail: str) -> JSONResponse:
    body = {"type": f"urn:test:{code}", "title": code, "status": status, "detail": detail}
    return JSONResponse({**body, "code": code}, status, media_type="application/problem+json")


def application(
    number: int,
    birth_date: str,
    service_id: str = ALLOWANCE,
    pid: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"app-{number:04d}",
        "number": f"DOP-2569-{number:06d}",
        "service_id": service_id,
        "service_name": "ลงทะเบียนรับเงินเบี้ยยังชีพผู้สูงอายุ",
        "agency_code": "DOP",
        "status": "submitted",
        "turn": "agency",
        "applicant": {"national_id": pid or national_id(number)},
        "form": {
            "first_name_th": "บุญมี",
            "last_name_th": "มีสุข",
            "birth_date": birth_date,
            "registered_address": "12 หมู่ 3 ตำบลสุเทพ อำเภอเมืองเชียงใหม่",
            "payment_method": "promptpay_id",
        },
        "prefilled_fields": ["first_name_th", "last_name_th", "birth_date"],
        "attachments": [],
        "missing": [],
        "info_requests": 0,
        "arrived_at": "2026-04-16T01:00:00Z",
        "due_at": "2026-05-08T09:30:00Z",
        "created_at": "2026-04-16T01:00:00Z",
        "timeline": [],
    }


def _order_problem(body: Any) -> str | None:
    """What DisbursementIn would refuse in `body`, or None."""
    if not isinstance(body, dict) or not set(body) >= _ORDER_FIELDS:
        return "missing fields"
    if set(body) - _ORDER_FIELDS - {"period", "pay_on"}:
        return "unknown fields"
    if not _PAYOUT_ID.fullmatch(str(body["payout_id"])):
        return "payout_id"
    if not re.fullmatch(r"[0-9]{13}", str(body["national_id"])):
        return "national_id"
    amount = body["amount_satang"]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return "amount_satang"
    return None


@dataclass
class FakePortal:
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    lists: list[dict[str, str]] = field(default_factory=list)
    reads: list[tuple[str, str | None]] = field(default_factory=list)
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Every payout order received, in order, and the payouts held by id.
    orders: list[dict[str, Any]] = field(default_factory=list)
    payouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    down: bool = False  # answer 503 to everything but the token

    def add(self, app: dict[str, Any]) -> None:
        self.applications[app["id"]] = app

    def app(self) -> FastAPI:
        portal = FastAPI()

        def authorised(request: Request) -> bool:
            return request.headers.get("authorization", "").removeprefix("Bearer ") in self.tokens

        @portal.middleware("http")
        async def outage(request: Request, call_next: Any) -> Response:
            if self.down and request.url.path != "/oauth/token":
                return problem(503, "unavailable", "The portal is down for maintenance.")
            response: Response = await call_next(request)
            return response

        @portal.post("/oauth/token")
        async def token(request: Request) -> JSONResponse:
            self.token_requests += 1
            form = await request.form()
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            pair = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
            if pair != f"{KEY}:{SECRET}" or form.get("scope") != "agency:DOP":
                return JSONResponse({"error": "invalid_client"}, 401)
            issued = f"dop-access-{self.token_requests}"
            self.tokens.add(issued)
            return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": 600})

        @portal.get("/v1/agency/applications")
        async def listing(request: Request) -> JSONResponse:
            if not authorised(request):
                return problem(401, "invalid_token", "token not recognised")
            self.lists.append(dict(request.query_params))
            status = request.query_params.get("status")
            limit = int(request.query_params.get("limit", "50"))
            start = int(request.query_params.get("cursor") or 0)
            found = [
                a for a in self.applications.values() if status is None or a["status"] == status
            ]
            page = found[start : start + limit]
            more = start + limit < len(found)
            items = [
                {k: a[k] for k in ("id", "number", "service_id", "status", "turn", "due_at")}
                | {"agency_code": "DOP", "created_at": a["created_at"]}
                for a in page
            ]
            return JSONResponse(
                {"items": items, "next_cursor": str(start + limit) if more else None}
            )

        @portal.get("/v1/agency/applications/{application_id}")
        async def read(request: Request, application_id: str) -> JSONResponse:
            if not authorised(request):
                return problem(401, "invalid_token", "token not recognised")
            found = self.applications.get(application_id)
            if found is None:
                return problem(404, "application_not_found", "No such application.")
            self.reads.append((application_id, request.headers.get("x-officer-id")))
            allowed = [a for a, (sources, _) in MOVES.items() if found["status"] in sources]
            return JSONResponse({**found, "allowed_actions": allowed})

        @portal.get("/v1/agency/applications/{application_id}/attachments/{attachment_id}")
        async def attachment(request: Request, application_id: str, attachment_id: str) -> Response:
            if not authorised(request) or attachment_id != "att-1":
                return problem(404, "not_found", "No such attachment.")
            self.reads.append(
                (f"{application_id}/{attachment_id}", request.headers.get("x-officer-id"))
            )
            return Response(b"%PDF-1.7 bank book", media_type="application/pdf")

        @portal.post("/v1/agency/applications/{application_id}/actions")
        async def act(request: Request, application_id: str) -> JSONResponse:
            if not authorised(request):
                return problem(401, "invalid_token", "token not recognised")
            body = await request.json()
            self.actions.append((application_id, body))
            found = self.applications[application_id]
            sources, target = MOVES[body["action"]]
            if found["status"] not in sources:
                return problem(
                    409,
                    "transition_refused",
                    f"Cannot {body['action']} an application that is {found['status']}.",
                )
            if body["action"] == "reject" and not body.get("reason"):
                return problem(422, "validation_failed", "A rejection states its reason.")
            if body["action"] == "request_info":
                if found["info_requests"]:
                    return problem(409, "info_already_requested", "Asked once already.")
                found["info_requests"] += 1
            found["timeline"].append(
                {
                    "kind": body["action"],
                    "from_status": found["status"],
                    "to_status": target,
                    "actor": "agency",
                    "at": "2026-04-16T02:00:00Z",
                    "data": {"reason": body.get("reason")},
                }
            )
            found["status"] = target
            return JSONResponse(found)

        @portal.post("/v1/agency/disbursements")
        async def order(request: Request) -> JSONResponse:
            if not authorised(request):
                return problem(401, "invalid_token", "token not recognised")
            body = await request.json()
            self.orders.append(body)
            if (wrong := _order_problem(body)) is not None:
                return problem(422, "validation_failed", f"The order is invalid: {wrong}.")
            held = self.payouts.get(body["payout_id"])
            if held is not None:
                if any(held.get(k) != body.get(k) for k in _FINGERPRINTED):
                    return problem(
                        409,
                        "payout_id_reused",
                        f"Payout {body['payout_id']} was ordered before with other content.",
                    )
                return JSONResponse(self._shown(held), 200)
            self.payouts[body["payout_id"]] = {**body, "status": "ordered"}
            return JSONResponse(self._shown(self.payouts[body["payout_id"]]), 201)

        @portal.get("/v1/agency/disbursements/{payout_id}")
        async def payout(request: Request, payout_id: str) -> JSONResponse:
            if not authorised(request):
                return problem(401, "invalid_token", "token not recognised")
            held = self.payouts.get(payout_id)
            if held is None:
                return problem(404, "disbursement_not_found", "No such payout.")
            return JSONResponse(self._shown(held))

        return portal

    @staticmethod
    def _shown(held: dict[str, Any]) -> dict[str, Any]:
        """DisbursementOut: no national ID in the answer."""
        return {
            "id": f"d-{held['payout_id']}",
            "agency_code": "DOP",
            "payout_id": held["payout_id"],
            "kind": held["kind"],
            "title": held["title_en"],
            "period": held.get("period"),
            "amount_satang": held["amount_satang"],
            "amount_display": f"{held['amount_satang'] / 100:,.2f}",
            "pay_on": held.get("pay_on"),
            "status": held["status"],
            "reason": None,
            "account_masked": None,
            "settled_at": None,
        }


@dataclass
class Dop:
    client: httpx.AsyncClient
    portal: FakePortal
    clock: Clock
    app: FastAPI


@contextlib.asynccontextmanager
async def serving_dop(portal: FakePortal | None = None) -> AsyncIterator[Dop]:
    """The back office against a fake portal, over ASGI."""
    clock = Clock()
    portal = portal or FakePortal()
    app = create_app(
        credentials=CREDENTIALS,
        gateway="http://portal.test",
        gateway_transport=httpx.ASGITransport(app=portal.app()),
        clock=clock,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dop.test") as c,
    ):
        yield Dop(c, portal, clock, app)
