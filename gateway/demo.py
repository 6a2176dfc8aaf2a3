"""`citizen-gateway demo`: one demo citizen through the journey, over HTTP, printing each step.

It speaks to a running gateway and mock agencies exactly as the app and the phone would (no
project internals): know (the service's manual), identify (card, laser code, face scan), submit
(a prefilled draft, an attachment, the receipt), track (status, timeline, inbox). Pay and
receive follow when those issues land.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import httpx

SOMCHAI = {
    "national_id": "1100100001014",
    "laser_code": "JT0123456701",
    "first_name_th": "สมชาย",
    "last_name_th": "ใจดี",
    "birth_date_be": "25300115",
}
SERVICE = "dlt-driving-licence-renewal"
APP_CLIENT = "tangrat-app"
APP_REDIRECT = "th.go.tangrat.app:/oauth/callback"
# A one-page scan, as a phone would produce it (a tiny valid PDF).
CERTIFICATE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class DemoFailed(RuntimeError):
    pass


def _check(response: httpx.Response, expected: int) -> dict[str, Any]:
    if response.status_code != expected:
        raise DemoFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    return body


async def run_against(
    gateway_url: str, agencies_url: str, say: Callable[[str], None]
) -> dict[str, Any]:
    async with (
        httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway,
        httpx.AsyncClient(base_url=agencies_url, timeout=30) as agencies,
    ):
        return await run(gateway, agencies, say)


async def run(
    gateway: httpx.AsyncClient, agencies: httpx.AsyncClient, say: Callable[[str], None]
) -> dict[str, Any]:
    """Drive the journey; the submitted application as the gateway shows it at the end."""
    manual = _check(
        await gateway.get(f"/v1/services/{SERVICE}", headers={"Accept-Language": "en"}), 200
    )
    say(f"know     {manual['name']} ({manual['agency']['code']})")

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    started = _check(
        await gateway.post(
            "/v1/identity/verifications",
            json={
                **SOMCHAI,
                "authorization": {
                    "client_id": APP_CLIENT,
                    "redirect_uri": APP_REDIRECT,
                    "response_type": "code",
                    "scope": "openid profile birthdate citizen",
                    "state": secrets.token_urlsafe(8),
                    "nonce": secrets.token_urlsafe(16),
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            },
        ),
        201,
    )
    scan = _check(
        await agencies.post(
            "/device/face-scan",
            json={
                "pid": SOMCHAI["national_id"],
                "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            },
        ),
        200,
    )
    face = _check(
        await gateway.post(
            started["face_url"],
            json={"template": scan["template"], "liveness": scan["liveness"]},
        ),
        200,
    )
    tokens = _check(
        await gateway.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": face["authorization"]["code"],
                "redirect_uri": APP_REDIRECT,
                "client_id": APP_CLIENT,
                "code_verifier": verifier,
            },
        ),
        200,
    )
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Language": "en"}
    me = _check(await gateway.get("/v1/me", headers=headers), 200)
    say(f"identify {me['first_name_en']} {me['last_name_en']} at {me['login_assurance']}")

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
    return shown
