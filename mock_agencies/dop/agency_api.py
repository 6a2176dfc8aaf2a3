"""The DOP's work on the portal's agency API: list, read, act; and the automatic rule.

Every call goes to the gateway with DOP's client-credentials token (scope `agency:DOP`):

    GET  /v1/agency/applications?status=…&limit=…&cursor=…
    GET  /v1/agency/applications/{id}                      header X-Officer-Id
    GET  /v1/agency/applications/{id}/attachments/{aid}    header X-Officer-Id
    POST /v1/agency/applications/{id}/actions   {"action", "reason"?, "items"?, "officer",
                                                 "document"? (approve: the award letter)}
    POST /v1/agency/disbursements                 a payout to a citizen (the monthly allowance)

Whoever approves through `AgencyApi.act` (an officer on the pages, the automatic rule), the
approved application is handed to the `approved` listeners: the allowance register enrols it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from mock_agencies import grants
from mock_agencies.bma.portal import PortalClient, PortalError, problem_detail
from mock_agencies.dop import allowance
from mock_agencies.dop.eligibility import SERVICE_ID, assess, bangkok_date

log = logging.getLogger("mock_agencies.dop")

APPLICATIONS = "/v1/agency/applications"
DISBURSEMENTS = "/v1/agency/disbursements"
AUTO_OFFICER = "auto-rule"
MAX_PAGES = 50


class Refused(Exception):
    """The gateway said no (4xx): its problem+json `detail` is for the officer to read."""

    def __init__(self, status: int, code: str | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    code, detail = problem_detail(response)
    if response.status_code < 500:
        raise Refused(response.status_code, code, detail)
    raise PortalError(f"portal answered {response.status_code}", response.status_code, detail)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    """A successful answer's JSON object; anything else is the portal breaking its contract."""
    try:
        body = _checked(response).json()
    except ValueError:  # not JSON at all
        body = None
    if not isinstance(body, dict):
        raise PortalError("portal answered without a JSON object", response.status_code)
    return body


class AgencyApi:
    """The gateway's `/v1/agency/applications…`, as DOP."""

    def __init__(self, portal: PortalClient) -> None:
        self.portal = portal
        self.document_numbers: set[str] = set()  # award letters numbered by this process
        #: Told of each application this agency approved, with the portal's answer to it.
        self.approved: list[Callable[[dict[str, Any], str], object]] = []

    async def page(
        self, status: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        params: dict[str, str | int] = {"limit": limit}
        if status:
            params["status"] = status
        if cursor:
            params["cursor"] = cursor
        response = await self.portal.request("GET", APPLICATIONS, params=params)
        return _json_object(response)

    async def every(self, status: str) -> list[dict[str, Any]]:
        """Every application in `status`, following the cursor (bounded)."""
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = await self.page(status, cursor, limit=200)
            items.extend(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def application(self, application_id: str, officer: str) -> dict[str, Any]:
        response = await self.portal.request(
            "GET", f"{APPLICATIONS}/{application_id}", headers={"X-Officer-Id": officer}
        )
        return _json_object(response)

    async def attachment(
        self, application_id: str, attachment_id: str, officer: str
    ) -> httpx.Response:
        response = await self.portal.request(
            "GET",
            f"{APPLICATIONS}/{application_id}/attachments/{attachment_id}",
            headers={"X-Officer-Id": officer},
        )
        return _checked(response)

    async def act(
        self,
        application_id: str,
        action: str,
        officer: str,
        reason: str | None = None,
        items: list[dict[str, str]] | None = None,
        application: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Take `action` on the application. An approval of an allowance registration carries
        the award letter it grants (`document`), made from `application` (read from the
        portal when not given)."""
        body: dict[str, Any] = {"action": action, "officer": officer}
        if reason:
            body["reason"] = reason
        if items:
            body["items"] = items
        if action == "approve":
            if application is None:
                application = await self.application(application_id, officer)
            if (document := self.award(application)) is not None:
                body["document"] = document
        response = await self.portal.request(
            "POST", f"{APPLICATIONS}/{application_id}/actions", json=body
        )
        answer = _json_object(response)
        if action == "approve":
            for listener in self.approved:
                listener(answer, officer)
        return answer

    def award(self, application: Mapping[str, Any]) -> dict[str, Any] | None:
        """The award letter approving `application` grants, under a new number; None for
        another service or when the form cannot say what is awarded."""
        if application.get("service_id") != SERVICE_ID:
            return None
        today = bangkok_date(self.portal.clock())
        number = grants.document_number("DOP", today, self.document_numbers)
        document = allowance.award_document(application, number, today)
        if document is not None:
            self.document_numbers.add(number)
        return document

    async def order_disbursement(self, order: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
        """Order a payout: (True, the payout) when the portal took it now (201), (False, the
        payout) when it had this `payout_id` already with the same content (200). Other
        content under the same id (409 `payout_id_reused`) and other refusals raise Refused."""
        response = await self.portal.request("POST", DISBURSEMENTS, json=dict(order))
        return response.status_code == 201, _json_object(response)


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_accept: bool = False
    auto_decide_after_seconds: float | None = Field(default=None, ge=0, le=30 * 24 * 3600)
    decision: Literal["approve", "reject"] = "approve"
    poll_seconds: float = Field(default=5.0, gt=0, le=3600)

    @property
    def active(self) -> bool:
        return self.auto_accept or self.auto_decide_after_seconds is not None


class Automation:
    """The automatic rule: a background task (started lazily, while rules are active) that polls
    the gateway, accepts new registrations and decides them once they waited long enough in
    review (measured with `clock` from when this rule first saw them in review)."""

    def __init__(self, api: AgencyApi, clock: Callable[[], float], rules: Rules) -> None:
        self.api = api
        self.clock = clock
        self.rules = rules
        self.last_error: str | None = None
        self.passes = 0
        self.actions: deque[dict[str, Any]] = deque(maxlen=200)
        self._in_review_since: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_rules(self, rules: Rules) -> Rules:
        self.rules = rules
        self.ensure_started()
        return rules

    def ensure_started(self) -> None:
        if not self.rules.active:
            return
        if not self.running:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="dop-rule")
        assert self._wake is not None
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        assert self._wake is not None
        while self.rules.active:
            self._wake.clear()
            try:
                await self.run_once()
                self.last_error = None
            except (PortalError, Refused) as error:
                self.last_error = str(error)
                log.warning("DOP rule pass failed: %s", error)
            except Exception as error:  # a bad pass must not stop the rule
                self.last_error = repr(error)
                log.exception("DOP rule pass failed")
            self.passes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.rules.poll_seconds)

    def _record(self, application_id: str, action: str, outcome: str) -> None:
        self.actions.append(
            {"application_id": application_id, "action": action, "outcome": outcome}
        )

    async def run_once(self) -> None:
        rules = self.rules
        if rules.auto_accept:
            for status in ("submitted", "forwarded"):
                for summary in await self.api.every(status):
                    if summary.get("service_id") == SERVICE_ID:
                        await self._try(summary["id"], "accept")
        delay = rules.auto_decide_after_seconds
        if delay is None:
            return
        seen = set()
        for summary in await self.api.every("in_review"):
            if summary.get("service_id") != SERVICE_ID:
                continue
            application_id = summary["id"]
            seen.add(application_id)
            since = self._in_review_since.setdefault(application_id, self.clock())
            if self.clock() - since >= delay:
                await self._decide(application_id)
        # forget what left review (decided, or waiting for the citizen) so that a return to
        # review starts a new wait
        for application_id in set(self._in_review_since) - seen:
            del self._in_review_since[application_id]

    async def _try(
        self,
        application_id: str,
        action: str,
        reason: str | None = None,
        items: list[dict[str, str]] | None = None,
        application: Mapping[str, Any] | None = None,
    ) -> bool:
        try:
            await self.api.act(application_id, action, AUTO_OFFICER, reason, items, application)
        except Refused as refused:  # someone else acted first, or the gateway disagrees
            self._record(application_id, action, f"refused: {refused.detail}")
            return False
        self._record(application_id, action, "done")
        if action == "accept":
            self._in_review_since[application_id] = self.clock()
        return True

    async def _decide(self, application_id: str) -> None:
        detail = await self.api.application(application_id, AUTO_OFFICER)
        if self.rules.decision == "reject":
            await self._try(
                application_id,
                "reject",
                reason="ไม่อนุมัติตามเงื่อนไขอัตโนมัติ / Rejected by the automatic rule",
            )
            return
        assessment = assess(
            detail.get("form") or {},
            detail.get("missing") or [],
            int(detail.get("info_requests") or 0),
            bangkok_date(self.clock()),
        )
        await self._try(
            application_id, assessment.action, assessment.reason, assessment.items, detail
        )
