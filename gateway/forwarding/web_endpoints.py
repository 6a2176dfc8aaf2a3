"""Web Integration: an agency that keeps its own web e-service (RULES.md, agency integration).

POST /v1/applications/{id}/launch      the citizen's app: a link to the agency's page with
                                       `appId` and a one-time `mToken` (5 minutes)
POST /v1/agency/web/exchange           the agency's back end (token of scope agency:CODE):
                                       mToken -> the citizen's verified data, once
POST /v1/agency/web/notifications      the agency's back end (signed like callbacks): a
                                       message for the citizen's inbox
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update

from gateway import audit
from gateway.applications.deps import ApplicationsDep
from gateway.applications.lifecycle import Status
from gateway.audit.access import PORTAL_CODE, Access, Accessor, Purpose
from gateway.deps import AgencyDep, RuntimeDep
from gateway.forwarding.inbound import (
    SIGNED_CALL_PROBLEMS,
    SignatureDep,
    remember_nonce,
    verified_body,
)
from gateway.forwarding.models import LaunchToken
from gateway.http import PersonalDataRoute, parse_body
from gateway.tracking.messages import Message
from identity import CitizenDep, birthdate_from_be
from kernel.errors import Conflict, NotFound, Unauthorized
from kernel.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["web integration"], route_class=PersonalDataRoute)

MTOKEN_LIFETIME = dt.timedelta(minutes=5)


class LaunchOut(BaseModel):
    url: str
    app_id: str
    expires_at: dt.datetime


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    appId: str = Field(min_length=1, max_length=36)
    mToken: str = Field(min_length=16, max_length=128)


class CitizenData(BaseModel):
    """The citizen's verified data, for the agency whose own e-service they opened: what it
    needs to take the application without asking again (R-12.1)."""

    subject: str
    national_id: str = Field(
        description="The 13-digit national ID: the agency files the case under it, as an "
        "agency plugged in by API receives it with each filing. Released only here, once per "
        "mToken, to the agency the application is addressed to; the release is audited."
    )
    first_name_th: str
    last_name_th: str
    first_name_en: str | None
    last_name_en: str | None
    birth_date: str | None = Field(
        description="ISO 8601 (Gregorian) as verified against the civil registry; partial "
        "(YYYY or YYYY-MM) when the registry records no day or month."
    )
    address_th: str | None = Field(
        description="The registered address when the service's form takes it, else null."
    )


class PushIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    appId: str = Field(min_length=1, max_length=36)
    title_th: str = Field(min_length=1, max_length=300)
    title_en: str = Field(default="", max_length=300)
    body_th: str = Field(min_length=1, max_length=2000)
    body_en: str = Field(default="", max_length=2000)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@router.post(
    "/applications/{application_id}/launch",
    response_model=LaunchOut,
    status_code=201,
    responses=problem_responses(
        "application_not_found", "not_web_integration", "not_a_draft", "concurrent_change"
    ),
)
async def launch(
    application_id: str, login: CitizenDep, apps: ApplicationsDep, runtime: RuntimeDep
) -> LaunchOut:
    """Open the agency's own web e-service for this draft (Web Integration services only)."""
    token = secrets.token_urlsafe(32)

    async def open_() -> LaunchOut:
        application = await apps.reader.owned(login.citizen, application_id)
        e_service = await apps.reader.service(application.service_id)
        if e_service.integration_mode != "web":
            raise Conflict("This service is filed on the portal.", code="not_web_integration")
        if application.status != Status.DRAFT:
            raise Conflict("This application was already filed.", code="not_a_draft")
        now = apps.ctx.now
        apps.ctx.session.add(
            LaunchToken(
                token_hash=_hash(token),
                application_id=application.id,
                citizen_id=login.citizen.id,
                agency_code=application.agency_code,
                expires_at=now + MTOKEN_LIFETIME,
                used_at=None,
                created_at=now,
            )
        )
        base = runtime.settings.agencies_url.rstrip("/")
        code = application.agency_code.lower()
        return LaunchOut(
            url=f"{base}/{code}/eservice?appId={application.id}&mToken={token}",
            app_id=application.id,
            expires_at=now + MTOKEN_LIFETIME,
        )

    return await apps.uow.run(open_)


@router.post(
    "/agency/web/exchange",
    response_model=CitizenData,
    responses=problem_responses("invalid_mtoken", "application_not_found", "concurrent_change"),
)
async def exchange(body: ExchangeIn, caller: AgencyDep, apps: ApplicationsDep) -> CitizenData:
    """The agency's back end turns a one-time mToken into the citizen's verified data (never
    asked of the citizen again, R-12.1). Used, expired or foreign tokens answer 401."""
    session = apps.ctx.session

    async def use() -> CitizenData:
        now = apps.ctx.now
        claimed = await session.execute(
            update(LaunchToken)
            .where(
                LaunchToken.token_hash == _hash(body.mToken),
                LaunchToken.application_id == body.appId,
                LaunchToken.agency_code == caller.agency_code,
                LaunchToken.used_at.is_(None),
                LaunchToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(LaunchToken.citizen_id)
            .execution_options(synchronize_session=False)
        )
        citizen_id = claimed.scalar_one_or_none()
        if citizen_id is None:
            raise Unauthorized(
                "The mToken is used, expired or not for this appId.", code="invalid_mtoken"
            )
        citizen = await apps.state.citizen(citizen_id)
        application = await apps.reader.get(body.appId)
        form = (await apps.reader.view(application)).form
        await audit.append(
            session,
            at=now,
            actor=f"agency:{caller.agency_code}:{caller.client_id}",
            action="application.citizen_data_released",
            subject=f"application:{application.id}",
            data={"via": "mToken"},
        )
        # Issue 14: the citizen sees which agency took their verified identity, and for what.
        await apps.ctx.access.record(
            Access(
                citizen_id,
                data="web_integration.profile",
                source=PORTAL_CODE,
                purpose=Purpose.WEB_INTEGRATION,
                ref=application.number or application.service_id,
                service_id=application.service_id,
                accessor=Accessor.agency(caller.agency_code),
            )
        )
        return CitizenData(
            subject=citizen.subject,
            national_id=citizen.national_id,
            first_name_th=citizen.first_name_th,
            last_name_th=citizen.last_name_th,
            first_name_en=citizen.first_name_en,
            last_name_en=citizen.last_name_en,
            birth_date=form.get("birth_date") or _iso_birth_date(citizen.birth_date_be),
            address_th=form.get("registered_address"),
        )

    return await apps.uow.run(use)


def _iso_birth_date(be_date: str) -> str | None:
    try:
        return birthdate_from_be(be_date)
    except ValueError:  # an unknown year: nothing to tell
        return None


@router.post(
    "/agency/web/notifications",
    status_code=202,
    responses=problem_responses(
        *SIGNED_CALL_PROBLEMS, "application_not_found", "concurrent_change"
    ),
)
async def push_notification(
    request: Request,
    apps: ApplicationsDep,
    sent: SignatureDep,
) -> dict[str, Any]:
    """A message from the agency for the citizen of `appId`, to their inbox (R-11.1)."""
    code = sent.agency or ""
    raw, headers = await verified_body(request, code, sent)
    push: PushIn = parse_body(PushIn, raw)

    async def deliver() -> dict[str, Any]:
        await remember_nonce(apps.ctx.session, code, headers.nonce, apps.ctx.now)
        application = await apps.ctx.repository.get(push.appId)
        if application is None or application.agency_code != code:
            raise NotFound("No such application at this agency.", code="application_not_found")
        message = Message(
            title_th=push.title_th,
            title_en=push.title_en or push.title_th,
            body_th=push.body_th,
            body_en=push.body_en or push.body_th,
        )
        apps.ctx.tracker.tell(application, "agency_message", message, {"agency": code})
        return {"accepted": True, "application_id": application.id}

    return await apps.uow.run(deliver)
