"""0.2.0: milestones, goal revisions, reviews and drift nudges.

Reviews bring their cadence, answers, fit and commitments; the delivery ledger is keyed by
subject, so that a review's messages have rows too.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_cadence",
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.PrimaryKeyConstraint("pair_id"),
    )
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("goal_id", "number", name="uq_milestone_number"),
    )
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestone_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=64), nullable=True),
        sa.Column("started_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pair_id", "number", name="uq_review_number"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("checked_in_review_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checked_in_review_id"],
            ["review.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "goal_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["pair.id"],
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_revision_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "review_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("checkins", sa.Text(), nullable=False),
        sa.Column("audit", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("goalposts", sa.Text(), nullable=False),
        sa.Column("stop", sa.Text(), nullable=True),
        sa.Column("start", sa.Text(), nullable=True),
        sa.Column("keep_doing", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "author_id", name="uq_review_answer"),
    )
    with op.batch_alter_table("review_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_answer_review_id"), ["review_id"], unique=False)

    op.create_table(
        "review_fit",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("review_id"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("review_id", sa.Integer(), nullable=True))

    # 0.1.0's rows were all a meeting's: their subject says which (before the new key needs it).
    op.execute("UPDATE delivery SET subject = 'meeting:' || meeting_id")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("meeting_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.drop_constraint("uq_delivery_key", type_="unique")
        batch_op.create_index("uq_delivery_subject", ["subject", "kind", "audience"], unique=True)
        batch_op.create_foreign_key("fk_delivery_review_id", "review", ["review_id"], ["id"])

    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("milestone_seq", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("pair", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nudges", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    raise NotImplementedError(
        "0.2.0 cannot be taken back to 0.1.0 in place: restore the backup taken before upgrading"
    )
