"""The applications services as endpoint dependencies (the citizen's, the agency's and the
forwarding endpoints use the same ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.applications.context import ApplicationsRuntime
from gateway.applications.services import Applications, build
from gateway.deps import RuntimeDep, UowDep


async def get_applications_runtime(request: Request) -> ApplicationsRuntime:
    runtime: ApplicationsRuntime = request.app.state.applications
    return runtime


AppsRuntimeDep = Annotated[ApplicationsRuntime, Depends(get_applications_runtime)]


async def get_applications(uow: UowDep, runtime: RuntimeDep, apps: AppsRuntimeDep) -> Applications:
    return build(uow, apps, runtime.cursors)


ApplicationsDep = Annotated[Applications, Depends(get_applications)]
