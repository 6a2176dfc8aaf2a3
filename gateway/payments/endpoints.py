"""Pay (R-7.4): the citizen's payments and the bank's webhooks.

POST /v1/applications/{id}/payments   the QR for the application's fee (Idempotency-Key)
GET  /v1/payments, /v1/payments/{id}  the citizen's own payments
GET  /v1/payments/{id}/qr.png|qr.svg  the QR as an image
GET  /v1/payments/{id}/receipt        the signed e-receipt once paid
POST /v1/payments/{id}/cancel         give up an open QR
POST /v1/payments/webhooks/{psp}      the bank's signed notifications
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from connectors.errors import ConnectorError
from gateway.deps import IdempotencyKey, LangDep, idempotent_answer
from gateway.http import read_capped
from gateway.idempotency import IDEMPOTENCY, check_key
from gateway.payments.bills import Billing, portal_bill_id
from gateway.payments.deps import PaymentsDep
from gateway.payments.disbursements import Disbursements
from gateway.payments.schemas import (
    BillOut,
    BillsOut,
    DisbursementList,
    EReceiptOut,
    PaymentOut,
    PaymentPage,
    WebhookIn,
    WebhookOut,
    disbursement_out,
)
from gateway.payments.service import Payments
from identity import CitizenDep
from kernel.errors import FieldError, NotFound, ServiceUnavailable, Unauthorized, ValidationFailed
from kernel.problems import problem_responses
from payments.intents import OPEN, IntentStatus
from payments.models import BankTransaction, PaymentIntent, WebhookSignature
from payments.money import format_baht
from payments.psp import BankError, BankTxn
from payments.qrimage import qr_png, qr_svg
from payments.signatures import SignatureRefused, verify

log = logging.getLogger("gateway.payments")

router = APIRouter(prefix="/v1", tags=["payments"])

#: A bank notification is small; anything larger is refused before it is read further.
WEBHOOK_MAX_BYTES = 16_384


async def shown(payments: Payments, intent: PaymentIntent, lang: str) -> dict[str, Any]:
    demand = await payments.demand_of(intent)
    return PaymentOut.of(intent, demand, lang).model_dump(mode="json")


@router.post(
    "/applications/{application_id}/payments",
    status_code=201,
    response_model=PaymentOut,
    responses={
        200: {"description": "The fee's open payment, shown again", "model": PaymentOut},
        **problem_responses("application_not_found", "no_payment_due", *IDEMPOTENCY),
    },
)
async def pay_application_fee(
    application_id: str,
    login: CitizenDep,
    payments: PaymentsDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The Thai QR to pay the application's fee (R-7.4): Ref1 is the application number,
    Ref2 the payment id, valid until `expires_at`. A fee has one open payment at a time:
    asking again (a second tap, another device) shows the same one (200)."""
    key = check_key(idempotency_key)

    async def start() -> tuple[int, dict[str, Any]]:
        started = await payments.start_for_application(login.citizen, application_id)
        return (201 if started.created else 200), await shown(payments, started.intent, lang)

    outcome = await payments.apps.uow.once(
        login.citizen.id, key, f"POST /v1/applications/{application_id}/payments", {}, start
    )
    return idempotent_answer(outcome)


@router.get("/me/bills", response_model=BillsOut)
async def my_bills(login: CitizenDep, payments: PaymentsDep, lang: LangDep) -> BillsOut:
    """What the citizen owes agencies that bill them (electricity, water, tax due), asked of
    each biller now; a biller that does not answer in time is named in `unavailable`."""
    billing = Billing(payments.apps, payments.ctx.runtime.connectors)
    found = await billing.list(login.citizen)
    await payments.apps.uow.rollback()  # read only: nothing of the citizen's is kept
    return BillsOut(
        items=[
            BillOut(
                id=portal_bill_id(f.agency_code, f.bill.bill_id),
                agency_code=f.agency_code,
                bill_id=f.bill.bill_id,
                kind=f.bill.kind,
                title=f.bill.title_en if lang == "en" else f.bill.title_th,
                account_ref=f.bill.account_ref,
                period=f.bill.period,
                amount_satang=f.bill.amount_satang,
                amount_display=format_baht(f.bill.amount_satang),
                due_on=f.bill.due_on,
            )
            for f in found.bills
        ],
        unavailable=found.unavailable,
    )


@router.post(
    "/bills/{bill_id}/payments",
    status_code=201,
    response_model=PaymentOut,
    responses={
        200: {"description": "The bill's open payment, shown again", "model": PaymentOut},
        **problem_responses("bill_not_found", "no_payment_due", "agency_unavailable", *IDEMPOTENCY),
    },
)
async def pay_bill(
    bill_id: str,
    login: CitizenDep,
    payments: PaymentsDep,
    lang: LangDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The Thai QR to pay a bill (Ref1 is the biller's bill number, Ref2 the payment id). The
    biller is asked first that the bill is still open and the citizen's, at that amount."""
    key = check_key(idempotency_key)
    billing = Billing(payments.apps, payments.ctx.runtime.connectors)
    try:
        found = await billing.find(login.citizen, bill_id)
    except ConnectorError as down:
        raise ServiceUnavailable(
            "The biller cannot be reached now; try again later.", code="agency_unavailable"
        ) from down
    await payments.apps.uow.rollback()  # no transaction stays open across the biller's call

    async def start() -> tuple[int, dict[str, Any]]:
        demand = await billing.demand(login.citizen, found, payments.runtime.fee_due)
        started = await payments.start(demand)
        return (201 if started.created else 200), await shown(payments, started.intent, lang)

    outcome = await payments.apps.uow.once(
        login.citizen.id, key, f"POST /v1/bills/{bill_id}/payments", {}, start
    )
    return idempotent_answer(outcome)


@router.get("/payments", response_model=PaymentPage, responses=problem_responses("invalid_cursor"))
async def list_payments(
    login: CitizenDep,
    payments: PaymentsDep,
    lang: LangDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    """The citizen's own payments, newest first."""
    cursors = payments.ctx.cursors
    fingerprint = f"payments:{login.citizen.id}"
    before = None
    if cursor is not None:
        at, _, last_id = cursors.decode(cursor, fingerprint).partition("|")
        before = (dt.datetime.fromisoformat(at), last_id)
    intents = await payments.page(login.citizen, limit=limit + 1, before=before)
    items = [await shown(payments, intent, lang) for intent in intents[:limit]]
    next_cursor = None
    if len(intents) > limit:
        last = intents[limit - 1]
        next_cursor = cursors.encode(fingerprint, f"{last.created_at.isoformat()}|{last.id}")
    return {"items": items, "next_cursor": next_cursor}


@router.get(
    "/payments/{payment_id}",
    response_model=PaymentOut,
    responses=problem_responses("payment_not_found"),
)
async def get_payment(
    payment_id: str, login: CitizenDep, payments: PaymentsDep, lang: LangDep
) -> dict[str, Any]:
    """One of the citizen's payments: its status, its QR while open, its receipt once paid."""
    return await shown(payments, await payments.owned(login.citizen, payment_id), lang)


def _open_payload(intent: PaymentIntent) -> str:
    if IntentStatus(intent.status) not in OPEN:
        raise NotFound("The payment is closed: it has no QR any more.", code="payment_not_found")
    return intent.qr_payload


@router.get(
    "/payments/{payment_id}/qr.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The QR (PNG)"},
        **problem_responses("payment_not_found"),
    },
)
async def payment_qr_png(payment_id: str, login: CitizenDep, payments: PaymentsDep) -> Response:
    """The open payment's Thai QR as a PNG image (scan it with any Thai banking app)."""
    payload = _open_payload(await payments.owned(login.citizen, payment_id))
    return Response(qr_png(payload), media_type="image/png")


@router.get(
    "/payments/{payment_id}/qr.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "The QR (SVG)"},
        **problem_responses("payment_not_found"),
    },
)
async def payment_qr_svg(payment_id: str, login: CitizenDep, payments: PaymentsDep) -> Response:
    """The open payment's Thai QR as SVG."""
    payload = _open_payload(await payments.owned(login.citizen, payment_id))
    return Response(qr_svg(payload), media_type="image/svg+xml")


@router.get(
    "/payments/{payment_id}/receipt",
    response_model=EReceiptOut,
    responses=problem_responses("payment_not_found", "e_receipt_not_found"),
)
async def payment_receipt(payment_id: str, login: CitizenDep, payments: PaymentsDep) -> EReceiptOut:
    """The official e-receipt: a number in the agency's series for the Thai fiscal year,
    the amount in words, signed (JWS, key in the published JWKS)."""
    intent = await payments.owned(login.citizen, payment_id)
    receipt = await payments.receipt_of(intent)
    if receipt is None:
        raise NotFound("This payment has no receipt (yet).", code="e_receipt_not_found")
    return EReceiptOut.of(receipt)


@router.post(
    "/payments/{payment_id}/cancel",
    response_model=PaymentOut,
    responses=problem_responses("payment_not_found", "payment_closed", "concurrent_change"),
)
async def cancel_payment(
    payment_id: str, login: CitizenDep, payments: PaymentsDep, lang: LangDep
) -> dict[str, Any]:
    """Give up an open QR; while the fee is due a new one can be asked for."""
    intent = await payments.apps.uow.run(lambda: payments.cancel(login.citizen, payment_id))
    return await shown(payments, intent, lang)


@router.get("/disbursements", response_model=DisbursementList)
async def my_disbursements(
    login: CitizenDep,
    payments: PaymentsDep,
    lang: LangDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DisbursementList:
    """Money from the state (รับเงิน): what the citizen received (credited, or returned when
    their national ID has no PromptPay link) and what is coming."""
    rows = await Disbursements(payments.ctx).mine(login.citizen, limit)
    shown_rows = [disbursement_out(row, lang) for row in rows]
    return DisbursementList(
        received=[d for d in shown_rows if d.status in ("credited", "returned")],
        coming=[d for d in shown_rows if d.status in ("ordered", "sent")],
    )


# --- the bank's webhooks ------------------------------------------------------------------


@router.post(
    "/payments/webhooks/{psp}",
    response_model=WebhookOut,
    responses=problem_responses(
        "psp_not_found",
        "signature_missing",
        "signature_malformed",
        "signature_invalid",
        "signature_stale",
        "signature_replayed",
        "unknown_key",
        "invalid_webhook",
        "payload_too_large",
        "concurrent_change",
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": WebhookIn.model_json_schema()}},
        }
    },
)
async def bank_webhook(
    psp: str,
    request: Request,
    payments: PaymentsDep,
) -> WebhookOut:
    """A bank's notification of money received, signed (HMAC-SHA256 over the timestamp and
    the raw body, `X-Bank-Key-Id`, `X-Bank-Timestamp`, `X-Bank-Signature`). Stale, forged and
    replayed ones are refused and change nothing. A notification is never believed alone:
    the bank's status API is asked for the final word, now or (when the bank does not answer)
    by the scheduled job, and a transaction is credited once, however often it is reported."""
    runtime = payments.runtime
    if psp != runtime.psp:
        raise NotFound(f"No payment provider {psp!r}.", code="psp_not_found")
    raw = await read_capped(request, WEBHOOK_MAX_BYTES)
    try:
        # Freshness is judged by real time, not the simulated clock: it is about the network.
        verify(request.headers, raw, runtime.webhook_keys, int(time.time()))
    except SignatureRefused as refused:
        raise Unauthorized(refused.message, code=refused.code) from refused
    try:
        body = WebhookIn.model_validate_json(raw)
    except ValidationError as invalid:
        raise ValidationFailed(
            "The notification is malformed.",
            code="invalid_webhook",
            errors=[
                FieldError(
                    "/body/" + "/".join(str(p) for p in error["loc"]),
                    str(error["type"]),
                    str(error["msg"]),
                )
                for error in invalid.errors()[:20]
            ],
        ) from invalid
    signature = request.headers.get("x-bank-signature", "").removeprefix("v1=")
    word = BankTxn(
        txn_id=body.txn_id,
        kind="payment",
        status="succeeded",
        biller_id=body.biller_id,
        ref1=body.ref1,
        ref2=body.ref2,
        amount_satang=body.amount_satang,
        paid_at=body.paid_at.astimezone(dt.UTC),
        channel=body.channel,
        refunded_satang=0,
    )

    async def hear() -> None:
        session = payments.session
        if await session.get(WebhookSignature, signature) is not None:
            raise Unauthorized("This notification was received before.", code="signature_replayed")
        session.add(WebhookSignature(signature=signature, psp=psp, received_at=payments.now))
        if body.type == "payment.succeeded":
            await payments.hear(word, "webhook")
        await session.flush()

    uow = payments.apps.uow
    try:
        await uow.run(hear)
    except IntegrityError as raced:  # the same signed request, at the same moment
        raise Unauthorized(
            "This notification was received before.", code="signature_replayed"
        ) from raced
    if body.type != "payment.succeeded":
        return WebhookOut(received=True, txn_id=body.txn_id, outcome="noted")
    # The bank's own word, asked with no transaction open.
    try:
        confirmed = await runtime.bank.transaction(body.txn_id)
    except BankError as unavailable:
        log.warning(
            "payment not confirmed yet", extra={"txn_id": body.txn_id, "why": unavailable.code}
        )
        why = unavailable.message

        async def later() -> None:
            txn = await payments.session.get_one(BankTransaction, body.txn_id)
            if txn.state != "applied":
                await payments.could_not_confirm(txn, why)

        await uow.run(later)
        return WebhookOut(received=True, txn_id=body.txn_id, outcome="unconfirmed")
    outcome = await uow.run(lambda: payments.settle(body.txn_id, confirmed))
    return WebhookOut(received=True, txn_id=body.txn_id, outcome=outcome)
