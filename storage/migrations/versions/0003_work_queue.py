"""0.3.0: durable work and the steps each piece of work took.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _settle_the_ledger()
    op.create_table(
        "work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("flow", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.create_index("ix_work_claimable", ["status", "next_at"], unique=False)

    op.create_table(
        "workstep",
        sa.Column("work_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "step"),
    )


def _settle_the_ledger() -> None:
    """A database that began at 0.1.0 and was brought forward by 0.2.0's own start-up (which
    only added what was missing) may still hold 0.1.0's key on the ledger and lack the link
    from a ledger row to its review: settle both, so that every 0.2.0 database is alike."""
    inspector = sa.inspect(op.get_bind())
    stale = any(
        c["name"] == "uq_delivery_key" for c in inspector.get_unique_constraints("delivery")
    )
    linked = any(fk["referred_table"] == "review" for fk in inspector.get_foreign_keys("delivery"))
    if stale or not linked:
        with op.batch_alter_table("delivery", schema=None) as batch_op:
            if stale:
                batch_op.drop_constraint("uq_delivery_key", type_="unique")
            if not linked:
                batch_op.create_foreign_key(
                    "fk_delivery_review_id", "review", ["review_id"], ["id"]
                )


def downgrade() -> None:
    op.drop_table("workstep")
    with op.batch_alter_table("work", schema=None) as batch_op:
        batch_op.drop_index("ix_work_claimable")
    op.drop_table("work")
