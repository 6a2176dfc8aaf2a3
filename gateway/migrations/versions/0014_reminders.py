"""Reminders (what is due: expiring documents, fees and bills, requests waiting on the citizen)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("citizen_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=True),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_at", persistence.UTCDateTime(timezone=True), nullable=True),
        sa.Column("title_th", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("body_th", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("href", sa.String(length=300), nullable=False),
        sa.Column("created_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", persistence.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=24), nullable=True),
        sa.Column("notification_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name=op.f("fk_reminders_citizen_id_citizens")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_reminders_notification_id_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        # One reminder per citizen, kind and subject: two job runners at once make one.
        sa.UniqueConstraint("citizen_id", "kind", "subject", name=op.f("uq_reminders_citizen_id")),
    )
    op.create_index(
        "ix_reminders_open",
        "reminders",
        ["kind"],
        unique=False,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_open", table_name="reminders")
    op.drop_table("reminders")
