"""`citizen-gateway demo`: one demo citizen through the journey, over HTTP, printing each step;
`citizen-gateway token`: the app's login alone, for a demo citizen's access token.

It speaks to a running gateway and mock agencies exactly as the app, the phone, the citizen's
bank app and the agencies' officers would (no project internals): know (the service's
manual), identify (card, laser code, face scan), submit (a prefilled draft, an attachment,
the receipt), track (status, timeline, inbox), pay (DLT approves "waiting for the fee"; the
Thai QR scanned in the mock bank's app; the bank's webhook; the e-receipt) and receive (DLT
issues the licence once paid; demo citizen 2's older persons' allowance from DOP, credited to
the PromptPay account of their national ID).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

#: The demo citizens of docs/demo-citizens.md, in its order (citizen N is DEMO_CITIZENS[N - 1]),
#: as typed into the app from their cards. Only active cards (1, 2, 3, 7, 8) can log in.
DEMO_CITIZENS: tuple[dict[str, str], ...] = (
    {"national_id": "1100100001014", "laser_code": "JT0123456701",
     "first_name_th": "สมชาย", "last_name_th": "ใจดี", "birth_date_be": "25300115"},
    {"national_id": "3500100002021", "laser_code": "JT0123456702",
     "first_name_th": "บุญมี", "last_name_th": "มีสุข", "birth_date_be": "24940412"},
    {"national_id": "3400100003037", "laser_code": "JT0123456703",
     "first_name_th": "มาลี", "last_name_th": "ศรีสุข", "birth_date_be": "25200800"},
    {"national_id": "1200100004047", "laser_code": "JT0123456704",
     "first_name_th": "ประเสริฐ", "last_name_th": "แสงทอง", "birth_date_be": "25270922"},
    {"national_id": "1900100005055", "laser_code": "JT0123456705",
     "first_name_th": "สุดา", "last_name_th": "ทองคำ", "birth_date_be": "25351130"},
    {"national_id": "1300100006065", "laser_code": "JT0123456706",
     "first_name_th": "วิชัย", "last_name_th": "รักไทย", "birth_date_be": "25280704"},
    {"national_id": "3340100007076", "laser_code": "JT0123456707",
     "first_name_th": "ทองใบ", "last_name_th": "บุญมา", "birth_date_be": "24900000"},
    {"national_id": "1120100008086", "laser_code": "JT0123456708",
     "first_name_th": "ณัฐธิดา", "last_name_th": "วงศ์สวัสดิ์", "birth_date_be": "25470620"},
)  # fmt: skip
SOMCHAI = DEMO_CITIZENS[0]
SERVICE = "dlt-driving-licence-renewal"
APP_CLIENT = "tangrat-app"
APP_REDIRECT = "th.go.tangrat.app:/oauth/callback"
#: What the app asks for at login.
APP_SCOPE = "openid profile birthdate citizen"
# A one-page scan, as a phone would produce it (a tiny valid PDF).
CERTIFICATE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


#: How long the demo waits for the worker, an agency or the bank before it gives up.
WAIT_SECONDS = 60.0
ALLOWANCE = "dop-older-persons-allowance-registration"


class DemoFailed(RuntimeError):
    pass


async def _until(what: str, check: Callable[[], Any], seconds: float = WAIT_SECONDS) -> Any:
    """Poll `check` (an async callable) until it returns something truthy; DemoFailed after
    `seconds`, naming what never happened."""
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise DemoFailed(f"waited {seconds:.0f} s for {what}; it did not happen")
        await asyncio.sleep(0.5)


def _check(response: httpx.Response, expected: int) -> dict[str, Any]:
    _expect(response, expected)
    body: dict[str, Any] = response.json()
    return body


def _expect(response: httpx.Response, expected: int) -> None:
    if response.status_code != expected:
        raise DemoFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )


async def run_against(
    gateway_url: str,
    agencies_url: str,
    say: Callable[[str], None],
    save_to: Path | None = None,
) -> dict[str, Any]:
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway,
        httpx.AsyncClient(base_url=agencies_url, timeout=30) as agencies,
    ):
        return await run(gateway, agencies, say, save_to)


async def token_for(
    gateway_url: str, agencies_url: str, citizen: dict[str, str], scope: str = APP_SCOPE
) -> dict[str, Any]:
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway,
        httpx.AsyncClient(base_url=agencies_url, timeout=30) as agencies,
    ):
        return await log_in(gateway, agencies, citizen, scope)


async def log_in(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    citizen: dict[str, str],
    scope: str = APP_SCOPE,
    *,
    face: bool = True,
) -> dict[str, Any]:
    """The app's login, as the app and the phone do it: the card's data and laser code with an
    authorization request (PKCE), a face scan on the simulated phone answering the gateway's
    liveness challenge, the authorization code exchanged at /oauth/token. The token response.
    `face=False`: the card check alone (a lower assurance level, no scan)."""
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    started = _check(
        await gateway.post(
            "/v1/identity/verifications",
            json={
                **citizen,
                "authorization": {
                    "client_id": APP_CLIENT,
                    "redirect_uri": APP_REDIRECT,
                    "response_type": "code",
                    "scope": scope,
                    "state": secrets.token_urlsafe(8),
                    "nonce": secrets.token_urlsafe(16),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            },
        ),
        201,
    )
    if face:
        scan = _check(
            await agencies.post(
                "/device/face-scan",
                json={
                    "pid": citizen["national_id"],
                    "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
                },
            ),
            200,
        )
        done = _check(
            await gateway.post(
                started["face_url"],
                json={"template": scan["template"], "liveness": scan["liveness"]},
            ),
            200,
        )
    else:
        done = _check(
            await gateway.post(f"/v1/identity/verifications/{started['id']}/card-only"), 200
        )
    return _check(
        await gateway.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": done["authorization"]["code"],
                "redirect_uri": APP_REDIRECT,
                "client_id": APP_CLIENT,
                "code_verifier": verifier,
            },
        ),
        200,
    )


async def run(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    say: Callable[[str], None],
    save_to: Path | None = None,
) -> dict[str, Any]:
    """Drive the journey; the submitted application as the gateway shows it at the end (the
    signed licence PDF is saved under `save_to` when given)."""
    manual = _check(
        await gateway.get(f"/v1/services/{SERVICE}", headers={"Accept-Language": "en"}), 200
    )
    say(f"know     {manual['name']} ({manual['agency']['code']})")

    tokens = await log_in(gateway, agencies, SOMCHAI)
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Language": "en"}
    me = _check(await gateway.get("/v1/me", headers=headers), 200)
    say(f"identify {me['first_name_en']} {me['last_name_en']} at {me['login_assurance']}")
    await know_about_me(gateway, headers, say)

    draft = _check(
        await gateway.post(
            "/v1/applications",
            json={
                "service_id": SERVICE,
                "form": {
                    "appointment_date": "2026-12-01",
                    "appointment_period": "morning",
                    "contact_phone": "0812345678",
                },
            },
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    say(
        f"submit   draft {draft['id']}; prefilled from the state: "
        + ", ".join(draft["prefilled_fields"])
    )
    attached = _check(
        await gateway.post(
            f"/v1/applications/{draft['id']}/attachments",
            data={"document": "medical-certificate"},
            files={"file": ("medical-certificate.pdf", CERTIFICATE, "application/pdf")},
            headers=headers,
        ),
        201,
    )["items"][0]
    say(
        f"         attached {attached['filename']} ({attached['media_type']}, "
        f"sha-256 {attached['sha256'][:16]}…)"
    )
    filed = _check(
        await gateway.post(
            f"/v1/applications/{draft['id']}/submit",
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    receipt = filed["receipt"]["payload"]
    say(
        f"         receipt {receipt['number']}: arrived {receipt['arrived_at']}, "
        f"legally received {receipt['deemed_received_at']}, due {receipt['due_at']}"
    )
    say(f"         signed (JWS {len(filed['receipt']['jws'])} chars) and timestamped (RFC 3161)")

    shown = _check(await gateway.get(f"/v1/applications/{draft['id']}", headers=headers), 200)
    say(f"track    {shown['number']}: {shown['status']}, waiting for: {shown['turn']}")
    for event in shown["timeline"]:
        say(f"         {event['at']}  {event['kind']:<10} by {event['actor']}")
    inbox = _check(await gateway.get("/v1/notifications", headers=headers), 200)
    for message in inbox["items"][:3]:
        say(f"inbox    {message['title']}")

    paid = await pay_the_fee(gateway, agencies, headers, shown, say)
    await receive_the_licence(gateway, agencies, headers, paid, say, save_to)
    await receive_the_allowance(gateway, agencies, say)
    return _check(await gateway.get(f"/v1/applications/{paid['id']}", headers=headers), 200)


async def know_about_me(
    gateway: httpx.AsyncClient, headers: dict[str, str], say: Callable[[str], None]
) -> None:
    """What the signed-in citizen knows on the home screen: entitlements decided on the facts
    the agencies hold (with the consent the health and tax data need), and their records."""
    for purpose in ("entitlements", "records"):
        _check(await gateway.put(f"/v1/me/consents/{purpose}", headers=headers), 200)
    mine = _check(await gateway.get("/v1/me/entitlements", headers=headers), 200)
    asked = ", ".join(f"{s['agency']['code']} {s['outcome']}" for s in mine["sources"])
    say(f"know     my entitlements, from the agencies' own data: {asked}")
    by_status: dict[str, list[str]] = {}
    for entitlement in mine["entitlements"]:
        by_status.setdefault(entitlement["status"], []).append(entitlement["service_id"])
    for status in ("eligible", "not_eligible", "unknown"):
        if by_status.get(status):
            say(f"         {status}: {', '.join(by_status[status])}")
    for upcoming in mine["upcoming"]:
        say(f"         from {upcoming['starts_on']}: {upcoming['name']}")
    for benefit in mine["receiving"]:
        say(f"         receiving: {benefit['title']} ({benefit['agency']['code']})")
    records = _check(await gateway.get("/v1/me/records", headers=headers), 200)
    for source in records["sources"]:
        titles = ", ".join(record["title"] for record in source["records"]) or "nothing held"
        say(f"         my data at {source['agency']['code']}: {titles} ({source['outcome']})")


def _save(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


async def receive_the_licence(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    headers: dict[str, str],
    application: dict[str, Any],
    say: Callable[[str], None],
    save_to: Path | None,
) -> dict[str, Any]:
    """The portal signs the licence DLT granted and puts it in the wallet: the signed PDF,
    its credential, and the public verification page its QR code opens."""
    path = f"/v1/applications/{application['id']}"

    async def issued() -> dict[str, Any] | None:
        shown = _check(await gateway.get(path, headers=headers), 200)
        return shown if shown["status"] == "issued" else None

    await _until("the worker to sign the licence", issued)
    wallet = _check(await gateway.get("/v1/documents", headers=headers), 200)["items"]
    document: dict[str, Any] = next(
        d for d in wallet if d.get("application_id") == application["id"]
    )
    links = document["links"]
    pdf = await gateway.get(links["pdf"], headers=headers)
    _expect(pdf, 200)
    say(
        f"receive  {application['number']}: issued: {document['title']} {document['number']}, "
        f"valid until {document['valid_until']}, {document['standing']}"
    )
    say(
        f"         signed PDF: {len(pdf.content):,} bytes (PAdES, DLT's document-signing "
        f"certificate, time-stamped); credential: {links['credential']}"
    )
    if save_to is not None:
        target = save_to / f"{document['number']}.pdf"
        await asyncio.to_thread(_save, target, pdf.content)
        say(f"         saved as {target}: check it with `pdfsig {target}`")
    check = _check(await gateway.get(links["verify"], headers={"Accept": "application/json"}), 200)
    say(f"         {links['verify']} (the QR on it, no login): {check['result']}")
    say(
        f"         DLT revokes it with: curl -X POST "
        f"{str(agencies.base_url).rstrip('/')}/dlt/admin/documents/"
        f"{document['number']}/status -H 'Content-Type: application/json' "
        '-d \'{"status": "revoked", "reason": "ออกซ้ำ / issued twice"}\''
    )
    return document


async def pay_the_fee(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    headers: dict[str, str],
    application: dict[str, Any],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """DLT's officer approves the renewal "waiting for the fee"; the citizen pays its Thai QR
    in the bank's app; the licence is issued once the payment is confirmed."""
    path = f"/v1/applications/{application['id']}"

    async def status_is(*wanted: str) -> dict[str, Any] | None:
        shown = _check(await gateway.get(path, headers=headers), 200)
        return shown if shown["status"] in wanted else None

    await _until("the worker to deliver the application to DLT", lambda: status_is("forwarded"))

    async def dlt_case() -> str | None:
        cases = _check(await agencies.get("/dlt/staff/applications"), 200)["applications"]
        for case in cases:
            if case.get("application_number") == application["number"]:
                return str(case["agency_ref"])
        return None

    ref = await _until("DLT to have the case", dlt_case)
    for action in ("accept", "approve"):
        r = await agencies.post(f"/dlt/staff/applications/{ref}/{action}")
        if r.status_code != 200:
            raise DemoFailed(f"DLT's officer could not {action} {ref}: {r.text[:300]}")
    say(f"pay      DLT's officer approved {ref}, waiting for the fee (APPROVED_WAITING_PAY_FEE)")
    await _until("the approval to reach the portal", lambda: status_is("awaiting_payment"))

    payment = _check(
        await gateway.post(
            f"{path}/payments", headers={**headers, "Idempotency-Key": secrets.token_hex(8)}
        ),
        201,
    )
    say(
        f"         payment {payment['id']}: THB {payment['amount_display']}, Thai QR "
        f"(Ref1 {payment['paid_for']['reference']}, Ref2 {payment['id']}), valid until "
        f"{payment['expires_at']}"
    )
    say(f"         {payment['qr_payload']}")
    say(f"         the QR as an image: {gateway.base_url}{payment['qr_png']} (with the token)")
    txn = _check(
        await agencies.post(
            "/bank/app/scan-pay",
            json={"pid": SOMCHAI["national_id"], "payload": payment["qr_payload"]},
        ),
        201,
    )
    say(f"         scanned and paid in the mock bank's app: transaction {txn['txn_id']}")

    async def succeeded() -> dict[str, Any] | None:
        seen = _check(await gateway.get(f"/v1/payments/{payment['id']}", headers=headers), 200)
        return seen if seen["status"] == "succeeded" else None

    done = await _until("the bank's webhook and the gateway's confirmation", succeeded)
    receipt = _check(await gateway.get(done["receipt"], headers=headers), 200)
    say(
        f"         succeeded: e-receipt {receipt['number']} "
        f"({receipt['payload']['amount_text_th']}), signed (JWS {len(receipt['jws'])} chars)"
    )
    approved = await _until(
        "DLT to grant the licence once told of the payment",
        lambda: status_is("approved", "issued"),
    )
    # DLT's own record of the licence, as its officer sees the case in its back office.
    case = _check(await agencies.get(f"/dlt/staff/applications/{ref}"), 200)
    issued: dict[str, Any] = next(
        (e for e in reversed(case["events"]) if e["status"] == "approved"), {}
    )
    licence = issued.get("data", {}).get("licence") or {}
    say(
        f"receive  {approved['number']}: DLT granted licence "
        f"{licence.get('licence_number', '?')}, valid until {licence.get('expires_on', '?')} "
        f"(document {case.get('document_id')}), after the fee was paid"
    )
    result: dict[str, Any] = approved
    return result


async def receive_the_allowance(
    gateway: httpx.AsyncClient, agencies: httpx.AsyncClient, say: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Demo citizen 2 (born 1951) registers for the older persons' allowance; DOP approves it
    and pays the month's allowance to the PromptPay account linked to his national ID."""
    citizen = DEMO_CITIZENS[1]
    tokens = await log_in(gateway, agencies, citizen)
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Language": "en"}
    mine = _check(await gateway.get("/v1/me/entitlements", headers=headers), 200)
    (allowance,) = [e for e in mine["entitlements"] if e["service_id"] == ALLOWANCE]
    say(f"know     demo citizen 2, {allowance['name']}: {allowance['status']}")
    for condition in allowance["conditions"]:
        say(f"           {condition['text']}")
    draft = _check(
        await gateway.post(
            "/v1/applications",
            json={"service_id": ALLOWANCE, "form": {"payment_method": "promptpay_id"}},
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    filed = _check(
        await gateway.post(
            f"/v1/applications/{draft['id']}/submit",
            headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
        ),
        201,
    )
    say(
        f"receive  demo citizen 2 registered for the older persons' allowance: "
        f"{filed['receipt']['number']}"
    )

    async def status_is(wanted: str) -> bool:
        shown = _check(await gateway.get(f"/v1/applications/{draft['id']}", headers=headers), 200)
        return bool(shown["status"] == wanted)

    await _until("the registration to reach DOP's back office", lambda: status_is("forwarded"))
    # DOP works on the portal (platform kind): its officer opens the case in DOP's back office
    # and approves it there, which acts on the gateway's agency API.
    for action in ("accept", "approve"):
        r = await agencies.post(
            f"/dop/backoffice/applications/{draft['id']}/{action}",
            data={"officer": "dop-officer-07"},
        )
        if r.status_code != 303:
            raise DemoFailed(f"DOP's officer could not {action}: {r.status_code} {r.text[:300]}")
    await _until("DOP's approval to reach the citizen", lambda: status_is("approved"))
    say("         DOP's officer approved it in DOP's back office")
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    run = _check(
        await agencies.post(
            "/dop/admin/allowances/pay",
            json={"month": today.strftime("%Y-%m"), "pay_on": today.isoformat()},
        ),
        200,
    )
    say(f"         DOP's monthly run for {run['month']}: {run['ordered']} ordered")

    async def credited() -> list[dict[str, Any]] | None:
        mine = _check(await gateway.get("/v1/disbursements", headers=headers), 200)
        got = [d for d in mine["received"] if d["status"] == "credited"]
        return got or None

    received = await _until("the allowance to be credited", credited)
    for payout in received:
        say(
            f"         /v1/disbursements: {payout['title']}: THB {payout['amount_display']} "
            f"{payout['status']} to {payout['account_masked']}"
        )
    return list(received)


# --- `citizen-gateway demo --service ID --form JSON`: any live service, filed ------------------

#: Where a filed application stops being watched: a result, or the citizen's turn to act.
SETTLED = {"approved", "issued", "rejected", "withdrawn", "redirected", "lapsed"}


class DemoRefused(DemoFailed):
    """What was asked cannot be filed as given (an unknown service, one not filed on the
    portal, a form or a document the gateway refuses): the command's usage error."""


def parse_form(text: str) -> dict[str, Any]:
    """`--form`: a JSON object, or `@path` to a file holding one."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise DemoRefused(f"cannot read the form file {text[1:]}: {exc}") from exc
    try:
        form = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DemoRefused(f"the form is not JSON: {exc}") from exc
    if not isinstance(form, dict):
        raise DemoRefused(
            'the form must be a JSON object, e.g. \'{"contact_phone": "0812345678"}\''
        )
    return form


def parse_attachments(items: Sequence[str]) -> dict[str, Path]:
    """`--attach KEY=PATH` (repeatable): the file to attach as the service's document KEY."""
    found: dict[str, Path] = {}
    for item in items:
        key, sep, path = item.partition("=")
        if not sep or not key or not path:
            raise DemoRefused(f"--attach takes KEY=PATH, not {item!r}")
        if not Path(path).is_file():
            raise DemoRefused(f"--attach {key}: no file at {path}")
        found[key] = Path(path)
    return found


_MEDIA_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg"}  # fmt: skip


async def demo_service_against(
    gateway_url: str,
    agencies_url: str,
    say: Callable[[str], None],
    complain: Callable[[str], None],
    service_id: str,
    form_text: str,
    attach_items: Sequence[str],
    *,
    citizen: int = 1,
    wait_seconds: float = 30.0,
) -> int:
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway,
        httpx.AsyncClient(base_url=agencies_url, timeout=30) as agencies,
    ):
        return await demo_service(
            gateway,
            agencies,
            say,
            complain,
            service_id,
            form_text,
            attach_items,
            citizen=citizen,
            wait_seconds=wait_seconds,
        )


async def demo_service(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    say: Callable[[str], None],
    complain: Callable[[str], None],
    service_id: str,
    form_text: str,
    attach_items: Sequence[str],
    *,
    citizen: int = 1,
    wait_seconds: float = 30.0,
) -> int:
    """`demo --service`: file it, and the command's exit code: 0 filed, 2 refused as asked
    (an unknown service, a form or document the gateway refuses), 1 anything else."""
    try:
        await file_service(
            gateway,
            agencies,
            say,
            service_id,
            parse_form(form_text),
            parse_attachments(attach_items),
            citizen=DEMO_CITIZENS[citizen - 1],
            wait_seconds=wait_seconds,
        )
    except DemoRefused as exc:
        complain(f"demo refused: {exc}")
        return 2
    except (DemoFailed, OSError, httpx.HTTPError) as exc:
        complain(f"demo failed: {exc}")
        return 1
    return 0


async def file_service(
    gateway: httpx.AsyncClient,
    agencies: httpx.AsyncClient,
    say: Callable[[str], None],
    service_id: str,
    form: Mapping[str, Any],
    attach: Mapping[str, Path],
    *,
    citizen: Mapping[str, str] = SOMCHAI,
    wait_seconds: float = 30.0,
) -> dict[str, Any]:
    """A demo citizen files `service_id` with `form` through the API, as the app does: the
    draft, each document it needs (the file given for it, or a sample one-page scan for an
    upload; DemoRefused naming any the demo cannot make), the submission and its receipt;
    then its status as it moves, for up to `wait_seconds`. The application at the end."""
    found = await gateway.get(f"/v1/services/{service_id}", headers={"Accept-Language": "en"})
    if found.status_code == 404:
        raise DemoRefused(
            f"no live service {service_id!r}: GET /v1/services lists them "
            "(e.g. sso-unemployment-benefit, dlt-driving-licence-renewal)"
        )
    manual = _check(found, 200)
    say(f"know     {manual['name']} ({manual['agency']['code']})")
    if manual.get("form") is None:
        raise DemoRefused(
            f"{service_id} is not filed on the portal (personal appearance, or a link to the "
            "agency's own site): see its manual"
        )
    if manual.get("integration_mode") == "web":
        raise DemoRefused(
            f"{service_id} is filed on {manual['agency']['code']}'s own web page (Web "
            "Integration), not through the portal's API"
        )

    tokens = await log_in(gateway, agencies, dict(citizen))
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Language": "en"}
    me = _check(await gateway.get("/v1/me", headers=headers), 200)
    say(f"identify {me['first_name_en']} {me['last_name_en']} at {me['login_assurance']}")

    made = await gateway.post(
        "/v1/applications",
        json={"service_id": service_id, "form": dict(form)},
        headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
    )
    if made.status_code in {409, 422}:
        raise DemoRefused(f"the gateway refused the draft: {_problem(made)}")
    draft = _check(made, 201)
    prefilled = ", ".join(draft["prefilled_fields"]) or "nothing"
    say(f"submit   draft {draft['id']}; prefilled from the state: {prefilled}")
    await _attach_documents(gateway, headers, draft, attach, say)

    submitted = await gateway.post(
        f"/v1/applications/{draft['id']}/submit",
        headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
    )
    if submitted.status_code in {409, 422}:
        raise DemoRefused(f"the gateway refused the submission: {_problem(submitted)}")
    filed = _check(submitted, 201)
    receipt = filed["receipt"]["payload"]
    say(f"filed    application {filed['application']['number']}")
    say(
        f"         receipt {receipt['number']}: arrived {receipt['arrived_at']}, "
        f"legally received {receipt['deemed_received_at']}, due {receipt['due_at']}"
    )
    return await _follow(gateway, headers, draft["id"], say, wait_seconds)


def _problem(response: httpx.Response) -> str:
    """A problem answer in a line: its code, detail and field errors."""
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:300]}"
    errors = "; ".join(
        f"{e.get('pointer', '')}: {e.get('message') or e.get('code')}"
        for e in body.get("errors") or []
        if isinstance(e, dict)
    )
    detail = f"{body.get('code')}: {body.get('detail')}"
    return f"{detail} ({errors})" if errors else detail


async def _attach_documents(
    gateway: httpx.AsyncClient,
    headers: dict[str, str],
    draft: dict[str, Any],
    attach: Mapping[str, Path],
    say: Callable[[str], None],
) -> None:
    documents = {d["key"]: d for d in draft["documents"]}
    unknown = sorted(set(attach) - set(documents))
    if unknown:
        keys = ", ".join(sorted(documents)) or "none"
        raise DemoRefused(
            f"the service has no document {', '.join(unknown)} (its documents: {keys})"
        )
    cannot = [
        f"{d['key']} ({d['name']}, from the {d['source']})"
        for d in draft["documents"]
        if d["required"] and d["source"] not in {"upload", "portal_fetch"}
        and d["key"] not in attach
    ]  # fmt: skip
    if cannot:
        raise DemoRefused(
            "the demo cannot make these required documents: "
            + "; ".join(cannot)
            + ". Give each with --attach KEY=PATH"
        )
    for document in draft["documents"]:
        key = document["key"]
        if key in attach:
            path = attach[key]
            content = await asyncio.to_thread(path.read_bytes)
            name = path.name
            media = _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        elif document["required"] and document["source"] == "upload":
            content, name, media = CERTIFICATE, f"{key}.pdf", "application/pdf"
        else:
            continue
        r = await gateway.post(
            f"/v1/applications/{draft['id']}/attachments",
            data={"document": key},
            files={"file": (name, content, media)},
            headers=headers,
        )
        if r.status_code in {409, 413, 415, 422}:
            raise DemoRefused(f"the gateway refused {name} as {key}: {_problem(r)}")
        attached = _check(r, 201)["items"][0]
        sample = "" if key in attach else " (a sample one-page scan)"
        say(
            f"         attached {attached['filename']} as {document['name']}{sample}, "
            f"sha-256 {attached['sha256'][:16]}…"
        )


async def _follow(
    gateway: httpx.AsyncClient,
    headers: dict[str, str],
    application_id: str,
    say: Callable[[str], None],
    wait_seconds: float,
) -> dict[str, Any]:
    """Print the application's status each time it moves, until it settles, waits for the
    citizen, or `wait_seconds` pass."""
    path = f"/v1/applications/{application_id}"
    deadline = time.monotonic() + wait_seconds
    seen: tuple[str, str] | None = None
    while True:
        shown = _check(await gateway.get(path, headers=headers), 200)
        now = (shown["status"], shown["turn"])
        if now != seen:
            say(f"track    {shown['number']}: {shown['status']}, waiting for: {shown['turn']}")
            seen = now
        if shown["status"] in SETTLED or shown["turn"] == "citizen":
            return shown
        if time.monotonic() > deadline:
            say(
                f"         still {shown['status']} after {wait_seconds:.0f} s: GET {path} to follow"
            )
            return shown
        await asyncio.sleep(0.5)
