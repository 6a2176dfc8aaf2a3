"""The data-access log (issue 14, after Estonia's Data Tracker): every fetch of a citizen's
personal data, by the portal or by an agency, with who, when, which data and why. The citizen
reads it at `GET /v1/me/data-access` (gateway/audit/endpoints.py).

It sits in the audit domain, the lowest layer of the gateway, so that every domain may record
its fetches. Recording one:

    from gateway.audit.access import Access, Accessor, DataAccessLog, Purpose

    await DataAccessLog(session, now).record(
        Access(
            citizen_id,                      # the gateway's citizen id, never the national ID
            data="SSO.insured",              # what kind of data: never the data itself
            source="SSO",                    # whose records were read
            purpose=Purpose.ENTITLEMENTS,    # why: identity | once_only | entitlements |
            ref="sso-unemployment-benefit",  #   records | case | web_integration, and for what
            service_id="sso-unemployment-benefit",   # the e-service it served, if any
            accessor=PORTAL,                 # or Accessor.agency("DLT"),
        )                                    #    Accessor.officer("DLT", "officer-7")
    )
    await DataAccessLog(session, now).record_all([...])   # several fetches: one chain claim

What a record means, and what it costs:

- Only completed fetches are recorded: data was actually obtained. An agency that was down,
  or answered that it holds no such record, gave nothing and leaves no line.
- `record` joins the caller's transaction and never commits (like `audit.append`): the line
  commits with the request that used the data. Call it after the request's last call to an
  agency, not between two: the audit chain's head stays locked from the append to the commit.
  (A request refused after its fetches rolls its lines back with it.)
- Each line is one INSERT of the row plus one audit-chain entry (action `data.accessed`,
  subject `citizen:<citizen id>`, the same facts), whose seq the row keeps in `audit_seq`.
  There is no API to change or remove a line, and the chain proves none was changed.

Data keys are short and stable: `civil_registry.card_check`, `civil_registry.face_reference`,
`civil_registry.person`, `<AGENCY>.<kind>` for an agency's once-only or entitlement data
(`DLT.licences`, `SSO.insured`), `application`, `attachment`, `web_integration.profile`.
`DATA_LABELS` names the fixed ones in Thai and English; `label_of` covers the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.models import DataAccess
from gateway.audit.repository import Entry, append, append_many

#: The audit chain's action for a data-access line.
ACTION = "data.accessed"

#: Where the portal's own verified copy of a citizen's identity is the source.
PORTAL_CODE = "portal"

_INSERT = insert(DataAccess)


class AccessorKind(StrEnum):
    PORTAL = "portal"  # the portal fetched it (to prefill, to prove an identity)
    AGENCY = "agency"  # an agency's system (its back end, Web Integration)
    OFFICER = "officer"  # a named officer of an agency (X-Officer-Id)


class Purpose(StrEnum):
    IDENTITY = "identity"  # proving who the citizen is at login
    ONCE_ONLY = "once_only"  # prefilling a form, fetching a state document
    ENTITLEMENTS = "entitlements"  # what the citizen may claim (the know domain)
    RECORDS = "records"  # what the state holds about the citizen (the know domain)
    CASE = "case"  # an agency working an application
    WEB_INTEGRATION = "web_integration"  # an agency's own e-service took the verified data


@dataclass(frozen=True)
class Accessor:
    """Who fetched: the portal, an agency's system, or one of its officers."""

    kind: AccessorKind
    code: str  # "portal" or the agency's code
    officer_id: str | None = None

    @classmethod
    def agency(cls, code: str) -> Accessor:
        return cls(AccessorKind.AGENCY, code)

    @classmethod
    def officer(cls, code: str, officer_id: str | None) -> Accessor:
        """An agency's officer; an agency's system when no officer is named."""
        if not officer_id:
            return cls.agency(code)
        return cls(AccessorKind.OFFICER, code, officer_id)

    @property
    def actor(self) -> str:
        """As the audit chain names actors."""
        return PORTAL_CODE if self.kind is AccessorKind.PORTAL else f"agency:{self.code}"


PORTAL = Accessor(AccessorKind.PORTAL, PORTAL_CODE)


@dataclass(frozen=True)
class Access:
    """One completed fetch of a citizen's data (see the module's docstring)."""

    citizen_id: str
    data: str
    source: str
    purpose: Purpose
    ref: str | None = None
    service_id: str | None = None
    accessor: Accessor = PORTAL
    at: dt.datetime | None = None  # when the data was obtained; the log's `now` by default

    def audit_data(self) -> dict[str, str]:
        """The facts the chain holds (the same as the row's)."""
        facts = {
            "kind": self.accessor.kind.value,
            "data": self.data,
            "source": self.source,
            "purpose": self.purpose.value,
            "ref": self.ref,
            "service": self.service_id,
            "officer": self.accessor.officer_id,
        }
        return {key: value for key, value in facts.items() if value is not None}


class DataAccessLog:
    """Records fetches in the caller's transaction (never commits)."""

    def __init__(self, session: AsyncSession, now: dt.datetime) -> None:
        self.session = session
        self.now = now

    async def record(self, access: Access) -> None:
        """One fetch: one audit-chain entry, one row."""
        at = access.at or self.now
        entry = await append(
            self.session,
            at=at,
            actor=access.accessor.actor,
            action=ACTION,
            subject=f"citizen:{access.citizen_id}",
            data=access.audit_data(),
        )
        await self.session.execute(_INSERT, [_row(access, at, entry.seq)])

    async def record_all(self, accesses: Sequence[Access]) -> None:
        """Several fetches, in order: the chain's head is claimed once, the rows go in one
        INSERT."""
        if len(accesses) <= 1:
            for access in accesses:
                await self.record(access)
            return
        times = [access.at or self.now for access in accesses]
        seqs = await append_many(
            self.session,
            [
                Entry(
                    at=at,
                    actor=access.accessor.actor,
                    action=ACTION,
                    subject=f"citizen:{access.citizen_id}",
                    data=access.audit_data(),
                )
                for access, at in zip(accesses, times, strict=True)
            ],
        )
        await self.session.execute(
            _INSERT,
            [_row(access, at, seq) for access, at, seq in zip(accesses, times, seqs, strict=True)],
        )


def _row(access: Access, at: dt.datetime, seq: int) -> dict[str, object]:
    return {
        "citizen_id": access.citizen_id,
        "at": at,
        "accessor_kind": access.accessor.kind.value,
        "accessor": access.accessor.code,
        "officer_id": access.accessor.officer_id,
        "data_key": access.data,
        "source": access.source,
        "purpose_kind": access.purpose.value,
        "purpose_ref": access.ref,
        "service_id": access.service_id,
        "audit_seq": seq,
    }


@dataclass
class Fetches:
    """Fetches a unit of work made and has not recorded yet: noted as each one completes,
    recorded together once the last agency answered (so no lock is held while one is asked)."""

    pending: list[Access] = field(default_factory=list)

    def note(self, access: Access) -> None:
        self.pending.append(access)

    async def record(self, log: DataAccessLog) -> None:
        pending, self.pending = self.pending, []
        await log.record_all(pending)


async def citizen_page(
    session: AsyncSession,
    citizen_id: str,
    *,
    before_id: int | None,
    since: dt.datetime | None,
    limit: int,
) -> Sequence[DataAccess]:
    """A page of one citizen's lines, newest first (by id: the order they were recorded in),
    those at or after `since` only when it is given. One statement."""
    query = select(DataAccess).where(DataAccess.citizen_id == citizen_id)
    if before_id is not None:
        query = query.where(DataAccess.id < before_id)
    if since is not None:
        query = query.where(DataAccess.at >= since)
    return (await session.scalars(query.order_by(DataAccess.id.desc()).limit(limit))).all()


# --- the login's registry reads (identity's `RecordReads` port) -------------------------------


class RegistryRead(Protocol):
    """What identity tells of one answer of the civil registry during a login."""

    @property
    def what(self) -> str: ...
    @property
    def at(self) -> dt.datetime: ...


#: Whose records a login reads: the civil registry's (DOPA, R-9.1).
CIVIL_REGISTRY = "DOPA"


async def record_login_reads(
    session: AsyncSession, citizen_id: str, reads: Sequence[RegistryRead]
) -> None:
    """identity's `RecordReads` port: a verified login's registry answers (the card check, the
    face reference, the person record), recorded for the citizen in the login's transaction,
    once the citizen exists (a login never completed names no citizen and leaves no line)."""
    if not reads:
        return
    await DataAccessLog(session, reads[0].at).record_all(
        [
            Access(
                citizen_id,
                data=f"civil_registry.{read.what}",
                source=CIVIL_REGISTRY,
                purpose=Purpose.IDENTITY,
                at=read.at,
            )
            for read in reads
        ]
    )


# --- what the citizen is shown -----------------------------------------------------------------

#: Thai and English names of the fixed data keys.
DATA_LABELS: dict[str, tuple[str, str]] = {
    "civil_registry.card_check": (
        "ผลตรวจสอบบัตรประจำตัวประชาชน (เลขหลังบัตร) กับทะเบียนราษฎร",
        "ID card check (laser code) with the civil registry",
    ),
    "civil_registry.face_reference": (
        "ภาพใบหน้าอ้างอิงในทะเบียนราษฎร สำหรับเปรียบเทียบใบหน้า",
        "Face reference from the civil registry, for the face comparison",
    ),
    "civil_registry.person": (
        "ข้อมูลบุคคลในทะเบียนราษฎร (ชื่อ ที่อยู่ตามทะเบียนบ้าน)",
        "Civil registry record (names, registered address)",
    ),
    "application": (
        "คำขอของท่าน พร้อมข้อมูลผู้ยื่นคำขอ",
        "Your application, with the applicant's details",
    ),
    "attachment": ("เอกสารแนบของคำขอ", "A document attached to the application"),
    "web_integration.profile": (
        "ข้อมูลตัวตนที่ยืนยันแล้ว (เลขประจำตัวประชาชน ชื่อ วันเกิด)",
        "Your verified identity (national ID, names, birth date)",
    ),
}

PURPOSE_LABELS: dict[Purpose, tuple[str, str]] = {
    Purpose.IDENTITY: ("ยืนยันตัวตนเมื่อเข้าสู่ระบบ", "Proving your identity at login"),
    Purpose.ONCE_ONLY: (
        "กรอกข้อมูลในคำขอให้ท่านโดยไม่ต้องยื่นเอกสารซ้ำ",
        "Filling in your application so you need not provide it again",
    ),
    Purpose.ENTITLEMENTS: ("ตรวจสอบสิทธิของท่าน", "Checking what you are entitled to"),
    Purpose.RECORDS: ("แสดงข้อมูลของท่านที่รัฐมีอยู่", "Showing you what the state holds"),
    Purpose.CASE: ("พิจารณาคำขอของท่าน", "Working on your application"),
    Purpose.WEB_INTEGRATION: (
        "ให้บริการผ่านเว็บไซต์ของหน่วยงาน",
        "Serving you on the agency's own website",
    ),
}


def label_of(data_key: str, lang: str) -> str:
    """The data key's name in `lang`; an agency's data (`<AGENCY>.<kind>`) by its parts."""
    labels = DATA_LABELS.get(data_key)
    if labels is None:
        agency, _, kind = data_key.partition(".")
        labels = (f"ข้อมูล {kind or data_key} ของ {agency}", f"{agency} records: {kind or data_key}")
    return labels[1] if lang == "en" else labels[0]


def purpose_label(purpose: str, lang: str) -> str:
    try:
        labels = PURPOSE_LABELS[Purpose(purpose)]
    except ValueError:  # a purpose this version does not know (a newer writer): its key
        return purpose
    return labels[1] if lang == "en" else labels[0]


def masked_officer(officer_id: str | None) -> str | None:
    """An officer's staff id as the citizen sees it: enough to name the read to the agency
    (which holds the whole id, as does the audit chain), not the officer's whole identifier.
    At most half of it shows, and never more than its first two and last two characters."""
    if not officer_id:
        return None
    shown = min(4, len(officer_id) // 2)
    head, tail = shown // 2, shown - shown // 2
    hidden = len(officer_id) - head - tail
    return officer_id[:head] + "*" * hidden + (officer_id[-tail:] if tail else "")
