"""Consents (data a service's law does not already let the portal fetch)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", persistence.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", "purpose", name=op.f("pk_consents")),
    )


def downgrade() -> None:
    op.drop_table("consents")
