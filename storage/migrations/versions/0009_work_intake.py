"""How far the work table has taken in the serving process's spool (SQLite's work intake).

On SQLite the serving process stores acknowledged work in a log of its own (storage.spool);
one new row records the place in it up to which the work table took it in. Downgrading drops
it: an older version writes to the work table directly (run it once the spool is empty).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workintake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_to", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("workintake")
