"""From an agency's decision to a signed e-document in the citizen's wallet, and its standing
afterwards (R-13.1, R-14.1, R-15.1).

The worker takes a `document.issue` (an approval that granted a document) or
`document.receipt` (a payment's e-receipt) message from the outbox and:

1. plans the document in a short read: the facts it will print (the agency's description, the
   holder as verified, the agency's names), a fresh document id and verification code;
2. renders, signs and time-stamps it with no transaction open (gateway.documents.signing, in a
   thread): a slow signer holds no database connection and no citizen's request;
3. stores the PDF, then in one transaction adds the wallet document, moves the application
   from `approved` to `issued` (the citizen is told in the inbox), appends the audit entry and
   marks the message done.

A message delivered twice finds its document already there and only finishes; a worker that
dies between 2 and 3 leaves at most an unreferenced PDF, and the message is taken up again
when its lease ends. Nothing is issued twice: one document per application, per receipt, and
per agency's document number (database constraints).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, select, update
from sqlalchemy.orm import aliased

from documents.codes import new_code
from documents.facts import (
    REGISTERED_KINDS,
    DocumentFacts,
    DocumentSpec,
    Item,
    Kind,
    mask_name,
    mask_national_id,
)
from gateway import audit
from gateway.applications.lifecycle import Status
from gateway.applications.models import Application
from gateway.applications.services import Applications
from gateway.catalog.models import Agency
from gateway.documents.models import REVOKED, SUSPENDED, VALID, WalletDocument
from gateway.documents.register import name_index
from gateway.documents.signing import DocumentSigning
from gateway.documents.wallet import seal_facts
from gateway.tracking.messages import Message
from gateway.tracking.models import Reminder
from gateway.tracking.reminders import DOCUMENT_EXPIRING, Due, Reminders
from kernel.buddhist_era import thai_date
from kernel.errors import Conflict, NotFound
from kernel.working_time import BANGKOK
from payments.models import PaymentReceipt

log = logging.getLogger("gateway.issuance")

PDF = "application/pdf"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
#: How long before a document lapses its holder is told to renew it.
EXPIRY_NOTICE = dt.timedelta(days=30)

_TELL = {
    "document_revoked": Message(
        "เอกสารถูกเพิกถอน {number}",
        "Document revoked: {number}",
        "{agency_th} เพิกถอน {title_th} เลขที่ {number} แล้ว เหตุผล: {reason}",
        "{agency_en} revoked {title_en} {number}. Reason: {reason}",
    ),
    "document_suspended": Message(
        "เอกสารถูกพักใช้ {number}",
        "Document suspended: {number}",
        "{agency_th} พักใช้ {title_th} เลขที่ {number} เหตุผล: {reason}",
        "{agency_en} suspended {title_en} {number}. Reason: {reason}",
    ),
    "document_reinstated": Message(
        "เอกสารกลับมาใช้ได้ {number}",
        "Document valid again: {number}",
        "{agency_th} ให้ {title_th} เลขที่ {number} กลับมาใช้ได้แล้ว",
        "{agency_en} reinstated {title_en} {number}.",
    ),
    "document_expiring": Message(
        "เอกสารใกล้หมดอายุ {number}",
        "Renew now: {number} expires soon",
        "{title_th} เลขที่ {number} ใช้ได้ถึง {valid_until_th} ต่ออายุได้ทางแอปนี้",
        "{title_en} {number} is valid until {valid_until_en}. You can renew it in this app.",
    ),
}
_TOLD = {REVOKED: "document_revoked", SUSPENDED: "document_suspended", VALID: "document_reinstated"}


@dataclass(frozen=True)
class Plan:
    """A document about to be made: everything but the signing."""

    document_id: str
    code: str
    facts: DocumentFacts
    citizen_id: str
    issued_at: dt.datetime
    application_id: str | None = None
    receipt_number: str | None = None

    @property
    def storage_key(self) -> str:
        return f"documents/{self.facts.agency_code}/{self.document_id}.pdf"


class NotIssuable(Exception):
    """The message can never become a document (say why); it is not tried again."""


def bangkok_day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(BANGKOK).date()


class Issuing:
    """Plans and records documents (steps 1 and 3 of the module docstring)."""

    def __init__(self, apps: Applications, signing: DocumentSigning | None) -> None:
        self.apps = apps
        self.signing = signing  # only planning needs it (the verification URL)
        self.session = apps.ctx.session
        self._agencies: dict[str, Agency | None] = {}  # a batch's documents share agencies

    # --- 1. plan --------------------------------------------------------------------------

    async def plan_for_application(self, application_id: str, raw: Any) -> Plan | None:
        """The plan of the document an approval granted; None when it is already issued."""
        application = await self.session.get(Application, application_id)
        if application is None:
            raise NotIssuable("the application is gone")
        wallet = self.apps.ctx.wallet
        if await wallet.of_application(application.id) is not None:
            return None
        try:
            spec = DocumentSpec.model_validate(raw)
        except ValidationError as invalid:
            raise NotIssuable(f"the granted document is malformed: {invalid}") from invalid
        taken = await wallet.by_number(application.agency_code, spec.number)
        if taken is not None:
            raise NotIssuable(f"{application.agency_code} document number {spec.number} is taken")
        issued_at = self.apps.ctx.now
        facts = await self._facts(
            application.citizen_id,
            application.agency_code,
            kind=spec.kind,
            number=spec.number,
            title_th=spec.title_th,
            title_en=spec.title_en,
            issued_on=bangkok_day(issued_at),
            valid_from=spec.valid_from,
            valid_until=spec.valid_until,
            items=tuple(item.item() for item in spec.items),
            code=(code := new_code()),
        )
        return Plan(
            str(uuid.uuid4()),
            code,
            facts,
            application.citizen_id,
            issued_at,
            application_id=application.id,
        )

    async def plan_for_receipt(self, receipt_number: str) -> Plan | None:
        """The plan of a payment's e-receipt as a PDF; None when it is already in the wallet."""
        receipt = await self.session.get(PaymentReceipt, receipt_number)
        if receipt is None:
            raise NotIssuable(f"no receipt {receipt_number}")
        if await self.apps.ctx.wallet.of_receipt(receipt_number) is not None:
            return None
        payload = receipt.payload
        paid_for = payload.get("for") or {}
        items = [
            Item("paid_for", "รายการ", "For", str(paid_for.get("th")), str(paid_for.get("en"))),
            Item("reference", "อ้างอิง", "Reference", *[str(paid_for.get("reference"))] * 2),
        ]
        for n, fee in enumerate(payload.get("items") or [], start=1):
            amount = f"{int(fee.get('amount_satang', 0)) / 100:,.2f}"
            items.append(
                Item(
                    f"item_{n}",
                    str(fee.get("label_th") or "-"),
                    str(fee.get("label_en") or fee.get("label_th") or "-"),
                    f"{amount} บาท",
                    f"THB {amount}",
                )
            )
        display = str(payload.get("amount_display"))
        items += [
            Item("amount", "จำนวนเงิน", "Amount", f"{display} บาท", f"THB {display}"),
            Item(
                "amount_text",
                "จำนวนเงิน (ตัวอักษร)",
                "Amount in words (Thai)",
                *[str(payload.get("amount_text_th"))] * 2,
            ),
            Item("paid_at", "ชำระเมื่อ", "Paid at", *[_bangkok_time(payload.get("paid_at"))] * 2),
            Item("payment_id", "เลขที่การชำระ", "Payment", *[str(payload.get("payment_id"))] * 2),
            Item(
                "tax_id",
                "เลขประจำตัวผู้เสียภาษีของหน่วยงาน",
                "Agency tax ID",
                *[str((payload.get("agency") or {}).get("tax_id") or "-")] * 2,
            ),
        ]
        facts = await self._facts(
            receipt.citizen_id,
            receipt.agency_code,
            kind=Kind.E_RECEIPT,
            number=receipt.number,
            title_th="ใบเสร็จรับเงิน",
            title_en="Official receipt",
            issued_on=bangkok_day(receipt.issued_at),
            valid_from=None,
            valid_until=None,
            items=tuple(items),
            code=(code := new_code()),
        )
        return Plan(
            str(uuid.uuid4()),
            code,
            facts,
            receipt.citizen_id,
            receipt.issued_at,
            receipt_number=receipt.number,
        )

    async def _facts(
        self,
        citizen_id: str,
        agency_code: str,
        *,
        code: str,
        kind: Kind,
        number: str,
        title_th: str,
        title_en: str,
        issued_on: dt.date,
        valid_from: dt.date | None,
        valid_until: dt.date | None,
        items: tuple[Item, ...],
    ) -> DocumentFacts:
        citizen = await self.apps.state.citizen(citizen_id)
        if agency_code not in self._agencies:
            self._agencies[agency_code] = await self.apps.ctx.catalog_rows.get_agency(agency_code)
        agency = self._agencies[agency_code]
        english = (
            f"{citizen.first_name_en} {citizen.last_name_en}"
            if citizen.first_name_en and citizen.last_name_en
            else None
        )
        return DocumentFacts(
            kind=kind,
            number=number,
            title_th=title_th,
            title_en=title_en,
            agency_code=agency_code,
            agency_name_th=agency.name_th if agency else agency_code,
            agency_name_en=agency.name_en if agency else agency_code,
            holder_name_th=f"{citizen.first_name_th} {citizen.last_name_th}",
            holder_name_en=english,
            holder_id_masked=mask_national_id(citizen.national_id),
            issued_on=issued_on,
            valid_from=valid_from,
            valid_until=valid_until,
            verify_url=self._signing().verify_url(code),
            items=items,
        )

    def _signing(self) -> DocumentSigning:
        if self.signing is None:
            raise NotIssuable("this process has no document signing keys")
        return self.signing

    # --- 3. record ------------------------------------------------------------------------

    async def record(
        self, plan: Plan, *, pdf_size: int, sha256: str, credential: str, signer_serial: str
    ) -> WalletDocument | None:
        """Add the signed document (its PDF already stored under `plan.storage_key`) and move
        the application to `issued`; None when another delivery recorded it first."""
        wallet = self.apps.ctx.wallet
        if plan.application_id is not None and await wallet.of_application(plan.application_id):
            return None
        if plan.receipt_number is not None and await wallet.of_receipt(plan.receipt_number):
            return None
        facts = plan.facts
        vault = self.apps.ctx.runtime.vault
        registered = facts.kind in REGISTERED_KINDS
        document = WalletDocument(
            id=plan.document_id,
            citizen_id=plan.citizen_id,
            kind=facts.kind.value,
            title_th=facts.title_th,
            title_en=facts.title_en,
            issuer_agency=facts.agency_code,
            media_type=PDF,
            size=pdf_size,
            sha256=sha256,
            storage_key=plan.storage_key,
            issued_at=plan.issued_at,
            number=facts.number,
            application_id=plan.application_id,
            receipt_number=plan.receipt_number,
            verification_code=plan.code,
            status=VALID,
            valid_from=facts.valid_from,
            valid_until=facts.valid_until,
            facts_enc=seal_facts(vault, plan.document_id, facts),
            credential=credential,
            signer_serial=signer_serial,
            registered=registered,
            holder_masked=mask_name(facts.holder_name_th) if registered else None,
            holder_index=name_index(vault, facts.holder_name_th) if registered else None,
        )
        self.session.add(document)
        await self.session.flush()
        if plan.application_id is not None:
            application = await self.session.get(Application, plan.application_id)
            if application is not None and application.status == Status.APPROVED:
                await self.apps.transitions.issue(
                    application.id, {"document_id": document.id, "document_number": facts.number}
                )
        await audit.append(
            self.session,
            at=self.apps.ctx.now,
            actor="system:gateway",
            action="document.issued",
            subject=f"document:{document.id}",
            data={
                "agency": facts.agency_code,
                "number": facts.number,
                "kind": facts.kind.value,
                "sha256": sha256,
                "signer_serial": signer_serial,
                "application": plan.application_id,
                "receipt": plan.receipt_number,
            },
        )
        return document

    # --- standing -----------------------------------------------------------------------------

    async def change_status(
        self, agency_code: str, number: str, status: str, reason: str, actor: str
    ) -> tuple[WalletDocument, bool]:
        """The issuing agency revokes, suspends or reinstates its document: the register and
        the verification page show it at once, and the holder is told (R-11.1, R-13.1).
        Saying the same again changes nothing; a revoked document stays revoked."""
        document = await self.apps.ctx.wallet.by_number(agency_code, number)
        if document is None:
            raise NotFound("No such document of this agency.", code="document_not_found")
        if document.status == status:
            return document, False
        if document.status == REVOKED:
            raise Conflict(
                "A revoked document stays revoked; issue a new one instead.",
                code="document_status_final",
            )
        now = self.apps.ctx.now
        document.status = status
        document.status_reason = reason
        document.status_changed_at = now
        agency = await self.apps.ctx.catalog_rows.get_agency(agency_code)
        kind = _TOLD[status]
        values = {
            "number": number,
            "title_th": document.title_th,
            "title_en": document.title_en,
            "agency_th": agency.name_th if agency else agency_code,
            "agency_en": agency.name_en if agency else agency_code,
            "reason": reason,
        }
        self.apps.ctx.tracker.tell_citizen(
            document.citizen_id,
            document.application_id,
            kind,
            _TELL[kind].filled(values),
            {"document_id": document.id, "number": number, "status": status},
        )
        await audit.append(
            self.session,
            at=now,
            actor=actor,
            action=f"document.{status}",
            subject=f"document:{document.id}",
            data={"agency": agency_code, "number": number, "reason_given": True},
        )
        return document, True

    async def remind_expiring(self, today: dt.date, *, limit: int = 500) -> int:
        """Tell each holder once, 30 days ahead, that a document is about to lapse, with the
        service to renew it by (the one that issued it): a reminder on the home screen and its
        one inbox notice (gateway.tracking.reminders). The number of holders told."""
        reminders = Reminders(self.session, self.apps.ctx.now)
        statement = (
            select(WalletDocument, Application.service_id)
            .outerjoin(Application, Application.id == WalletDocument.application_id)
            .where(
                WalletDocument.status == VALID,
                WalletDocument.expiry_notified_at.is_(None),
                WalletDocument.valid_until.is_not(None),
                WalletDocument.valid_until >= today,
                WalletDocument.valid_until <= today + EXPIRY_NOTICE,
            )
            .order_by(WalletDocument.valid_until, WalletDocument.id)
            .limit(limit)
        )
        rows = (await self.session.execute(statement)).all()
        told = 0
        for document, service_id in rows:
            assert document.valid_until is not None
            # Claimed with a conditional update: two job runners never tell the holder twice.
            claimed = await self.session.execute(
                update(WalletDocument)
                .where(
                    WalletDocument.id == document.id, WalletDocument.expiry_notified_at.is_(None)
                )
                .values(expiry_notified_at=self.apps.ctx.now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            values = {
                "number": document.number or "-",
                "title_th": document.title_th,
                "title_en": document.title_en,
                "valid_until_th": thai_date(document.valid_until),
                "valid_until_en": document.valid_until.isoformat(),
            }
            renew_href = f"/v1/services/{service_id}" if service_id else None
            made = await reminders.remind(
                Due(
                    citizen_id=document.citizen_id,
                    kind=DOCUMENT_EXPIRING,
                    subject=document.id,
                    message=_TELL["document_expiring"].filled(values),
                    href=renew_href or f"/v1/documents/{document.id}",
                    notice_kind="document_expiring",
                    due_on=document.valid_until,
                    application_id=document.application_id,
                    refs={"document_id": document.id, "renew_service_id": service_id},
                    notice_data={
                        "document_id": document.id,
                        "number": document.number,
                        "valid_until": document.valid_until.isoformat(),
                        "renew_service_id": service_id,
                        "renew_href": renew_href,
                    },
                )
            )
            told += made is not None
        return told

    async def settle_expiring(self, today: dt.date) -> int:
        """Expiry reminders whose document no longer needs renewing are done: revoked or
        suspended, lapsed (`expired`), or `renewed` (a newer valid document from the same
        service is in the holder's wallet). How many."""
        issued_by = aliased(Application)
        newer, newer_by = aliased(WalletDocument), aliased(Application)
        renewed = (
            select(newer.id)
            .join(newer_by, newer_by.id == newer.application_id)
            .where(
                newer.citizen_id == WalletDocument.citizen_id,
                newer.id != WalletDocument.id,
                newer.status == VALID,
                newer.issued_at > WalletDocument.issued_at,
                newer_by.service_id == issued_by.service_id,
            )
            .exists()
        )
        state = (
            select(
                case(
                    (WalletDocument.status != VALID, WalletDocument.status),
                    (WalletDocument.valid_until < today, "expired"),
                    (renewed, "renewed"),
                    else_=VALID,
                )
            )
            .select_from(WalletDocument)
            .outerjoin(issued_by, issued_by.id == WalletDocument.application_id)
            .where(WalletDocument.id == Reminder.subject)
            .scalar_subquery()
        )
        reminders = Reminders(self.session, self.apps.ctx.now)
        return await reminders.settle([DOCUMENT_EXPIRING], state, still_due=[VALID])


def _bangkok_time(value: object) -> str:
    if not isinstance(value, str):
        return "-"
    instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(BANGKOK)
    return instant.strftime("%Y-%m-%d %H:%M")


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data
