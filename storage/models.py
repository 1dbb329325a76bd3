"""The tables. Instants are UTC (see UTCDateTime); Slack ids are stored as Slack gives them.

Uniqueness that matters is a constraint here, not a check in Python: one active pair per
mentor/mentee and per shared channel, one goal per number in a pair, one row per Slack event id.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

ACTIVE = "active"
ENDED = "ended"


class Pair(SQLModel, table=True):
    """A mentorship: one mentor, one mentee and the channel they share."""

    __table_args__ = (
        Index(
            "uq_pair_active_members",
            "mentor_id",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_pair_active_channel",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    mentor_id: str = Field(index=True, max_length=32)
    mentee_id: str = Field(index=True, max_length=32)
    channel_id: str = Field(max_length=32)
    status: str = Field(default=ACTIVE, max_length=16)
    goal_seq: int = Field(default=0, description="last goal number handed out in this pair")
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=32)


class Goal(SQLModel, table=True):
    """A goal of the pair's mentee. `number` is stable within the pair and never reused."""

    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_goal_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    text: str = Field(max_length=1000)
    due_on: date | None = None
    status: str = Field(default="open", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Win(SQLModel, table=True):
    """A win the mentee logged, optionally linked to a goal, and where it was announced."""

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    goal_id: int | None = Field(default=None, foreign_key="goal.id")
    author_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    worked: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_type=UTCDateTime)
    announce_channel: str | None = Field(default=None, max_length=32)
    announce_ts: str | None = Field(default=None, max_length=32)
    announce_error: str | None = Field(default=None, max_length=64)


class Draft(SQLModel, table=True):
    """Text someone sent that is waiting for them to say what it is (or which pair it is for).

    Kept until used, so nothing a person typed is lost while they decide.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16, description="note (unclassified), goal or win")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InboundEvent(SQLModel, table=True):
    """An Events API delivery, stored before Slack gets its ack.

    The primary key is Slack's `event_id`, so a retry or duplicate delivery finds the row that is
    already there; `processed_at` is set in the same transaction as the event's effects.
    """

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    deliveries: int = 1
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    outcome: str | None = Field(default=None, max_length=64)
