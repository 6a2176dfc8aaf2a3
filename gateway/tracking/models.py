"""Tables of tracking: each application's timeline, the citizen's inbox (R-11.1), the
oversight body's copies of overdue notices (R-LFA.4) and the citizen's reminders (what is due)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence import Base, BigId, UTCDateTime


class ApplicationEvent(Base):
    """One line of an application's timeline: every transition, with actor and time."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # created | an Action value
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(200))  # agency:<code>:<client>/<officer>
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Notification(Base):
    """A message in the citizen's inbox (R-11.1). The id orders the server-sent-event stream."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_citizen_id", "citizen_id", "id"),
        # The unread count reads only the unread messages, however many were read before.
        Index(
            "ix_notifications_unread",
            "citizen_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    application_id: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body_th: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Paper is sent too when the citizen chose it at submission.
    paper: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OversightCopy(Base):
    """A copy of an overdue notice for the oversight body (OPDC), R-LFA.4."""

    __tablename__ = "oversight_copies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    body: Mapped[str] = mapped_column(String(16))  # OPDC
    notice_number: Mapped[int] = mapped_column(Integer)
    working_days_overdue: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Reminder(Base):
    """Something due that the citizen is reminded of (the home screen's "what is due"): a
    document about to lapse, a fee or bill to pay, a request for information to answer, a draft
    never filed. Made once by a scheduled job (the unique key: two job runners at once make
    one), told once in the inbox (`notification_id`), done when its subject resolves."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("citizen_id", "kind", "subject"),
        # The jobs look only at the open reminders of a kind, however many are done.
        Index(
            "ix_reminders_open",
            "kind",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    citizen_id: Mapped[str] = mapped_column(ForeignKey("citizens.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # A stable key of what is due in its own domain: a document id, a payment demand id, ...
    subject: Mapped[str] = mapped_column(String(120))
    # No foreign key: a draft reminded of may be discarded, and its reminder stays (done).
    application_id: Mapped[str | None] = mapped_column(String(36))
    refs: Mapped[dict[str, Any]] = mapped_column(JSON)  # the subject's ids, as the app opens it
    due_on: Mapped[dt.date | None] = mapped_column(Date())  # the Bangkok day; None: no deadline
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # when known to the minute
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body_th: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    href: Mapped[str] = mapped_column(String(300))  # where the app goes to act on it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # What the subject became when it was done: paid, cancelled, renewed, in_review, gone, ...
    resolution: Mapped[str | None] = mapped_column(String(24))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))


# Parents before children (delete in reverse).
TABLES = (ApplicationEvent, Notification, OversightCopy, Reminder)
