"""The payments services as endpoint dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.applications.deps import ApplicationsDep
from gateway.payments.runtime import PaymentsRuntime
from gateway.payments.service import Payments


async def get_payments_runtime(request: Request) -> PaymentsRuntime:
    runtime: PaymentsRuntime = request.app.state.payments
    return runtime


PaymentsRuntimeDep = Annotated[PaymentsRuntime, Depends(get_payments_runtime)]


async def get_payments(apps: ApplicationsDep, runtime: PaymentsRuntimeDep) -> Payments:
    return Payments(apps, runtime)


PaymentsDep = Annotated[Payments, Depends(get_payments)]
