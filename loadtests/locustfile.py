"""Locust users for the citizen's journey.

- `ServiceDetailUser`: the benchmark's user; GETs one path as fast as it can (BENCH_PATHS, a
  comma-separated list of paths, picked at random each request).
- `KnowJourneyUser`: a citizen browsing: categories, a category's services, a Thai search,
  then a service's manual, revalidating with If-None-Match as the app does.
- `LoginUser`: the login (ID card, laser code, face) as fast as it can.
- `SubmitUser`: a logged-in citizen filing with a 200 KB attachment ("submit").
- `StatusReadUser`, `InboxUser`: logged-in citizens polling their application's status, or the
  first page of their inbox, as fast as they can (BENCH_FIXTURES: a JSON file of
  `{"token", "application"}` the harness prepared, one per simulated user in turn).

Run one by name: `locust -f loadtests/locustfile.py KnowJourneyUser --host http://127.0.0.1:8000`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from typing import ClassVar

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

from loadtests.journeys import AUTHORIZATION, CODE_VERIFIER, citizen_token, verification

_PATHS = [p for p in os.environ.get("BENCH_PATHS", "/healthz").split(",") if p]


class ServiceDetailUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def read(self) -> None:
        path = random.choice(_PATHS)
        self.client.get(path, name=os.environ.get("BENCH_NAME", path))


def _fixtures() -> list[dict[str, str]]:
    path = os.environ.get("BENCH_FIXTURES")
    if not path:
        return []
    with open(path) as handle:
        loaded: list[dict[str, str]] = json.load(handle)
    return loaded


_FIXTURES = _fixtures()
_TAKEN = itertools.count()


class _CitizenUser(FastHttpUser):
    """A citizen the harness logged in, with one filed application."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        fixture = _FIXTURES[next(_TAKEN) % len(_FIXTURES)]
        self.headers = {"Authorization": f"Bearer {fixture['token']}"}
        self.application = fixture["application"]


class StatusReadUser(_CitizenUser):
    @task
    def status(self) -> None:
        self.client.get(f"/v1/applications/{self.application}", headers=self.headers, name="status")


class InboxUser(_CitizenUser):
    @task
    def inbox(self) -> None:
        self.client.get("/v1/notifications?limit=20", headers=self.headers, name="inbox")


class KnowJourneyUser(FastHttpUser):
    wait_time = constant(0.5)

    @task
    def browse(self) -> None:
        categories = self.client.get("/v1/categories").json()["items"]
        category = random.choice([c for c in categories if c["live_services"]])["code"]
        page = self.client.get(
            f"/v1/services?category={category}&limit=20", name="/v1/services?category="
        ).json()
        self.client.get("/v1/services?q=%E0%B9%83%E0%B8%9A", name="/v1/services?q=")
        if page["items"]:
            href = random.choice(page["items"])["href"]
            first = self.client.get(href, name="/v1/services/{id}")
            # No headers at all when the request failed: then ask without a validator.
            etag = first.headers.get("etag", "") if first.headers is not None else ""
            self.client.get(href, headers={"If-None-Match": etag}, name="/v1/services/{id} 304")


class LoginUser(FastHttpUser):
    """A citizen logging in: ID card + laser code, the phone's face scan answering the
    challenge, the face step, then (when the gateway issues codes) the token exchange. The whole
    sequence is also reported as one request named "login (verification + token)".

    AGENCIES_URL points at the mock agencies (the phone and the registry's demo cards).
    """

    wait_time = constant(0)
    agencies = os.environ.get("AGENCIES_URL", "http://127.0.0.1:8100")
    cards: ClassVar[list[dict[str, str]]] = []  # shared by every simulated user

    def on_start(self) -> None:
        if not LoginUser.cards:
            page = self.client.get(
                f"{self.agencies}/device/id-cards?status=active&limit=1000", name="setup: id-cards"
            )
            LoginUser.cards = page.json()["cards"]

    @task
    def login(self) -> None:
        card = random.choice(LoginUser.cards)
        started_at = time.perf_counter()
        started = self.client.post(
            "/v1/identity/verifications",
            json=verification(card),
            name="POST /v1/identity/verifications",
        )
        if started.status_code != 201:
            return
        body = started.json()
        scan = self.client.post(
            f"{self.agencies}/device/face-scan",
            json={
                "pid": card["pid"],
                "challenge": {k: body["challenge"][k] for k in ("nonce", "action")},
            },
            name="device: face-scan",
        ).json()
        result = self.client.post(
            body["face_url"],
            json={"template": scan["template"], "liveness": scan["liveness"]},
            name="POST /v1/identity/verifications/{id}/face",
        )
        authorization = result.json().get("authorization") if result.status_code == 200 else None
        if authorization:
            self.client.post(
                "/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": authorization["code"],
                    "redirect_uri": AUTHORIZATION["redirect_uri"],
                    "client_id": AUTHORIZATION["client_id"],
                    "code_verifier": CODE_VERIFIER,
                },
                name="POST /oauth/token",
            )
        self.environment.events.request.fire(
            request_type="JOURNEY",
            name="login (verification + token)",
            response_time=(time.perf_counter() - started_at) * 1000,
            response_length=0,
            exception=None
            if result.status_code == 200
            else RuntimeError((result.text or "")[:200]),
            context={},
        )


class SubmitUser(FastHttpUser):
    """A logged-in citizen filing applications: a draft of the driving-licence renewal (its
    form prefilled from the registry), one 200 KB PDF attachment, the submission with its
    signed and timestamped receipt, then a look at the application. The filing is also
    reported as one request named "file (draft + 200 KB attachment + submit)".

    Each simulated user logs in once (AGENCIES_URL: the mock agencies) and then files in a loop.
    """

    wait_time = constant(0)
    agencies = os.environ.get("AGENCIES_URL", "http://127.0.0.1:8100")
    attachment = b"%PDF-1.7\n" + os.urandom(200 * 1024)
    form: ClassVar[dict[str, str]] = {
        "appointment_date": "2026-12-01",
        "appointment_period": "morning",
        "contact_phone": "0812345678",
    }

    def on_start(self) -> None:
        cards = self.client.get(
            f"{self.agencies}/device/id-cards?status=active&limit=1000", name="setup: id-cards"
        ).json()["cards"]
        self.headers = {}
        for _ in range(5):  # a face false reject now and then: try another person
            token = citizen_token(self.client, self.agencies, random.choice(cards))
            if token:
                self.headers = {"Authorization": f"Bearer {token}"}
                return

    @task
    def file(self) -> None:
        if not self.headers:
            return
        started_at = time.perf_counter()
        draft = self.client.post(
            "/v1/applications",
            json={"service_id": "dlt-driving-licence-renewal", "form": self.form},
            headers=self.headers,
            name="POST /v1/applications",
        )
        ok = draft.status_code == 201
        if ok:
            application = draft.json()["id"]
            upload = self.client.post(
                f"/v1/applications/{application}/attachments?document=medical-certificate",
                files={"file": ("medical-certificate.pdf", self.attachment, "application/pdf")},
                headers=self.headers,
                name="POST /v1/applications/{id}/attachments (200 KB)",
            )
            submit = self.client.post(
                f"/v1/applications/{application}/submit",
                headers={**self.headers, "Idempotency-Key": os.urandom(8).hex()},
                name="POST /v1/applications/{id}/submit",
            )
            ok = upload.status_code == 201 and submit.status_code == 201
        elapsed = (time.perf_counter() - started_at) * 1000
        self.environment.events.request.fire(
            request_type="JOURNEY",
            name="file (draft + 200 KB attachment + submit)",
            response_time=elapsed,
            response_length=0,
            exception=None if ok else RuntimeError("filing failed"),
            context={},
        )
        if ok:
            self.client.get(
                f"/v1/applications/{application}",
                headers=self.headers,
                name="GET /v1/applications/{id}",
            )
