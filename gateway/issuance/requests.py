"""Citizens' requests for information about permits that is not yet public (R-21.1): filed
free of charge, due at the close of the 3rd working day after receipt on the agency's own
calendar, answered once by the agency, flagged overdue when that passes.

The citizen is told in the inbox when the answer comes and, once, when the request becomes
overdue (`tell_overdue`, run by the scheduled jobs). The question and the answer may name
people: both are stored encrypted, bound to the request's id."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.engine import CursorResult

from gateway.applications.context import Context
from gateway.catalog.models import Agency
from gateway.documents.models import PermitInformationRequest
from gateway.pagination import bytewise
from gateway.tracking.messages import Message
from gateway.tracking.timeline import Tracker
from gateway.uow import ConcurrentChange, UnitOfWork
from kernel.crypto import PIIVault
from kernel.errors import Conflict, NotFound
from kernel.working_time import BANGKOK, deemed_receipt_time, due_at

log = logging.getLogger("gateway.issuance")

OPEN, ANSWERED = "open", "answered"
#: R-21.1: an answer within 3 working days.
ANSWER_WITHIN_WORKING_DAYS = 3
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_TELL = {
    "answered": Message(
        "หน่วยงานตอบคำขอข้อมูลใบอนุญาตแล้ว {number}",
        "Your request for permit information was answered: {number}",
        "{agency_th} ตอบคำขอข้อมูลใบอนุญาต {number} แล้ว เปิดดูคำตอบได้ในรายการคำขอข้อมูล",
        "{agency_en} answered your request for permit information {number}; the answer is "
        "in your requests for permit information.",
    ),
    "overdue": Message(
        "คำขอข้อมูลใบอนุญาตเกินกำหนด {number}",
        "Request for permit information overdue: {number}",
        "{agency_th} ยังไม่ได้ตอบคำขอข้อมูลใบอนุญาต {number} ภายใน 3 วันทำการ ระบบจะแจ้งเมื่อได้รับคำตอบ",
        "{agency_en} has not answered your request for permit information {number} within "
        "3 working days; you will be told when it does.",
    ),
}


@dataclass(frozen=True)
class PermitRequestView:
    """A request with its question and answer opened, and whether it is overdue now."""

    row: PermitInformationRequest
    question: str
    answer: str | None
    overdue: bool


def is_overdue(row: PermitInformationRequest, now: dt.datetime) -> bool:
    return row.status == OPEN and now > row.due_at


def new_number(today: dt.date) -> str:
    """`PIR-<Buddhist Era year>-<8 Crockford characters>`: 40 random bits, so numbers taken in
    many processes at once do not collide (the unique key catches the one that would)."""
    return f"PIR-{today.year + 543}-" + "".join(secrets.choice(_CROCKFORD) for _ in range(8))


def _seal(vault: PIIVault, request_id: str, part: str, text: str) -> str:
    return vault.encrypt(text, context=f"permit-request:{request_id}:{part}")


def _open(vault: PIIVault, request_id: str, part: str, sealed: str) -> str:
    return vault.decrypt(sealed, context=f"permit-request:{request_id}:{part}")


def _position(row: PermitInformationRequest) -> str:
    return f"{row.submitted_at.astimezone(dt.UTC).isoformat()}|{row.id}"


def _after(payload: str) -> tuple[dt.datetime, str]:
    at, _, last_id = payload.partition("|")
    return dt.datetime.fromisoformat(at), last_id


def _not_found() -> NotFound:
    return NotFound(
        "No such request for permit information.",
        code="permit_request_not_found",
        detail_th="ไม่พบคำขอข้อมูลใบอนุญาตนี้",
    )


class PermitRequests:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vault = ctx.runtime.vault

    def view(self, row: PermitInformationRequest) -> PermitRequestView:
        answer = _open(self.vault, row.id, "answer", row.answer_enc) if row.answer_enc else None
        return PermitRequestView(
            row=row,
            question=_open(self.vault, row.id, "question", row.question_enc),
            answer=answer,
            overdue=is_overdue(row, self.ctx.now),
        )

    async def file(
        self, citizen_id: str, agency_code: str, permit_number: str | None, question: str
    ) -> PermitRequestView:
        """A new request, received now (or at the start of the agency's next working period)
        and due at the close of the 3rd working day after that (R-21.1)."""
        agency = await self.ctx.catalog.agency_only(agency_code)
        calendar, _ = await self.ctx.catalog.working_calendar(agency)
        now = self.ctx.now
        received = deemed_receipt_time(now, calendar)
        request_id = str(uuid.uuid4())
        row = PermitInformationRequest(
            id=request_id,
            number=new_number(now.astimezone(BANGKOK).date()),
            citizen_id=citizen_id,
            agency_code=agency.code,
            permit_number=permit_number,
            question_enc=_seal(self.vault, request_id, "question", question),
            status=OPEN,
            submitted_at=now,
            due_at=due_at(received, ANSWER_WITHIN_WORKING_DAYS, calendar),
        )
        self.ctx.session.add(row)
        await self.ctx.session.flush()
        return self.view(row)

    async def owned(self, citizen_id: str, request_id: str) -> PermitRequestView:
        """The citizen's own request; someone else's answers 404 like a missing one."""
        row = await self.ctx.session.get(PermitInformationRequest, request_id)
        if row is None or row.citizen_id != citizen_id:
            raise _not_found()
        return self.view(row)

    async def of_citizen(
        self, citizen_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[PermitRequestView], str | None]:
        """The citizen's requests, newest first."""
        fingerprint = f"permit-requests:{citizen_id}"
        after = _after(self.ctx.cursors.decode(cursor, fingerprint)) if cursor else None
        table = PermitInformationRequest
        statement = select(table).where(table.citizen_id == citizen_id)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(
                    table.submitted_at < at,
                    and_(table.submitted_at == at, bytewise(table.id) < last_id),
                )
            )
        statement = statement.order_by(table.submitted_at.desc(), bytewise(table.id).desc())
        return await self._page(fingerprint, statement, limit)

    async def of_agency(
        self, agency_code: str, *, status: str | None, limit: int, cursor: str | None
    ) -> tuple[list[PermitRequestView], str | None]:
        """The requests made of an agency, oldest first (a work queue)."""
        fingerprint = f"agency-permit-requests:{agency_code}:{status}"
        after = _after(self.ctx.cursors.decode(cursor, fingerprint)) if cursor else None
        table = PermitInformationRequest
        statement = select(table).where(table.agency_code == agency_code)
        if status is not None:
            statement = statement.where(table.status == status)
        if after is not None:
            at, last_id = after
            statement = statement.where(
                or_(
                    table.submitted_at > at,
                    and_(table.submitted_at == at, bytewise(table.id) > last_id),
                )
            )
        statement = statement.order_by(table.submitted_at, bytewise(table.id))
        return await self._page(fingerprint, statement, limit)

    async def _page(
        self, fingerprint: str, statement: Select[PermitInformationRequest], limit: int
    ) -> tuple[list[PermitRequestView], str | None]:
        """One keyset page (one more row than `limit` is read, to know whether more follow)."""
        rows: Sequence[PermitInformationRequest] = (
            await self.ctx.session.scalars(statement.limit(limit + 1))
        ).all()
        page = rows[:limit]
        more = len(rows) > limit
        next_cursor = self.ctx.cursors.encode(fingerprint, _position(page[-1])) if more else None
        return [self.view(row) for row in page], next_cursor

    async def answer(
        self, agency_code: str, request_id: str, answer: str, answered_by: str
    ) -> PermitRequestView:
        """The agency's one answer; the citizen is told in the inbox. A second answer is
        refused (409 permit_request_answered), even when two arrive at the same moment: the
        update takes only a request still open."""
        session, now = self.ctx.session, self.ctx.now
        row = await session.get(PermitInformationRequest, request_id, populate_existing=True)
        if row is None or row.agency_code != agency_code:
            raise _not_found()
        if row.status != OPEN:
            raise Conflict(
                "This request for permit information was answered already.",
                code="permit_request_answered",
                detail_th="คำขอข้อมูลใบอนุญาตนี้ได้รับคำตอบแล้ว",
            )
        table = PermitInformationRequest
        result = await session.execute(
            update(table)
            .where(table.id == request_id, table.status == OPEN)
            .values(
                status=ANSWERED,
                answered_at=now,
                answered_by=answered_by,
                answer_enc=_seal(self.vault, request_id, "answer", answer),
            )
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            raise ConcurrentChange("The request was answered at the same moment.")
        await session.refresh(row)
        agency = await session.get(Agency, agency_code)
        _tell(self.ctx.tracker, row, agency, "answered")
        return self.view(row)


def _tell(
    tracker: Tracker, row: PermitInformationRequest, agency: Agency | None, kind: str
) -> None:
    """The citizen hears of the answer, or of the request falling overdue (R-11.1)."""
    values = {
        "number": row.number,
        "agency_th": agency.name_th if agency else row.agency_code,
        "agency_en": agency.name_en if agency else row.agency_code,
    }
    tracker.tell_citizen(
        row.citizen_id,
        None,
        f"permit_request_{kind}",
        _TELL[kind].filled(values),
        {"permit_request_id": row.id, "number": row.number, "status": row.status},
    )


async def tell_overdue(transaction: Callable[[], UnitOfWork]) -> int:
    """Tell each citizen, once, that a request of theirs is still unanswered past its due time;
    one request per transaction, each claimed by a conditional update, so that jobs running in
    several processes at once tell nobody twice. How many were told."""
    table = PermitInformationRequest
    async with transaction() as uow:
        due = (
            await uow.session.scalars(
                select(table.id).where(
                    table.status == OPEN,
                    table.due_at < uow.now,
                    table.overdue_notified_at.is_(None),
                )
            )
        ).all()
    told = 0
    for request_id in due:
        async with transaction() as uow:
            claimed = await uow.session.execute(
                update(table)
                .where(
                    table.id == request_id,
                    table.status == OPEN,
                    table.due_at < uow.now,
                    table.overdue_notified_at.is_(None),
                )
                .values(overdue_notified_at=uow.now)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(claimed, CursorResult)
            if claimed.rowcount != 1:
                continue
            row = await uow.session.get(table, request_id)
            assert row is not None
            agency = await uow.session.get(Agency, row.agency_code)
            _tell(Tracker(uow.session, uow.now), row, agency, "overdue")
            await uow.commit()
            told += 1
    if told:
        log.info("overdue permit information requests told", extra={"count": told})
    return told
