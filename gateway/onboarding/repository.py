"""SQL for onboarding cases. Nothing outside this module writes their queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.onboarding.models import (
    ConnectorCertification,
    OnboardingCase,
    OnboardingEvent,
    ServiceFlowModel,
)


class OnboardingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(
        self,
        row: OnboardingCase | OnboardingEvent | ServiceFlowModel | ConnectorCertification,
    ) -> None:
        self.session.add(row)

    async def get(self, case_id: int) -> OnboardingCase | None:
        return await self.session.get(OnboardingCase, case_id, populate_existing=True)

    async def open_case_of(self, service_id: str) -> OnboardingCase | None:
        stmt = select(OnboardingCase).where(
            OnboardingCase.service_id == service_id, OnboardingCase.status == "open"
        )
        return (await self.session.scalars(stmt.limit(1))).first()

    async def cases_of_service(self, service_id: str) -> Sequence[OnboardingCase]:
        stmt = select(OnboardingCase).where(OnboardingCase.service_id == service_id)
        return (await self.session.scalars(stmt.order_by(OnboardingCase.id))).all()

    async def page(
        self,
        *,
        step: int | None,
        agency: str | None,
        status: str | None,
        after: int | None,
        limit: int,
    ) -> Sequence[OnboardingCase]:
        stmt = select(OnboardingCase)
        if step is not None:
            stmt = stmt.where(OnboardingCase.step == step)
        if agency is not None:
            stmt = stmt.where(OnboardingCase.agency_code == agency)
        if status is not None:
            stmt = stmt.where(OnboardingCase.status == status)
        if after is not None:
            stmt = stmt.where(OnboardingCase.id > after)
        return (await self.session.scalars(stmt.order_by(OnboardingCase.id).limit(limit))).all()

    async def all_cases(self) -> Sequence[OnboardingCase]:
        return (await self.session.scalars(select(OnboardingCase))).all()

    async def events(self, case_id: int) -> Sequence[OnboardingEvent]:
        stmt = (
            select(OnboardingEvent)
            .where(OnboardingEvent.case_id == case_id)
            .order_by(OnboardingEvent.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def flow_models(self, case_id: int) -> Sequence[ServiceFlowModel]:
        stmt = (
            select(ServiceFlowModel)
            .where(ServiceFlowModel.case_id == case_id)
            .order_by(ServiceFlowModel.version)
        )
        return (await self.session.scalars(stmt)).all()

    async def flow_model_versions(self, case_ids: Sequence[int]) -> dict[int, int]:
        """The latest flow-model version of each case that has one."""
        if not case_ids:
            return {}
        stmt = (
            select(ServiceFlowModel.case_id, func.max(ServiceFlowModel.version))
            .where(ServiceFlowModel.case_id.in_(case_ids))
            .group_by(ServiceFlowModel.case_id)
        )
        return {case_id: int(v) for case_id, v in (await self.session.execute(stmt)).all()}

    async def latest_certification(self, case_id: int) -> ConnectorCertification | None:
        stmt = (
            select(ConnectorCertification)
            .where(ConnectorCertification.case_id == case_id)
            .order_by(ConnectorCertification.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()
