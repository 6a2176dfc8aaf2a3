"""Each process reads the recent revocations by when they were made (indexes on revoked_at)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_oidc_token_families_revoked_at"), "oidc_token_families", ["revoked_at"]
    )
    op.create_index(
        op.f("ix_oidc_revoked_access_tokens_revoked_at"),
        "oidc_revoked_access_tokens",
        ["revoked_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_oidc_revoked_access_tokens_revoked_at"), table_name="oidc_revoked_access_tokens"
    )
    op.drop_index(op.f("ix_oidc_token_families_revoked_at"), table_name="oidc_token_families")
