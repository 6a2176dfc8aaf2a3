"""Audit log: append-only, hash-chained entries and the chain head (R-15.1)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = '0' * 64

# The database refuses to rewrite history: entries are never updated or deleted, and
# the head only moves forward one entry at a time. The hash chain still catches whoever
# bypasses these (a superuser, or a copy of the SQLite file).
POSTGRESQL_UP = [
    """
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only (R-15.1): % refused', TG_OP;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq IN (OLD.seq, OLD.seq + 1) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_chain_head only moves forward (R-15.1): % refused', TG_OP;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only()
    """,
    """
    CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_forward_only()
    """,
]
POSTGRESQL_DOWN = [
    'DROP FUNCTION IF EXISTS audit_log_refuse_change()',
    'DROP FUNCTION IF EXISTS audit_chain_head_forward_only()',
]

SQLITE_UP = [
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (R-15.1): UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (R-15.1): DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head
    WHEN NEW.id <> OLD.id OR NEW.seq NOT IN (OLD.seq, OLD.seq + 1)
    BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward (R-15.1): UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward (R-15.1): DELETE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_audit_log_seq_positive')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_subject_seq', 'audit_log', ['subject', 'seq'], unique=False)

    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.bulk_insert(head, [{'id': 1, 'seq': 0, 'hash': GENESIS_HASH}])

    triggers = {'postgresql': POSTGRESQL_UP, 'sqlite': SQLITE_UP}
    for statement in triggers[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers, on both databases.
    op.drop_table('audit_chain_head')
    op.drop_index('ix_audit_log_subject_seq', table_name='audit_log')
    op.drop_table('audit_log')
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
