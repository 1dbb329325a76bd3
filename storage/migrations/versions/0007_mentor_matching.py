"""Mentor matching: offers to mentor, and mentees' requests to a mentor.

Two new tables; nothing existing changes. Downgrading drops them (offers and requests are
lost; pairs a request made stay).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentor_offer",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("areas", sa.Text(), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "mentor_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.String(length=32), nullable=False),
        sa.Column("mentor_id", sa.String(length=32), nullable=False),
        sa.Column("goal_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentor_request", schema=None) as batch_op:
        batch_op.create_index("ix_mentor_request_mentee_id", ["mentee_id"], unique=False)
        batch_op.create_index("ix_mentor_request_mentor_id", ["mentor_id"], unique=False)
        batch_op.create_index(
            "uq_mentor_request_pending",
            ["mentee_id", "mentor_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    op.drop_table("mentor_request")
    op.drop_table("mentor_offer")
