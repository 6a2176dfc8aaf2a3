"""Operator endpoints: the simulated clock and the calendar's extra holidays."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.catalog.deps import CatalogDep
from gateway.config import ClockMode
from gateway.deps import AdminDep, RuntimeDep, UowDep
from kernel.clock import MAX_ADVANCE, SimulatedClock, check_simulated_time
from kernel.errors import Forbidden
from kernel.problems import problem_responses
from kernel.working_time import BANGKOK

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class ClockChange(BaseModel):
    """Exactly one of `set` (an ISO-8601 time with offset) or `advance` (seconds, > 0)."""

    model_config = ConfigDict(extra="forbid")

    set: dt.datetime | None = None
    advance: Annotated[float, Field(gt=0, le=MAX_ADVANCE.total_seconds())] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ClockChange:
        if (self.set is None) == (self.advance is None):
            raise ValueError("give exactly one of 'set' or 'advance'")
        if self.set is not None:
            if self.set.tzinfo is None:
                raise ValueError("'set' needs a timezone offset, e.g. 2026-04-10T17:05:00+07:00")
            check_simulated_time(self.set)
        return self


class ClockOut(BaseModel):
    mode: ClockMode
    now: dt.datetime
    now_local: dt.datetime
    offset_seconds: float


def _clock_out(runtime: RuntimeDep) -> ClockOut:
    now = runtime.clock.now()
    offset = runtime.clock.offset if isinstance(runtime.clock, SimulatedClock) else dt.timedelta()
    return ClockOut(
        mode=runtime.settings.clock_mode,
        now=now,
        now_local=now.astimezone(BANGKOK),
        offset_seconds=offset.total_seconds(),
    )


@router.get("/clock", response_model=ClockOut)
async def read_clock(runtime: RuntimeDep, _: AdminDep) -> ClockOut:
    """The gateway's time, and how far it is from real time in simulation mode."""
    return _clock_out(runtime)


@router.post("/clock", response_model=ClockOut, responses=problem_responses("simulation_only"))
async def change_clock(runtime: RuntimeDep, _: AdminDep, change: ClockChange) -> ClockOut:
    """Set or advance simulated time (simulation mode only; production refuses with 403)."""
    if runtime.shared_clock is None:
        raise Forbidden(
            "This gateway runs on the system clock; simulated time is refused.",
            code="simulation_only",
            detail_th="ระบบนี้ใช้นาฬิกาจริง เลื่อนเวลาจำลองไม่ได้",
        )
    if change.set is not None:
        await runtime.shared_clock.set(change.set)
    elif change.advance is not None:
        await runtime.shared_clock.advance(change.advance)
    return _clock_out(runtime)


# No control characters: a NUL cannot be stored in PostgreSQL text (found by schemathesis).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class HolidayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: dt.date
    agency: Annotated[str | None, Field(max_length=32, pattern=PRINTABLE)] = None
    name_th: Annotated[str, Field(min_length=1, max_length=300, pattern=PRINTABLE)]
    name_en: Annotated[str, Field(min_length=1, max_length=300, pattern=PRINTABLE)]


class HolidayOut(BaseModel):
    id: int
    day: dt.date
    agency: str | None
    name_th: str
    name_en: str


class HolidayList(BaseModel):
    items: list[HolidayOut]


@router.get("/calendar/holidays", response_model=HolidayList)
async def list_extra_holidays(catalog: CatalogDep, _: AdminDep) -> HolidayList:
    """Days off the operator declared on top of the Thai government calendar."""
    rows = await catalog.extra_holidays()
    return HolidayList(
        items=[
            HolidayOut(
                id=h.id, day=h.day, agency=h.agency_code, name_th=h.name_th, name_en=h.name_en
            )
            for h in rows
        ]
    )


@router.post(
    "/calendar/holidays",
    response_model=HolidayOut,
    status_code=201,
    responses=problem_responses("agency_not_found"),
)
async def declare_extra_holiday(
    catalog: CatalogDep,
    uow: UowDep,
    _: AdminDep,
    holiday: Annotated[HolidayIn, Body()],
) -> HolidayOut:
    """Declare an extra day off (a cabinet resolution when `agency` is empty, R-10.2)."""
    row = await uow.run(
        lambda: catalog.declare_holiday(
            holiday.day, holiday.agency, holiday.name_th, holiday.name_en, uow.now
        )
    )
    return HolidayOut(
        id=row.id, day=row.day, agency=row.agency_code, name_th=row.name_th, name_en=row.name_en
    )


@router.delete(
    "/calendar/holidays/{holiday_id}",
    status_code=204,
    responses=problem_responses("holiday_not_found"),
)
async def withdraw_extra_holiday(
    catalog: CatalogDep, uow: UowDep, _: AdminDep, holiday_id: int
) -> None:
    """Withdraw a day declared by mistake."""
    await uow.run(lambda: catalog.withdraw_holiday(holiday_id))
