"""Helpers shared by the HTTP tests (importable as `support`: pytest puts tests/ on the path)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.config import Settings
from gateway.credentials import AgencyCredentials
from gateway.forwarding.ledger import Delivery
from gateway.forwarding.worker import Forwarder
from gateway.main import create_app
from identity.clients import MOBILE_APP_CLIENT_ID, MOBILE_APP_REDIRECT_URIS
from kernel.problems import PROBLEMS
from mock_agencies.dopa.population import build_population

PROBLEM_JSON = "application/problem+json"
PROBLEM_FIELDS = ("type", "title", "status", "detail", "code", "instance")


def assert_problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """`r` is an RFC 9457 problem with this status and code, and every required field."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = r.json()
    for field in PROBLEM_FIELDS:
        assert body.get(field), f"problem without {field}: {body}"
    assert body["status"] == status
    assert body["code"] == code
    assert code in PROBLEMS, f"{code} is not declared in kernel.problems"
    # Titles and details follow Accept-Language (Thai by default), and say so.
    assert r.headers["content-language"] in {"th", "en"}
    assert "accept-language" in r.headers["vary"].lower()
    return body


@contextlib.asynccontextmanager
async def started(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway built from `settings`, started (lifespan run), with a client for it."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


@dataclass
class Stack:
    """The gateway and the mock agencies, each with a client; they talk over ASGITransport."""

    gateway: httpx.AsyncClient
    agencies: httpx.AsyncClient
    app: FastAPI | None = None  # the gateway itself, for set-up a test cannot do over HTTP


#: Demo citizen 1 (docs/demo-citizens.md), as typed from the card.
SOMCHAI = {
    "national_id": "1100100001014",
    "laser_code": "JT0123456701",
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}


#: Demo citizen 8: a second person, for "one citizen never sees another's data".
NATTHIDA = {
    "national_id": "1120100008086",
    "laser_code": "JT0123456708",
    "first_name_th": "ณัฐธิดา",
    "last_name_th": "วงศ์สวัสดิ์",
    "birth_date_be": "25470620",
}


async def face_answer(
    stack: Stack, started: dict[str, Any], pid: str = SOMCHAI["national_id"], **scan: Any
) -> dict[str, Any]:
    """What the phone sends for the face step: a scan answering the verification's challenge."""
    response = await stack.agencies.post(
        "/device/face-scan",
        json={
            "pid": pid,
            "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            **scan,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {"template": body["template"], "liveness": body["liveness"]}


@dataclass
class Agencies:
    """The mock-agencies host alone: a client (faults, phone) and the transport connectors use."""

    app: httpx.AsyncClient
    transport: httpx.ASGITransport


# -- the app's login (OpenID Connect code flow + PKCE) ----------------------------------------

REDIRECT = MOBILE_APP_REDIRECT_URIS[0]


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization(challenge: str, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": MOBILE_APP_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile birthdate citizen",
        "state": "app-state-123",
        "nonce": secrets.token_urlsafe(16),  # fresh per login: a reused nonce is a replay
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **changes,
    }


async def login(
    stack: Stack,
    *,
    face: bool = True,
    nonce: str | None = None,
    person: dict[str, str] = SOMCHAI,
) -> dict[str, Any]:
    """Run the app's login; the token response."""
    verifier, challenge = pkce()
    request = authorization(challenge, **({"nonce": nonce} if nonce else {}))
    started = await stack.gateway.post(
        "/v1/identity/verifications", json={**person, "authorization": request}
    )
    assert started.status_code == 201, started.text
    body = started.json()
    if face:
        answer = await face_answer(stack, body, pid=person["national_id"])
        finished = await stack.gateway.post(body["face_url"], json=answer)
    else:
        finished = await stack.gateway.post(f"/v1/identity/verifications/{body['id']}/card-only")
    assert finished.status_code == 200, finished.text
    code = finished.json()["authorization"]
    assert code["state"] == "app-state-123"
    assert code["redirect_uri"] == REDIRECT
    token = await stack.gateway.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code["code"],
            "redirect_uri": REDIRECT,
            "client_id": MOBILE_APP_CLIENT_ID,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text
    tokens: dict[str, Any] = token.json()
    return tokens


# -- filing applications ------------------------------------------------------------------------

#: The smallest files each sniffer accepts (the type is decided by these first bytes).
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13) + b"\x00\x00\x00\x00IEND"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"

#: The driving-licence renewal (DLT): portal receipt anchor, 1 working day, one upload.
DLT_RENEWAL = "dlt-driving-licence-renewal"
DLT_FORM = {
    "appointment_date": "2026-12-01",
    "appointment_period": "morning",
    "contact_phone": "0812345678",
}
#: The unemployment claim (SSO): receipt counted when the agency's own system takes it.
SSO_UNEMPLOYMENT = "sso-unemployment-benefit"
SSO_FORM = {
    "last_working_day": "2026-10-31",
    "cause": "laid_off",
    "paid_by": "promptpay_id",
    "contact_phone": "0812345678",
}


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def free_port() -> int:
    """A loopback port free a moment ago (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def hold_read_caches(stack: Stack) -> None:
    """The recent revocations just read, and they, know's catalog and the rendered catalog
    answers not read again during the test. Under load they are read once a second or once in
    a few seconds, not per request; a slow test machine must not see that second pass in a
    count of statements."""
    assert stack.app is not None
    revocations = stack.app.state.oidc.revocations
    revocations.refresh_seconds = 3600
    revocations.expire()
    await revocations.window(stack.app.state.runtime.sessions)
    stack.app.state.know.catalog_seconds = 3600
    stack.app.state.runtime.render_cache.ttl = 3600


async def set_clock(stack: Stack, instant: str) -> None:
    """Move the gateway's simulated clock (do it before logging in: tokens carry the time)."""
    r = await stack.gateway.post(
        "/v1/admin/clock",
        json={"set": instant},
        headers={"Authorization": "Bearer test-admin-token-not-a-secret-0123456789"},
    )
    assert r.status_code == 200, r.text


async def draft(
    stack: Stack,
    headers: dict[str, str],
    service_id: str = DLT_RENEWAL,
    form: dict[str, Any] | None = None,
) -> dict[str, Any]:
    r = await stack.gateway.post(
        "/v1/applications",
        json={"service_id": service_id, "form": DLT_FORM if form is None else form},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def attach(
    stack: Stack,
    headers: dict[str, str],
    application_id: str,
    document: str,
    content: bytes = PDF,
    filename: str = "scan.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return await stack.gateway.post(
        f"/v1/applications/{application_id}/attachments",
        data={"document": document},
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


async def filed(
    stack: Stack, headers: dict[str, str], *, service_id: str = DLT_RENEWAL
) -> dict[str, Any]:
    """A complete DLT renewal (or SSO claim), submitted; the submit response."""
    form = DLT_FORM if service_id == DLT_RENEWAL else SSO_FORM
    application = await draft(stack, headers, service_id, form)
    if service_id == DLT_RENEWAL:
        r = await attach(stack, headers, application["id"], "medical-certificate")
        assert r.status_code == 201, r.text
    r = await stack.gateway.post(f"/v1/applications/{application['id']}/submit", headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def agency_headers(stack: Stack, code: str) -> dict[str, str]:
    """An access token for agency `code`'s back end (client credentials, scope agency:CODE)."""
    from identity.oidc import ClientKind

    assert stack.app is not None
    client_id, secret = (
        f"{code.lower()}-backend",
        f"{code.lower()}-client-secret-0123456789abcdefghij",
    )
    async with stack.app.state.runtime.sessions() as session:
        await stack.app.state.oidc.ensure_client(
            session,
            client_id=client_id,
            name=f"{code} back end",
            kind=ClientKind.CONFIDENTIAL,
            scopes=[f"agency:{code}"],
            secret=secret,
        )
        await session.commit()
    r = await stack.gateway.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@contextlib.asynccontextmanager
async def applications_service(stack: Stack) -> AsyncIterator[Any]:
    """The gateway's applications services on a unit of work of their own, at the gateway's
    current time (what the worker and the scheduled jobs use); the caller commits."""
    from gateway.applications.services import build

    assert stack.app is not None
    runtime = stack.app.state.runtime
    async with runtime.unit_of_work() as uow:
        yield build(uow, stack.app.state.applications, runtime.cursors)


async def act(
    stack: Stack, headers: dict[str, str], application_id: str, action: str, **body: Any
) -> httpx.Response:
    return await stack.gateway.post(
        f"/v1/agency/applications/{application_id}/actions",
        json={"action": action, **body},
        headers=headers,
    )


async def forget_citizens(session: Any) -> None:
    """Children before parents: every citizen, and what they filed, goes."""
    from sqlalchemy import delete

    from gateway.applications.models import TABLES as APPLICATION_TABLES
    from gateway.audit.models import DataAccess
    from gateway.documents.models import TABLES as DOCUMENT_TABLES
    from gateway.forwarding.models import TABLES as FORWARDING_TABLES
    from gateway.idempotency import IdempotencyRecord
    from gateway.tracking.models import TABLES as TRACKING_TABLES
    from identity.verification.models import AttemptCounter, Citizen, IdentityVerification
    from payments.models import TABLES as PAYMENT_TABLES

    for table in (
        *reversed(PAYMENT_TABLES),
        *reversed(FORWARDING_TABLES),
        *reversed(TRACKING_TABLES),
        *reversed(APPLICATION_TABLES),
        *reversed(DOCUMENT_TABLES),
        IdempotencyRecord,
        DataAccess,
        AttemptCounter,
        IdentityVerification,
        Citizen,
    ):
        await session.execute(delete(table))


AUDIT_TABLES = ("audit_log", "audit_chain_head")


@contextlib.asynccontextmanager
async def triggers_bypassed(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection on which the audit tables accept any change: what a database superuser,
    or someone editing a copy of the SQLite file, can do. Whatever it changes is committed."""
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # ALTER TABLE is transactional: the triggers are off for this transaction only.
            async with conn.begin():
                for table in AUDIT_TABLES:
                    await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                yield conn
                for table in AUDIT_TABLES:
                    await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            return
        # SQLite cannot disable a trigger: drop them and put the same SQL back afterwards.
        triggers = (
            await conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('audit_log', 'audit_chain_head')"
                )
            )
        ).all()
        await conn.commit()
        try:
            for name, _ in triggers:
                await conn.execute(text(f'DROP TRIGGER "{name}"'))
            await conn.commit()
            yield conn
            await conn.commit()
        finally:
            await conn.rollback()
            for _, sql in triggers:
                await conn.execute(text(sql))
            await conn.commit()


async def published_services(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every live service the catalog publishes, read page by page as an app would."""
    services: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/services", params=params)
        assert r.status_code == 200, r.text
        services += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return services


async def published_service_ids(client: httpx.AsyncClient) -> list[str]:
    return [service["id"] for service in await published_services(client)]


#: The synthetic population the in-process registry and phone serve in tests.
POPULATION = build_population(seed=2565, size=200)


async def reset_operator_state(settings: Settings) -> None:
    """The clock back to the real time, and no extra holidays."""
    from sqlalchemy import delete

    from gateway.catalog.models import ExtraHoliday
    from gateway.clock import SimulationClock
    from gateway.db import create_engine, session_factory

    engine = create_engine(settings)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(delete(SimulationClock))
        await session.execute(delete(ExtraHoliday))
    await engine.dispose()


@dataclass
class Portal(Stack):
    """The stack, plus the worker and the agency apps (for their staff endpoints)."""

    forwarder: Forwarder | None = None
    credentials: dict[str, AgencyCredentials] | None = None
    callbacks: Any = None  # the agencies' line back to the gateway (target None: cut)

    async def forward(self) -> list[Delivery]:
        assert self.forwarder is not None
        return await self.forwarder.run_once()


async def eventually(check: Callable[[], Awaitable[bool]], rounds: int = 1500) -> None:
    """Wait (bounded, 30 s by default: a loaded machine is slow, and the wait ends as soon
    as it holds) for something an agency does in the background, e.g. a callback."""
    for _ in range(rounds):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the expected change never arrived")


async def shown(
    stack: Stack, headers: dict[str, str], application_id: str, lang: str = "th"
) -> dict[str, Any]:
    """An application as its citizen sees it."""
    r = await stack.gateway.get(
        f"/v1/applications/{application_id}", headers={**headers, "Accept-Language": lang}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# -- the mock bank in tests ---------------------------------------------------------------

GATEWAY = "http://gateway.test"


class GatewayTime:
    """The mock bank's clock in tests: the gateway's (simulated) time, so that a payment made
    "after expiry" is after expiry for both."""

    def __init__(self) -> None:
        self.of: FastAPI | None = None

    def __call__(self) -> float:
        if self.of is None:
            return time.time()
        return float(self.of.state.runtime.clock.now().timestamp())


def mock_bank(
    settings: Settings, to_gateway: httpx.AsyncBaseTransport, clock: GatewayTime
) -> FastAPI:
    """The mock bank, sharing the gateway's bank credentials, its webhooks going to the gateway
    in-process."""
    from gateway.payments.runtime import bank_credentials
    from mock_agencies.bank import app as bank
    from mock_agencies.bank.credentials import BankCredentials as MockBankCredentials

    keys = bank_credentials(settings)
    app: FastAPI = bank.create_app(
        clock=clock,
        credentials=MockBankCredentials(
            api_key=keys.api_key,
            webhook_secret=keys.webhook_secret,
            webhook_key_id=keys.webhook_key_id,
        ),
        webhook_url=f"{GATEWAY}/v1/payments/webhooks/mockbank",
        webhook_transport=to_gateway,
    )
    return app


# -- outside tools that read what the gateway makes (poppler, zbar) ---------------------------

Tool = Callable[..., subprocess.CompletedProcess[str]]


def outside_tool(name: str, package: str) -> Tool:
    """A Debian tool the tests run on what the gateway made (a PDF, a QR code). Missing, it
    skips loudly, except in CI, where it fails: `.ci/run` and `make test` install it."""
    binary = shutil.which(name)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {name}: .ci/run (and make test) install {package}")
        pytest.skip(
            f"{name.upper()} NOT FOUND ON PATH: what the gateway made is NOT being checked by an "
            f"outside tool. Install it (apt-get install {package}; `make test` tries to)."
        )

    def run(*args: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (a fixed binary, paths the test made)
            [binary, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
        )

    return run


# -- an e-document in the wallet (receive) ------------------------------------------------------


async def approved_and_issued(portal: Portal) -> tuple[dict[str, str], dict[str, Any]]:
    """Somchai's unemployment claim filed, approved by SSO's officer, and its award letter
    issued into his wallet: his headers and the application."""
    headers = bearer(await login(portal))
    application = (await filed(portal, headers, service_id=SSO_UNEMPLOYMENT))["application"]
    assert [d.outcome for d in await portal.forward()] == ["delivered"]
    cases = (await portal.agencies.get("/sso/staff/applications")).json()["applications"]
    [case] = [c for c in cases if c["application_number"] == application["number"]]
    for action in ("accept", "approve"):
        r = await portal.agencies.post(
            f"/sso/staff/applications/{case['agency_ref']}/{action}", json={}
        )
        assert r.status_code == 200, r.text

    async def approved() -> bool:
        status: str = (await shown(portal, headers, application["id"]))["status"]
        return status == "approved"

    await eventually(approved)
    outcomes = [d.outcome for d in await portal.forward()]
    assert "issued" in outcomes, outcomes
    return headers, application


async def wallet_document(
    stack: Stack, headers: dict[str, str], application_id: str
) -> dict[str, Any]:
    """The wallet's document that `application_id`'s approval granted."""
    r = await stack.gateway.get("/v1/documents", headers=headers)
    assert r.status_code == 200, r.text
    [document] = [d for d in r.json()["items"] if d.get("application_id") == application_id]
    found: dict[str, Any] = document
    return found


async def agency_says(
    portal: Portal, number: str, status: str, reason: str = "ออกผิดคน / issued in error"
) -> httpx.Response:
    """SSO's back office tells the gateway its document `number` is now `status`, signed the
    way its callbacks are (POST /v1/agency/document-status/SSO)."""
    from gateway.forwarding.signing import sign

    assert portal.credentials is not None
    raw = json.dumps({"number": number, "status": status, "reason": reason}).encode()
    ts, nonce = int(time.time()), secrets.token_urlsafe(18)
    return await portal.gateway.post(
        "/v1/agency/document-status/SSO",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Agency": "SSO",
            "X-Timestamp": str(ts),
            "X-Nonce": nonce,
            "X-Signature": sign(portal.credentials["SSO"].callback_secret, ts, nonce, raw),
        },
    )


def local(url: str) -> str:
    """A link the gateway gave (under its public URL), as a path for the in-process client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
