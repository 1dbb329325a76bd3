"""0.3.0: review answers in JSON columns (JSONB on PostgreSQL).

Check-ins, audit, evidence and goalposts were JSON written as text by hand; the same values
now sit in JSON columns that the database reads and writes. On PostgreSQL each text is parsed
into JSONB by the database; on SQLite the table is copied with the columns declared JSON, the
text (valid JSON already) moving as it is.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("checkins", "audit", "evidence", "goalposts")
STRUCTURED = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("review_answer", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=STRUCTURED,
                existing_nullable=False,
                postgresql_using=f"{column}::jsonb",
            )


def downgrade() -> None:
    with op.batch_alter_table("review_answer", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(
                column,
                existing_type=STRUCTURED,
                type_=sa.Text(),
                existing_nullable=False,
                postgresql_using=f"{column}::text",
            )
