"""The citizen's login as the app does it (ID card + laser code, the phone's face scan, the code
exchanged with PKCE), written against any client with `get`/`post` that take a `name`: Locust's,
or the harness's own (loadtests.bench) when it prepares logged-in citizens. No Locust import
here, so the harness does not load gevent."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any


def verification(card: dict[str, str], scope: str = "openid profile") -> dict[str, Any]:
    """The body that starts a login with `card` (a demo card from the simulated phone)."""
    return {
        "national_id": card["pid"],
        "laser_code": card["laser_printed"],
        "first_name_th": card["first_name_th"],
        "last_name_th": card["last_name_th"],
        "birth_date_be": card["birth_date_be"],
        # A fresh nonce per login: the provider refuses a reused one as a replay.
        "authorization": {**AUTHORIZATION, "scope": scope, "nonce": os.urandom(12).hex()},
    }


def citizen_token(client: Any, agencies: str, card: dict[str, str]) -> str | None:
    """Log `card`'s holder in through the app's flow; the access token (scope citizen)."""
    started = client.post(
        "/v1/identity/verifications",
        json=verification(card, "openid profile citizen"),
        name="setup: login",
    )
    if started.status_code != 201:
        return None
    body = started.json()
    scan = client.post(
        f"{agencies}/device/face-scan",
        json={
            "pid": card["pid"],
            "challenge": {k: body["challenge"][k] for k in ("nonce", "action")},
        },
        name="setup: face-scan",
    ).json()
    result = client.post(
        body["face_url"],
        json={"template": scan["template"], "liveness": scan["liveness"]},
        name="setup: login",
    )
    if result.status_code != 200:
        return None
    code = result.json()["authorization"]
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code["code"],
            "redirect_uri": AUTHORIZATION["redirect_uri"],
            "client_id": AUTHORIZATION["client_id"],
            "code_verifier": CODE_VERIFIER,
        },
        name="setup: login",
    )
    if token.status_code != 200:
        return None
    access: str = token.json()["access_token"]
    return access


# One PKCE pair for every simulated login: the load test measures the gateway, not the phone.
CODE_VERIFIER = "load-test-verifier-" + "x" * 40
AUTHORIZATION = {
    "client_id": os.environ.get("LOGIN_CLIENT_ID", "tangrat-app"),
    "redirect_uri": os.environ.get("LOGIN_REDIRECT_URI", "th.go.tangrat.app:/oauth/callback"),
    "scope": "openid profile",
    "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(CODE_VERIFIER.encode()).digest())
    .rstrip(b"=")
    .decode(),
    "code_challenge_method": "S256",
    "state": "load-test",
}
