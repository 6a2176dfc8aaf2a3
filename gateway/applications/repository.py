"""SQL for applications: the only module of the domain that builds queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from gateway.applications.lifecycle import PROCESSING
from gateway.applications.models import Application, Attachment, NumberCounter, Receipt
from gateway.catalog.models import Agency, AgencyUnit, EService
from gateway.pagination import bytewise
from gateway.tracking.models import ApplicationEvent

#: An e-service as of its last change and its agency's: (service id, service's, agency's).
ServiceVersion = tuple[str, dt.datetime, dt.datetime]


class Stamp(NamedTuple):
    """What an application's answer depends on (ApplicationRepository.stamp)."""

    citizen_id: str
    version: int
    status: str
    due_at: dt.datetime | None
    newest_event: int | None
    service_at: dt.datetime
    agency_at: dt.datetime


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    # --- applications -------------------------------------------------------------------

    async def get(self, application_id: str) -> Application | None:
        return await self.session.get(Application, application_id)

    async def shown(
        self, application_id: str
    ) -> tuple[Application, Receipt | None, ServiceVersion] | None:
        """An application with its receipt, and which version of its e-service (and of the
        service's agency) stands now, in one statement: the service itself is usually in the
        process's cache (shown.ServiceCache), so its large columns are not read here."""
        statement = (
            select(Application, Receipt, EService.updated_at, Agency.updated_at)
            .join(EService, EService.id == Application.service_id)
            .join(Agency, Agency.code == EService.agency_code)
            .outerjoin(Receipt, Receipt.application_id == Application.id)
            .where(Application.id == application_id)
        )
        row = (await self.session.execute(statement)).one_or_none()
        if row is None:
            return None
        application, receipt, service_at, agency_at = row
        return application, receipt, (application.service_id, service_at, agency_at)

    async def stamp(self, application_id: str) -> Stamp | None:
        """What an application shows is a function of (one indexed statement, no large
        columns): who owns it, its version (every change of the row, its attachments and its
        state moves it), its due date and status (whether it is overdue now), its newest
        timeline event, and the versions of its e-service and of the service's agency."""
        row = (await self.session.execute(_STAMP, {"id": application_id})).one_or_none()
        return None if row is None else Stamp(*row)

    async def detached_service(self, service_id: str) -> EService | None:
        """An application's e-service, live or not, with its agency (not its life stages),
        detached from the session: kept beyond it (shown.ServiceCache), it is never expired
        or flushed with the session's work."""
        statement = (
            select(EService)
            .where(EService.id == service_id)
            .options(raiseload(EService.life_stages))
        )
        service = (await self.session.scalars(statement)).one_or_none()
        if service is not None:
            self.session.expunge(service.agency)
            self.session.expunge(service)
        return service

    async def of_citizen(
        self, citizen_id: str, *, limit: int, after: tuple[dt.datetime, str] | None
    ) -> Sequence[Application]:
        statement = select(Application).where(Application.citizen_id == citizen_id)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(
                    Application.created_at < at,
                    and_(Application.created_at == at, bytewise(Application.id) < last_id),
                )
            )
        statement = statement.order_by(
            Application.created_at.desc(), bytewise(Application.id).desc()
        )
        return (await self.session.scalars(statement.limit(limit))).all()

    async def of_agency(
        self,
        agency_code: str,
        *,
        status: str | None,
        limit: int,
        after: tuple[dt.datetime, str] | None,
    ) -> Sequence[Application]:
        statement = select(Application).where(
            Application.agency_code == agency_code, Application.status != "draft"
        )
        if status is not None:
            statement = statement.where(Application.status == status)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(
                    Application.created_at > at,
                    and_(Application.created_at == at, bytewise(Application.id) > last_id),
                )
            )
        statement = statement.order_by(Application.created_at, bytewise(Application.id))
        return (await self.session.scalars(statement.limit(limit))).all()

    async def overdue(self, now: dt.datetime, notice_before: dt.datetime) -> Sequence[str]:
        """Open applications past their due date whose last overdue notice (if any) is older
        than `notice_before` (R-LFA.4)."""
        statement = (
            select(Application.id)
            .where(
                Application.status.in_([s.value for s in PROCESSING]),
                Application.due_at < now,
                or_(
                    Application.last_overdue_notice_at.is_(None),
                    Application.last_overdue_notice_at <= notice_before,
                ),
            )
            .order_by(Application.due_at, Application.id)
        )
        return (await self.session.scalars(statement)).all()

    async def claim_overdue_notice(
        self, application_id: str, now: dt.datetime, notice_before: dt.datetime
    ) -> int | None:
        """Mark one overdue notice as sent, unless another process just did; the notice number.

        A conditional UPDATE, so any number of processes running the job send each notice once.
        """
        result = await self.session.execute(
            update(Application)
            .where(
                Application.id == application_id,
                Application.status.in_([s.value for s in PROCESSING]),
                or_(
                    Application.last_overdue_notice_at.is_(None),
                    Application.last_overdue_notice_at <= notice_before,
                ),
            )
            .values(
                last_overdue_notice_at=now,
                overdue_notices=Application.overdue_notices + 1,
                version=Application.version + 1,
            )
            .returning(Application.overdue_notices)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none()

    async def unit_codes(self, agency_code: str) -> set[str]:
        """The codes of an agency's offices."""
        statement = select(AgencyUnit.code).where(AgencyUnit.agency_code == agency_code)
        return set((await self.session.scalars(statement)).all())

    # --- numbers ------------------------------------------------------------------------

    async def next_number(self, scope: str) -> int:
        """The next value of a counter. The UPDATE comes first so it takes the row lock
        (PostgreSQL) or the write lock (SQLite) before reading: two submissions never share
        a number."""
        for _ in range(3):
            bumped = await self.session.execute(
                update(NumberCounter)
                .where(NumberCounter.scope == scope)
                .values(value=NumberCounter.value + 1)
                .returning(NumberCounter.value)
                .execution_options(synchronize_session=False)
            )
            value = bumped.scalar_one_or_none()
            if value is not None:
                return int(value)
            try:
                async with self.session.begin_nested():
                    self.session.add(NumberCounter(scope=scope, value=1))
                return 1
            except IntegrityError:  # another submission created the counter first
                continue
        raise RuntimeError(f"could not take a number for {scope}")

    # --- attachments, events, receipts ----------------------------------------------------

    async def attachments(self, application_id: str) -> Sequence[Attachment]:
        statement = (
            select(Attachment)
            .where(Attachment.application_id == application_id)
            .order_by(Attachment.created_at, Attachment.id)
        )
        return (await self.session.scalars(statement)).all()

    async def attachment(self, application_id: str, attachment_id: str) -> Attachment | None:
        row = await self.session.get(Attachment, attachment_id)
        if row is None or row.application_id != application_id:
            return None
        return row

    async def delete(self, row: object) -> None:
        await self.session.delete(row)

    async def receipt(self, application_id: str) -> Receipt | None:
        return await self.session.get(Receipt, application_id)


# The status read's statement, built once: building a statement costs more than running it.
_STAMP = (
    select(
        Application.citizen_id,
        Application.version,
        Application.status,
        Application.due_at,
        select(func.max(ApplicationEvent.id))
        .where(ApplicationEvent.application_id == Application.id)
        .scalar_subquery(),
        EService.updated_at,
        Agency.updated_at,
    )
    .join(EService, EService.id == Application.service_id)
    .join(Agency, Agency.code == EService.agency_code)
    .where(Application.id == bindparam("id"))
)


# Know's freshness port (gateway.know.service.CaseChanges), built once: a citizen's cases by
# agency, each with its last change, so an answer an agency gave before it decided one of them
# is not reused (the allowance granted shows at once, not when the cache lapses).
_LAST_CHANGES = (
    select(Application.agency_code, func.max(Application.updated_at))
    .where(Application.citizen_id == bindparam("citizen_id"))
    .group_by(Application.agency_code)
)


async def last_case_changes(session: AsyncSession, citizen_id: str) -> dict[str, dt.datetime]:
    """When each agency's cases of this citizen last changed."""
    rows = await session.execute(_LAST_CHANGES, {"citizen_id": citizen_id})
    return {str(code): at for code, at in rows}
