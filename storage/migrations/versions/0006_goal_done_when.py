"""Goals keep "How you'll know" apart from their wording.

A new nullable column holds what the goal form asks as "How you'll know"; the form used to
glue it onto the wording as "(done when …)". Goals written before keep their wording as it
is. Downgrading glues it back onto the wording, as the older version wrote it, so that nothing
typed is lost, then drops the column.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_when", sa.String(length=150), nullable=True))


def downgrade() -> None:
    goals = sa.table("goal", sa.column("text", sa.String()), sa.column("done_when", sa.String()))
    glued = goals.c.text + " (done when " + goals.c.done_when + ")"
    op.execute(
        goals.update()
        .where(goals.c.done_when.is_not(None), goals.c.done_when != "")
        .values(text=glued)
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_column("done_when")
