"""Money from the state (รับเงิน): an agency orders a payout (its connector's approved event,
or the agency API), idempotent per the agency's payout id; on its day the portal asks the bank
to credit the account linked by PromptPay to the citizen's national ID.

    ordered -> sent -> credited | returned   (returned: no PromptPay link; the citizen is told
                                              how to link one)

The citizen sees what they received and what is coming (`GET /v1/disbursements`), also when
the order came before they ever signed in (matched by the national ID's blind index).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gateway import audit
from gateway.applications.context import Context
from gateway.tracking.messages import Message
from identity import CitizenRef
from kernel.errors import Conflict, NotFound
from kernel.working_time import BANGKOK
from payments.models import Disbursement
from payments.money import format_baht
from payments.psp import Transfer

_TELL = {
    "ordered": Message(
        "มีเงินจากรัฐที่จะได้รับ: {title_th}",
        "Money coming from the state: {title_en}",
        "{agency} จะโอน {amount} บาท เข้าบัญชีพร้อมเพย์ที่ผูกกับเลขประจำตัวประชาชนของท่าน วันที่ {pay_on}",
        "{agency} will pay THB {amount} to the PromptPay account linked to your national ID "
        "on {pay_on}.",
    ),
    "credited": Message(
        "ได้รับเงินแล้ว: {title_th}",
        "Money received: {title_en}",
        "โอนเงิน {amount} บาท เข้าบัญชี {account} แล้ว",
        "THB {amount} was paid into account {account}.",
    ),
    "returned": Message(
        "โอนเงินไม่สำเร็จ: {title_th}",
        "Payment returned: {title_en}",
        "โอนเงิน {amount} บาท ไม่สำเร็จ เพราะเลขประจำตัวประชาชนของท่านยังไม่ได้ผูกพร้อมเพย์ "
        "กรุณาลงทะเบียนพร้อมเพย์ด้วยเลขประจำตัวประชาชนที่ธนาคารของท่าน แล้วหน่วยงานจะโอนให้อีกครั้ง",
        "THB {amount} could not be paid: your national ID is not linked to PromptPay. "
        "Register it for PromptPay at your bank (app or branch); the agency will pay again.",
    ),
}


@dataclass(frozen=True)
class Order:
    payout_id: str
    national_id: str
    amount_satang: int
    kind: str
    title_th: str
    title_en: str
    period: str | None
    pay_on: dt.date | None

    def fingerprint(self) -> str:
        content = {
            "national_id": self.national_id,
            "amount_satang": self.amount_satang,
            "kind": self.kind,
            "period": self.period,
            "pay_on": self.pay_on.isoformat() if self.pay_on else None,
        }
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class Disbursements:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vault = ctx.runtime.vault

    def today(self) -> dt.date:
        return self.ctx.now.astimezone(BANGKOK).date()

    async def order(self, agency_code: str, order: Order, actor: str) -> tuple[bool, Disbursement]:
        """The agency's order; the same payout id again answers the first order (and a
        different order under the same payout id is refused)."""
        session, now = self.ctx.session, self.ctx.now
        existing = await session.scalar(
            select(Disbursement).where(
                Disbursement.agency_code == agency_code,
                Disbursement.payout_id == order.payout_id,
            )
        )
        fingerprint = order.fingerprint()
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise Conflict(
                    f"Payout {order.payout_id} was ordered before with other content.",
                    code="payout_id_reused",
                )
            return False, existing
        disbursement = Disbursement(
            id=str(uuid.uuid4()),
            agency_code=agency_code,
            payout_id=order.payout_id,
            pid_index=self.vault.blind_index(order.national_id),
            pid_enc="",
            kind=order.kind,
            title_th=order.title_th,
            title_en=order.title_en,
            period=order.period,
            amount_satang=order.amount_satang,
            pay_on=order.pay_on or self.today(),
            fingerprint=fingerprint,
            status="ordered",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        disbursement.pid_enc = self.vault.encrypt(
            order.national_id, context=f"disbursement:{disbursement.id}"
        )
        session.add(disbursement)
        await audit.append(
            session,
            at=now,
            actor=actor,
            action="disbursement.ordered",
            subject=f"disbursement:{disbursement.id}",
            data={
                "agency": agency_code,
                "payout_id": order.payout_id,
                "amount_satang": order.amount_satang,
                "pay_on": disbursement.pay_on.isoformat(),
            },
        )
        await self._tell(disbursement, "ordered")
        return True, disbursement

    async def of_agency(self, agency_code: str, payout_id: str) -> Disbursement:
        found = await self.ctx.session.scalar(
            select(Disbursement).where(
                Disbursement.agency_code == agency_code, Disbursement.payout_id == payout_id
            )
        )
        if found is None:
            raise NotFound("No such payout.", code="disbursement_not_found")
        return found

    async def mine(self, citizen: CitizenRef, limit: int) -> Sequence[Disbursement]:
        me = await self.ctx.runtime.directory.require(self.ctx.session, citizen.id)
        statement = (
            select(Disbursement)
            .where(Disbursement.pid_index == self.vault.blind_index(me.national_id))
            .order_by(Disbursement.pay_on.desc(), Disbursement.created_at.desc())
            .limit(limit)
        )
        return (await self.ctx.session.scalars(statement)).all()

    def national_id(self, disbursement: Disbursement) -> str:
        return self.vault.decrypt(disbursement.pid_enc, context=f"disbursement:{disbursement.id}")

    async def mark_sent(self, disbursement_id: str) -> Disbursement | None:
        """Taken for sending now (the bank is then asked with no transaction open)."""
        disbursement = await self.ctx.session.get(Disbursement, disbursement_id)
        if disbursement is None or disbursement.status not in ("ordered", "sent"):
            return None
        disbursement.status = "sent"
        disbursement.attempts += 1
        disbursement.updated_at = self.ctx.now
        return disbursement

    async def settle(self, disbursement_id: str, transfer: Transfer) -> Disbursement:
        disbursement = await self.ctx.session.get(Disbursement, disbursement_id)
        assert disbursement is not None
        if disbursement.status in ("credited", "returned"):
            return disbursement
        now = self.ctx.now
        disbursement.status = "credited" if transfer.status == "credited" else "returned"
        disbursement.reason = transfer.reason
        disbursement.account_masked = transfer.account_masked
        disbursement.settled_at = transfer.at or now
        disbursement.updated_at = now
        disbursement.last_error = None
        await audit.append(
            self.ctx.session,
            at=now,
            actor="system:payments",
            action=f"disbursement.{disbursement.status}",
            subject=f"disbursement:{disbursement.id}",
            data={"reason": transfer.reason or "", "amount_satang": disbursement.amount_satang},
        )
        await self._tell(disbursement, disbursement.status)
        return disbursement

    async def failed_now(self, disbursement_id: str, error: str) -> None:
        disbursement = await self.ctx.session.get(Disbursement, disbursement_id)
        if disbursement is not None and disbursement.status == "sent":
            disbursement.last_error = error[:300]
            disbursement.updated_at = self.ctx.now

    async def _tell(self, disbursement: Disbursement, kind: str) -> None:
        """The citizen hears of it when they have signed in to the portal at least once."""
        citizen_id = await self.ctx.runtime.directory.id_of_national_id(
            self.ctx.session, self.national_id(disbursement)
        )
        if citizen_id is None:
            return
        agency = await self.ctx.catalog_rows.get_agency(disbursement.agency_code)
        values: dict[str, Any] = {
            "title_th": disbursement.title_th,
            "title_en": disbursement.title_en,
            "amount": format_baht(disbursement.amount_satang),
            "pay_on": disbursement.pay_on.isoformat(),
            "account": disbursement.account_masked or "-",
        }
        th = {**values, "agency": agency.name_th if agency else disbursement.agency_code}
        en = {**values, "agency": agency.name_en if agency else disbursement.agency_code}
        # The agency is named in each message's own language.
        thai, english = _TELL[kind].filled(th), _TELL[kind].filled(en)
        message = Message(thai.title_th, english.title_en, thai.body_th, english.body_en)
        self.ctx.tracker.tell_citizen(
            citizen_id,
            None,
            f"disbursement_{kind}",
            message,
            {"disbursement_id": disbursement.id, "status": disbursement.status},
        )
