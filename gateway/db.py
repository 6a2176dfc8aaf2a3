"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL via DATABASE_URL.

The same models, queries and Alembic migrations run on both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from gateway.config import Settings
from persistence import Base, UTCDateTime

__all__ = ["Base", "UTCDateTime", "create_engine", "ensure_sqlite_dir", "session_factory"]


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a SQLite file database, so a fresh checkout just works."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and "/" in path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode at commit boundaries
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    options: dict[str, Any] = {"echo": settings.sql_echo}
    ensure_sqlite_dir(settings.database_url)
    if not settings.is_sqlite:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=10,
            pool_pre_ping=settings.db_pool_pre_ping,
        )
    engine = create_async_engine(settings.database_url, **options)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
