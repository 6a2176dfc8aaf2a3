"""Know for the signed-in citizen: `/v1/me/entitlements`, `/v1/me/records` and the consents
that let the portal ask agencies whose data no law lets it fetch (`/v1/me/consents`).

A citizen reaches only their own: nothing here takes another citizen's id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from gateway.deps import LangDep, RuntimeDep, SessionDep, UowDep
from gateway.http import PersonalDataRoute, model_json
from gateway.know.consents import CONSENT_SOURCES, Consents, ConsentState
from gateway.know.schemas import ConsentList, ConsentOut, EntitlementsOut, RecordsOut
from gateway.know.service import Know, KnowRuntime
from identity import CitizenDep
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1/me", tags=["know"], route_class=PersonalDataRoute)

PurposeId = Annotated[str, PathParam(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


def _runtime(request: Request) -> KnowRuntime:
    know: KnowRuntime = request.app.state.know
    return know


@router.get("/entitlements", response_model=EntitlementsOut)
async def my_entitlements(
    request: Request, login: CitizenDep, session: SessionDep, lang: LangDep
) -> Response:
    """Every live service with an eligibility rule, decided on the facts the state holds about
    the citizen (asked of each source agency at once, never of the citizen: R-12.1), with the
    conditions that decided it; what the citizen already receives; what starts soon. A source
    that does not answer in time leaves its facts `unknown`, with the reason."""
    know = Know(_runtime(request), session, lang)
    return model_json(await know.entitlements(login.citizen.id))


@router.get("/records", response_model=RecordsOut)
async def my_records(
    request: Request, login: CitizenDep, session: SessionDep, lang: LangDep
) -> Response:
    """The records the state holds about the citizen, by source agency, each with its as-of
    time: fetched live, kept by the portal only for the source's short freshness bound."""
    know = Know(_runtime(request), session, lang)
    return model_json(await know.records(login.citizen.id))


def _out(state: ConsentState, lang: str) -> ConsentOut:
    en = lang == "en"
    purpose = state.purpose
    return ConsentOut(
        purpose=purpose.id,
        title=purpose.title_en if en else purpose.title_th,
        description=purpose.description_en if en else purpose.description_th,
        agencies=sorted(CONSENT_SOURCES),
        granted=state.granted,
        granted_at=state.granted_at,
        revoked_at=state.revoked_at,
    )


@router.get("/consents", response_model=ConsentList)
async def my_consents(
    login: CitizenDep, session: SessionDep, lang: LangDep, runtime: RuntimeDep
) -> ConsentList:
    """Every purpose the portal may ask consent for, and whether the citizen agrees now."""
    states = await Consents(session, runtime.clock.now()).states(login.citizen.id)
    return ConsentList(items=[_out(state, lang) for state in states])


@router.put(
    "/consents/{purpose}",
    response_model=ConsentOut,
    responses=problem_responses("consent_purpose_not_found", "concurrent_change"),
)
async def give_consent(
    purpose: PurposeId, login: CitizenDep, uow: UowDep, lang: LangDep
) -> ConsentOut:
    """Agree that the portal asks the listed agencies for this purpose (asked once: agreeing
    again changes nothing)."""
    consents = Consents(uow.session, uow.now)
    state = await uow.run(lambda: consents.grant(login.citizen.id, purpose))
    return _out(state, lang)


@router.delete(
    "/consents/{purpose}",
    response_model=ConsentOut,
    responses=problem_responses("consent_purpose_not_found", "concurrent_change"),
)
async def withdraw_consent(
    request: Request, purpose: PurposeId, login: CitizenDep, uow: UowDep, lang: LangDep
) -> ConsentOut:
    """Withdraw the consent: from now on the portal asks none of its agencies for this purpose
    (what this process kept from them is forgotten at once)."""
    consents = Consents(uow.session, uow.now)
    state = await uow.run(lambda: consents.revoke(login.citizen.id, purpose))
    _runtime(request).cache.forget(login.citizen.id, CONSENT_SOURCES)
    return _out(state, lang)
