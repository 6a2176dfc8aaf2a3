"""Applications waiting on the citizen, as reminders (gateway.tracking.reminders).

- **A request for information** (`needs_info`): the citizen is told when the agency asks (the
  `needs_info` inbox message); left unanswered for `INFORMATION_REMINDER_AFTER`, they are
  reminded once. The agency states no deadline for its request, so the reminder has none.
  R-LFA.2 lets an agency ask once per application, so the application is the subject. Done
  when the application leaves `needs_info` (answered, withdrawn, rejected).
- **A draft never filed**: untouched for `DRAFT_REMINDER_AFTER`, reminded once. Done when it
  is filed, or `discarded` (deleted).

Appointments are not reminded: the portal keeps none. In-person services are informed and
booked by their agencies (R-7.5), and an appointment day some forms ask for is the citizen's
wish, encrypted with the form, not a booking the portal confirmed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.applications.lifecycle import Action, Status
from gateway.applications.models import Application
from gateway.catalog.models import EService
from gateway.tracking.messages import Message
from gateway.tracking.models import ApplicationEvent, Reminder
from gateway.tracking.reminders import DRAFT_UNFILED, INFORMATION_REQUESTED, Due, Reminders
from kernel.buddhist_era import thai_date
from kernel.working_time import BANGKOK

#: How long a request for information waits unanswered before the citizen is reminded.
INFORMATION_REMINDER_AFTER = dt.timedelta(days=3)
#: How long a draft stays untouched before the citizen is reminded it was never filed.
DRAFT_REMINDER_AFTER = dt.timedelta(days=7)
BATCH = 500

_INFORMATION = Message(
    "หน่วยงานรอเอกสารจากท่าน {number}",
    "Waiting for you: {number}",
    "หน่วยงานขอข้อมูลเพิ่มเติมสำหรับคำขอ {service_th} เมื่อ {asked_th}: {items_th} กรุณาส่งผ่านแอปนี้",
    "On {asked_en} the agency asked for more for your application for {service_en}: "
    "{items_en}. Send it in this app.",
)
_DRAFT = Message(
    "ยังไม่ได้ยื่นคำขอ {service_th}",
    "Not filed yet: {service_en}",
    "ท่านเริ่มกรอกคำขอ {service_th} เมื่อ {started_th} แต่ยังไม่ได้ยื่น ยื่นต่อหรือลบร่างได้ทางแอปนี้",
    "You started an application for {service_en} on {started_en} and have not filed it. "
    "File it, or delete the draft, in this app.",
)


async def settle_application_reminders(session: AsyncSession, now: dt.datetime) -> int:
    """Reminders of applications no longer waiting on the citizen are done (the status the
    application moved to says why; a discarded draft is `discarded`)."""
    status = select(Application.status).where(Application.id == Reminder.application_id)
    reminders = Reminders(session, now)
    answered = await reminders.settle(
        [INFORMATION_REQUESTED], status.scalar_subquery(), still_due=[Status.NEEDS_INFO.value]
    )
    filed = await reminders.settle(
        [DRAFT_UNFILED],
        status.scalar_subquery(),
        still_due=[Status.DRAFT.value],
        gone="discarded",
    )
    return answered + filed


async def remind_waiting_on_citizens(session: AsyncSession, now: dt.datetime) -> int:
    """A reminder, once, for each request for information left unanswered and each draft left
    untouched; how many were made."""
    reminders = Reminders(session, now)
    made = 0
    asked = (
        select(Application, EService, ApplicationEvent)
        .join(EService, EService.id == Application.service_id)
        .join(ApplicationEvent, ApplicationEvent.application_id == Application.id)
        .where(
            Application.status == Status.NEEDS_INFO.value,
            ApplicationEvent.kind == Action.REQUEST_INFO.value,
            ApplicationEvent.at <= now - INFORMATION_REMINDER_AFTER,
            Reminders.not_made(INFORMATION_REQUESTED, Application.citizen_id, Application.id),
        )
        .order_by(ApplicationEvent.at, Application.id)
        .limit(BATCH)
    )
    for application, service, event in (await session.execute(asked)).all():
        made += await reminders.remind(_information(application, service, event)) is not None
    drafts = (
        select(Application, EService)
        .join(EService, EService.id == Application.service_id)
        .where(
            Application.status == Status.DRAFT.value,
            Application.updated_at <= now - DRAFT_REMINDER_AFTER,
            Reminders.not_made(DRAFT_UNFILED, Application.citizen_id, Application.id),
        )
        .order_by(Application.updated_at, Application.id)
        .limit(BATCH)
    )
    for application, service in (await session.execute(drafts)).all():
        made += await reminders.remind(_draft(application, service)) is not None
    return made


def _information(application: Application, service: EService, event: ApplicationEvent) -> Due:
    asked_on = event.at.astimezone(BANGKOK).date()
    items = event.data.get("items") or []
    values = {
        "number": application.number or "-",
        "service_th": service.name_th,
        "service_en": service.name_en,
        "asked_th": thai_date(asked_on),
        "asked_en": asked_on.isoformat(),
        "items_th": ", ".join(str(i.get("name_th") or i.get("name_en") or "") for i in items),
        "items_en": ", ".join(str(i.get("name_en") or i.get("name_th") or "") for i in items),
    }
    refs = {"application_id": application.id}
    return Due(
        citizen_id=application.citizen_id,
        kind=INFORMATION_REQUESTED,
        subject=application.id,
        message=_INFORMATION.filled(values),
        href=f"/v1/applications/{application.id}",
        notice_kind="information_reminder",
        application_id=application.id,
        refs=refs,
        notice_data={**refs, "number": application.number, "asked_on": asked_on.isoformat()},
    )


def _draft(application: Application, service: EService) -> Due:
    started = application.created_at.astimezone(BANGKOK).date()
    values = {
        "service_th": service.name_th,
        "service_en": service.name_en,
        "started_th": thai_date(started),
        "started_en": started.isoformat(),
    }
    refs = {"application_id": application.id, "service_id": service.id}
    return Due(
        citizen_id=application.citizen_id,
        kind=DRAFT_UNFILED,
        subject=application.id,
        message=_DRAFT.filled(values),
        href=f"/v1/applications/{application.id}",
        notice_kind="draft_reminder",
        application_id=application.id,
        refs=refs,
        notice_data=refs,
        notice_names_application=False,  # a message must not hold a draft that may be deleted
    )
