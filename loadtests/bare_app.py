"""The ceilings the gateway is measured against, in the same run (loadtests.bench):

- `GET /bare/{id}`: a bare FastAPI endpoint, no database, no middleware;
- `GET /bare-read/{id}`: a bare FastAPI endpoint doing one SQLAlchemy read of an application
  row by primary key, on the gateway's own database (BENCH_DATABASE_URL), with a connection
  pool like the gateway's.

Only SQLAlchemy and FastAPI: the load tests import nothing of the gateway.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, HTTPException
from sqlalchemy import Column, DateTime, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

app = FastAPI()

_BODY = {"id": "bare", "name": "Bare endpoint", "summary": "No database, no middleware."}

_applications = Table(
    "applications",
    MetaData(),
    Column("id", String(36), primary_key=True),
    Column("number", String(40)),
    Column("status", String(24)),
    Column("service_id", String(80)),
    Column("due_at", DateTime()),
)
_engine = create_async_engine(
    os.environ.get("BENCH_DATABASE_URL", "sqlite+aiosqlite://"),
    **({} if os.environ.get("BENCH_DATABASE_URL", "").startswith("sqlite") else {"pool_size": 10}),
)


@app.get("/bare/{item_id}")
async def bare(item_id: str) -> dict[str, str]:
    return {**_BODY, "id": item_id}


@app.get("/bare-read/{application_id}")
async def bare_read(application_id: str) -> dict[str, Any]:
    async with _engine.connect() as connection:
        row = (
            await connection.execute(
                select(_applications).where(_applications.c.id == application_id)
            )
        ).one_or_none()
    if row is None:
        raise HTTPException(404)
    return {key: str(value) for key, value in row._mapping.items()}
