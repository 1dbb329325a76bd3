"""The tables. Instants are UTC (see UTCDateTime); Slack ids are stored as Slack gives them.

Uniqueness that matters is a constraint here, not a check in Python: one active pair per
mentor/mentee and per shared channel, one goal per number in a pair, one row per Slack event id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Index, LargeBinary, Text, UniqueConstraint, text, true
from sqlmodel import Field, SQLModel

from storage.types import StructuredJSON, UTCDateTime

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
    # Added in 0.2: columns added to an existing table need a server default (see init_db).
    action_seq: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="last action item number handed out",
    )
    attention: str | None = Field(
        default=None, max_length=64, description="why the bot can't reach the pair (Slack error)"
    )
    # Added with drift nudges; `true()` is written as each engine writes true (1 on SQLite).
    nudges: bool = Field(
        default=True,
        sa_column=Column(Boolean, nullable=False, server_default=true()),
        description="whether the mentee gets drift nudges (mentoring.nudges)",
    )
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
    done_when: str | None = Field(
        default=None,
        max_length=150,
        description="how the mentee will know it is reached, apart from the wording (0.4)",
    )
    milestone_seq: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="last milestone number handed out for this goal (added in 0.2)",
    )


class Milestone(SQLModel, table=True):
    """A step on the way to a goal: goal 2's milestones are 2.1, 2.2, … (never reused)."""

    __table_args__ = (UniqueConstraint("goal_id", "number", name="uq_milestone_number"),)

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    text: str = Field(max_length=1000)
    due_on: date | None = None
    status: str = Field(default="open", max_length=16, description="open or done")
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
    """Text someone sent that is waiting for them to say what it is (or which pair it is for:
    a slash command that could mean several pairs waits here, as typed, too).

    Kept until used, so nothing a person typed is lost while they decide.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=32)
    kind: str = Field(
        max_length=16, description="note (unclassified), goal, win, or command (a slash command)"
    )
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


class MeetingSchedule(SQLModel, table=True):
    """A pair's meeting cadence, as a recurrence rule and wall-clock time plus an IANA zone
    (mentoring.meetings.cadence).

    `next_plan_at` is when the dispatcher next has work for this schedule (the latest meeting's
    start, when the meeting after it is planned); it is indexed so that a tick with nothing to
    do reads nothing but the index.
    """

    __tablename__ = "meeting_schedule"

    pair_id: int = Field(primary_key=True, foreign_key="pair.id")
    rule: str | None = Field(
        default=None,
        max_length=100,
        description="RFC 5545 RRULE without DTSTART (the anchor), e.g. FREQ=MONTHLY;BYDAY=1MO; "
        "None for schedules set before revision 0005, which are weekly",
    )
    interval_weeks: int = Field(description="weeks between meetings; 0 for a monthly rule")
    weekday: int = Field(description="the first meeting's weekday, 0 = Monday")
    at_time: str = Field(max_length=5, description="HH:MM, wall clock in `tz`")
    tz: str = Field(max_length=64)
    anchor: date = Field(description="local date of the first meeting")
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    paused_until: date | None = Field(default=None, description="no prompts before this date")
    dm_before_minutes: int = 24 * 60
    agenda_before_minutes: int = 60
    followup_after_minutes: int = 120
    mentor_tz: str | None = Field(default=None, max_length=64)
    mentee_tz: str | None = Field(default=None, max_length=64)
    meeting_seq: int = 0
    next_plan_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Meeting(SQLModel, table=True):
    """One occurrence of a pair's meeting. `number` counts the pair's meetings from 1."""

    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_meeting_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    local_date: date
    starts_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(
        default="scheduled", max_length=16, description="scheduled/skipped/cancelled"
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class AgendaItem(SQLModel, table=True):
    """Something a member wants to talk about. Open until an agenda post includes it, which
    stamps `meeting_id`; items added later go to the meeting after."""

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    author_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=16, description="command, dm or thread")
    created_at: datetime = Field(sa_type=UTCDateTime)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)


class ActionItem(SQLModel, table=True):
    """Something a member will act on before next time. `number` is stable within the pair."""

    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_action_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    owner_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """The delivery ledger: one row per planned message, unique per (subject, kind, audience).

    The subject is what the message is about: `meeting:<id>`, `review:<id>`,
    `nudge:<user>:<week>` or `digest:<user>:<week>` (a coordinator's weekly digest, the one
    kind of row that is about no pair: its `pair_id` is NULL).
    planned → sending (claimed, leased until `next_at`) → sent (with Slack's `ts`), skipped
    (with the reason) or failed (with the error). `next_at` is when the row may next be
    claimed: its due time, a retry time, or the end of a claim's lease.
    `uncertain` marks a row whose last send may have reached Slack without an answer: before
    sending again, the channel's history is checked for it.
    """

    __table_args__ = (
        Index("uq_delivery_subject", "subject", "kind", "audience", unique=True),
        Index("ix_delivery_claimable", "status", "next_at"),
        Index("ix_delivery_posted", "channel", "ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int | None = Field(default=None, foreign_key="pair.id", index=True)
    # Added in 0.3 (0.2 keyed rows by meeting only): filled from meeting_id on upgrade.
    subject: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": "''"})
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    review_id: int | None = Field(default=None, foreign_key="review.id")
    kind: str = Field(
        max_length=16, description="prompt, agenda, followup, attention, review, reminder, …"
    )
    audience: str = Field(max_length=16, description="mentor, mentee or channel")
    due_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, description="after this, skipped: too late")
    status: str = Field(default="planned", max_length=16)
    next_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    uncertain: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    claimed_by: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    reply_taken: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    reason: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Coordinator(SQLModel, table=True):
    """A programme coordinator's own choices: the weekly digest, and the zone it is sent in
    (from Slack, when they turned it on). Who is a coordinator is a setting
    (MENTORBOT_COORDINATORS), not a row: a row outlives a person's removal from it, and
    nothing is sent on it alone."""

    user_id: str = Field(primary_key=True, max_length=32)
    digest: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    tz: str = Field(default="UTC", max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DispatchBudget(SQLModel, table=True):
    """The workspace's posting budget as a token bucket, shared by every dispatching process.

    `refilled_at` is wall-clock seconds (time.time), the only clock processes on different
    hosts share; the refill never runs backwards if their clocks disagree a little.
    """

    __tablename__ = "dispatch_budget"

    name: str = Field(primary_key=True, max_length=32)
    tokens: float
    refilled_at: float


class ReviewCadence(SQLModel, table=True):
    """How often a pair reviews its mentorship. No row means the default: every 4 weeks."""

    __tablename__ = "review_cadence"

    pair_id: int = Field(primary_key=True, foreign_key="pair.id")
    every_weeks: int | None = Field(default=None, description="None: reviews are off")
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Review(SQLModel, table=True):
    """One periodic review. Open from `opens_at` until it is closed (both answered, seven days
    passed, or the pair ended); `number` counts the pair's reviews from 1."""

    __table_args__ = (UniqueConstraint("pair_id", "number", name="uq_review_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    number: int
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=16, description="open, closed or cancelled")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_reason: str | None = Field(default=None, max_length=64)
    started_by: str | None = Field(default=None, max_length=32, description="/review now")
    created_at: datetime = Field(sa_type=UTCDateTime)


class ReviewAnswer(SQLModel, table=True):
    """One member's answers to one review, saved page by page; `submitted_at` once complete.
    The structured parts are JSON columns (JSONB on PostgreSQL): check-ins, audit, evidence
    and goalposts."""

    __tablename__ = "review_answer"
    __table_args__ = (UniqueConstraint("review_id", "author_id", name="uq_review_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    author_id: str = Field(max_length=32)
    role: str = Field(max_length=8, description="mentor or mentee")
    # commitment id -> "yes", "partly" or "no"
    checkins: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(StructuredJSON, nullable=False)
    )
    # {"items": {"goal:<id>" | "milestone:<id>": "done" | "on_track" | "behind:<bottleneck>"},
    #  "notes": {"<goal id>": "what would help"}}
    audit: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(StructuredJSON, nullable=False)
    )
    # the ids of the wins the member picked as evidence
    evidence: list[int] = Field(
        default_factory=list, sa_column=Column(StructuredJSON, nullable=False)
    )
    # goal id -> {"decision": keep | pivot | drop | achieved, and for a pivot "text", "due_on",
    # "reason"}
    goalposts: dict[str, dict[str, Any]] = Field(
        default_factory=dict, sa_column=Column(StructuredJSON, nullable=False)
    )
    stop: str | None = Field(default=None, sa_column=Column(Text))
    start: str | None = Field(default=None, sa_column=Column(Text))
    keep_doing: str | None = Field(default=None, sa_column=Column(Text))
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ReviewFit(SQLModel, table=True):
    """The mentee's private view of how well the mentor's experience fits their goals.

    Its own table so that nothing that builds what the mentor or the channel sees reads it.
    """

    __tablename__ = "review_fit"

    review_id: int = Field(primary_key=True, foreign_key="review.id")
    mentee_id: str = Field(max_length=32)
    score: int
    comment: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Commitment(SQLModel, table=True):
    """Something a member said they would start or stop doing, from a review's answers;
    checked at the next review (yes, partly or no)."""

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    review_id: int = Field(foreign_key="review.id")
    owner_id: str = Field(max_length=32)
    kind: str = Field(max_length=8, description="start or stop")
    text: str = Field(sa_column=Column(Text, nullable=False))
    outcome: str | None = Field(default=None, max_length=8, description="yes, partly or no")
    checked_in_review_id: int | None = Field(default=None, foreign_key="review.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class GoalRevision(SQLModel, table=True):
    """A pivot: the goal's wording before and after, why, and when. The goal row keeps its id,
    so milestones and wins stay linked; these rows are its lineage."""

    __tablename__ = "goal_revision"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True)
    pair_id: int = Field(foreign_key="pair.id")
    old_text: str = Field(sa_column=Column(Text, nullable=False))
    new_text: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    review_id: int | None = Field(default=None, foreign_key="review.id")
    changed_by: str = Field(max_length=32)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class MentorOffer(SQLModel, table=True):
    """A person's offer to mentor: what they can help with and have recently achieved, in
    their own words; how many mentees they can take; their time zone (from Slack); and whether
    the goals they achieved and wins they logged may be used as evidence of experience.
    One per person; withdrawing deletes it."""

    __tablename__ = "mentor_offer"

    user_id: str = Field(primary_key=True, max_length=32)
    areas: str = Field(sa_column=Column(Text, nullable=False))
    achievements: str = Field(sa_column=Column(Text, nullable=False))
    capacity: int
    tz: str | None = Field(default=None, max_length=64)
    consent: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MentorRequest(SQLModel, table=True):
    """A mentee asked a mentor, for one goal (its text as the mentee sent it): pending, then
    accepted (with the pair it made) or declined. Seen only by the two of them."""

    __tablename__ = "mentor_request"
    __table_args__ = (
        Index(
            "uq_mentor_request_pending",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: str = Field(index=True, max_length=32)
    mentor_id: str = Field(index=True, max_length=32)
    goal_text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    pair_id: int | None = Field(default=None, foreign_key="pair.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Work(SQLModel, table=True):
    """What a person did that the bot acknowledged — a command, a click, a form, a DM — kept
    from before the ack until it has been carried out.

    waiting → claimed (by a worker, leased until `next_at`) → done or failed (with the reason).
    A claim whose lease ran out (its worker died) is taken again; `attempts` counts the claims.
    `key` makes storing the same delivery twice (a retried Slack event) a no-op. `payload` is
    the task as JSON (the flow's arguments, who acted, where the answer goes): it holds what
    people typed, so finished rows are deleted after a week.
    """

    __table_args__ = (Index("ix_work_claimable", "status", "next_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=200, unique=True)
    flow: str = Field(max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="waiting", max_length=16)
    received_at: datetime = Field(sa_type=UTCDateTime)
    next_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    reason: str | None = Field(default=None, max_length=200)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkIntake(SQLModel, table=True):
    """How far the work table has taken in the serving process's spool (SQLite only: see
    storage.spool): the place after the last line copied, its segment and byte offset packed
    in one integer. One row, moved in the same transaction as the rows it counts."""

    id: int = Field(default=1, primary_key=True)
    taken_to: int = 0


class WorkStep(SQLModel, table=True):
    """A step of a piece of work that has taken effect: a rule's result (recorded in the same
    transaction as the rule's writes), a post's channel and ts, the reply sent. Running the
    work again replays the steps recorded instead of doing them twice."""

    work_id: int = Field(primary_key=True)
    step: int = Field(primary_key=True)
    result: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
