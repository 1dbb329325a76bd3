"""Meeting schedules keep their recurrence rule: weekly, every N weeks, or monthly.

A new nullable column holds the RFC 5545 RRULE (`FREQ=MONTHLY;BYDAY=1MO`). Schedules set
before it keep NULL there and stay what they were: weekly, every `interval_weeks` weeks on
`weekday` (which the bot still reads). Downgrading drops the column and turns monthly
schedules off, since the older version would read them as weekly.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule", sa.String(length=100), nullable=True))


def downgrade() -> None:
    schedules = sa.table(
        "meeting_schedule", sa.column("rule", sa.String()), sa.column("active", sa.Boolean())
    )
    op.execute(
        schedules.update().where(schedules.c.rule.like("FREQ=MONTHLY%")).values(active=False)
    )
    with op.batch_alter_table("meeting_schedule", schema=None) as batch_op:
        batch_op.drop_column("rule")
