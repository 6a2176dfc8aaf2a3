"""The issue's "done when", the way a person sees it after `make run`: an application to each
mock agency reaches it and comes back approved or rejected; a Web Integration service opens the
agency's own page with the citizen's data.

Real processes on loopback, started as `make run` starts them (`citizen-gateway db upgrade`,
`seed`, `urls`, then `agencies` and `serve` with the outbox worker embedded on SQLite), in a
temporary working directory on free ports. The test speaks HTTP only, as the app, a browser
and the agencies' staff would: a citizen logs in (card, laser code, face scan), files (or
launches the agency's own page), the agency holds the case, its staff act through its own
HTTP back office, and the citizen's application on the gateway ends approved or rejected with
the agency's steps on its timeline. Every wait is bounded; every process is stopped at the end.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from support import free_port

CLI = str(Path(sys.executable).parent / "citizen-gateway")
#: How long one awaited change (a forward, a callback, a decision) may take.
DEADLINE_SECONDS = 30.0
STARTUP_SECONDS = 60.0
POLL_SECONDS = 0.1

#: Demo citizens (docs/demo-citizens.md), as typed from their cards.
SOMCHAI = {
    "national_id": "1100100001014",
    "laser_code": "JT0123456701",
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}
BOONMEE = {  # born 1951: the older persons' allowance is his
    "national_id": "3500100002021",
    "laser_code": "JT0123456702",
    "first_name_th": "บุญมี",
    "last_name_th": "มีสุข",
    "birth_date_be": "24940412",
}
APP_CLIENT = "tangrat-app"
APP_REDIRECT = "th.go.tangrat.app:/oauth/callback"
#: A one-page scan, as a phone would produce it.
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

T = TypeVar("T")


# -- the processes `make run` starts ------------------------------------------------------------


@dataclass
class Running:
    """Where the started gateway and mock agencies answer, and what they wrote."""

    gateway_url: str
    agencies_url: str
    workdir: Path

    def credentials(self, code: str) -> dict[str, str]:
        """Agency `code`'s development credentials, from the file the processes share."""
        path = self.workdir / "var" / "mock-agencies" / "agency-credentials.json"
        entry: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))[code]
        return entry

    def log_tails(self, lines: int = 15) -> str:
        """The last lines the two servers logged, leaving out the access log."""
        parts = []
        for name in ("agencies.log", "serve.log"):
            log = self.workdir / name
            if not log.exists():
                continue
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            tail = [line for line in text if "gateway.access" not in line][-lines:]
            parts.append(f"--- {name} (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n".join(parts)


def _environment(gateway_url: str, agencies_url: str, workdir: Path) -> dict[str, str]:
    """The Makefile's environment (PUBLIC_URL, AGENCIES_URL), with everything the processes
    keep under a temporary directory, and nothing inherited from the caller's configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITIZEN_GATEWAY_", "MOCK_"))}
    var = workdir / "var"
    env.update(
        CITIZEN_GATEWAY_PUBLIC_URL=gateway_url,
        CITIZEN_GATEWAY_AGENCIES_URL=agencies_url,
        CITIZEN_GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{var}/gateway.db",
        CITIZEN_GATEWAY_VAR_DIR=str(var),
        CITIZEN_GATEWAY_STORAGE_DIR=str(var / "storage"),
        # Only faster: the embedded worker looks for new filings every 0.2 s instead of 0.5 s.
        CITIZEN_GATEWAY_WORKER_IDLE_SECONDS="0.2",
        # DLT issues on approval, as before the portal took payments (the gateway does not pay
        # fees yet); by default it would wait in awaiting_payment for the fee.
        MOCK_DLT_RULES=json.dumps({"collect_fees": False}),
        PYTHONUNBUFFERED="1",
    )
    return env


def _command(args: list[str], env: dict[str, str], workdir: Path) -> None:
    log = workdir / f"{args[0]}.log"
    with log.open("ab") as out:
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [CLI, *args],
            check=False,
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    if done.returncode != 0:
        pytest.fail(f"`citizen-gateway {' '.join(args)}` failed:\n{log.read_text()}")


@contextlib.contextmanager
def _server(
    args: list[str], env: dict[str, str], workdir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with (workdir / f"{args[0]}.log").open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [CLI, *args], env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()  # uvicorn shuts down cleanly: lifespans end, the worker stops
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_ready(
    url: str, processes: list[subprocess.Popen[bytes]], running: Running
) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = "no answer yet"
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in processes):
                pytest.fail(f"a process ended before {url} was ready:\n{running.log_tails(40)}")
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                last = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return response
                last = f"{response.status_code} {response.text[:300]}"
            time.sleep(0.2)
    pytest.fail(
        f"{url} not ready after {STARTUP_SECONDS:.0f} s; last: {last}\n{running.log_tails()}"
    )


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """`make run` in a temporary working directory: migrate, seed, then the mock agencies and
    the gateway (worker embedded), each its own process on a free port.

    With ROUND_TRIPS_AGAINST=<the directory `make run` runs in>, the round trips go to that
    running stack instead (at CITIZEN_GATEWAY_PUBLIC_URL and CITIZEN_GATEWAY_AGENCIES_URL,
    by default make run's ports), to check a `make run` by hand."""
    against = os.environ.get("ROUND_TRIPS_AGAINST")
    if against:
        yield Running(
            os.environ.get("CITIZEN_GATEWAY_PUBLIC_URL", "http://127.0.0.1:8000"),
            os.environ.get("CITIZEN_GATEWAY_AGENCIES_URL", "http://127.0.0.1:8100"),
            Path(against),
        )
        return
    workdir = tmp_path_factory.mktemp("make-run")
    gateway_port, agencies_port = free_port(), free_port()
    while agencies_port == gateway_port:
        agencies_port = free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    agencies_url = f"http://127.0.0.1:{agencies_port}"
    env = _environment(gateway_url, agencies_url, workdir)
    started = Running(gateway_url, agencies_url, workdir)

    _command(["db", "upgrade"], env, workdir)
    _command(["seed"], env, workdir)
    _command(
        ["urls", "--port", str(gateway_port), "--agencies-port", str(agencies_port)], env, workdir
    )
    with (
        _server(["agencies", "--port", str(agencies_port)], env, workdir) as agencies,
        _server(["serve", "--port", str(gateway_port)], env, workdir) as gateway,
    ):
        _wait_ready(f"{agencies_url}/healthz", [agencies, gateway], started)
        ready = _wait_ready(f"{gateway_url}/readyz", [agencies, gateway], started)
        assert ready.json()["checks"] == {"worker": "ok", "database": "ok", "schema": "ok"}
        yield started


@dataclass
class Clients:
    gateway: httpx.AsyncClient
    agencies: httpx.AsyncClient
    running: Running


@pytest.fixture
async def http(running: Running) -> AsyncIterator[Clients]:
    async with (
        httpx.AsyncClient(base_url=running.gateway_url, timeout=30) as gateway,
        httpx.AsyncClient(base_url=running.agencies_url, timeout=30) as agencies,
    ):
        yield Clients(gateway, agencies, running)


# -- waiting, bounded -----------------------------------------------------------------------


def _brief(seen: object) -> object:
    """An application as a failure message shows it: status and timeline kinds."""
    if isinstance(seen, dict) and "timeline" in seen:
        return {
            "status": seen.get("status"),
            "timeline": [event.get("kind") for event in seen["timeline"]],
        }
    return seen


async def until(
    clients: Clients, what: str, look: Callable[[], Awaitable[T]], done: Callable[[T], bool]
) -> T:
    """What `look` sees once `done` says so; a clear failure with the last thing seen (and the
    processes' logs) when that does not happen within DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    last: object = "nothing yet"
    while True:
        try:
            seen = await look()
        except httpx.HTTPError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if done(seen):
                return seen
            last = _brief(seen)
        if time.monotonic() > deadline:
            pytest.fail(
                f"gave up after {DEADLINE_SECONDS:.0f} s waiting for {what}; "
                f"last seen: {last!r}\n{clients.running.log_tails()}"
            )
        await asyncio.sleep(POLL_SECONDS)


# -- the citizen's app --------------------------------------------------------------------------


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} answered "
        f"{response.status_code}: {response.text[:500]}"
    )
    return response.json()


async def login(clients: Clients, person: dict[str, str]) -> dict[str, str]:
    """The app's login: card + laser code, a face scan on the (simulated) phone, the code
    exchanged with PKCE; the headers the app then sends."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    request = {
        "client_id": APP_CLIENT,
        "redirect_uri": APP_REDIRECT,
        "response_type": "code",
        "scope": "openid profile birthdate citizen",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    started = _ok(
        await clients.gateway.post(
            "/v1/identity/verifications", json={**person, "authorization": request}
        ),
        201,
    )
    scan = _ok(
        await clients.agencies.post(
            "/device/face-scan",
            json={
                "pid": person["national_id"],
                "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            },
        )
    )
    face = _ok(
        await clients.gateway.post(
            started["face_url"], json={"template": scan["template"], "liveness": scan["liveness"]}
        )
    )
    tokens = _ok(
        await clients.gateway.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": face["authorization"]["code"],
                "redirect_uri": APP_REDIRECT,
                "client_id": APP_CLIENT,
                "code_verifier": verifier,
            },
        )
    )
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def draft(
    clients: Clients, headers: dict[str, str], service_id: str, form: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = _ok(
        await clients.gateway.post(
            "/v1/applications",
            json={"service_id": service_id, "form": form},
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    return body


async def submit(clients: Clients, headers: dict[str, str], application_id: str) -> dict[str, Any]:
    body: dict[str, Any] = _ok(
        await clients.gateway.post(
            f"/v1/applications/{application_id}/submit",
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    assert body["application"]["status"] == "submitted"
    return body


async def shown(clients: Clients, headers: dict[str, str], application_id: str) -> dict[str, Any]:
    body: dict[str, Any] = _ok(
        await clients.gateway.get(f"/v1/applications/{application_id}", headers=headers)
    )
    return body


async def reaches(
    clients: Clients, headers: dict[str, str], application_id: str, status: str
) -> dict[str, Any]:
    """The application as the citizen sees it, once it is `status`."""
    return await until(
        clients,
        f"application {application_id} to be {status}",
        lambda: shown(clients, headers, application_id),
        lambda seen: seen["status"] == status,
    )


async def inbox(clients: Clients, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _ok(
        await clients.gateway.get("/v1/notifications", headers={**headers, "Accept-Language": "en"})
    )["items"]
    return items


def kinds(application: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in application["timeline"]]


APPROVED = ["created", "submit", "forward", "accept", "approve"]


def approved_timeline(application: dict[str, Any]) -> list[str]:
    """The timeline up to the approval. The worker signs a granted document right after it,
    and the status read's statements are not one snapshot (SQLite reads outside a
    transaction, PostgreSQL reads committed), so a read at that moment can already list the
    `issue` event: it is allowed to follow, nothing else is."""
    seen = kinds(application)
    assert seen[len(APPROVED) :] in ([], ["issue"]), seen
    return seen[: len(APPROVED)]


# -- the API-kind agencies' back offices (casework: DLT, SSO, RD) ------------------------------


async def held_by(clients: Clients, code: str, number: str) -> dict[str, Any]:
    """The case agency `code` holds for application `number`, as its staff list shows it."""

    async def cases() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _ok(
            await clients.agencies.get(f"/{code.lower()}/staff/applications")
        )["applications"]
        return [case for case in found if case["application_number"] == number]

    mine = await until(clients, f"{code} to hold {number}", cases, lambda found: len(found) > 0)
    assert len(mine) == 1, mine  # delivered once
    return mine[0]


async def click(clients: Clients, page: str, action: str, **fields: str) -> httpx.Response:
    """An officer presses a button of a back-office page: the page must offer it (a form
    posting to `action`), and the post comes back to a page (303)."""
    shown_page = await clients.agencies.get(page)
    assert shown_page.status_code == 200, shown_page.text
    assert f'action="{action}"' in shown_page.text, f"{page} offers no form for {action}"
    target = httpx.URL(page).join(action)
    # What a browser posts for the form, even an empty one: urlencoded fields.
    response = await clients.agencies.post(
        str(target),
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303, f"{action}: {response.status_code} {response.text[:500]}"
    return response


async def callbacks_delivered(clients: Clients, code: str, agency_ref: str) -> list[str]:
    """The statuses agency `code` reported on `agency_ref` by signed callback, once every one
    is acknowledged by the gateway."""

    async def deliveries() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _ok(
            await clients.agencies.get(f"/{code.lower()}/staff/callbacks")
        )["callbacks"]
        return [d for d in found if d["agency_ref"] == agency_ref]

    mine = await until(
        clients,
        f"{code}'s callbacks on {agency_ref} to be acknowledged",
        deliveries,
        lambda found: bool(found) and all(d["state"] == "delivered" for d in found),
    )
    assert all(d["last_status"] == 200 for d in mine), mine
    return [d["status"] for d in sorted(mine, key=lambda d: d["seq"])]


# -- the round trips ----------------------------------------------------------------------------


async def test_a_driving_licence_renewal_reaches_dlt_and_comes_back_approved(
    http: Clients,
) -> None:
    headers = await login(http, SOMCHAI)
    renewal = await draft(
        http,
        headers,
        "dlt-driving-licence-renewal",
        {
            "appointment_date": (
                dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)
            ).isoformat(),
            "appointment_period": "morning",
            "contact_phone": "0812345678",
        },
    )
    assert {"first_name_th", "last_name_th"} <= set(renewal["prefilled_fields"])
    attached = await http.gateway.post(
        f"/v1/applications/{renewal['id']}/attachments",
        data={"document": "medical-certificate"},
        files={"file": ("medical-certificate.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    _ok(attached, 201)
    number = (await submit(http, headers, renewal["id"]))["application"]["number"]
    assert number.startswith("DLT-")

    # The embedded worker forwards it; DLT holds the case.
    await reaches(http, headers, renewal["id"], "forwarded")
    case = await held_by(http, "DLT", number)
    assert case["status"] == "received"
    assert case["service_id"] == "dlt-driving-licence-renewal"

    # An officer works the case on DLT's back-office page: accept, then approve.
    ref = case["agency_ref"]
    await click(http, "/dlt/staff/", f"applications/{ref}/accept")
    await click(http, "/dlt/staff/", f"applications/{ref}/approve")

    approved = await reaches(http, headers, renewal["id"], "approved")
    assert approved_timeline(approved) == APPROVED
    assert [e["actor"] for e in approved["timeline"][-2:]] == ["agency", "agency"]
    assert await callbacks_delivered(http, "DLT", ref) == ["in_review", "approved"]
    at_dlt = _ok(await http.agencies.get(f"/dlt/staff/applications/{ref}"))
    assert at_dlt["status"] == "approved"
    assert at_dlt["document_id"]  # the renewed licence DLT issued
    told = (await inbox(http, headers))[0]
    assert (told["kind"], told["application_id"]) == ("approved", renewal["id"])


async def test_an_unemployment_claim_reaches_sso_and_comes_back_approved_with_a_payout(
    http: Clients,
) -> None:
    headers = await login(http, SOMCHAI)
    claim = await draft(
        http,
        headers,
        "sso-unemployment-benefit",
        {
            "last_working_day": "2026-10-31",
            "cause": "laid_off",
            "paid_by": "promptpay_id",
            "contact_phone": "0812345678",
        },
    )
    number = (await submit(http, headers, claim["id"]))["application"]["number"]
    assert number.startswith("SSO-")

    await reaches(http, headers, claim["id"], "forwarded")
    case = await held_by(http, "SSO", number)
    assert case["status"] == "received"

    # SSO's officers act through its staff API (what the page's buttons post to).
    ref = case["agency_ref"]
    for action, status in (("accept", "in_review"), ("approve", "approved")):
        acted = _ok(await http.agencies.post(f"/sso/staff/applications/{ref}/{action}", json={}))
        assert acted["status"] == status

    approved = await reaches(http, headers, claim["id"], "approved")
    assert approved_timeline(approved) == APPROVED
    assert await callbacks_delivered(http, "SSO", ref) == ["in_review", "approved"]

    # The first month of benefit is ordered from the portal, to PromptPay on the claimant's ID.
    at_sso = _ok(await http.agencies.get(f"/sso/staff/applications/{ref}"))
    payout = at_sso["events"][-1]["data"]["payout"]
    assert payout["agency_ref"] == ref
    assert (payout["status"], payout["via"]) == ("ordered", "portal")
    assert payout["amount_satang"] > 0
    assert payout["to"] == {"promptpay_id": SOMCHAI["national_id"]}
    [order] = at_sso["events"][-1]["data"]["disbursements"]
    assert (order["payout_id"], order["amount_satang"]) == (
        f"{number}-UB-1",
        payout["amount_satang"],
    )
    # ... and SSO's data-exchange API (the gateway's consumer credentials) lists it too.
    sso = http.running.credentials("SSO")
    token = _ok(
        await http.agencies.get(
            "/sso/gdx/auth/validate",
            params={"ConsumerSecret": sso["consumer_secret"], "AgentID": "3100100000014"},
            headers={"Consumer-Key": sso["consumer_key"]},
        )
    )["Result"]
    payouts = _ok(
        await http.agencies.get(
            "/sso/api/v1/payouts",
            params={"pid": SOMCHAI["national_id"]},
            headers={"Consumer-Key": sso["consumer_key"], "Token": token},
        )
    )["payouts"]
    assert payout in payouts


async def test_an_income_tax_return_reaches_rd_and_comes_back_rejected_with_its_reason(
    http: Clients,
) -> None:
    headers = await login(http, SOMCHAI)
    last_year_be = dt.datetime.now(dt.UTC).year - 1 + 543
    tax_return = await draft(
        http,
        headers,
        "rd-personal-income-tax-efiling",
        {"tax_year": last_year_be, "return_type": "PND91", "refund_requested": True},
    )
    number = (await submit(http, headers, tax_return["id"]))["application"]["number"]
    assert number.startswith("RD-")

    await reaches(http, headers, tax_return["id"], "forwarded")
    case = await held_by(http, "RD", number)
    assert case["status"] == "received"

    # RD's officer takes it up on the page, then refuses it there, giving the reason.
    ref = case["agency_ref"]
    reason = "ยื่นแบบซ้ำสำหรับปีภาษีนี้ / A return for this tax year was already filed"
    await click(http, "/rd/staff/", f"applications/{ref}/accept")
    await click(http, "/rd/staff/", f"applications/{ref}/reject", reason=reason)

    rejected = await reaches(http, headers, tax_return["id"], "rejected")
    assert kinds(rejected) == ["created", "submit", "forward", "accept", "reject"]
    assert rejected["timeline"][-1]["data"]["reason"] == reason
    assert await callbacks_delivered(http, "RD", ref) == ["in_review", "rejected"]
    told = (await inbox(http, headers))[0]
    assert told["kind"] == "rejected"
    assert told["application_id"] == tax_return["id"]
    assert "already filed" in told["body"]


async def test_an_allowance_registration_waits_for_dop_officers_who_approve_it(
    http: Clients,
) -> None:
    """The DOP is platform kind: its officers work in its back office on the gateway's agency
    API; there is no agency system to forward to."""
    headers = await login(http, BOONMEE)
    registration = await draft(
        http,
        headers,
        "dop-older-persons-allowance-registration",
        {"payment_method": "promptpay_id"},
    )
    assert {"birth_date", "registered_address"} <= set(registration["prefilled_fields"])
    application_id = registration["id"]
    number = (await submit(http, headers, application_id))["application"]["number"]
    assert number.startswith("DOP-")
    await reaches(http, headers, application_id, "forwarded")

    # The officers see it in their list, open it (the citizen's data from the portal) and act.
    listed = await until(
        http,
        f"DOP's back office to list {number}",
        lambda: http.agencies.get("/dop/backoffice/"),
        lambda page: page.status_code == 200 and application_id in page.text,
    )
    assert number in listed.text
    page = f"/dop/backoffice/applications/{application_id}"
    opened = await http.agencies.get(page)
    assert opened.status_code == 200, opened.text
    assert "บุญมี" in opened.text
    assert "1951-04-12" in opened.text  # the birth date the portal holds, never typed again
    for action in ("accept", "approve"):
        done = await click(http, page, f"{page}/{action}", officer="dop-officer-07")
        assert done.headers["location"].endswith(page)
    after = await http.agencies.get(page)
    assert '<td id="status">approved</td>' in after.text

    approved = await reaches(http, headers, application_id, "approved")
    assert approved_timeline(approved) == APPROVED
    assert [e["actor"] for e in approved["timeline"][-2:]] == ["agency", "agency"]
    told = (await inbox(http, headers))[0]
    assert (told["kind"], told["application_id"]) == ("approved", application_id)


PERMIT = {
    "applicant_role": "owner",
    "site_title_deed_number": "12345",
    "site_house_number": "99",
    "site_road": "พระราม 4",
    "site_subdistrict": "สีลม",
    "site_district": "บางรัก",
    "building_use": "detached_house",
    "storeys": "2",
    "floor_area_sqm": "180.5",
    "engineer_licence_number": "สย.12345",
    "contact_phone": "0812345678",
}


async def test_a_web_integration_service_opens_bmas_own_page_with_the_citizens_data(
    http: Clients,
) -> None:
    headers = await login(http, SOMCHAI)
    permit = await draft(http, headers, "bma-building-permit", {})
    refused = await http.gateway.post(f"/v1/applications/{permit['id']}/submit", headers=headers)
    assert refused.status_code == 409  # filed on the BMA's own site, not on the portal
    assert refused.json()["code"] == "file_on_agency_site"

    launched = _ok(
        await http.gateway.post(f"/v1/applications/{permit['id']}/launch", headers=headers), 201
    )
    link = urlsplit(launched["url"])
    assert f"{link.scheme}://{link.netloc}" == http.running.agencies_url
    assert link.path == "/bma/eservice"
    assert parse_qs(link.query)["appId"] == [permit["id"]]

    # The citizen's browser opens the link: the BMA's own page, with the verified name and
    # address the BMA got for the one-time mToken.
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(launched["url"])
        assert page.status_code == 200, page.text
        assert '<dd id="applicant-name">สมชาย ใจดี</dd>' in page.text
        assert "Somchai Jaidee" in page.text
        assert "แขวงลุมพินี เขตปทุมวัน" in page.text
        async with httpx.AsyncClient(timeout=30) as someone_else:
            used = await someone_else.get(launched["url"])
        assert used.status_code == 401  # the mToken was good once

        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        filed = await browser.post(
            f"{http.running.agencies_url}/bma/eservice/submit",
            data={**PERMIT, "csrf": csrf.group(1)},
        )
        assert filed.status_code == 200, filed.text
    receipt = re.search(r'<dd id="agency-ref">([^<]+)</dd>', filed.text)
    assert receipt is not None
    ref = receipt.group(1)

    # The BMA reports the filing by signed callback: the portal files it and gives its receipt.
    forwarded = await reaches(http, headers, permit["id"], "forwarded")
    assert forwarded["number"].startswith("BMA-")
    assert forwarded["deemed_received_at"] is not None
    assert kinds(forwarded) == ["created", "submit", "forward"]
    assert forwarded["timeline"][1]["actor"] == "agency"
    _ok(await http.gateway.get(f"/v1/applications/{permit['id']}/receipt", headers=headers))

    # The BMA's staff decide on their own pages; the decision comes back to the portal.
    at_bma = _ok(await http.agencies.get(f"/bma/staff/applications/{ref}"))
    assert at_bma["application_id"] == permit["id"]
    assert at_bma["applicant"]["first_name_th"] == "สมชาย"
    for action in ("accept", "approve"):
        await click(http, "/bma/staff/", f"/bma/staff/applications/{ref}/{action}")

    approved = await reaches(http, headers, permit["id"], "approved")
    assert approved_timeline(approved) == APPROVED

    async def deliveries() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _ok(await http.agencies.get("/bma/deliveries"))["items"]
        return [d for d in found if d["key"] == ref]

    sent = await until(
        http,
        f"the BMA's messages on {ref} to be acknowledged",
        deliveries,
        lambda found: len(found) == 6 and all(d["state"] == "delivered" for d in found),
    )
    assert sorted(d["kind"] for d in sent) == ["callback"] * 3 + ["notification"] * 3
    messages = [n for n in await inbox(http, headers) if n["application_id"] == permit["id"]]
    assert {"approved", "agency_message"} <= {n["kind"] for n in messages}
    assert "Your building permit is approved" in {n["title"] for n in messages}
