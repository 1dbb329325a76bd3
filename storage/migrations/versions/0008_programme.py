"""Programme coordinators: their digest choice, and ledger rows about no pair.

A new table keeps each coordinator's weekly-digest opt-in and zone. A digest is a ledger row
like every scheduled post (one per coordinator per week, by its unique key), but it is about
the programme, not a pair: `delivery.pair_id` becomes nullable. Downgrading deletes the digest
rows (the older version could not read them) and drops the table.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinator",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("pair_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    delivery = sa.table("delivery", sa.column("pair_id", sa.Integer()))
    op.execute(delivery.delete().where(delivery.c.pair_id.is_(None)))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("pair_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("coordinator")
