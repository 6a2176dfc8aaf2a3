"""Agencies and money from the state: order a payout to a citizen, read its state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.applications.deps import ApplicationsDep
from gateway.deps import AgencyDep
from gateway.payments.disbursements import Disbursements, Order
from gateway.payments.jobs import PaymentJobs
from gateway.payments.schemas import DisbursementIn, DisbursementOut, disbursement_out
from kernel.problems import problem_responses
from payments.models import Disbursement

router = APIRouter(prefix="/v1/agency", tags=["agency"])


@router.post(
    "/disbursements",
    status_code=201,
    response_model=DisbursementOut,
    responses={
        200: {"description": "The payout ordered before with this id", "model": DisbursementOut},
        **problem_responses("payout_id_reused", "concurrent_change"),
    },
)
async def order_disbursement(
    body: DisbursementIn, caller: AgencyDep, apps: ApplicationsDep, request: Request
) -> JSONResponse:
    """Pay a citizen (a benefit, an allowance): on `pay_on` the portal asks its bank to credit
    the account linked by PromptPay to the citizen's national ID. The same `payout_id` again
    answers the first order (200); other content under the same id is refused (409). A payout
    due today is sent to the bank at once: the answer shows whether it was credited."""
    payouts = Disbursements(apps.ctx)
    order = Order(
        payout_id=body.payout_id,
        national_id=body.national_id,
        amount_satang=body.amount_satang,
        kind=body.kind,
        title_th=body.title_th,
        title_en=body.title_en,
        period=body.period,
        pay_on=body.pay_on,
    )
    created, row = await apps.uow.run(
        lambda: payouts.order(caller.agency_code, order, f"agency:{caller.agency_code}")
    )
    if created and row.pay_on <= payouts.today():
        # Due now: sent at once (the bank's answer is awaited with no transaction open); a
        # bank that does not answer leaves it to the scheduled job, with the same transfer id.
        state = request.app.state
        await PaymentJobs(state.runtime, state.applications, state.payments).send(row.id)
        await apps.uow.rollback()
        refreshed = await apps.ctx.session.get(Disbursement, row.id, populate_existing=True)
        assert refreshed is not None
        row = refreshed
    out = disbursement_out(row, "en")
    return JSONResponse(out.model_dump(mode="json"), 201 if created else 200)


@router.get(
    "/disbursements/{payout_id}",
    response_model=DisbursementOut,
    responses=problem_responses("disbursement_not_found"),
)
async def read_disbursement(
    payout_id: str, caller: AgencyDep, apps: ApplicationsDep
) -> DisbursementOut:
    """One of the agency's own payouts: ordered, sent, credited or returned."""
    row = await Disbursements(apps.ctx).of_agency(caller.agency_code, payout_id)
    return disbursement_out(row, "en")
