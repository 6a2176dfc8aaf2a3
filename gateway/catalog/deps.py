"""The catalog service as an endpoint dependency (used by the catalog's and the operators'
endpoints alike)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.catalog.repository import CatalogRepository
from gateway.catalog.service import CatalogService
from gateway.deps import Runtime, RuntimeDep, UowDep
from gateway.uow import UnitOfWork


def catalog_of(uow: UnitOfWork, runtime: Runtime) -> CatalogService:
    return CatalogService(CatalogRepository(uow.session), runtime.cursors)


async def get_catalog(uow: UowDep, runtime: RuntimeDep) -> CatalogService:
    return catalog_of(uow, runtime)


CatalogDep = Annotated[CatalogService, Depends(get_catalog)]
