"""Locust users for the citizen's journey.

- `ServiceDetailUser`: the benchmark's user; GETs one path as fast as it can (BENCH_PATHS, a
  comma-separated list of paths, picked at random each request).
- `KnowJourneyUser`: a citizen browsing: categories, a category's services, a Thai search,
  then a service's manual, revalidating with If-None-Match as the app does.
- `LoginUser`: the login (ID card, laser code, face, token exchange) as fast as it can, or
  paced (BENCH_LOGIN_RATE); every eighth login a person's second device at the same time.
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
from collections.abc import Callable
from typing import Any, ClassVar

import gevent
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


LOGIN = "login (verification + token)"
#: Every how many logins of a simulated user is a twin: the same person on a second device,
#: starting while the first device's face step is under way (both must end with tokens).
TWIN_EVERY = 8
#: Counted beside the logins (rows of their own in Locust's stats, never errors):
TWINS = "login: twin logins (one person, two devices at once)"
#: Face-step answers the app meets by starting the login again, as the answer says:
AGAIN = {
    # the simulated sensor's false rejects (~0.5% of genuine scans)
    "face_mismatch": "login: face rejected, started again",
    # a newer verification of the same card voided this challenge before its face step
    # claimed it: the twin's second device won the race (one live challenge per card)
    "challenge_used": "login: challenge voided by the other device, started again",
}
AGAIN_AT_MOST = 2  # then the refusal is an error (the lockout allows five failures a person)


def _login_pacing() -> float | None:
    """Logins a second for this simulated user when the run is paced (BENCH_LOGIN_RATE, the
    whole run's logins a second, over BENCH_LOGIN_USERS users); None: as fast as it can."""
    rate = os.environ.get("BENCH_LOGIN_RATE")
    if not rate:
        return None
    users = int(os.environ.get("BENCH_LOGIN_USERS", "16"))
    return float(rate) / users


class LoginUser(FastHttpUser):
    """A citizen logging in as the app does: ID card + laser code, the phone's face scan
    answering the challenge, the face step, then the code exchanged for tokens (PKCE). Each
    login, from the card to the tokens, is also reported as one request named LOGIN; it fails
    unless it ends with tokens.

    - Each simulated user logs in the people of its own share of the demo cards, in turn, so
      two users never pick one person by chance.
    - Every TWIN_EVERY-th login is a twin: the same person's second device starts while the
      first device's face step is under way, and both finish at once (two LOGINs).
    - A face the simulated sensor falsely rejects (face_mismatch, ~0.5% of genuine scans), and
      a challenge the person's other device voided by starting just before this face step
      claimed it (challenge_used: one live challenge per card), are met as the app meets
      them: the login starts again from the card (at most AGAIN_AT_MOST times). Counted
      (AGAIN), not errors; a refusal after that is an error.
    - Paced (BENCH_LOGIN_RATE set): each user starts logins at a constant rate, on a beat of
      its own (a random phase), instead of as fast as it can.

    AGENCIES_URL points at the mock agencies (the phone and the registry's demo cards).
    """

    agencies = os.environ.get("AGENCIES_URL", "http://127.0.0.1:8100")
    cards: ClassVar[list[dict[str, str]]] = []  # every active demo card, shared
    _numbers = itertools.count()
    _pacing = _login_pacing()
    due = 0.0  # when the next paced login is due (time.perf_counter)

    def wait_time(self) -> float:
        """Paced: the next login starts one interval after the last one was due (at once when
        behind). Locust's constant_pacing would do, were it not anchored at the moment the
        user was created: every user would then start on the same beat, and 16 logins arriving
        together are a burst, not a pace."""
        if self._pacing is None:
            return 0.0
        now = time.perf_counter()
        self.due = max(self.due + self._interval(), now)
        return self.due - now

    def _interval(self) -> float:
        assert self._pacing is not None
        return (1 + 1 / TWIN_EVERY) / self._pacing  # a twin is two logins: it waits for both

    def on_start(self) -> None:
        if not LoginUser.cards:
            page = self.client.get(
                f"{self.agencies}/device/id-cards?status=active&limit=1000", name="setup: id-cards"
            )
            LoginUser.cards = page.json()["cards"]
        number = next(LoginUser._numbers)
        users = int(os.environ.get("BENCH_LOGIN_USERS", "16"))
        share = LoginUser.cards[number % users :: users] or LoginUser.cards
        self.people = itertools.cycle(share)
        self.logins = random.randrange(TWIN_EVERY)  # users' twins fall at different moments
        if self._pacing is not None:  # each user on a beat of its own
            gevent.sleep(random.uniform(0, self._interval()))
        self.due = time.perf_counter()

    @task
    def login(self) -> None:
        card = next(self.people)
        self.logins += 1
        if self.logins % TWIN_EVERY:
            self._journey(lambda: self._login(card))
            return
        # The first device gets its challenge and scans the face; the second device starts
        # as the first sends its face step.
        started_at = time.perf_counter()
        first = self._start(card)
        scan = first if isinstance(first, str) else self._scan(card, first)
        if isinstance(first, str) or isinstance(scan, str):
            self._report(started_at, first if isinstance(first, str) else str(scan))
            return
        self._note(TWINS)
        gevent.joinall(
            [
                gevent.spawn(
                    lambda: self._report(
                        started_at, self._answer(card, first, scan, again=AGAIN_AT_MOST)
                    )
                ),
                gevent.spawn(lambda: self._journey(lambda: self._login(card))),
            ]
        )

    def _journey(self, login: Callable[[], str | None]) -> None:
        started_at = time.perf_counter()
        self._report(started_at, login())

    def _report(self, started_at: float, failure: str | None) -> None:
        self.environment.events.request.fire(
            request_type="JOURNEY",
            name=LOGIN,
            response_time=(time.perf_counter() - started_at) * 1000,
            response_length=0,
            exception=None if failure is None else RuntimeError(failure),
            context={},
        )

    def _note(self, name: str) -> None:
        self.environment.events.request.fire(
            request_type="NOTE", name=name, response_time=0, response_length=0,
            exception=None, context={},
        )  # fmt: skip

    def _login(self, card: dict[str, str]) -> str | None:
        """One login to the end; None, or what went wrong."""
        started = self._start(card)
        if isinstance(started, str):
            return started
        scan = self._scan(card, started)
        if isinstance(scan, str):
            return scan
        return self._answer(card, started, scan, again=AGAIN_AT_MOST)

    def _start(self, card: dict[str, str]) -> dict[str, Any] | str:
        started = self.client.post(
            "/v1/identity/verifications",
            json=verification(card),
            name="POST /v1/identity/verifications",
        )
        if started.status_code != 201:
            return f"card step: {_failure(started)}"
        body: dict[str, Any] = started.json()
        return body

    def _scan(self, card: dict[str, str], started: dict[str, Any]) -> dict[str, Any] | str:
        """The phone's face scan answering the challenge."""
        scan = self.client.post(
            f"{self.agencies}/device/face-scan",
            json={
                "pid": card["pid"],
                "challenge": {k: started["challenge"][k] for k in ("nonce", "action")},
            },
            name="device: face-scan",
        )
        if scan.status_code != 200:
            return f"phone: {_failure(scan)}"
        body: dict[str, Any] = scan.json()
        return {"template": body["template"], "liveness": body["liveness"]}

    def _answer(
        self, card: dict[str, str], started: dict[str, Any], scan: dict[str, Any], *, again: int
    ) -> str | None:
        """The face step, then the code exchanged for tokens."""
        result = self.client.post(
            started["face_url"], json=scan, name="POST /v1/identity/verifications/{id}/face"
        )
        if result.status_code != 200:
            if again and _code(result) in AGAIN:
                self._note(AGAIN[_code(result)])
                restarted = self._start(card)
                if isinstance(restarted, str):
                    return restarted
                rescan = self._scan(card, restarted)
                if isinstance(rescan, str):
                    return rescan
                return self._answer(card, restarted, rescan, again=again - 1)
            return f"face step: {_failure(result)}"
        authorization = result.json()["authorization"]
        token = self.client.post(
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
        if token.status_code != 200 or "access_token" not in (token.json() or {}):
            return f"token exchange: {_failure(token)}"
        return None


def _code(response: Any) -> str:
    try:
        body = response.json()
    except Exception:
        return ""
    return str(body.get("code") or body.get("error") or "") if isinstance(body, dict) else ""


def _failure(response: Any) -> str:
    """A failed call, short: its status and problem code (the row's errors are grouped by it)."""
    return f"{response.status_code} {_code(response)}".strip()


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
