"""The tables the code declares are the tables the migrations build: Alembic's comparison of
the models with a database migrated to head finds nothing to change (on SQLite, and on
PostgreSQL when CITIZEN_GATEWAY_TEST_DATABASE_URL names one). A model moved between packages,
or changed without its migration, fails here."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import gateway.models  # noqa: F401 - registers every table on the metadata
from gateway.config import Settings
from gateway.db import create_engine
from persistence import Base


async def test_the_migrations_build_exactly_the_declared_tables(migrated: Settings) -> None:
    engine = create_engine(migrated)

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(differences)
    finally:
        await engine.dispose()

    assert found == []
