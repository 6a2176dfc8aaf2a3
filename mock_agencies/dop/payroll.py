"""DOP's register of older persons enrolled for the allowance, and its monthly run.

Enrolment: each `dop-older-persons-allowance-registration` DOP approves (an officer on the back
office's pages or the automatic rule, through `AgencyApi.act`) is enrolled with what the
portal's answer to the approval says: the application number, the applicant's national ID
(`applicant.national_id`), the birth date on the form. The register is in memory, so each run
first asks the portal for the registrations that stand approved and enrols any it does not
hold (after a restart of the mock, say), reading each one once.

The monthly run orders, through the portal's agency API with DOP's client-credentials token,
one payout per enrolled person (`POST /v1/agency/disbursements`): the amount by the person's age
in that month, `payout_id` `DOP-OPA-<YYYY-MM>-<application number>`, paid on the 10th. The
portal keeps one payout per id, so running a month again orders nothing new (it answers 200,
counted as `already`); every order is sent again anyway, because only the portal knows whether
an earlier attempt reached it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mock_agencies.bma.portal import PortalError
from mock_agencies.dop import allowance
from mock_agencies.dop.agency_api import AgencyApi, Refused
from mock_agencies.dop.eligibility import SERVICE_ID, age_on, bangkok_date

RUN_OFFICER = "allowance-run"
#: Where an approved registration stands on the portal once decided.
APPROVED_STATUSES = ("approved", "issued")


@dataclass
class Enrolment:
    application_id: str
    application_number: str | None
    national_id: str | None
    birth_date: dt.date | None
    approved_by: str
    enrolled_on: dt.date | None = None  # the day DOP enrolled it (its clock, Bangkok)

    def shown(self, today: dt.date) -> dict[str, Any]:
        return {
            "application_number": self.application_number,
            "application_id": self.application_id,
            "national_id_masked": allowance.masked(self.national_id) if self.national_id else None,
            "age": age_on(self.birth_date, today) if self.birth_date else None,
            "approved_by": self.approved_by,
        }


@dataclass
class MonthRun:
    """What the last run of a month ordered, and what it could not."""

    ran_at: str
    pay_on: str
    payouts: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def _order(enrolment: Enrolment) -> tuple[str, str]:
    return (enrolment.application_number or "~", enrolment.application_id)


def national_id_of(application: dict[str, Any]) -> str | None:
    applicant = application.get("applicant")
    found = applicant.get("national_id") if isinstance(applicant, dict) else None
    return found if isinstance(found, str) and len(found) == 13 and found.isdigit() else None


class Payroll:
    def __init__(self, api: AgencyApi, clock: Callable[[], float]) -> None:
        self.api = api
        self.clock = clock
        self.enrolled: dict[str, Enrolment] = {}  # by application id
        self.months: dict[str, MonthRun] = {}
        self._running = asyncio.Lock()
        api.approved.append(self.enrol)

    def enrol(self, application: dict[str, Any], approved_by: str) -> Enrolment | None:
        """Enrol an approved allowance registration (other services are not enrolled)."""
        if application.get("service_id") != SERVICE_ID or not application.get("id"):
            return None
        form = application.get("form")
        number = application.get("number")
        enrolment = Enrolment(
            application_id=str(application["id"]),
            application_number=number if isinstance(number, str) and number else None,
            national_id=national_id_of(application),
            birth_date=allowance.birth_date((form or {}).get("birth_date")),
            approved_by=approved_by,
            enrolled_on=bangkok_date(self.clock()),
        )
        self.enrolled[enrolment.application_id] = enrolment
        return enrolment

    def enrolment_of(self, national_id: str) -> tuple[Enrolment, dt.date | None] | None:
        """The enrolment paid for `national_id` (the earliest, as the monthly run pays), and
        the last day a run ordered its allowance for (None: not yet)."""
        held = [e for e in self.enrolled.values() if e.national_id == national_id]
        if not held:
            return None
        chosen = min(held, key=_order)
        paid = [
            dt.date.fromisoformat(run.pay_on)
            for run in self.months.values()
            if any(p["application_number"] == chosen.application_number for p in run.payouts)
        ]
        return chosen, max(paid, default=None)

    def listing(self) -> dict[str, Any]:
        today = bangkok_date(self.clock())
        return {
            "enrolled": [e.shown(today) for e in self.enrolled.values()],
            "months": {
                month: {
                    "ran_at": run.ran_at,
                    "pay_on": run.pay_on,
                    "payouts": run.payouts,
                    "failed": run.failed,
                }
                for month, run in sorted(self.months.items())
            },
        }

    async def sync(self) -> None:
        """Enrol the registrations the portal holds as approved that the register lacks, and
        read again those enrolled without a national ID (the portal may show it now)."""
        for status in APPROVED_STATUSES:
            for summary in await self.api.every(status):
                known = self.enrolled.get(str(summary.get("id")))
                if summary.get("service_id") != SERVICE_ID or (
                    known is not None and known.national_id is not None
                ):
                    continue
                application = await self.api.application(str(summary["id"]), RUN_OFFICER)
                self.enrol(application, known.approved_by if known else "portal")

    async def pay(self, month: str, pay_on: dt.date | None = None) -> dict[str, Any]:
        """Order `month`'s allowances: {"month", "ordered", "already", "failed"}, paid on the
        10th of the month unless the officer gives another day (`pay_on`: a late run, or the
        first payment of someone just enrolled). Raises PortalError (or Refused) when the portal
        cannot tell who is enrolled."""
        parsed = allowance.month_of(month)
        if parsed is None:
            raise ValueError(f"month must be YYYY-MM, not {month!r}")
        year, number = parsed
        async with self._running:  # two runs at once would count each other's orders
            await self.sync()
            run = MonthRun(
                ran_at=dt.datetime.fromtimestamp(self.clock(), dt.UTC).isoformat(),
                pay_on=(pay_on or allowance.pay_on(year, number)).isoformat(),
            )
            for enrolment in self._one_per_person():
                await self._pay_one(enrolment, year, number, run)
            self.months[month] = run
        ordered = sum(1 for p in run.payouts if p["answer"] == "ordered")
        return {
            "month": month,
            "ordered": ordered,
            "already": len(run.payouts) - ordered,
            "failed": run.failed,
        }

    def _one_per_person(self) -> list[Enrolment]:
        """The enrolments to pay: one a person, the earliest registration of someone approved
        twice (the same one every month, so its payout ids stay the same)."""
        chosen: dict[str, Enrolment] = {}
        unknown: list[Enrolment] = []
        for enrolment in self.enrolled.values():
            if enrolment.national_id is None:
                unknown.append(enrolment)  # reported as failed: nothing to pay it to
                continue
            held = chosen.get(enrolment.national_id)
            if held is None or _order(enrolment) < _order(held):
                chosen[enrolment.national_id] = enrolment
        return sorted(chosen.values(), key=_order) + unknown

    async def _pay_one(self, enrolment: Enrolment, year: int, month: int, run: MonthRun) -> None:
        def failed(code: str, detail: str, payout_id: str | None = None) -> None:
            run.failed.append(
                {
                    "application_number": enrolment.application_number,
                    "payout_id": payout_id,
                    "code": code,
                    "detail": detail,
                }
            )

        national_id, birth = enrolment.national_id, enrolment.birth_date
        if national_id is None:
            failed("no_national_id", "the portal's application shows no applicant national ID")
            return
        if birth is None:
            failed("no_birth_date", "the registration has no full birth date to take age from")
            return
        age = allowance.age_in_month(birth, year, month)
        amount = allowance.monthly_satang(age)
        if amount is None:
            failed("under_60", f"the person is {age} in that month")
            return
        payout_id = allowance.payout_id(year, month, enrolment.application_number or "")
        if payout_id is None:
            failed("no_application_number", "the registration has no usable application number")
            return
        title_th, title_en = allowance.titles(year, month)
        order = {
            "payout_id": payout_id,
            "national_id": national_id,
            "amount_satang": amount,
            "kind": allowance.KIND,
            "title_th": title_th,
            "title_en": title_en,
            "period": f"{year:04d}-{month:02d}",
            "pay_on": run.pay_on,
        }
        try:
            created, _ = await self.api.order_disbursement(order)
        except Refused as refused:
            failed(refused.code or f"http_{refused.status}", refused.detail, payout_id)
            return
        except PortalError as error:
            failed("portal_unavailable", error.detail or error.message, payout_id)
            return
        run.payouts.append(
            {
                "payout_id": payout_id,
                "application_number": enrolment.application_number,
                "national_id_masked": allowance.masked(national_id),
                "age": age,
                "amount_satang": amount,
                "answer": "ordered" if created else "already",
            }
        )
