"""The BMA's back end: launch sessions, cases, the signed reports to the portal, the rules.

Nothing here knows HTTP requests; app.py turns them into calls on `Office`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mock_agencies import grants
from mock_agencies.bma.cases import (
    BANGKOK,
    Case,
    CaseBook,
    CaseEvent,
    CaseStatus,
    StaffAction,
    bangkok_text,
    permit_document,
    utc_iso,
)
from mock_agencies.bma.delivery import Outbox
from mock_agencies.bma.portal import PortalClient, PortalError, problem_detail

log = logging.getLogger("mock_agencies.bma")

AGENCY = "BMA"
CALLBACK_PATH = f"/v1/agency/callbacks/{AGENCY}"
NOTIFICATION_PATH = "/v1/agency/web/notifications"
EXCHANGE_PATH = "/v1/agency/web/exchange"
SESSION_IDLE_SECONDS = 60 * 60
MAX_SESSIONS = 10_000
CITIZEN_FIELDS = (
    "subject",
    "first_name_th",
    "last_name_th",
    "first_name_en",
    "last_name_en",
    "birth_date",
    "address_th",
)


class Rules(BaseModel):
    """What the BMA does by itself: take up new cases, decide cases under review after a delay."""

    model_config = ConfigDict(extra="forbid")

    auto_accept: bool = False
    auto_decide_after_seconds: float | None = Field(default=None, ge=0, le=30 * 24 * 3600)
    decision: Literal["approve", "reject"] = "approve"


class LinkRefused(Exception):
    """The portal refused the mToken: used, expired, or not for this appId."""


class PortalUnavailable(Exception):
    """The portal could not be asked (down, or our own credentials refused)."""


class SessionExpired(Exception):
    """No live launch session for this browser: open the service again from the app."""


@dataclass
class LaunchSession:
    id: str
    app_id: str
    mtoken_digest: str
    citizen: dict[str, Any]
    csrf: str
    last_used: float


def bangkok_date(at: float) -> dt.date:
    return dt.datetime.fromtimestamp(at, BANGKOK).date()


def _digest(mtoken: str) -> str:
    return hashlib.sha256(mtoken.encode()).hexdigest()


@dataclass(frozen=True)
class _Notice:
    title_th: str
    title_en: str
    body_th: str
    body_en: str


def _notice(case: Case, event: CaseEvent) -> _Notice:
    ref, when = case.agency_ref, bangkok_text(event.at)
    reason = event.data.get("reason") or ""
    items = ", ".join(item.get("name_th", "") for item in event.data.get("items", []))
    match event.status:
        case CaseStatus.RECEIVED:
            return _Notice(
                "กรุงเทพมหานครได้รับคำขออนุญาตก่อสร้างแล้ว",
                "Bangkok received your building permit application",
                f"เลขที่รับเรื่อง {ref} เวลา {when}",
                f"Reference {ref}, received {when}",
            )
        case CaseStatus.IN_REVIEW:
            return _Notice(
                "คำขออนุญาตก่อสร้างอยู่ระหว่างพิจารณา",
                "Your building permit application is under review",
                f"เรื่อง {ref} อยู่ระหว่างการตรวจพิจารณาของสำนักงานเขต",
                f"{ref} is being reviewed by the district office",
            )
        case CaseStatus.NEEDS_INFO:
            return _Notice(
                "กรุงเทพมหานครขอเอกสารเพิ่มเติม",
                "Bangkok needs more information",
                f"เรื่อง {ref}: {items} {reason}".strip(),
                f"{ref}: please provide {items} {reason}".strip(),
            )
        case CaseStatus.APPROVED:
            return _Notice(
                "อนุญาตให้ก่อสร้างอาคารแล้ว",
                "Your building permit is approved",
                f"เรื่อง {ref} ได้รับอนุญาตเมื่อ {when}",
                f"{ref} was approved at {when}",
            )
        case CaseStatus.REJECTED:
            return _Notice(
                "ไม่อนุญาตให้ก่อสร้างอาคาร",
                "Your building permit application was refused",
                f"เรื่อง {ref}: {reason}",
                f"{ref}: {reason}",
            )
    raise AssertionError(event.status)  # pragma: no cover


class Office:
    def __init__(
        self,
        portal: PortalClient,
        outbox: Outbox,
        clock: Callable[[], float],
        tick_seconds: float = 0.5,
        first_case_number: int = 1,
    ) -> None:
        self.portal = portal
        self.outbox = outbox
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.cases = CaseBook(first_case_number)
        self.rules = Rules()
        self.permit_numbers: set[str] = set()
        self._sessions: dict[str, LaunchSession] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    # -- launch -------------------------------------------------------------------------------

    async def launch(self, app_id: str, mtoken: str, session_id: str | None) -> LaunchSession:
        """A session for this browser: the citizen's verified data, exchanged once for the
        mToken at the portal. A reload with the same link keeps the session it made."""
        current = self._live_session(session_id)
        if (
            current is not None
            and current.app_id == app_id
            and hmac.compare_digest(current.mtoken_digest, _digest(mtoken))
        ):
            return current
        citizen = await self._exchange(app_id, mtoken)
        now = self.clock()
        if len(self._sessions) >= MAX_SESSIONS:
            self._sessions = {
                key: s
                for key, s in self._sessions.items()
                if now - s.last_used < SESSION_IDLE_SECONDS
            }
        session = LaunchSession(
            secrets.token_urlsafe(32),
            app_id,
            _digest(mtoken),
            citizen,
            secrets.token_urlsafe(24),
            now,
        )
        self._sessions[session.id] = session
        return session

    async def _exchange(self, app_id: str, mtoken: str) -> dict[str, Any]:
        try:
            response = await self.portal.request(
                "POST", EXCHANGE_PATH, json={"appId": app_id, "mToken": mtoken}
            )
        except PortalError as error:
            raise PortalUnavailable(error.detail or error.message) from None
        if response.status_code == 401:
            code, detail = problem_detail(response)
            if code and "mtoken" in code.lower():
                raise LinkRefused(detail)
            raise PortalUnavailable(f"the portal refused our credentials: {detail}")
        if response.status_code in (400, 403, 404, 410, 422):
            raise LinkRefused(problem_detail(response)[1])
        if response.status_code != 200:
            raise PortalUnavailable(f"portal answered {response.status_code}")
        body = response.json()
        if not isinstance(body, dict) or not body.get("subject"):
            raise PortalUnavailable("the portal's answer has no subject")
        return {name: body.get(name) for name in CITIZEN_FIELDS}

    def _live_session(self, session_id: str | None) -> LaunchSession | None:
        session = self._sessions.get(session_id or "")
        if session is None:
            return None
        now = self.clock()
        if now - session.last_used >= SESSION_IDLE_SECONDS:
            del self._sessions[session.id]
            return None
        session.last_used = now
        return session

    def session_for_submit(self, session_id: str | None, csrf: str | None) -> LaunchSession:
        session = self._live_session(session_id)
        if session is None or not hmac.compare_digest(session.csrf, csrf or ""):
            raise SessionExpired("no live session for this form")
        return session

    # -- cases --------------------------------------------------------------------------------

    def file(self, session: LaunchSession, form: Mapping[str, Any]) -> tuple[Case, bool]:
        """The case for the session's appId: new (True) or the one already filed (False)."""
        existing = self.cases.of_application(session.app_id)
        if existing is not None:
            return existing, False
        citizen = session.citizen
        applicant = {k: citizen.get(k) for k in CITIZEN_FIELDS if k != "subject"}
        case = self.cases.file(session.app_id, citizen["subject"], applicant, form, self.clock())
        self._report(case, case.events[-1])
        return case, True

    def act(
        self,
        agency_ref: str,
        action: StaffAction,
        actor: str,
        reason: str | None = None,
        items: list[dict[str, str]] | None = None,
    ) -> Case:
        event = self.cases.act(agency_ref, action, self.clock(), actor, reason, items, self._permit)
        case = self.cases.get(agency_ref)
        self._report(case, event)
        return case

    def _permit(self, case: Case) -> dict[str, Any]:
        """The permit an approval grants, under a number never given before."""
        today = bangkok_date(self.clock())
        number = grants.document_number(AGENCY, today, self.permit_numbers)
        self.permit_numbers.add(number)
        return permit_document(case, number, today)

    def _report(self, case: Case, event: CaseEvent) -> None:
        """A signed callback for the change and a notice for the citizen, sent in order."""
        callback = {
            "agency_ref": case.agency_ref,
            "application_id": case.application_id,
            "application_number": None,
            "seq": event.seq,
            "at": utc_iso(event.at),
            "status": event.status.value,
            "data": event.data,
        }
        self.outbox.add("callback", CALLBACK_PATH, callback, case.agency_ref)
        notice = _notice(case, event)
        self.outbox.add(
            "notification",
            NOTIFICATION_PATH,
            {
                "appId": case.application_id,
                "title_th": notice.title_th,
                "title_en": notice.title_en,
                "body_th": notice.body_th,
                "body_en": notice.body_en,
            },
            case.agency_ref,
        )
        self.wake()

    def set_rules(self, rules: Rules) -> Rules:
        self.rules = rules
        self.wake()
        return rules

    def apply_rules(self) -> None:
        """One pass of the automatic rules: accept new cases, decide ones waited on long enough
        (measured from when the case entered review)."""
        rules = self.rules
        for case in self.cases.cases():
            if rules.auto_accept and case.status is CaseStatus.RECEIVED:
                self.act(case.agency_ref, StaffAction.ACCEPT, "rules")
            delay = rules.auto_decide_after_seconds
            if (
                delay is not None
                and case.status is CaseStatus.IN_REVIEW
                and self.clock() - case.updated_at >= delay
            ):
                if rules.decision == "approve":
                    self.act(case.agency_ref, StaffAction.APPROVE, "rules")
                else:
                    self.act(
                        case.agency_ref,
                        StaffAction.REJECT,
                        "rules",
                        reason="ไม่อนุญาตตามเงื่อนไขอัตโนมัติ / Refused by the automatic rule",
                    )

    # -- the background worker ----------------------------------------------------------------

    def wake(self) -> None:
        """Start the worker if it is not running (lazily, inside the running loop) and let it
        look at once."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="bma-worker")
        assert self._wake is not None
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                self.apply_rules()
                await self.outbox.deliver_due()
            except Exception:  # a bad pass must not stop the worker
                log.exception("BMA worker pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.portal.aclose()
