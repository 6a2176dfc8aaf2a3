"""Onboarding: cases through the 13 steps, their events, service flow models, certifications

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:49:26.617746
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import persistence

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_reason", sa.String(length=32), nullable=True),
        sa.Column("connector_version", sa.String(length=64), nullable=True),
        sa.Column("coordinator", sa.String(length=300), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("step_entered_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("adapts_since", persistence.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_onboarding_cases_agency_code_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["onboarding_cases.id"],
            name=op.f("fk_onboarding_cases_replaces_id_onboarding_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_cases")),
    )
    with op.batch_alter_table("onboarding_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_cases_agency_code"), ["agency_code"], unique=False
        )
        batch_op.create_index("ix_onboarding_cases_service", ["service_id"], unique=False)
        batch_op.create_index("ix_onboarding_cases_status_step", ["status", "step"], unique=False)

    op.create_table(
        "onboarding_certifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("connector_version", sa.String(length=64), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("issued_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("submitted_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["onboarding_cases.id"],
            name=op.f("fk_onboarding_certifications_case_id_onboarding_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_certifications")),
    )
    with op.batch_alter_table("onboarding_certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_certifications_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "onboarding_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("to_step", sa.Integer(), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["onboarding_cases.id"],
            name=op.f("fk_onboarding_events_case_id_onboarding_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_events")),
    )
    with op.batch_alter_table("onboarding_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_onboarding_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "onboarding_flow_models",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.Column("created_at", persistence.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["onboarding_cases.id"],
            name=op.f("fk_onboarding_flow_models_case_id_onboarding_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "version", name=op.f("pk_onboarding_flow_models")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_flow_models")
    with op.batch_alter_table("onboarding_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_events_case_id"))

    op.drop_table("onboarding_events")
    with op.batch_alter_table("onboarding_certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_certifications_case_id"))

    op.drop_table("onboarding_certifications")
    with op.batch_alter_table("onboarding_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_onboarding_cases_status_step")
        batch_op.drop_index("ix_onboarding_cases_service")
        batch_op.drop_index(batch_op.f("ix_onboarding_cases_agency_code"))

    op.drop_table("onboarding_cases")
