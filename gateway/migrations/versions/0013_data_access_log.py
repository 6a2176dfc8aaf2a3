"""The data-access log (who looked at a citizen's data, when, which and why)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Append-only by the code (no API changes or removes a line) and provably so by the audit
    # chain: each row's facts are the entry at its audit_seq (gateway/audit/access.py).
    op.create_table(
        "data_access",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accessor_kind", sa.String(length=16), nullable=False),
        sa.Column("accessor", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.String(length=80), nullable=True),
        sa.Column("data_key", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("purpose_kind", sa.String(length=24), nullable=False),
        sa.Column("purpose_ref", sa.String(length=120), nullable=True),
        sa.Column("service_id", sa.String(length=80), nullable=True),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_data_access_citizen_id_citizens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_access")),
    )
    op.create_index(
        "ix_data_access_citizen_id", "data_access", ["citizen_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_data_access_citizen_id", table_name="data_access")
    op.drop_table("data_access")
